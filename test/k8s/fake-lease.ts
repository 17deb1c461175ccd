/** An in-memory Lease with the API server's optimistic concurrency, and a fake clock, for election tests. */
import { ApiError } from '../../src/kube-client/kube-api.js';
import type { Clock, Lease, LeaseClient, LeaseSpec } from '../../src/k8s/leader-election.js';

export class FakeLeaseStore {
  lease: Lease | undefined;
  private version = 0;
  writes = 0;

  client(name = 'fake'): FakeLeaseClient {
    return new FakeLeaseClient(this, name);
  }

  get(): Lease | undefined {
    return this.lease ? structuredClone(this.lease) : undefined;
  }

  create(spec: LeaseSpec): Lease {
    if (this.lease) throw new ApiError(409, 'leases "portico" already exists', 'AlreadyExists');
    this.lease = { metadata: { name: 'portico', namespace: 'default', resourceVersion: String(++this.version) }, spec };
    this.writes += 1;
    return structuredClone(this.lease);
  }

  update(lease: Lease): Lease {
    if (!this.lease) throw new ApiError(404, 'not found', 'NotFound');
    if (lease.metadata.resourceVersion !== this.lease.metadata.resourceVersion) {
      throw new ApiError(409, 'the object has been modified', 'Conflict');
    }
    this.lease = {
      ...structuredClone(lease),
      metadata: { ...lease.metadata, resourceVersion: String(++this.version) },
    };
    this.writes += 1;
    return structuredClone(this.lease);
  }
}

export class FakeLeaseClient implements LeaseClient {
  /** When set, every call fails as if the API server were unreachable. */
  broken = false;
  readonly description: string;

  constructor(
    private readonly store: FakeLeaseStore,
    name: string,
  ) {
    this.description = `default/portico (${name})`;
  }

  async get(): Promise<Lease | undefined> {
    this.check();
    return this.store.get();
  }

  async create(spec: LeaseSpec): Promise<Lease> {
    this.check();
    return this.store.create(spec);
  }

  async update(lease: Lease): Promise<Lease> {
    this.check();
    return this.store.update(lease);
  }

  private check(): void {
    if (this.broken) throw new ApiError(0, 'connect ECONNREFUSED 127.0.0.1:6443');
  }
}

/** Time moves only when a test advances it; sleepers wake in order, with promise jobs run between. */
export class FakeClock implements Clock {
  private time = 1_700_000_000_000;
  private sleepers: { at: number; wake: () => void }[] = [];

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const onAbort = (): void => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        resolve();
      };
      const sleeper = {
        at: this.time + ms,
        wake: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.sleepers.push(sleeper);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Advances by `ms`, waking each sleeper at its time and letting it run before the next. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await settle();
    for (;;) {
      this.sleepers.sort((a, b) => a.at - b.at);
      const next = this.sleepers[0];
      if (!next || next.at > target) break;
      this.sleepers.shift();
      this.time = Math.max(this.time, next.at);
      next.wake();
      await settle();
    }
    this.time = target;
    await settle();
  }
}

/** Lets pending promise jobs (fake API calls, loop iterations) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
}
