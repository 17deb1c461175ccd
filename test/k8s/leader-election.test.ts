/** The election state machine, with a fake clock and an in-memory Lease (no API server). */
import { LeaderElector, microTime } from '../../src/k8s/leader-election.js';
import { FakeClock, FakeLeaseStore, settle } from './fake-lease.js';

const timing = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

function elector(store: FakeLeaseStore, clock: FakeClock, identity: string) {
  const client = store.client(identity);
  const e = new LeaderElector(client, { identity, clock, random: () => 0, ...timing });
  const history: { leading: boolean; at: number }[] = [];
  e.isLeader$.subscribe((leading) => history.push({ leading, at: clock.now() }));
  return { e, client, history };
}

describe('LeaderElector', () => {
  it('creates and holds a missing lease, renewing it every retry period', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const a = elector(store, clock, 'a');
    a.e.start();
    await settle();
    expect(a.e.leading).toBe(true);
    expect(store.lease?.spec).toMatchObject({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
      renewTime: microTime(clock.now()),
    });
    await clock.advance(2_000);
    expect(store.lease?.spec?.renewTime).toBe(microTime(clock.now()));
    expect(store.lease?.spec?.acquireTime).toBe(microTime(clock.now() - 2_000));
    await a.e.stop();
  });

  it('a candidate waits while the leader renews, however long', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const a = elector(store, clock, 'a');
    a.e.start();
    await settle();
    const b = elector(store, clock, 'b');
    b.e.start();
    await clock.advance(60_000);
    expect(a.e.leading).toBe(true);
    expect(b.e.leading).toBe(false);
    expect(b.history).toEqual([{ leading: false, at: expect.any(Number) }]);
    await a.e.stop();
    await b.e.stop();
  });

  it('fails over when the leader cannot renew: it steps down first, the other takes over within the lease duration', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const a = elector(store, clock, 'a');
    a.e.start();
    await settle();
    const b = elector(store, clock, 'b');
    b.e.start();
    await clock.advance(4_000);
    const lastRenewal = clock.now();
    expect(store.lease?.spec?.renewTime).toBe(microTime(lastRenewal));

    a.client.broken = true; // the leader's renewals are killed
    await clock.advance(30_000);
    const aLost = a.history.find((h) => !h.leading && h.at > lastRenewal)!;
    const bWon = b.history.find((h) => h.leading)!;
    expect(aLost.at - lastRenewal).toBeLessThanOrEqual(timing.renewDeadlineMs + timing.retryPeriodMs);
    // Never two leaders: the old one stopped before the new one started.
    expect(aLost.at).toBeLessThan(bWon.at);
    expect(bWon.at - lastRenewal).toBeGreaterThanOrEqual(timing.leaseDurationMs);
    expect(bWon.at - lastRenewal).toBeLessThanOrEqual(timing.leaseDurationMs + timing.retryPeriodMs);
    expect(store.lease?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });

    // The old leader comes back as a candidate and does not take the lease back.
    a.client.broken = false;
    await clock.advance(20_000);
    expect(a.e.leading).toBe(false);
    expect(b.e.leading).toBe(true);
    await a.e.stop();
    await b.e.stop();
  });

  it('releases the lease on stop, so the other replica takes over without waiting for expiry', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const a = elector(store, clock, 'a');
    a.e.start();
    await settle();
    const b = elector(store, clock, 'b');
    b.e.start();
    await clock.advance(3_000);
    const stoppedAt = clock.now();
    await a.e.stop();
    expect(store.lease?.spec?.holderIdentity).toBeNull();
    await clock.advance(3_000);
    const bWon = b.history.find((h) => h.leading)!;
    expect(bWon.at - stoppedAt).toBeLessThanOrEqual(timing.retryPeriodMs);
    await b.e.stop();
  });

  it('steps down at once when it sees another holder in the lease', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const a = elector(store, clock, 'a');
    a.e.start();
    await settle();
    // Someone overwrites the lease (e.g. a replica whose clock says it expired).
    store.update({
      ...store.get()!,
      spec: { ...store.get()!.spec, holderIdentity: 'intruder', renewTime: microTime(clock.now()) },
    });
    await clock.advance(2_000);
    expect(a.e.leading).toBe(false);
    await a.e.stop();
  });

  it('rejects timings that could let two replicas lead at once', () => {
    const store = new FakeLeaseStore();
    expect(
      () => new LeaderElector(store.client(), { identity: 'x', leaseDurationMs: 5_000, renewDeadlineMs: 5_000 }),
    ).toThrow(/shorter than the lease duration/);
  });
});
