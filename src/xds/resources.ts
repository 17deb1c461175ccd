/**
 * Encoded resources: every Envoy resource is turned into protobuf bytes once per distinct
 * content, and the bytes (plus the ready-made response records around them) are shared by every
 * snapshot, Gateway and stream that serves that content.
 *
 * Three levels, cheapest first:
 *  1. object identity (a WeakMap): a pipeline that reuses unchanged resource objects between
 *     translations pays nothing;
 *  2. a hash of the object's JSON text: equal content built anew costs a JSON.stringify and a
 *     hash, not a protobufjs `fromObject` + `encode`;
 *  3. a hash of the encoded bytes, which is also the resource version: two objects that differ
 *     only in ways the encoding drops share one entry.
 * Entries are reference-counted by the snapshots holding them and leave the tables at zero.
 */
import { createHash } from 'node:crypto';
import { encodeResource } from '../proto/codec.js';
import { CLUSTER, CLUSTER_LOAD_ASSIGNMENT, ROUTE_CONFIGURATION, type ResourceTypeUrl } from '../proto/type-urls.js';
import type { EnvoyMessage } from '../translate/xds/types.js';
import { deltaResourceEntry, lengthDelimited, sotwResourceEntry } from './wire.js';

const VIRTUAL_HOST = 'envoy.config.route.v3.VirtualHost';
/** RouteConfiguration.virtual_hosts */
const VIRTUAL_HOSTS_FIELD = 2;

export interface EncodedResource {
  readonly typeUrl: ResourceTypeUrl;
  readonly name: string;
  /** Content hash of the encoded bytes. */
  readonly version: string;
  readonly bytes: Uint8Array;
  /** The `resources` record of a DiscoveryResponse (field 2, an Any). */
  readonly sotwEntry: Buffer;
  /** The `resources` record of a DeltaDiscoveryResponse (field 2, a Resource with name and version). */
  readonly deltaEntry: Buffer;
  /** Clusters only: the ClusterLoadAssignment name Envoy will subscribe to, if the cluster uses EDS. */
  readonly edsName?: string;
}

interface Entry {
  resource: EncodedResource;
  /** Every JSON hash that led to this entry. */
  jsonKeys: Set<string>;
  refs: number;
}

/** Short, URL-safe content hash. */
export function contentHash(...parts: (string | Uint8Array)[]): string {
  const hash = createHash('sha256');
  // Each part followed by a NUL; runs of strings go in as one update (a snapshot hashes thousands).
  let text = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      text += part + '\0';
      continue;
    }
    if (text !== '') hash.update(text);
    text = '\0';
    hash.update(part);
  }
  if (text !== '') hash.update(text);
  return hash.digest('base64url').slice(0, 22);
}

/** 128 bits of `sha256(name NUL version)`, as four 32-bit lanes, computed once per encoded resource. */
const digests = new WeakMap<EncodedResource, Uint32Array>();

function digestOf(resource: EncodedResource): Uint32Array {
  let digest = digests.get(resource);
  if (!digest) {
    const hash = createHash('sha256').update(`${resource.name}\0${resource.version}`).digest();
    digest = Uint32Array.of(hash.readUInt32LE(0), hash.readUInt32LE(4), hash.readUInt32LE(8), hash.readUInt32LE(12));
    digests.set(resource, digest);
  }
  return digest;
}

/**
 * The content version of a set of resources, kept up to date as resources come and go: each
 * resource's digest is added lane by lane (mod 2^32), so the sum does not depend on order and a
 * change of one resource in 5,000 costs one subtraction and one addition instead of hashing every
 * name and version again. Equal sets have equal versions, across restarts too; different sets
 * collide with a probability of about 2^-128.
 */
export class SetDigest {
  private readonly lanes = new Uint32Array(4);
  private count = 0;

  static of(resources: Iterable<EncodedResource>): SetDigest {
    const digest = new SetDigest();
    for (const r of resources) digest.add(r);
    return digest;
  }

  copy(): SetDigest {
    const out = new SetDigest();
    out.lanes.set(this.lanes);
    out.count = this.count;
    return out;
  }

  add(resource: EncodedResource): void {
    const d = digestOf(resource);
    for (let i = 0; i < 4; i++) this.lanes[i] = (this.lanes[i]! + d[i]!) >>> 0;
    this.count++;
  }

  remove(resource: EncodedResource): void {
    const d = digestOf(resource);
    for (let i = 0; i < 4; i++) this.lanes[i] = (this.lanes[i]! - d[i]!) >>> 0;
    this.count--;
  }

  version(): string {
    const out = Buffer.alloc(20);
    for (let i = 0; i < 4; i++) out.writeUInt32LE(this.lanes[i]!, 4 * i);
    out.writeUInt32LE(this.count >>> 0, 16);
    return out.toString('base64url');
  }
}

/** Content version of a set of resources: equal sets have equal versions, across restarts too. */
export function typeVersion(resources: ReadonlyMap<string, EncodedResource>): string {
  return SetDigest.of(resources.values()).version();
}

/** The name Envoy knows a resource by (ClusterLoadAssignments are named by `cluster_name`). */
export function resourceName(typeUrl: string, msg: EnvoyMessage): string {
  const name = typeUrl === CLUSTER_LOAD_ASSIGNMENT ? msg.cluster_name : msg.name;
  if (typeof name !== 'string' || name === '') throw new Error(`${typeUrl} resource without a name`);
  return name;
}

function edsNameOf(msg: EnvoyMessage): string | undefined {
  const discovery = msg.type;
  if (discovery !== 'EDS' && discovery !== 3) return undefined;
  const config = msg.eds_cluster_config as { service_name?: unknown } | undefined;
  const serviceName = config?.service_name;
  return typeof serviceName === 'string' && serviceName !== '' ? serviceName : (msg.name as string);
}

