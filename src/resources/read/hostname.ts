/**
 * The Gateway API's Hostname grammar: an exact name or a wildcard `*.` followed by a domain.
 * Readers use it to check input fields; the translator's hostname matching lives in
 * src/translate/gatewayapi/hostnames.ts.
 */
const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const HOSTNAME_RE = new RegExp(`^(\\*\\.)?${DNS_LABEL}(\\.${DNS_LABEL})*$`);
const IPV4_RE = /^[0-9]+(\.[0-9]+){3}$/;

/** A hostname a listener or route may carry: lowercase RFC 1123, optional leading `*.`, not an IP. */
export function isValidHostname(hostname: string): boolean {
  return hostname.length <= 253 && HOSTNAME_RE.test(hostname) && !IPV4_RE.test(hostname) && !hostname.includes(':');
}
