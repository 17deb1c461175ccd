/**
 * `portico certgen`: issues the CA and the server certificate of the mutual-TLS xDS channel
 * (certs.ts) and stores them as `kubernetes.io/tls` Secrets `portico-xds-server` (mounted by the
 * controller: `--xds-tls-dir`) and `portico-xds-ca` (the CA certificate and its key, mounted by the
 * controller only: `--xds-ca-dir`; Portico signs each Gateway's client certificate with it), each
 * with `ca.crt` (the CAs trusted). Idempotent: valid certificates naming the requested DNS names
 * are kept; a server certificate that is due is renewed with the kept CA (Portico reloads it, no
 * Envoy notices). A CA is replaced with no Envoy cut off by `--rotate begin|switch|finish`
 * (ca-rotation.ts); `--force` replaces everything at once. `--out-dir DIR` writes the same files
 * to DIR/<secret-name>/ (laid out like a Secret mount, swapped at once) instead of the cluster.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rotate, ROTATION_STEPS } from '../infra/kubernetes/ca-rotation.js';
import type { GatewaySecret, RotationStep } from '../infra/kubernetes/ca-rotation.js';
import {
  caOf,
  defaultXdsDnsNames,
  issueServerCertificate,
  issueXdsCertificates,
  whyCaNotReusable,
  whyServerNotReusable,
  XDS_CA_SECRET,
  XDS_SERVER_SECRET,
} from '../infra/kubernetes/certs.js';
import type { CaBundle, TlsBundle, XdsCertificates } from '../infra/kubernetes/certs.js';
import { COMPONENT_LABEL, ENVOY_COMPONENT, MANAGED_BY, MANAGED_BY_LABEL } from '../infra/kubernetes/resources.js';
import { writeSecretMount } from '../infra/secret-mount.js';
import { APPLY_PATCH, createKubeApi, isNotFound } from '../kube-client/kube-api.js';
import type { KubeApi } from '../kube-client/kube-api.js';
import { loadKubeConfig } from '../kube-client/kube-config.js';
import { errorMessage } from '../shared/error-message.js';
import { EXIT_FAILURE, EXIT_OK } from './command.js';
import { CommandLine } from './command-line.js';
import type { CliIo, CommandSpec } from './command.js';

const DEFAULT_NAMESPACE = 'portico-system';
const FILES = ['ca.crt', 'tls.crt', 'tls.key'] as const;
/** The next CA between `--rotate begin` and `switch`, in the CA Secret. */
const NEXT_FILES = ['next.crt', 'next.key'] as const;

const CERTGEN_USAGE = `Usage: portico certgen [--namespace NS] [--dns-names NAME,...] [--kubeconfig PATH] [--force]
       portico certgen --rotate begin|switch|finish [--namespace NS] [--kubeconfig PATH]
       portico certgen --out-dir DIR [--namespace NS] [--dns-names NAME,...] [--force | --rotate STEP]

Issues the mutual-TLS certificates of the xDS channel between Envoy and Portico: a CA and a
server certificate for the xDS Service. Writes them as kubernetes.io/tls Secrets
${XDS_SERVER_SECRET} and ${XDS_CA_SECRET} (the CA certificate and its key, for Portico only: it
signs each Gateway's Envoy client certificate with it) in the namespace, or as files under
DIR/${XDS_SERVER_SECRET}/ and DIR/${XDS_CA_SECRET}/.
Existing certificates that are valid for 30 more days and name the DNS names are kept; a server
certificate that is not is renewed with the kept CA (Portico picks it up without a restart). A CA
that must go is replaced in three steps, each run once the one before has reached every Envoy
(README, "Renewing and rotating the xDS certificates"):
  --rotate begin    trust a new CA next to the old one (nothing signed by it yet)
  --rotate switch   sign with the new CA (a new server certificate; Portico reissues the Gateways')
  --rotate finish   trust the old CA no more

Options:
  -n, --namespace NS         Portico's namespace (default ${DEFAULT_NAMESPACE})
      --dns-names LIST       comma-separated names of the server certificate
                             (default: portico-xds, portico-xds.NS, portico-xds.NS.svc,
                             portico-xds.NS.svc.cluster.local; --rotate switch: the current ones)
      --days N               validity of the server certificate (default 365; the CA: ten times)
      --kubeconfig PATH      kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config)
      --out-dir DIR          write files instead of Secrets
      --rotate STEP          one step of a CA rotation: ${ROTATION_STEPS.join(', ')}
      --force                issue a new CA and server certificate at once, even if the existing
                             ones are valid: every Envoy is cut off from xDS until Portico has
                             reissued its certificate and the kubelet has mounted it
  -h, --help                 show this help
`;

