/**
 * Standalone mode with xDS TLS on: each local Envoy gets its own Gateway's client certificate, as a
 * provisioned one does in a cluster, so the ADS server's identity check holds the same way.
 *
 * Per Gateway, a directory laid out like a Kubernetes Secret mount: the files are symlinks through
 * `..data` to a versioned directory, and a renewal swaps `..data` with one rename. Envoy reads them
 * through SDS files watching that directory (bootstrap.ts, `BootstrapTls.sds`), so it never sees a
 * certificate without its key, and picks a renewed certificate up without a restart. Certificates
 * are renewed by the same rule as in a cluster (certs.ts: 2 days, renewed with under 1 day left),
 * checked every hour.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../pipeline/logger.js';
import { errorMessage, silentLogger } from '../../pipeline/logger.js';
import type { GatewayKey } from '../../xds/contract.js';
import type { BootstrapTls } from '../bootstrap.js';
import { xdsTlsSdsFiles } from '../bootstrap.js';
import { issueGatewayCertificate, whyReissue } from '../kubernetes/certs.js';
import type { TlsBundle, XdsCa } from '../kubernetes/certs.js';

const FILES = ['ca.crt', 'tls.crt', 'tls.key'] as const;
const CHECK_EVERY_MS = 3_600_000;

export interface LocalXdsIdentitiesOptions {
  /** Where the Gateways' directories go (Portico's private work directory). */
  dir: string;
  /** The CA (`--xds-ca-dir`), read at each issue. */
  ca: () => XdsCa;
  logger?: Logger;
  now?: () => Date;
}

export class LocalXdsIdentities {
  private readonly logger: Logger;
  private readonly bundles = new Map<GatewayKey, TlsBundle>();
  private readonly timer: NodeJS.Timeout;
  private renewing: Promise<void> = Promise.resolve();

  constructor(private readonly options: LocalXdsIdentitiesOptions) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'xds-identity' });
    this.timer = setInterval(() => void this.sync([...this.bundles.keys()]), CHECK_EVERY_MS);
    this.timer.unref();
  }

  /** Issues (or keeps) the certificate of each Gateway; resolves once every one is on disk. */
  sync(gateways: readonly GatewayKey[]): Promise<void> {
    const next = this.renewing.then(() => this.issueAll(gateways));
    this.renewing = next.catch(() => undefined);
    return next;
  }

  /** The bootstrap TLS files of a Gateway whose certificate `sync` wrote; undefined before. */
  tls(gateway: GatewayKey): BootstrapTls | undefined {
    if (!this.bundles.has(gateway)) return undefined;
    const base = this.gatewayDir(gateway);
    return this.tlsFor(base, join(base, 'tls'));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async issueAll(gateways: readonly GatewayKey[]): Promise<void> {
    const wanted = new Set(gateways);
    for (const gateway of [...this.bundles.keys()]) if (!wanted.has(gateway)) this.bundles.delete(gateway);
    for (const gateway of wanted) {
      const ca = this.options.ca();
      const why = whyReissue(this.bundles.get(gateway), ca, gateway, this.options.now?.() ?? new Date());
      if (why === undefined) continue;
      try {
        const bundle = await issueGatewayCertificate(ca, gateway);
        this.write(gateway, bundle);
        this.bundles.set(gateway, bundle);
        if (why !== 'missing') this.logger.info('renewed the xDS client certificate of a Gateway', { gateway, why });
      } catch (err) {
        this.logger.error('cannot issue the xDS client certificate of a Gateway', {
          gateway,
          error: errorMessage(err),
        });
      }
    }
  }

  private gatewayDir(gateway: GatewayKey): string {
    return join(this.options.dir, encodeURIComponent(gateway));
  }

  /** Writes the bundle as a new version and swaps it in with one rename (as the kubelet does). */
  private write(gateway: GatewayKey, bundle: TlsBundle): void {
    const base = this.gatewayDir(gateway);
    const certs = join(base, 'tls');
    mkdirSync(certs, { recursive: true, mode: 0o700 });
    const version = `..${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    mkdirSync(join(certs, version), { mode: 0o700 });
    for (const file of FILES) {
      writeFileSync(join(certs, version, file), bundle[file], { mode: file === 'tls.key' ? 0o600 : 0o644 });
    }
    let previous: string | undefined;
    try {
      previous = readlinkSync(join(certs, '..data'));
    } catch {
      previous = undefined;
    }
    symlinkSync(version, join(certs, '..data_tmp'));
    renameSync(join(certs, '..data_tmp'), join(certs, '..data'));
    for (const file of FILES) {
      try {
        readlinkSync(join(certs, file));
      } catch {
        symlinkSync(join('..data', file), join(certs, file));
      }
    }
    if (previous && previous !== version) rmSync(join(certs, previous), { recursive: true, force: true });
    const tls = this.tlsFor(base, certs);
    const sds = xdsTlsSdsFiles(tls);
    writeIfChanged(tls.sds!.clientFile, sds.clientFile);
    writeIfChanged(tls.sds!.caFile, sds.caFile);
  }

  private tlsFor(base: string, certs: string): BootstrapTls {
    return {
      caFile: join(certs, 'ca.crt'),
      certFile: join(certs, 'tls.crt'),
      keyFile: join(certs, 'tls.key'),
      sds: { clientFile: join(base, 'client-sds.json'), caFile: join(base, 'ca-sds.json'), watchedDirectory: certs },
    };
  }
}

function writeIfChanged(path: string, content: string): void {
  try {
    if (readFileSync(path, 'utf8') === content) return;
  } catch {
    // not written yet
  }
  writeFileSync(path, content);
}
