/** RFC 7230 `token`: what an HTTP header name may contain (readers and the translator check it). */
const HEADER_NAME_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function isHeaderName(name: unknown): name is string {
  return typeof name === 'string' && HEADER_NAME_RE.test(name);
}