export interface EncoderStats {
  /** Resources actually encoded with protobufjs. */
  encoded: number;
  /** Lookups answered by object identity. */
  identityHits: number;
  /** Lookups answered by the JSON hash. */
  jsonHits: number;
  /** Distinct encoded resources currently held. */
  live: number;
  /** RouteConfiguration virtual hosts encoded (an assembled RouteConfiguration reuses the others). */
  virtualHostsEncoded: number;
}

export class ResourceEncoder {
  private readonly byObject = new WeakMap<object, Entry>();
  private readonly byJson = new Map<string, Entry>();
  private readonly byVersion = new Map<string, Entry>();
  private readonly counters = { encoded: 0, identityHits: 0, jsonHits: 0, virtualHostsEncoded: 0 };
  /** Encoded `virtual_hosts` records by virtual host object (see `encode`). */
  private readonly virtualHostRecords = new WeakMap<object, Buffer>();

  /**
   * The encoded form of `msg`, taking a reference (release it with `release`). Throws if the
   * message cannot be encoded (a type that is not loaded, a resource without a name).
   */
  acquire(typeUrl: ResourceTypeUrl, msg: EnvoyMessage): EncodedResource {
    const entry = this.lookup(typeUrl, msg);
    entry.refs++;
    return entry.resource;
  }

  /** Takes one more reference on a resource already held (a snapshot reusing a previous one's list). */
  retain(resource: EncodedResource): void {
    const entry = this.byVersion.get(resource.version);
    if (entry && entry.resource === resource) entry.refs++;
  }

  /** Drops one reference taken by `acquire`. */
  release(resource: EncodedResource): void {
    const entry = this.byVersion.get(resource.version);
    if (!entry || entry.resource !== resource) return;
    entry.refs--;
    if (entry.refs <= 0) {
      this.byVersion.delete(resource.version);
      for (const key of entry.jsonKeys) if (this.byJson.get(key) === entry) this.byJson.delete(key);
    }
  }

  stats(): EncoderStats {
    return { ...this.counters, live: this.byVersion.size };
  }

  private lookup(typeUrl: ResourceTypeUrl, msg: EnvoyMessage): Entry {
    const known = this.byObject.get(msg);
    if (known && known.resource.typeUrl === typeUrl && this.byVersion.get(known.resource.version) === known) {
      this.counters.identityHits++;
      return known;
    }
    let jsonKey: string | undefined;
    if (!this.hasKnownVirtualHosts(typeUrl, msg)) {
      jsonKey = contentHash(typeUrl, JSON.stringify(msg));
      const byJson = this.byJson.get(jsonKey);
      if (byJson) {
        this.counters.jsonHits++;
        this.byObject.set(msg, byJson);
        return byJson;
      }
    }
    const name = resourceName(typeUrl, msg);
    const bytes = this.encodeAssembled(typeUrl, msg) ?? encodeResource(typeUrl, msg);
    this.counters.encoded++;
    const version = contentHash(typeUrl, bytes);
    let entry = this.byVersion.get(version);
    if (!entry) {
      const edsName = typeUrl === CLUSTER ? edsNameOf(msg) : undefined;
      entry = {
        resource: {
          typeUrl,
          name,
          version,
          bytes,
          sotwEntry: sotwResourceEntry(typeUrl, bytes),
          deltaEntry: deltaResourceEntry(typeUrl, name, version, bytes),
          ...(edsName !== undefined ? { edsName } : {}),
        },
        jsonKeys: new Set(),
        refs: 0,
      };
      this.byVersion.set(version, entry);
    }
    if (jsonKey !== undefined) {
      entry.jsonKeys.add(jsonKey);
      this.byJson.set(jsonKey, entry);
    }
    this.byObject.set(msg, entry);
    return entry;
  }

  /**
   * Whether a RouteConfiguration reuses encoded virtual hosts (it was built with a translation
   * cache). If not, the JSON hash, which recognises equal content built anew, is the cheaper path.
   */
  private hasKnownVirtualHosts(typeUrl: ResourceTypeUrl, msg: EnvoyMessage): boolean {
    if (typeUrl !== ROUTE_CONFIGURATION || !Array.isArray(msg.virtual_hosts)) return false;
    return msg.virtual_hosts.some((vh) => typeof vh === 'object' && vh !== null && this.virtualHostRecords.has(vh));
  }

  /**
   * A RouteConfiguration holds every route of a port, and a change usually touches one virtual
   * host. Its bytes are therefore assembled from the encoded virtual hosts, each kept by object
   * (the translation cache keeps unchanged virtual hosts as the same objects), plus the other
   * fields: protobuf fields concatenate, so this decodes exactly like a whole encoding. Undefined
   * for other types.
   */
  private encodeAssembled(typeUrl: ResourceTypeUrl, msg: EnvoyMessage): Uint8Array | undefined {
    if (typeUrl !== ROUTE_CONFIGURATION || !Array.isArray(msg.virtual_hosts)) return undefined;
    const { virtual_hosts: virtualHosts, ...rest } = msg;
    const hosts = virtualHosts as unknown[];
    const parts: Uint8Array[] = [encodeResource(typeUrl, rest)];
    for (const vh of hosts) {
      if (typeof vh !== 'object' || vh === null) return undefined;
      let record = this.virtualHostRecords.get(vh);
      if (!record) {
        record = lengthDelimited(VIRTUAL_HOSTS_FIELD, encodeResource(VIRTUAL_HOST, vh as EnvoyMessage));
        this.counters.virtualHostsEncoded++;
        this.virtualHostRecords.set(vh, record);
      }
      parts.push(record);
    }
    return Buffer.concat(parts);
  }
}
