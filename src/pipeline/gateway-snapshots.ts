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

/** A content hash independent of object key order. */
export function hashXdsResources(resources: XdsResources): string {
  return createHash('sha256').update(canonicalJson(resources)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
