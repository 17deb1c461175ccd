/**
 * An in-memory stand-in for the ADS server (src/xds), implementing only `src/xds/contract.ts`:
 * it records what was published and lets a test play connected Envoys that ACK or NACK. Used by
 * the pipeline and debug tests until (and independently of) the real server.
 */
import { Subject } from 'rxjs';
import { toProtoJson } from '../../src/proto/proto-json.js';
import { TYPE_URL_BY_KIND } from '../../src/proto/type-urls.js';
import { XDS_KINDS } from '../../src/translate/xds/types.js';
import type { EnvoyMessage, XdsKind, XdsResources } from '../../src/translate/xds/types.js';
import type {
  ClientInfo,
  ConfigDump,
  GatewayKey,
  ProxyEvent,
  ProxyTracker,
  SnapshotPublisher,
} from '../../src/xds/contract.js';

type ProxyState = { kind: 'pending' } | { kind: 'acked' } | { kind: 'nacked'; message: string };

export class FakeXds implements SnapshotPublisher, ProxyTracker {
  readonly snapshots = new Map<GatewayKey, { version: number; resources: XdsResources }>();
  /** Every call, in order: `publish <gw>` / `remove <gw>`. */
  readonly calls: string[] = [];
  private readonly subject = new Subject<ProxyEvent>();
  readonly events$ = this.subject.asObservable();
  private readonly proxies = new Map<string, { gateway: GatewayKey; state: ProxyState; since: string }>();
  private version = 0;
  /** When set, `publish` throws it (to test the pipeline's guard). */
  failPublish: Error | undefined;

  /** As the real server: content equal to what is served is not published again (returns false). */
  publish(gateway: GatewayKey, resources: XdsResources): boolean {
    if (this.failPublish) throw this.failPublish;
    const current = this.snapshots.get(gateway);
    if (current && JSON.stringify(current.resources) === JSON.stringify(resources)) return false;
    this.calls.push(`publish ${gateway}`);
    this.snapshots.set(gateway, { version: ++this.version, resources });
    // A new version is pending again on every proxy of the Gateway.
    for (const proxy of this.proxies.values()) if (proxy.gateway === gateway) proxy.state = { kind: 'pending' };
    return true;
  }

  remove(gateway: GatewayKey): void {
    this.calls.push(`remove ${gateway}`);
    this.snapshots.delete(gateway);
  }

  gateways(): GatewayKey[] {
    return [...this.snapshots.keys()].sort();
  }

  dump(gateway: GatewayKey, kind?: XdsKind): ConfigDump | undefined {
    const snapshot = this.snapshots.get(gateway);
    if (!snapshot) return undefined;
    const resources: ConfigDump['resources'] = {};
    for (const k of kind ? [kind] : XDS_KINDS) {
      const messages: readonly EnvoyMessage[] = snapshot.resources[k];
      resources[k] = messages.map((message) => ({
        name: String(message.name ?? message.cluster_name ?? ''),
        version: String(snapshot.version),
        resource: toProtoJson(TYPE_URL_BY_KIND[k], message),
      }));
    }
    return { gateway, version: String(snapshot.version), resources };
  }

  clients(): ClientInfo[] {
    return [...this.proxies.entries()].map(([nodeId, proxy]) => ({
      nodeId,
      gateway: proxy.gateway,
      protocol: 'sotw',
      connectedSince: proxy.since,
      types: [],
    }));
  }

  programmed(gateway: GatewayKey): ReturnType<ProxyTracker['programmed']> {
    const proxies = [...this.proxies.values()].filter((p) => p.gateway === gateway);
    if (proxies.length === 0) return { state: 'pending', message: 'no Envoy of this Gateway is connected' };
    for (const proxy of proxies)
      if (proxy.state.kind === 'nacked') return { state: 'rejected', message: proxy.state.message };
    if (proxies.some((p) => p.state.kind === 'pending')) {
      return { state: 'pending', message: 'waiting for Envoy to ACK the current configuration' };
    }
    return { state: 'programmed' };
  }

  // ---- playing Envoys ----

  connect(nodeId: string, gateway: GatewayKey): void {
    this.proxies.set(nodeId, { gateway, state: { kind: 'pending' }, since: '2024-01-01T00:00:00Z' });
    this.subject.next({ kind: 'connected', nodeId, gateway });
  }

  disconnect(nodeId: string): void {
    const proxy = this.proxies.get(nodeId);
    if (!proxy) return;
    this.proxies.delete(nodeId);
    this.subject.next({ kind: 'disconnected', nodeId, gateway: proxy.gateway });
  }

  ack(nodeId: string, latencyMs = 5): void {
    const proxy = this.proxies.get(nodeId);
    if (!proxy) throw new Error(`unknown node ${nodeId}`);
    proxy.state = { kind: 'acked' };
    const version = String(this.snapshots.get(proxy.gateway)?.version ?? 0);
    this.subject.next({
      kind: 'ack',
      nodeId,
      gateway: proxy.gateway,
      typeUrl: TYPE_URL_BY_KIND.listeners,
      version,
      latencyMs,
    });
  }

  nack(nodeId: string, message: string): void {
    const proxy = this.proxies.get(nodeId);
    if (!proxy) throw new Error(`unknown node ${nodeId}`);
    proxy.state = { kind: 'nacked', message };
    const version = String(this.snapshots.get(proxy.gateway)?.version ?? 0);
    this.subject.next({
      kind: 'nack',
      nodeId,
      gateway: proxy.gateway,
      typeUrl: TYPE_URL_BY_KIND.clusters,
      version,
      message,
    });
  }

  /** What the real server's `xdsMetrics()` is expected to contribute. */
  xdsMetrics(): string {
    return `# HELP portico_xds_pushes_total Responses sent.\n# TYPE portico_xds_pushes_total counter\nportico_xds_pushes_total ${this.version}\n`;
  }
}
