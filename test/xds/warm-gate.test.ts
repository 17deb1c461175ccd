/**
 * The cluster-warm gate's clock (`warm-gate.ts`) on a fake clock: it holds listeners and routes
 * back while clusters are cold, for at most the timeout from when the waiting began.
 */
import { ClusterWarmGate } from '../../src/xds/warm-gate.js';
import { FakeClock } from './fake-stream-host.js';

function gate(timeoutMs = 1_000) {
  const clock = new FakeClock();
  const timeouts: number[] = [];
  const gaveUp: number[] = [];
  const g = new ClusterWarmGate(
    clock,
    timeoutMs,
    () => timeouts.push(clock.now()),
    (waited) => gaveUp.push(waited),
  );
  return { clock, g, timeouts, gaveUp };
}

describe('ClusterWarmGate', () => {
  test('is open while clusters are warm, and arms nothing', () => {
    const { clock, g } = gate();
    expect(g.open(true)).toBe(true);
    expect(clock.armed).toBe(0);
  });

  test('holds cold clusters back until the timeout, then asks again and opens', () => {
    const { clock, g, timeouts, gaveUp } = gate(1_000);
    expect(g.open(false)).toBe(false);
    expect(g.open(false)).toBe(false);
    expect(clock.armed).toBe(1);
    clock.advance(999);
    expect(timeouts).toHaveLength(0);
    clock.advance(2);
    expect(timeouts).toHaveLength(1);
    expect(g.open(false)).toBe(true);
    expect(gaveUp).toEqual([1_001]);
  });

  test('warm clusters end the wait: the next cold spell waits the full timeout again', () => {
    const { clock, g } = gate(1_000);
    expect(g.open(false)).toBe(false);
    clock.advance(800);
    expect(g.open(true)).toBe(true);
    expect(g.open(false)).toBe(false);
    clock.advance(300);
    expect(g.open(false)).toBe(false);
  });

  test('a restart (new snapshot) starts the wait afresh; close cancels the timer', () => {
    const { clock, g, timeouts } = gate(1_000);
    g.open(false);
    clock.advance(900);
    g.restart();
    expect(g.open(false)).toBe(false);
    g.close();
    expect(clock.armed).toBe(0);
    clock.advance(5_000);
    expect(timeouts).toHaveLength(0);
  });
});
