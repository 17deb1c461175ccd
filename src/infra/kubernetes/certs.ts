/**
 * The certificates of the xDS channel (mutual TLS between Envoy and Portico): a CA whose key
 * Portico keeps, a server certificate for the xDS Service's DNS names, and one short-lived client
 * certificate per Gateway, naming that Gateway in a URI SAN (src/xds/peer-identity.ts). The ADS
 * server serves a stream only the Gateway its certificate names.
 *
 * Node has no API to issue X.509 certificates, so `openssl` (a child process, in a private temp
 * directory) does the issuing; `node:crypto`'s X509Certificate checks what exists. Keys are ECDSA
 * P-256 (Envoy and gRPC both take them; small and fast).
 *
 * The CA key is kept (Secret `portico-xds-ca` in Portico's namespace, mounted by Portico only): the
 * provisioner signs and renews the Gateways' certificates with it. A Gateway certificate is valid
 * for 2 days and renewed once less than 1 day remains (openssl 3.0 counts validity in whole days),
 * so an outage of Portico of up to a day never leaves an Envoy unable to reconnect.
 *
 * Trust and signing are apart so that the CA can be rotated with no Envoy cut off (`certgen
 * --rotate`, docs/architecture.md "xDS identity"): each `ca.crt` is the bundle of CAs trusted now
 * (the old and the new one during a rotation), `tls.crt`/`tls.key` of the CA Secret the one that
 * signs.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { GatewayKey } from '../../xds/contract.js';
import { gatewayIdentityUri, peerIdentity } from '../../xds/peer-identity.js';
import { bundleHolds, joinPem, splitPem } from './ca-bundle.js';

const run = promisify(execFile);

export const XDS_SERVER_SECRET = 'portico-xds-server';
/** The CA (certificate and key) that signs the Gateways' client certificates: Portico's alone. */
export const XDS_CA_SECRET = 'portico-xds-ca';
export const XDS_SERVICE_NAME = 'portico-xds';
export const XDS_SERVICE_PORT = 18000;
/** The common name of the Envoy client certificates (the identity is the URI SAN, not this). */
export const ENVOY_CLIENT_NAME = 'portico-envoy';
/** Validity of a Gateway's client certificate. */
export const GATEWAY_CERT_DAYS = 2;
/** A Gateway's client certificate is renewed once less than this remains. */
export const GATEWAY_CERT_RENEW_BEFORE_MS = 24 * 3_600_000;

/** The files of one `kubernetes.io/tls` Secret (with the CA, as cert-manager writes them). */
export interface TlsBundle {
  'ca.crt': string;
  'tls.crt': string;
  'tls.key': string;
}

/**
 * The Secret `portico-xds-ca`: `tls.crt`/`tls.key` the CA that signs, `ca.crt` the CAs trusted
 * (the signing one, and during a rotation the other), and between `certgen --rotate begin` and
 * `switch` the next CA (`next.crt`/`next.key`), trusted already and signing nothing yet.
 */
export interface CaBundle extends TlsBundle {
  'next.crt'?: string;
  'next.key'?: string;
}

/** What `portico certgen` keeps: the CA Secret and the server bundle. */
export interface XdsCertificates {
  ca: CaBundle;
  server: TlsBundle;
}

/** The CA Portico signs Gateway certificates with, and the CAs an Envoy is to trust. */
export interface XdsCa {
  cert: string;
  key: string;
  /** PEM bundle of the CAs trusted now (`ca.crt` of `portico-xds-ca`); `cert` alone when absent. */
  trust?: string;
}

/** The CAs to trust: `ca.trust`, always with the signing CA in it. */
export function caTrust(ca: XdsCa): string {
  if (ca.trust === undefined || splitPem(ca.trust).length === 0) return joinPem(ca.cert);
  return bundleHolds(ca.trust, ca.cert) ? joinPem(ca.trust) : joinPem(ca.cert, ca.trust);
}

