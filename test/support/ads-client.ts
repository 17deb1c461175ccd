/**
 * A raw ADS client for protocol-level tests, independent of Portico's hand-built service
 * definition and wire encoder: the service comes from `@grpc/proto-loader` over the Envoy API
 * protos, so every response Portico writes is decoded by a second implementation.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { decodeResource } from '../../src/proto/codec.js';
import { protoIncludeDirs } from '../../src/proto/root.js';
import type { EnvoyMessage } from '../../src/translate/xds/types.js';

let clientCtor: grpc.ServiceClientConstructor | undefined;

/** The ADS gRPC client class, loaded once by @grpc/proto-loader (independent of Portico's encoder). */
export function adsClientConstructor(): grpc.ServiceClientConstructor {
  if (clientCtor) return clientCtor;
  const definition = protoLoader.loadSync('envoy/service/discovery/v3/ads.proto', {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: protoIncludeDirs(),
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } };
  };
  clientCtor = pkg.envoy.service.discovery.v3.AggregatedDiscoveryService;
  return clientCtor;
}

export interface AnyMessage {
  type_url: string;
  value: Buffer;
}

export interface SotwResponse {
  version_info: string;
  resources: AnyMessage[];
  type_url: string;
  nonce: string;
  control_plane: { identifier: string } | null;
}

export interface DeltaResponse {
  system_version_info: string;
  resources: { name: string; version: string; resource: AnyMessage | null }[];
  type_url: string;
  removed_resources: string[];
  nonce: string;
}

type Response = SotwResponse | DeltaResponse;

/** Names of the resources in a SotW response (decoded with the shared Root). */
export function sotwNames(response: SotwResponse): string[] {
  return response.resources.map((any) => {
    const msg = decodeResource(any.type_url, any.value);
    return (msg.name ?? msg.cluster_name) as string;
  });
}

export function decodeAny(any: AnyMessage): EnvoyMessage {
  return decodeResource(any.type_url, any.value);
}

export class RawAdsClient<R extends Response> {
  private readonly queue: R[] = [];
  private waiters: ((r: R | Error) => void)[] = [];
  private ended: grpc.StatusObject | Error | undefined;
  readonly status: Promise<{ code: number; details: string }>;
  readonly received: R[] = [];

  private constructor(
    private readonly client: grpc.Client,
    private readonly call: grpc.ClientDuplexStream<unknown, R>,
  ) {
    this.status = new Promise((resolve) => {
      call.on('status', (s: grpc.StatusObject) => {
        this.ended = s;
        resolve({ code: s.code, details: s.details });
        this.flushWaiters(new Error(`stream ended: ${s.code} ${s.details}`));
      });
    });
    call.on('error', (err) => {
      this.ended ??= err;
    });
    call.on('data', (r: R) => {
      this.received.push(r);
      const waiter = this.waiters.shift();
      if (waiter) waiter(r);
      else this.queue.push(r);
    });
  }

  /** `credentials` and `options`: a TLS client (default plaintext). */
  static sotw(
    port: number,
    credentials = grpc.credentials.createInsecure(),
    options: grpc.ChannelOptions = {},
  ): RawAdsClient<SotwResponse> {
    const Ctor = adsClientConstructor();
    const client = new Ctor(`127.0.0.1:${port}`, credentials, options);
    const call = (
      client as unknown as { StreamAggregatedResources(): grpc.ClientDuplexStream<unknown, SotwResponse> }
    ).StreamAggregatedResources();
    return new RawAdsClient<SotwResponse>(client, call);
  }

  static delta(
    port: number,
    credentials = grpc.credentials.createInsecure(),
    options: grpc.ChannelOptions = {},
  ): RawAdsClient<DeltaResponse> {
    const Ctor = adsClientConstructor();
    const client = new Ctor(`127.0.0.1:${port}`, credentials, options);
    const call = (
      client as unknown as { DeltaAggregatedResources(): grpc.ClientDuplexStream<unknown, DeltaResponse> }
    ).DeltaAggregatedResources();
    return new RawAdsClient<DeltaResponse>(client, call);
  }

  /** The channel's state: READY while its connection is up, IDLE once the server closed it. */
  connectivity(): grpc.connectivityState {
    return this.client.getChannel().getConnectivityState(false);
  }

  send(request: object): void {
    this.call.write(request);
  }

  /** The next response, or a rejection after `timeoutMs`. */
  next(timeoutMs = 5000): Promise<R> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.ended) return Promise.reject(new Error('stream ended'));
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no response within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (r: R | Error): void => {
        clearTimeout(timer);
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
      this.waiters.push(waiter);
    });
  }

  /** Resolves true if nothing arrives within `ms`. */
  async quiet(ms: number): Promise<boolean> {
    if (this.queue.length > 0) return false;
    try {
      await this.next(ms).then((r) => this.queue.unshift(r));
      return false;
    } catch {
      return true;
    }
  }

  close(): void {
    try {
      this.call.cancel();
    } catch {
      // ignore
    }
    this.client.close();
  }

  private flushWaiters(err: Error): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(err);
  }
}
