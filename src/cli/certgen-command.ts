/**
 * `portico certgen`: issues the CA and the server certificate of the mutual-TLS xDS channel
 * (certs.ts) and stores them as `kubernetes.io/tls` Secrets `portico-xds-server` (mounted by the
 * controller: `--xds-tls-dir`) and `portico-xds-ca` (the CA certificate and its key, mounted by the
 * controller only: `--xds-ca-dir`; Portico signs each Gateway's client certificate with it), each
 * with `ca.crt`. Idempotent: valid certificates naming the requested DNS names are kept unless
 * `--force`. `--out-dir DIR` writes the same files to DIR/<secret-name>/ instead of the cluster.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  defaultXdsDnsNames,
  issueXdsCertificates,
  whyNotReusable,
  XDS_CA_SECRET,
  XDS_SERVER_SECRET,
} from '../infra/kubernetes/certs.js';
import type { TlsBundle, XdsCertificates } from '../infra/kubernetes/certs.js';
import { APPLY_PATCH, createKubeApi, isNotFound } from '../k8s/kube-api.js';
import type { KubeApi } from '../k8s/kube-api.js';
import { loadKubeConfig } from '../k8s/kube-config.js';
import { errorMessage } from '../pipeline/logger.js';
import { EXIT_FAILURE, EXIT_OK, printUsageError } from './command.js';
import type { CliIo, CommandSpec } from './command.js';

const DEFAULT_NAMESPACE = 'portico-system';
const FILES = ['ca.crt', 'tls.crt', 'tls.key'] as const;

const CERTGEN_USAGE = `Usage: portico certgen [--namespace NS] [--dns-names NAME,...] [--kubeconfig PATH] [--force]
       portico certgen --out-dir DIR [--namespace NS] [--dns-names NAME,...] [--force]

Issues the mutual-TLS certificates of the xDS channel between Envoy and Portico: a CA and a
server certificate for the xDS Service. Writes them as kubernetes.io/tls Secrets
${XDS_SERVER_SECRET} and ${XDS_CA_SECRET} (the CA certificate and its key, for Portico only: it
signs each Gateway's Envoy client certificate with it) in the namespace, or as files under
DIR/${XDS_SERVER_SECRET}/ and DIR/${XDS_CA_SECRET}/.
Existing certificates that are valid for 30 more days and name the DNS names are kept.

Options:
  -n, --namespace NS         Portico's namespace (default ${DEFAULT_NAMESPACE})
      --dns-names LIST       comma-separated names of the server certificate
                             (default: portico-xds, portico-xds.NS, portico-xds.NS.svc,
                             portico-xds.NS.svc.cluster.local)
      --days N               validity of the server certificate (default 365; the CA: ten times)
      --kubeconfig PATH      kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config)
      --out-dir DIR          write files instead of Secrets
      --force                issue new certificates even if the existing ones are valid
  -h, --help                 show this help
`;

export const certgenCommand: CommandSpec = {
  summary: 'issue the mutual-TLS certificates of the xDS channel (Secrets or files)',
  usage: CERTGEN_USAGE,
  run: runCertgenCommand,
};

export async function runCertgenCommand(args: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        namespace: { type: 'string', short: 'n', default: DEFAULT_NAMESPACE },
        'dns-names': { type: 'string' },
        days: { type: 'string', default: '365' },
        kubeconfig: { type: 'string' },
        'out-dir': { type: 'string' },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return usageError(errorMessage(err), io);
  }
  if (values.help) {
    io.stdout.write(CERTGEN_USAGE);
    return EXIT_OK;
  }
  const days = Number(values.days);
  if (!Number.isInteger(days) || days < 31) return usageError(`--days must be a whole number above 30`, io);
  const dnsNames = values['dns-names']
    ? values['dns-names']
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean)
    : defaultXdsDnsNames(values.namespace);
  if (dnsNames.length === 0) return usageError('--dns-names needs at least one name', io);

  try {
    const store = values['out-dir']
      ? directoryStore(values['out-dir'])
      : secretStore(
          createKubeApi(loadKubeConfig(values.kubeconfig ? { path: values.kubeconfig } : {})),
          values.namespace,
        );
    const existing = await store.read();
    const why = values.force ? 'forced' : whyNotReusable(existing, dnsNames);
    if (why === undefined) {
      io.stdout.write(`kept the existing certificates in ${store.where} (valid; --force issues new ones)\n`);
      return EXIT_OK;
    }
    const issued = await issueXdsCertificates({ dnsNames, days });
    await store.write(issued);
    io.stdout.write(
      `issued a CA (its key kept for Portico) and a server certificate for ${dnsNames.join(', ')} into ${store.where}` +
        (why === 'missing' ? '' : ` (replacing: ${why})`) +
        '\n',
    );
    return EXIT_OK;
  } catch (err) {
    io.stderr.write(`portico certgen: ${errorMessage(err)}\n`);
    return EXIT_FAILURE;
  }
}

interface CertificateStore {
  where: string;
  read(): Promise<Partial<XdsCertificates>>;
  write(certificates: XdsCertificates): Promise<void>;
}

function directoryStore(dir: string): CertificateStore {
  const readBundle = (name: string): TlsBundle | undefined => {
    const paths = FILES.map((f) => join(dir, name, f));
    if (!paths.every((p) => existsSync(p))) return undefined;
    const [ca, crt, key] = paths.map((p) => readFileSync(p, 'utf8'));
    return { 'ca.crt': ca!, 'tls.crt': crt!, 'tls.key': key! };
  };
  return {
    where: dir,
    read: () => {
      const server = readBundle(XDS_SERVER_SECRET);
      const ca = readBundle(XDS_CA_SECRET);
      return Promise.resolve({ ...(server ? { server } : {}), ...(ca ? { ca } : {}) });
    },
    write: (certificates) => {
      for (const [name, bundle] of [
        [XDS_SERVER_SECRET, certificates.server],
        [XDS_CA_SECRET, certificates.ca],
      ] as const) {
        mkdirSync(join(dir, name), { recursive: true, mode: 0o700 });
        for (const file of FILES) {
          writeFileSync(join(dir, name, file), bundle[file], { mode: file === 'tls.key' ? 0o600 : 0o644 });
        }
      }
      return Promise.resolve();
    },
  };
}

interface SecretObject {
  type?: string;
  data?: Record<string, string>;
}

function secretStore(api: KubeApi, namespace: string): CertificateStore {
  const path = (name: string): string =>
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`;
  const readBundle = async (name: string): Promise<TlsBundle | undefined> => {
    let secret: SecretObject;
    try {
      secret = await api.request<SecretObject>({ path: path(name) });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const data = secret.data ?? {};
    if (!FILES.every((f) => typeof data[f] === 'string')) return undefined;
    const decode = (f: (typeof FILES)[number]): string => Buffer.from(data[f]!, 'base64').toString('utf8');
    return { 'ca.crt': decode('ca.crt'), 'tls.crt': decode('tls.crt'), 'tls.key': decode('tls.key') };
  };
  return {
    where: `Secrets ${namespace}/${XDS_SERVER_SECRET} and ${namespace}/${XDS_CA_SECRET}`,
    read: async () => {
      const server = await readBundle(XDS_SERVER_SECRET);
      const ca = await readBundle(XDS_CA_SECRET);
      return { ...(server ? { server } : {}), ...(ca ? { ca } : {}) };
    },
    write: async (certificates) => {
      for (const [name, bundle] of [
        [XDS_SERVER_SECRET, certificates.server],
        [XDS_CA_SECRET, certificates.ca],
      ] as const) {
        await api.request({
          method: 'PATCH',
          path: path(name),
          query: { fieldManager: 'portico-certgen', force: 'true' },
          contentType: APPLY_PATCH,
          body: tlsSecret(name, namespace, bundle),
        });
      }
    },
  };
}

export function tlsSecret(name: string, namespace: string, bundle: TlsBundle): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/name': 'portico' } },
    type: 'kubernetes.io/tls',
    data: Object.fromEntries(FILES.map((f) => [f, Buffer.from(bundle[f]).toString('base64')])),
  };
}

function usageError(message: string, io: CliIo): number {
  return printUsageError('certgen', CERTGEN_USAGE, message, io);
}