export interface IssueOptions {
  /** DNS names (and IP addresses) of the xDS server certificate. */
  dnsNames: readonly string[];
  /** Validity of the server certificate in days (default 365); the CA gets ten times as long. */
  days?: number;
  /** The openssl binary (default `openssl` on the PATH). */
  openssl?: string;
}

/** The names Envoys in the cluster use for the xDS Service in `namespace`. */
export function defaultXdsDnsNames(namespace: string): string[] {
  return [
    XDS_SERVICE_NAME,
    `${XDS_SERVICE_NAME}.${namespace}`,
    `${XDS_SERVICE_NAME}.${namespace}.svc`,
    `${XDS_SERVICE_NAME}.${namespace}.svc.cluster.local`,
  ];
}

const LEAF = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n';

/** openssl in a private temp directory, removed afterwards. */
async function withOpenssl<T>(
  openssl: string,
  body: (ssl: (...args: string[]) => Promise<void>, file: (name: string) => string) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'portico-certgen-'));
  const file = (name: string): string => join(dir, name);
  const ssl = async (...args: string[]): Promise<void> => {
    try {
      await run(openssl, args, { cwd: dir });
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? '';
      throw new Error(`openssl ${args[0]} failed: ${stderr.trim() || (err as Error).message}`);
    }
  };
  try {
    return await body(ssl, file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Issues a key and a certificate signed by `ca.crt`/`ca.key` (already in the directory). */
async function signLeaf(
  ssl: (...args: string[]) => Promise<void>,
  file: (name: string) => string,
  name: string,
  cn: string,
  extensions: string,
  days: number,
): Promise<{ cert: string; key: string }> {
  await ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file(`${name}.key`));
  await ssl('req', '-new', '-key', file(`${name}.key`), '-subj', `/CN=${cn}`, '-out', file(`${name}.csr`));
  writeFileSync(file(`${name}.ext`), extensions);
  await ssl(
    'x509',
    '-req',
    '-in',
    file(`${name}.csr`),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-set_serial',
    `0x${randomSerial()}`,
    '-days',
    String(days),
    '-sha256',
    '-extfile',
    file(`${name}.ext`),
    '-out',
    file(`${name}.crt`),
  );
  return { cert: readFileSync(file(`${name}.crt`), 'utf8'), key: readFileSync(file(`${name}.key`), 'utf8') };
}

/** A new CA (valid ten times `days`) with its key. */
export async function issueCa(options: { days?: number; openssl?: string } = {}): Promise<XdsCa> {
  const days = options.days ?? 365;
  return withOpenssl(options.openssl ?? 'openssl', async (ssl, file) => {
    await ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file('ca.key'));
    await ssl(
      'req',
      '-x509',
      '-new',
      '-key',
      file('ca.key'),
      '-subj',
      '/CN=portico-xds-ca',
      '-days',
      String(days * 10),
      '-sha256',
      '-addext',
      'basicConstraints=critical,CA:TRUE,pathlen:0',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      file('ca.crt'),
    );
    return { cert: readFileSync(file('ca.crt'), 'utf8'), key: readFileSync(file('ca.key'), 'utf8') };
  });
}

/**
 * A server certificate for `dnsNames` signed by `ca`; `ca.crt` of the bundle is the CAs the
 * server trusts for client certificates (`caTrust(ca)`).
 */
export async function issueServerCertificate(ca: XdsCa, options: IssueOptions): Promise<TlsBundle> {
  if (options.dnsNames.length === 0) throw new Error('the server certificate needs at least one DNS name');
  return withOpenssl(options.openssl ?? 'openssl', async (ssl, file) => {
    writeFileSync(file('ca.crt'), ca.cert);
    writeFileSync(file('ca.key'), ca.key, { mode: 0o600 });
    const san = options.dnsNames.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
    const server = await signLeaf(
      ssl,
      file,
      'server',
      options.dnsNames[0]!,
      `${LEAF}extendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`,
      options.days ?? 365,
    );
    return { 'ca.crt': caTrust(ca), 'tls.crt': server.cert, 'tls.key': server.key };
  });
}

