/**
 * Gateway API durations (GEP-2257), which readers check where a field is read and the translator
 * checks where it reads a value itself (`translate/gatewayapi/validation.ts` re-exports this).
 */
const DURATION_RE = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/** Gateway API duration (GEP-2257): `1h`, `30s`, `500ms`, `1m30s`… → milliseconds, or undefined if invalid. */
export function parseGatewayDuration(text: unknown): number | undefined {
  if (typeof text !== 'string' || !DURATION_RE.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/([0-9]+)(ms|h|m|s)/g)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0);
  }
  return total;
}
