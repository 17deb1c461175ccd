/**
 * Standalone mode with xDS TLS on: each local Envoy gets its own Gateway's client certificate, as a
 * provisioned one does in a cluster, so the ADS server's identity check holds the same way.
 *
 * Per Gateway, a directory laid out like a Kubernetes Secret mount: the files are symlinks through
 * `..data` to a versioned directory, and a renewal swaps `..data` with one rename. Envoy reads them
 * through SDS files watching that directory (bootstrap.ts, `BootstrapTls.sds`), so it never sees a
 * certificate without its key, and picks a renewed certificate up without a restart. Certificates
 * are renewed by the same rule as in a cluster (certs.ts: 2 days, renewed with under 1 day left),
 * checked every hour, and at once when the CA directory changes (`resync`): a CA rotation step
 * (`certgen --rotate`) rewrites each Gateway's `ca.crt` with the CAs trusted now, and reissues its
 * certificate once another CA signs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../shared/logger.js';
import { silentLogger } from '../../shared/logger.js';
import { errorMessage } from '../../shared/error-message.js';
import type { GatewayKey } from '../../xds/contract.js';
import type { BootstrapTls } from '../bootstrap.js';
import { xdsTlsSdsFiles } from '../bootstrap.js';
import { sameBundle } from '../kubernetes/ca-bundle.js';
import { caTrust, issueGatewayCertificate, whyReissue, withTrust } from '../kubernetes/certs.js';
import type { TlsBundle, XdsCa } from '../kubernetes/certs.js';
import { writeSecretMount } from '../secret-mount.js';
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

  /** Checks every Gateway's certificate again (the CA directory changed). */
  resync(): Promise<void> {
    return this.sync([...this.bundles.keys()]);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async issueAll(gateways: readonly GatewayKey[]): Promise<void> {
    const wanted = new Set(gateways);
    for (const gateway of [...this.bundles.keys()]) if (!wanted.has(gateway)) this.bundles.delete(gateway);
    for (const gateway of wanted) {
      let ca: XdsCa;
      try {
        ca = this.options.ca();
      } catch (err) {
        this.logger.error('cannot read the xDS CA', { gateway, error: errorMessage(err) });
        return;
      }
      const current = this.bundles.get(gateway);
      const why = whyReissue(current, ca, gateway, this.options.now?.() ?? new Date());
      if (why === undefined) {
        if (sameBundle(current!['ca.crt'], caTrust(ca))) continue;
        // Same certificate, other CAs to trust (a rotation step).
        const bundle = withTrust(current!, ca);
        this.write(gateway, bundle);
        this.bundles.set(gateway, bundle);
        this.logger.info('updated the CAs the Envoy of a Gateway trusts', { gateway });
        continue;
      }
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
    writeSecretMount(certs, { ...bundle });
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
