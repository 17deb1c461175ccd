/**
 * Publishing per-Gateway output to the ADS server. The publisher itself tells whether a Gateway's
 * content changed (its snapshot version is a hash of the encoded resources, and with the
 * translation cache an unchanged resource is recognised by identity, so this costs little);
 * Gateways that are no longer in the output are removed.
 */
import type { GatewayOutput } from '../translate/index.js';
import type { GatewayKey, SnapshotPublisher } from '../xds/contract.js';
import { errorMessage } from '../shared/error-message.js';

export interface SnapshotSyncResult {
  published: GatewayKey[];
  unchanged: GatewayKey[];
  removed: GatewayKey[];
  /** Publisher calls that threw; the Gateway is retried on the next output. */
  errors: { gateway: GatewayKey; message: string }[];
}

export class GatewaySnapshotSync {
  /** Gateways published and not removed since. */
  private readonly published = new Set<GatewayKey>();

  constructor(private readonly publisher: SnapshotPublisher) {}

  /**
   * Publishes a Gateway known to have changed (the endpoint fast path). Returns the error message
   * if the publisher threw.
   */
  publishUnchecked(gateway: GatewayOutput): string | undefined {
    try {
      this.publisher.publish(gateway.name, gateway.xds);
      return undefined;
    } catch (err) {
      return errorMessage(err);
    }
  }

  sync(gateways: readonly GatewayOutput[]): SnapshotSyncResult {
    const result: SnapshotSyncResult = { published: [], unchanged: [], removed: [], errors: [] };
    const present = new Set<GatewayKey>();
    for (const gateway of gateways) {
      present.add(gateway.name);
      try {
        const changed = this.publisher.publish(gateway.name, gateway.xds);
        this.published.add(gateway.name);
        (changed ? result.published : result.unchanged).push(gateway.name);
      } catch (err) {
        result.errors.push({ gateway: gateway.name, message: errorMessage(err) });
      }
    }
    for (const gateway of [...this.published]) {
      if (present.has(gateway)) continue;
      try {
        this.publisher.remove(gateway);
        this.published.delete(gateway);
        result.removed.push(gateway);
      } catch (err) {
        result.errors.push({ gateway, message: errorMessage(err) });
      }
    }
    return result;
  }
}