export const certgenCommand: CommandSpec = {
  usage: CERTGEN_USAGE,
  run: runCertgenCommand,
};

export async function runCertgenCommand(args: string[], io: CliIo): Promise<number> {
  const cli = new CommandLine('certgen', CERTGEN_USAGE, io);
  const values = cli.flags(args, {
    namespace: { type: 'string', short: 'n', default: DEFAULT_NAMESPACE },
    'dns-names': { type: 'string' },
    days: { type: 'string', default: '365' },
    kubeconfig: { type: 'string' },
    'out-dir': { type: 'string' },
    force: { type: 'boolean', default: false },
    rotate: { type: 'string' },
  });
  if (typeof values === 'number') return values;
  const days = Number(values.days);
  if (!Number.isInteger(days) || days < 31) return cli.fail(`--days must be a whole number above 30`);
  const dnsNames = values['dns-names']
    ? values['dns-names']
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean)
    : defaultXdsDnsNames(values.namespace);
  if (dnsNames.length === 0) return cli.fail('--dns-names needs at least one name');

  const step = values.rotate;
  if (step !== undefined && !(ROTATION_STEPS as readonly string[]).includes(step)) {
    return cli.fail(`--rotate must be one of ${ROTATION_STEPS.join(', ')}`);
  }
  if (step !== undefined && values.force) return cli.fail('--rotate and --force exclude each other');

  try {
    const store = values['out-dir']
      ? directoryStore(values['out-dir'])
      : secretStore(
          createKubeApi(loadKubeConfig(values.kubeconfig ? { path: values.kubeconfig } : {})),
          values.namespace,
        );
    const existing = await store.read();
    if (step !== undefined) {
      const result = await rotate({
        step: step as RotationStep,
        existing,
        ...(store.gatewaySecrets ? { gatewaySecrets: await store.gatewaySecrets() } : {}),
        ...(values['dns-names'] ? { dnsNames } : {}),
        days,
      });
      if (result.kind === 'refused') {
        io.stderr.write(`portico certgen: --rotate ${step}: ${result.message}\n`);
        return EXIT_FAILURE;
      }
      if (result.kind === 'write') await store.write(result.certificates);
      io.stdout.write(`${result.kind === 'write' ? `wrote ${store.where}: ` : ''}${result.message}\n`);
      return EXIT_OK;
    }
    const caWhy = values.force
      ? 'forced'
      : !existing.ca && !existing.server
        ? 'missing'
        : whyCaNotReusable(existing.ca);
    if (
      caWhy !== undefined &&
      !values.force &&
      existing.ca &&
      whyCaNotReusable(existing.ca, new Date(), 0) === undefined
    ) {
      // Due, but every Envoy trusts it still: a new CA now would cut them all off, the staged rotation does not.
      io.stderr.write(
        `portico certgen: ${caWhy}: replace it with no Envoy cut off by --rotate begin, switch and finish ` +
          '(README, "Renewing and rotating the xDS certificates"), or at once with --force\n',
      );
      return EXIT_FAILURE;
    }
    if (caWhy !== undefined) {
      // Nothing yet, --force, or a CA without its key (certgen before Portico issued certificates).
      const issued = await issueXdsCertificates({ dnsNames, days });
      await store.write(issued);
      io.stdout.write(
        `issued a CA (its key kept for Portico) and a server certificate for ${dnsNames.join(', ')} into ${store.where}` +
          (caWhy === 'missing' ? '' : ` (replacing: ${caWhy})`) +
          '\n',
      );
      return EXIT_OK;
    }
    const ca = existing.ca!;
    const why = whyServerNotReusable(existing.server, ca, dnsNames);
    if (why === undefined) {
      io.stdout.write(`kept the existing certificates in ${store.where} (valid; --force issues new ones)\n`);
      return EXIT_OK;
    }
    // The CA stays: the Envoys trust it already, and Portico reloads its server certificate.
    const server = await issueServerCertificate(caOf(ca), { dnsNames, days });
    await store.write({ ca, server });
    io.stdout.write(
      `renewed the server certificate for ${dnsNames.join(', ')} with the kept CA into ${store.where}` +
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
  /** The Gateways' xDS Secrets Portico provisioned (a cluster only). */
  gatewaySecrets?(): Promise<GatewaySecret[]>;
}

/** The CA Secret's files: the three of a TLS Secret, and the next CA during a rotation. */
function caBundleOf(files: Partial<Record<string, string>>): CaBundle | undefined {
  if (!FILES.every((f) => files[f] !== undefined)) return undefined;
  const bundle: CaBundle = { 'ca.crt': files['ca.crt']!, 'tls.crt': files['tls.crt']!, 'tls.key': files['tls.key']! };
  if (files['next.crt'] !== undefined && files['next.key'] !== undefined) {
    bundle['next.crt'] = files['next.crt'];
    bundle['next.key'] = files['next.key'];
  }
  return bundle;
}

function directoryStore(dir: string): CertificateStore {
  const readFiles = (name: string): Partial<Record<string, string>> => {
    const files: Partial<Record<string, string>> = {};
    for (const file of [...FILES, ...NEXT_FILES]) {
      const path = join(dir, name, file);
      if (existsSync(path)) files[file] = readFileSync(path, 'utf8');
    }
    return files;
  };
  return {
    where: dir,
    read: () => {
      const server = caBundleOf(readFiles(XDS_SERVER_SECRET));
      const ca = caBundleOf(readFiles(XDS_CA_SECRET));
      return Promise.resolve({
        ...(server
          ? { server: { 'ca.crt': server['ca.crt'], 'tls.crt': server['tls.crt'], 'tls.key': server['tls.key'] } }
          : {}),
        ...(ca ? { ca } : {}),
      });
    },
    write: (certificates) => {
      // Each directory swapped at once, as the kubelet updates a Secret mount: Portico, watching
      // it, never reads a certificate of one version with the key of another.
      writeSecretMount(join(dir, XDS_SERVER_SECRET), { ...certificates.server });
      writeSecretMount(join(dir, XDS_CA_SECRET), { ...certificates.ca });
      return Promise.resolve();
    },
  };
}

interface SecretObject {
  type?: string;
  metadata?: { name?: string; namespace?: string };
  data?: Record<string, string>;
}

function decodeSecret(secret: SecretObject): Partial<Record<string, string>> {
  return Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );
}

