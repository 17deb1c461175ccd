/**
 * IP addresses and CIDR notation as the Kubernetes API server reads them (its CEL `isIP` and
 * `isCIDR`, Go's `netip.ParseAddr` and `netip.ParsePrefix`): an IPv4 or IPv6 address, without a
 * zone and not IPv4-mapped (`::ffff:a.b.c.d`); for a CIDR, then a slash and a prefix length in
 * decimal without leading zeros, within the address's bits. Host bits may be set. One definition
 * for the CRD rules file mode checks and the readers that take the value.
 */
import { isIP } from 'node:net';

export interface Cidr {
  address: string;
  prefixLength: number;
}

/** 4 or 6, or 0 when `text` is not an address `isIP` accepts. */
export function ipFamily(text: string): 0 | 4 | 6 {
  if (text.includes('%')) return 0;
  const family = isIP(text);
  if (family === 6 && isIpv4Mapped(text)) return 0;
  return family === 4 || family === 6 ? family : 0;
}

export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = text.slice(0, slash);
  const bits = text.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(bits)) return undefined;
  const family = ipFamily(address);
  const prefixLength = Number(bits);
  if (family === 0 || prefixLength > (family === 4 ? 32 : 128)) return undefined;
  return { address, prefixLength };
}

/** `::ffff:0:0/96` (a valid IPv6 address, as `isIP` says). */
function isIpv4Mapped(address: string): boolean {
  let text = address.toLowerCase();
  // A trailing dotted quad is two groups.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right].map((g) =>
    parseInt(g, 16),
  );
  return groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
}
