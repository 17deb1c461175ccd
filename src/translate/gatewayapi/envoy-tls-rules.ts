/**
 * What Envoy's TLS library (BoringSSL) accepts, checked with Node's (OpenSSL), which reads more.
 * One certificate or key Envoy refuses makes it reject the whole update it arrives in (every
 * secret of the response, or every cluster), so nothing it would refuse may leave the translator.
 *
 * The rules were found by feeding Envoy 1.40 each key type, size and certificate shape, and are
 * pinned by `test/e2e/tls-rules.test.ts` (docs/spec-decisions.md lists them):
 * - every PEM certificate (CA bundles and serving chains) must parse, with a version of 1 to 3
 *   and no extensions (or unique IDs) its version does not allow;
 * - a serving certificate's key is RSA (modulus 2048 to 16384 bits, odd public exponent of 2 to
 *   33 bits), ECDSA on a named P-256, P-384 or P-521 curve, or Ed25519. Only the first
 *   certificate of a chain (the one presented) is held to this; intermediates are not;
 * - the private key is unencrypted, two-prime if RSA with parts that agree (n = pq, d inverts e,
 *   CRT parameters), and matches that certificate.
 * Envoy accepts expired and not-yet-valid certificates: `validityNote` only describes them.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';

/** A DER element: its tag, and where its contents start and end. */
interface Der {
  tag: number;
  start: number;
  end: number;
}

function derAt(buf: Buffer, pos: number, limit: number): Der | undefined {
  if (pos + 2 > limit) return undefined;
  const tag = buf[pos]!;
  let len = buf[pos + 1]!;
  let start = pos + 2;
  if (len & 0x80) {
    const bytes = len & 0x7f;
    if (bytes === 0 || bytes > 4 || start + bytes > limit) return undefined;
    len = 0;
    for (let i = 0; i < bytes; i++) len = len * 256 + buf[start + i]!;
    start += bytes;
  }
  return start + len <= limit ? { tag, start, end: start + len } : undefined;
}

/** The first element inside a constructed element. */
function firstChild(buf: Buffer, parent: Der | undefined): Der | undefined {
  return parent ? derAt(buf, parent.start, parent.end) : undefined;
}

/**
 * What BoringSSL refuses in a certificate that OpenSSL reads: a version other than v1, v2 or v3,
 * and extensions (or unique IDs) in a certificate whose version does not allow them.
 */
function shapeProblem(pem: string): string | undefined {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const cert = derAt(der, 0, der.length);
  const tbs = cert?.tag === 0x30 ? firstChild(der, cert) : undefined;
  if (!tbs || tbs.tag !== 0x30) return 'is not a DER certificate';
  let version = 0;
  let pos = tbs.start;
  const first = derAt(der, pos, tbs.end);
  if (first?.tag === 0xa0) {
    const v = firstChild(der, first);
    if (!v || v.tag !== 0x02 || v.end - v.start !== 1) return 'has an unreadable version';
    version = der[v.start]!;
    pos = first.end;
  }
  if (version > 2) return `has version ${version + 1}, which Envoy does not accept`;
  for (let e = derAt(der, pos, tbs.end); e; e = derAt(der, e.end, tbs.end)) {
    if (e.tag === 0xa3 && version !== 2) return 'has extensions but is not a version 3 certificate';
    if ((e.tag === 0xa1 || e.tag === 0xa2) && version === 0) return 'has unique IDs in a version 1 certificate';
  }
  return undefined;
}

/** The PEM certificate blocks of a text, in order (other blocks and text between them are skipped, as Envoy does). */
export function certificateBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** A certificate block Envoy can load, or why not (completes "… certificate that …"). */
function loadCertificate(block: string): X509Certificate | { problem: string } {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(block);
  } catch {
    return { problem: 'does not parse' };
  }
  const problem = shapeProblem(block);
  return problem ? { problem } : cert;
}

/** The PEM certificates of a CA bundle (the ones Envoy loads), or why Envoy would refuse it. */
export function caBundle(pem: unknown, field = 'ca.crt'): string | { problem: string } {
  if (typeof pem !== 'string' || pem.trim() === '') {
    return { problem: field === 'ca.crt' ? 'has no key ca.crt' : `has no ${field}` };
  }
  const blocks = certificateBlocks(pem);
  if (blocks.length === 0) return { problem: `has no PEM certificate under ${field}` };
  for (const block of blocks) {
    const loaded = loadCertificate(block);
    if (!(loaded instanceof X509Certificate))
      return { problem: `has a certificate under ${field} that ${loaded.problem}` };
  }
  return blocks.join('\n') + '\n';
}

