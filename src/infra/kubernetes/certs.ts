/**
 * The certificates of the xDS channel (mutual TLS between Envoy and Portico): a CA, a server
 * certificate for the xDS Service's DNS names, and a client certificate the Envoys present.
 *
 * Node has no API to issue X.509 certificates, so `openssl` (a child process, in a private temp
 * directory) does the issuing; `node:crypto`'s X509Certificate checks what exists. Keys are ECDSA
 * P-256 (Envoy and gRPC both take them; small and fast). The CA key is thrown away after issuing:
 * nothing else is ever signed with it, and a rotation (`--force`) issues a new CA with both
 * certificates.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const XDS_SERVER_SECRET = 'portico-xds-server';
export const XDS_CLIENT_SECRET = 'portico-xds-client';
export const XDS_SERVICE_NAME = 'portico-xds';
export const XDS_SERVICE_PORT = 18000;
/** The common name of the Envoy client certificate. */
export const ENVOY_CLIENT_NAME = 'portico-envoy';

/** The files of one `kubernetes.io/tls` Secret (with the CA, as cert-manager writes them). */
export interface TlsBundle {
  'ca.crt': string;
  'tls.crt': string;
  'tls.key': string;
}

export interface XdsCertificates {
  server: TlsBundle;
  client: TlsBundle;
}

export interface IssueOptions {
  /** DNS names (and IP addresses) of the xDS server certificate. */
  dnsNames: readonly string[];
  /** Validity of both certificates in days (default 365); the CA gets ten times as long. */
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

export async function issueXdsCertificates(options: IssueOptions): Promise<XdsCertificates> {
  if (options.dnsNames.length === 0) throw new Error('the server certificate needs at least one DNS name');
  const openssl = options.openssl ?? 'openssl';
  const days = options.days ?? 365;
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
  const newKey = (name: string): Promise<void> =>
    ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file(name));
  const sign = async (name: string, cn: string, extensions: string): Promise<void> => {
    await newKey(`${name}.key`);
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
  };
  try {
    await newKey('ca.key');
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
    const san = options.dnsNames.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
    const leaf = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n';
    await sign('server', options.dnsNames[0]!, `${leaf}extendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`);
    await sign(
      'client',
      ENVOY_CLIENT_NAME,
      `${leaf}extendedKeyUsage=clientAuth\nsubjectAltName=DNS:${ENVOY_CLIENT_NAME}\n`,
    );
    const ca = readFileSync(file('ca.crt'), 'utf8');
    const bundle = (name: string): TlsBundle => ({
      'ca.crt': ca,
      'tls.crt': readFileSync(file(`${name}.crt`), 'utf8'),
      'tls.key': readFileSync(file(`${name}.key`), 'utf8'),
    });
    return { server: bundle('server'), client: bundle('client') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function randomSerial(): string {
  // 16 random bytes, top bit clear (a positive serial).
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0]! &= 0x7f;
  return Buffer.from(bytes).toString('hex');
}

/**
 * Why a pair of bundles cannot be kept (undefined when it can): both certificates signed by the
 * bundles' CA, valid now and for at least `minRemainingDays` more, the server one naming every
 * DNS name asked for, each key matching its certificate.
 */
export function whyNotReusable(
  certificates: Partial<XdsCertificates>,
  dnsNames: readonly string[],
  now = new Date(),
  minRemainingDays = 30,
): string | undefined {
  const { server, client } = certificates;
  if (!server || !client) return 'missing';
  try {
    const ca = new X509Certificate(server['ca.crt']);
    if (client['ca.crt'].trim() !== server['ca.crt'].trim()) return 'the two bundles have different CAs';
    const horizon = new Date(now.getTime() + minRemainingDays * 86_400_000);
    for (const [what, bundle] of [
      ['server', server],
      ['client', client],
    ] as const) {
      const cert = new X509Certificate(bundle['tls.crt']);
      if (!cert.verify(ca.publicKey)) return `the ${what} certificate is not signed by the CA`;
      if (new Date(cert.validFrom) > now) return `the ${what} certificate is not valid yet`;
      if (new Date(cert.validTo) < horizon) return `the ${what} certificate expires ${cert.validTo}`;
      if (!cert.checkPrivateKey(createPrivateKey(bundle['tls.key']))) {
        return `the ${what} key does not match its certificate`;
      }
    }
    if (new Date(ca.validTo) < horizon) return `the CA expires ${ca.validTo}`;
    const serverCert = new X509Certificate(server['tls.crt']);
    const names = new Set(
      (serverCert.subjectAltName ?? '')
        .split(', ')
        .map((entry) => entry.replace(/^(DNS|IP Address):/, ''))
        .filter(Boolean),
    );
    const missing = dnsNames.filter((n) => !names.has(n));
    if (missing.length > 0) return `the server certificate does not name ${missing.join(', ')}`;
  } catch (err) {
    return `unreadable: ${(err as Error).message}`;
  }
  return undefined;
}
