/**
 * PEM bundles of trusted CAs (a `ca.crt` that holds more than one certificate). During a rotation
 * of the xDS CA (README, "Renewing and rotating the xDS certificates") both ends of the channel trust the old and the new
 * CA at once, so that a certificate signed by either is accepted while the other end catches up.
 * Pure: no I/O.
 */

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The certificates of a PEM bundle, each trimmed to its BEGIN/END lines; other text is dropped. */
export function splitPem(bundle: string): string[] {
  return [...bundle.matchAll(PEM_CERTIFICATE)].map((m) => m[0].replace(/\r\n/g, '\n'));
}

/**
 * One bundle of the given certificates (or bundles), each once, in the order first seen: comparing
 * two bundles made by this function is comparing their sets of certificates in order.
 */
export function joinPem(...bundles: readonly string[]): string {
  const seen = new Set<string>();
  for (const bundle of bundles) for (const cert of splitPem(bundle)) seen.add(cert);
  return [...seen].map((cert) => `${cert}\n`).join('');
}

/** Whether `bundle` holds the certificate `cert` (a single PEM certificate). */
export function bundleHolds(bundle: string, cert: string): boolean {
  const wanted = splitPem(cert)[0];
  return wanted !== undefined && splitPem(bundle).includes(wanted);
}

/** Whether two bundles hold the same certificates in the same order. */
export function sameBundle(a: string, b: string): boolean {
  return joinPem(a) === joinPem(b);
}