const KEY_TYPE_NAMES: Record<string, string> = {
  'rsa-pss': 'RSA-PSS (id-RSASSA-PSS)',
  dsa: 'DSA',
  dh: 'Diffie-Hellman',
  ed448: 'Ed448',
  x25519: 'X25519',
  x448: 'X448',
};
const ACCEPTED_KEYS = 'RSA (2048 to 16384 bits), ECDSA on P-256, P-384 or P-521, or Ed25519';
const NAMED_CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
export const MIN_RSA_BITS = 2048;
export const MAX_RSA_BITS = 16384;
const MAX_RSA_EXPONENT_BITS = 33;

/** Whether an EC public key names its curve (BoringSSL refuses explicit curve parameters). */
function hasNamedCurve(key: KeyObject): boolean {
  const spki = key.export({ type: 'spki', format: 'der' });
  const algorithm = firstChild(spki, derAt(spki, 0, spki.length));
  const oid = firstChild(spki, algorithm);
  const parameters = oid && algorithm ? derAt(spki, oid.end, algorithm.end) : undefined;
  return parameters?.tag === 0x06;
}

/** Why Envoy refuses the public key of the certificate it would present (completes "tls.crt has …"). */
function servingKeyProblem(key: KeyObject): string | undefined {
  const type = key.asymmetricKeyType ?? 'unknown';
  if (type === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) {
      return `an RSA key of ${bits} bits: Envoy requires at least ${MIN_RSA_BITS}; issue a certificate with a ${MIN_RSA_BITS}-bit or larger key`;
    }
    if (bits > MAX_RSA_BITS) {
      return `an RSA key of ${bits} bits: Envoy accepts at most ${MAX_RSA_BITS}; issue a certificate with a smaller key`;
    }
    const exponent = key.asymmetricKeyDetails?.publicExponent ?? 0n;
    if (exponent % 2n === 0n || exponent < 3n || exponent.toString(2).length > MAX_RSA_EXPONENT_BITS) {
      return `an RSA key with public exponent ${exponent}: Envoy accepts only odd exponents of 2 to ${MAX_RSA_EXPONENT_BITS} bits; issue a key with exponent 65537`;
    }
    return undefined;
  }
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === undefined) {
      return 'an ECDSA key on an unnamed curve: Envoy accepts only P-256, P-384 and P-521; issue a certificate with a key on one of them';
    }
    if (!NAMED_CURVES[curve]) {
      return `an ECDSA key on curve ${curve}: Envoy accepts only P-256, P-384 and P-521; issue a certificate with a key on one of them`;
    }
    if (!hasNamedCurve(key)) {
      return `an ECDSA key with explicit curve parameters: Envoy accepts only a named curve; encode the key with the name of ${NAMED_CURVES[curve]}`;
    }
    return undefined;
  }
  if (type === 'ed25519') return undefined;
  const name = KEY_TYPE_NAMES[type] ?? type;
  return `${/^[AEIORSX]/i.test(name) ? 'an' : 'a'} ${name} key, which Envoy does not accept; use ${ACCEPTED_KEYS}`;
}

/** How many primes an RSA private key has (BoringSSL reads only two-prime keys). */
function rsaPrimes(key: KeyObject): number {
  const der = key.export({ type: 'pkcs1', format: 'der' });
  const version = firstChild(der, derAt(der, 0, der.length));
  if (!version || version.tag !== 0x02 || der[version.start] === 0) return 2;
  // Version 1 (multi-prime): the primes beyond two are listed after the eight usual integers.
  let e: Der | undefined = version;
  for (let i = 0; i < 9 && e; i++) e = derAt(der, e.end, der.length);
  let extra = 0;
  for (let p = e ? firstChild(der, e) : undefined; p; p = derAt(der, p.end, e!.end)) extra++;
  return 2 + extra;
}

/**
 * Why BoringSSL would refuse an RSA private key whose parts do not agree (it checks them when it
 * loads the key, as RSA_check_key does; OpenSSL, and so Node, loads such a key and compares only
 * its public part with the certificate's). Undefined when they agree.
 */