function secretStore(api: KubeApi, namespace: string): CertificateStore {
  const path = (name: string): string =>
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`;
  const readFiles = async (name: string): Promise<Partial<Record<string, string>>> => {
    try {
      return decodeSecret(await api.request<SecretObject>({ path: path(name) }));
    } catch (err) {
      if (isNotFound(err)) return {};
      throw err;
    }
  };
  return {
    where: `Secrets ${namespace}/${XDS_SERVER_SECRET} and ${namespace}/${XDS_CA_SECRET}`,
    read: async () => {
      const server = caBundleOf(await readFiles(XDS_SERVER_SECRET));
      const ca = caBundleOf(await readFiles(XDS_CA_SECRET));
      return {
        ...(server
          ? { server: { 'ca.crt': server['ca.crt'], 'tls.crt': server['tls.crt'], 'tls.key': server['tls.key'] } }
          : {}),
        ...(ca ? { ca } : {}),
      };
    },
    write: async (certificates) => {
      for (const [name, bundle] of [
        [XDS_SERVER_SECRET, certificates.server],
        [XDS_CA_SECRET, certificates.ca],
      ] as const) {
        await api.request({
          method: 'PATCH',
          path: path(name),
          // Server-side apply: a key this manager wrote before and leaves out now (next.*) goes.
          query: { fieldManager: 'portico-certgen', force: 'true' },
          contentType: APPLY_PATCH,
          body: tlsSecret(name, namespace, bundle),
        });
      }
    },
    gatewaySecrets: async () => {
      const list = await api.request<{ items?: SecretObject[] }>({
        path: '/api/v1/secrets',
        query: { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY},${COMPONENT_LABEL}=${ENVOY_COMPONENT}` },
      });
      return (list.items ?? []).map((item) => ({
        name: `${item.metadata?.namespace ?? ''}/${item.metadata?.name ?? ''}`,
        bundle: decodeSecret(item),
      }));
    },
  };
}

export function tlsSecret(name: string, namespace: string, bundle: TlsBundle | CaBundle): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/name': 'portico' } },
    type: 'kubernetes.io/tls',
    data: Object.fromEntries(
      Object.entries(bundle)
        .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
        .map(([f, v]) => [f, Buffer.from(v).toString('base64')]),
    ),
  };
}
