/**
 * Kubernetes resource quantities (`500m`, `1`, `256Mi`, `1e3`), as the API server takes them in a
 * Pod's resources and as its CEL `quantity()` reads them. One definition for the
 * EnvoyProxyParameters reader and the CRD rules file mode checks.
 */
const QUANTITY = /^\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;
const SUFFIX_FACTOR: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
/** Kubernetes keeps quantities in an int64 of their smallest unit; past this the API server refuses them. */
const MAX_QUANTITY = 9.2e18;

/** The value of a quantity in its base unit (cores, bytes); undefined when it is not one Kubernetes takes. */
export function quantityValue(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const suffix = match[3] ?? '';
  const number = Number(match[1]);
  const value =
    suffix.startsWith('e') || suffix.startsWith('E')
      ? number * 10 ** Number(suffix.slice(1))
      : number * (SUFFIX_FACTOR[suffix] ?? 1);
  return Number.isFinite(value) && value <= MAX_QUANTITY ? value : undefined;
}