/** A new CA and a server certificate signed by it. */
export async function issueXdsCertificates(options: IssueOptions): Promise<XdsCertificates> {
  const ca = await issueCa(options);
  const server = await issueServerCertificate(ca, options);
  return { ca: caSecret(ca), server };
}

/** The files of the Secret `portico-xds-ca` for `ca` (and the next CA during a rotation). */
export function caSecret(ca: XdsCa, next?: XdsCa): CaBundle {
  return {
    'ca.crt': next ? joinPem(caTrust(ca), next.cert) : caTrust(ca),
    'tls.crt': ca.cert,
    'tls.key': ca.key,
    ...(next ? { 'next.crt': next.cert, 'next.key': next.key } : {}),
  };
}

/** The CA of the Secret `portico-xds-ca`. */
export function caOf(bundle: CaBundle): XdsCa {
  return { cert: bundle['tls.crt'], key: bundle['tls.key'], trust: bundle['ca.crt'] };
}

/** The DNS names and IP addresses a server certificate names. */
export function certificateNames(cert: string): string[] {
  return (new X509Certificate(cert).subjectAltName ?? '')
    .split(', ')
    .map((entry) => entry.replace(/^(DNS|IP Address):/, ''))
    .filter(Boolean);
}

/**
 * A client certificate for the Envoys of one Gateway: signed by `ca`, valid `days`, naming the
 * Gateway in its one URI SAN (`spiffe://portico.dev/ns/<ns>/gateway/<name>`). `ca.crt` of the
 * bundle is the CAs trusted now, against which Envoy checks the xDS server certificate.
 */
export async function issueGatewayCertificate(
  ca: XdsCa,
  gateway: GatewayKey,
  options: { days?: number; openssl?: string } = {},
): Promise<TlsBundle> {
  const uri = gatewayIdentityUri(gateway);
  return withOpenssl(options.openssl ?? 'openssl', async (ssl, file) => {
    writeFileSync(file('ca.crt'), ca.cert);
    writeFileSync(file('ca.key'), ca.key, { mode: 0o600 });
    const leaf = await signLeaf(
      ssl,
      file,
      'client',
      ENVOY_CLIENT_NAME,
      `${LEAF}extendedKeyUsage=clientAuth\nsubjectAltName=URI:${uri}\n`,
      options.days ?? GATEWAY_CERT_DAYS,
    );
    return { 'ca.crt': caTrust(ca), 'tls.crt': leaf.cert, 'tls.key': leaf.key };
  });
}

/**
 * Why a Gateway's certificate must be (re)issued, undefined when it can stay: signed by the
 * current (signing) CA, naming exactly that Gateway, its key matching, and more than
 * `renewBeforeMs` left. Its `ca.crt` is not looked at: `withTrust` sets it, with no new certificate.
 */
export function whyReissue(
  bundle: Partial<TlsBundle> | undefined,
  ca: XdsCa,
  gateway: GatewayKey,
  now = new Date(),
  renewBeforeMs = GATEWAY_CERT_RENEW_BEFORE_MS,
): string | undefined {
  if (!bundle?.['tls.crt'] || !bundle['tls.key']) return 'missing';
  try {
    const authority = new X509Certificate(ca.cert);
    const cert = new X509Certificate(bundle['tls.crt']);
    if (!cert.verify(authority.publicKey)) return 'not signed by the current CA';
    const identity = peerIdentity({ subjectaltname: cert.subjectAltName ?? '' });
    if (identity.kind !== 'gateway' || identity.gateway !== gateway) return `does not name ${gateway}`;
    if (new Date(cert.validFrom) > now) return 'not valid yet';
    if (new Date(cert.validTo).getTime() - now.getTime() < renewBeforeMs) return `expires ${cert.validTo}`;
    if (!cert.checkPrivateKey(createPrivateKey(bundle['tls.key']))) return 'the key does not match';
  } catch (err) {
    return `unreadable: ${(err as Error).message}`;
  }
  return undefined;
}

