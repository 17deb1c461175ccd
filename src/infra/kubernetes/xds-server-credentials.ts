/**
 * The xDS server's credentials, following `--xds-tls-dir` while Portico runs: a renewed server
 * certificate (`portico certgen`), or a changed bundle of trusted CAs (`certgen --rotate`), is used
 * for new connections without a restart, and no established stream is touched.
 *
 * `grpc.ServerCredentials.createSsl` takes the files once. grpc-js's experimental certificate
 * provider credentials instead call `setSecureContext` on the listening server each time their
 * provider reports new files; Node applies a secure context to the handshakes that follow only.
 * The provider here (not grpc-js's `FileWatcherCertificateProvider`, which reads the three files
 * apart on a timer and, when they disagree, leaves the server refusing every connection until its
 * next read) reads the files together when the directory changes (secret-mount.ts), checks that
 * Node accepts them as one secure context, and only then reports them: a half-written or
 * mismatched version is logged and the last good one stays in use.
 */
import { createSecureContext } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../shared/logger.js';
import { silentLogger } from '../../shared/logger.js';
import { watchSecretMount, type SecretMountWatch, type WatchOptions } from '../secret-mount.js';
import { splitPem } from './ca-bundle.js';
import { keyMismatch, readXdsTlsDir, type XdsTlsFiles } from './xds-tls.js';

type CaListener = (update: { caCertificate: Buffer } | null) => void;
type IdentityListener = (update: { certificate: Buffer; privateKey: Buffer } | null) => void;

/** Why the three files cannot serve (undefined when they can). */
export function whyUnusable(files: XdsTlsFiles): string | undefined {
  const mismatch = keyMismatch(files.cert, files.key);
  if (mismatch) return mismatch;
  const cas = splitPem(files.ca.toString('utf8'));
  if (cas.length === 0) return 'ca.crt holds no certificate';
  try {
    for (const ca of cas) new X509Certificate(ca);
    createSecureContext({ ca: files.ca, cert: files.cert, key: files.key });
  } catch (err) {
    return `not usable as TLS credentials: ${(err as Error).message}`;
  }
  return undefined;
}

/** What the server presents and trusts, for logs. */
function describe(files: XdsTlsFiles): Record<string, unknown> {
  const cert = new X509Certificate(files.cert);
  return { serial: cert.serialNumber, validTo: cert.validTo, trustedCas: splitPem(files.ca.toString('utf8')).length };
}

/** A grpc-js certificate provider (CA and identity) over the files of `--xds-tls-dir`. */
class XdsTlsDirProvider {
  private files: XdsTlsFiles;
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private refused: string | undefined;

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
  ) {
    this.files = readXdsTlsDir(dir);
    const why = whyUnusable(this.files);
    if (why) throw new Error(`--xds-tls-dir ${dir}: ${why}`);
  }

  /** Reads the directory again; reports its files if they changed and can serve. */
  reload(): void {
    let files: XdsTlsFiles;
    try {
      files = readXdsTlsDir(this.dir);
    } catch (err) {
      this.refuse((err as Error).message);
      return;
    }
    if (files.ca.equals(this.files.ca) && files.cert.equals(this.files.cert) && files.key.equals(this.files.key)) {
      return;
    }
    const why = whyUnusable(files);
    if (why) {
      this.refuse(`--xds-tls-dir ${this.dir}: ${why}`);
      return;
    }
    this.refused = undefined;
    this.files = files;
    this.logger.info('xDS server credentials reloaded; new connections use them', describe(files));
    for (const listener of this.identityListeners) listener({ certificate: files.cert, privateKey: files.key });
    for (const listener of this.caListeners) listener({ caCertificate: files.ca });
  }

  private refuse(why: string): void {
    if (why === this.refused) return;
    this.refused = why;
    this.logger.warn('xDS server credentials not reloaded; the previous ones stay in use', { error: why });
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    // grpc-js asks as the server binds, and reads the first update on the next tick.
    process.nextTick(() => this.caListeners.has(listener) && listener({ caCertificate: this.files.ca }));
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    process.nextTick(
      () =>
        this.identityListeners.has(listener) && listener({ certificate: this.files.cert, privateKey: this.files.key }),
    );
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }
}

export interface ReloadingCredentials {
  /** Mutual TLS: a client certificate signed by a CA of `ca.crt` is required. */
  credentials: grpc.ServerCredentials;
  /** Reads the directory now (the watch does it on its own). */
  reload(): void;
  close(): void;
}

/** Server credentials over `--xds-tls-dir` that follow its files; throws if they cannot serve now. */
export function reloadingXdsServerCredentials(
  dir: string,
  logger: Logger = silentLogger,
  watch: WatchOptions = {},
): ReloadingCredentials {
  const provider = new XdsTlsDirProvider(dir, logger.child({ component: 'xds-tls' }));
  // One provider for both roles (grpc-js 1.14 passes its two arguments in swapped order).
  const credentials = grpc.experimental.createCertificateProviderServerCredentials(provider, provider, true);
  const watcher: SecretMountWatch = watchSecretMount(
    dir,
    ['ca.crt', 'tls.crt', 'tls.key'],
    () => provider.reload(),
    watch,
  );
  return { credentials, reload: () => provider.reload(), close: () => watcher.close() };
}