function rsaKeyInconsistency(key: KeyObject): string | undefined {
  const jwk = key.export({ format: 'jwk' });
  const big = (field: string | undefined): bigint =>
    field ? BigInt(`0x${Buffer.from(field, 'base64url').toString('hex') || '0'}`) : 0n;
  const [n, e, d, p, q, dp, dq, qi] = [jwk.n, jwk.e, jwk.d, jwk.p, jwk.q, jwk.dp, jwk.dq, jwk.qi].map(big) as [
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
  ];
  if (p < 2n || q < 2n || p * q !== n) return 'its primes are not the factors of its modulus';
  const de = d * e;
  if (de % (p - 1n) !== 1n || de % (q - 1n) !== 1n) return 'its private exponent does not invert its public one';
  if (dp !== d % (p - 1n) || dq !== d % (q - 1n) || qi >= p || (qi * q) % p !== 1n) {
    return 'its CRT parameters do not agree with its primes';
  }
  return undefined;
}

export interface ServingPairProblem {
  /** Where Envoy fails: loading the certificate chain, or the private key (its two error messages). */
  stage: 'certificate' | 'key';
  message: string;
}

export interface Validity {
  /** RFC 3339 */
  notBefore: string;
  notAfter: string;
}

function rfc3339(openSslDate: string): string {
  const ms = Date.parse(openSslDate);
  return Number.isNaN(ms) ? openSslDate : new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

/**
 * Whether Envoy would serve `certificateChain` (tls.crt) with `privateKey` (tls.key), checked in
 * the order Envoy loads them; the presented certificate's validity period when it would.
 */
export function checkServingPair(
  certificateChain: string,
  privateKey: string,
): { ok: true; validity: Validity } | { ok: false; problem: ServingPairProblem } {
  const fail = (stage: ServingPairProblem['stage'], message: string) => ({
    ok: false as const,
    problem: { stage, message },
  });
  const blocks = certificateBlocks(certificateChain);
  if (blocks.length === 0) return fail('certificate', 'tls.crt is not a PEM-encoded X.509 certificate');
  let leaf: X509Certificate | undefined;
  for (const [i, block] of blocks.entries()) {
    const loaded = loadCertificate(block);
    if (!(loaded instanceof X509Certificate)) {
      const which = blocks.length === 1 ? 'the certificate in tls.crt' : `certificate ${i + 1} of tls.crt`;
      return fail('certificate', `${which} ${loaded.problem}`);
    }
    leaf ??= loaded;
  }
  let publicKey: KeyObject;
  try {
    publicKey = leaf!.publicKey;
  } catch {
    return fail('certificate', `tls.crt has a public key of an unknown algorithm; use ${ACCEPTED_KEYS}`);
  }
  const keyProblem = servingKeyProblem(publicKey);
  if (keyProblem) return fail('certificate', `tls.crt has ${keyProblem}`);
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKey);
  } catch {
    return /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(privateKey)
      ? fail('key', 'tls.key is encrypted; Envoy needs the private key unencrypted')
      : fail('key', 'tls.key is not a PEM-encoded private key');
  }
  if (key.asymmetricKeyType === 'rsa') {
    const primes = rsaPrimes(key);
    if (primes !== 2) {
      return fail(
        'key',
        `tls.key is an RSA key with ${primes} primes, which Envoy does not accept; issue a two-prime RSA key`,
      );
    }
    const inconsistent = rsaKeyInconsistency(key);
    if (inconsistent) {
      return fail(
        'key',
        `tls.key is not a valid RSA key (${inconsistent}), which Envoy does not accept; issue a new key`,
      );
    }
  }
  if (!leaf!.checkPrivateKey(key)) return fail('key', 'tls.key does not match the certificate in tls.crt');
  return { ok: true, validity: { notBefore: rfc3339(leaf!.validFrom), notAfter: rfc3339(leaf!.validTo) } };
}

/**
 * What a listener's status says about a certificate outside its validity period at `time`
 * (RFC 3339). Envoy serves it all the same; clients that check dates refuse it.
 */
export function validityNote(what: string, validity: Validity, time: string): string | undefined {
  const at = Date.parse(time);
  if (Number.isNaN(at)) return undefined;
  if (at > Date.parse(validity.notAfter)) {
    return `the certificate of ${what} expired at ${validity.notAfter}; Envoy still serves it but clients will refuse it: renew it`;
  }
  if (at < Date.parse(validity.notBefore)) {
    return `the certificate of ${what} is not valid before ${validity.notBefore}; Envoy serves it but clients will refuse it until then`;
  }
  return undefined;
}