/** `bundle` (a certificate that can stay) with `ca.crt` the CAs trusted now. */
export function withTrust(bundle: Pick<TlsBundle, 'tls.crt' | 'tls.key'>, ca: XdsCa): TlsBundle {
  return { 'ca.crt': caTrust(ca), 'tls.crt': bundle['tls.crt'], 'tls.key': bundle['tls.key'] };
}

function randomSerial(): string {
  // 16 random bytes, top bit clear (a positive serial).
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0]! &= 0x7f;
  return Buffer.from(bytes).toString('hex');
}

/**
 * Why the CA of `portico certgen` cannot be kept (undefined when it can): its key kept and
 * matching, valid now and for at least `minRemainingDays` more.
 */
export function whyCaNotReusable(
  caBundle: Partial<CaBundle> | undefined,
  now = new Date(),
  minRemainingDays = 30,
): string | undefined {
  if (!caBundle?.['tls.crt'] || !caBundle['tls.key'])
    return 'the CA key is not kept (certificates of an older certgen)';
  try {
    const ca = new X509Certificate(caBundle['tls.crt']);
    if (!ca.checkPrivateKey(createPrivateKey(caBundle['tls.key']))) return 'the CA key does not match the CA';
    if (new Date(ca.validFrom) > now) return 'the CA is not valid yet';
    const horizon = new Date(now.getTime() + minRemainingDays * 86_400_000);
    if (new Date(ca.validTo) < horizon) return `the CA expires ${ca.validTo}`;
  } catch (err) {
    return `unreadable: ${(err as Error).message}`;
  }
  return undefined;
}

/**
 * Why the server certificate of `portico certgen` cannot be kept (undefined when it can): signed
 * by the signing CA, valid now and for at least `minRemainingDays` more, naming every DNS name
 * asked for, its key matching, its `ca.crt` the CAs trusted now.
 */
export function whyServerNotReusable(
  server: TlsBundle | undefined,
  caBundle: CaBundle,
  dnsNames: readonly string[],
  now = new Date(),
  minRemainingDays = 30,
): string | undefined {
  if (!server) return 'missing';
  try {
    const ca = new X509Certificate(caBundle['tls.crt']);
    if (joinPem(server['ca.crt']) !== caTrust(caOf(caBundle))) return 'the server bundle names other CAs';
    const horizon = new Date(now.getTime() + minRemainingDays * 86_400_000);
    const cert = new X509Certificate(server['tls.crt']);
    if (!cert.verify(ca.publicKey)) return 'the server certificate is not signed by the CA';
    if (new Date(cert.validFrom) > now) return 'the server certificate is not valid yet';
    if (new Date(cert.validTo) < horizon) return `the server certificate expires ${cert.validTo}`;
    if (!cert.checkPrivateKey(createPrivateKey(server['tls.key']))) {
      return 'the server key does not match its certificate';
    }
    const names = new Set(certificateNames(server['tls.crt']));
    const missing = dnsNames.filter((n) => !names.has(n));
    if (missing.length > 0) return `the server certificate does not name ${missing.join(', ')}`;
  } catch (err) {
    return `unreadable: ${(err as Error).message}`;
  }
  return undefined;
}

/**
 * Why what `portico certgen` keeps cannot be reused as it is (undefined when it can): the CA
 * (`whyCaNotReusable`), then the server certificate (`whyServerNotReusable`).
 */
export function whyNotReusable(
  certificates: Partial<XdsCertificates>,
  dnsNames: readonly string[],
  now = new Date(),
  minRemainingDays = 30,
): string | undefined {
  const { server, ca } = certificates;
  if (!server) return 'missing';
  return (
    whyCaNotReusable(ca, now, minRemainingDays) ?? whyServerNotReusable(server, ca!, dnsNames, now, minRemainingDays)
  );
}
