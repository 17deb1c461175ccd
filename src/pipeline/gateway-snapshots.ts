/**
 * Publishing per-Gateway output to the ADS server, only when it changed: each Gateway's resources
 * are hashed, and a Gateway whose hash is the one last published is not republished (its Envoys
 * would get nothing new, and the ADS server would re-encode for nothing). Gateways that are no
 * longer in the output are removed.
 */
import { createHash } from 'node:crypto';
import type { GatewayOutput } from '../translate/index.js';
import type { XdsResources } from '../translate/xds/types.js';
import type { GatewayKey, SnapshotPublisher } from '../xds/contract.js';
import { errorMessage } from './logger.js';

export interface SnapshotSyncResult {
  published: GatewayKey[];
  unchanged: GatewayKey[];
  removed: GatewayKey[];
  /** Publisher calls that threw; the Gateway is retried on the next output. */
  errors: { gateway: GatewayKey; message: string }[];
}

export class GatewaySnapshotSync {
  /** Hash of what the publisher accepted last, per Gateway. */
  private readonly published = new Map<GatewayKey, string>();

  constructor(private readonly publisher: SnapshotPublisher) {}

  /**
   * Publishes a Gateway known to have changed (the endpoint fast path), skipping the fingerprint:
   * computing it would cost more than the change. The next full sync republishes it once.
   * Returns the error message if the publisher threw.
   */
  publishUnchecked(gateway: GatewayOutput): string | undefined {
    this.published.delete(gateway.name);
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
      const hash = hashXdsResources(gateway.xds);
      if (this.published.get(gateway.name) === hash) {
        result.unchanged.push(gateway.name);
        continue;
      }
      try {
        this.publisher.publish(gateway.name, gateway.xds);
        this.published.set(gateway.name, hash);
        result.published.push(gateway.name);
      } catch (err) {
        // Forget the hash so that the next output publishes again even if it is identical.
        this.published.delete(gateway.name);
        result.errors.push({ gateway: gateway.name, message: errorMessage(err) });
      }
    }
    for (const gateway of [...this.published.keys()]) {
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

/**
 * A content hash of a Gateway's resources. The translator builds objects with a fixed key order, so
 * plain JSON text is a faithful fingerprint (a different key order could only cause a needless
 * republish, never a missed one) and costs a fifth of a key-sorting canonical form at 3,000 routes.
 */
export function hashXdsResources(resources: XdsResources): string {
  return createHash('sha256').update(JSON.stringify(resources, bytesAsBase64)).digest('hex');
}

function bytesAsBase64(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value;
}
