import { debounceTime } from 'rxjs/operators';
import { TestScheduler } from 'rxjs/testing';
import { batchWithLatencyCap } from '../../src/pipeline/batch-with-latency-cap.js';

function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('batchWithLatencyCap', () => {
  it('emits a lone value after the quiet period', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a---------|');
      expectObservable(source.pipe(batchWithLatencyCap(3, 7))).toBe('---x------|', { x: ['a'] });
    });
  });

  it('gathers a burst into one batch once it goes quiet', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('ab-c---------|');
      expectObservable(source.pipe(batchWithLatencyCap(3, 10))).toBe('------x------|', { x: ['a', 'b', 'c'] });
    });
  });

  it('emits at the latency cap under constant churn, where debounceTime would starve', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b-c-d-e-f-g-|');
      expectObservable(source.pipe(batchWithLatencyCap(3, 5))).toBe('-----x-----y--(z|)', {
        x: ['a', 'b', 'c'],
        y: ['d', 'e', 'f'],
        z: ['g'],
      });
      // For contrast: the plain debounce emits nothing until the source completes.
      expectObservable(source.pipe(debounceTime(3))).toBe('--------------(g|)');
    });
  });

  it('measures the cap from the first change of each burst, not from the last emission', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a---------b-c-d-e--------|');
      expectObservable(source.pipe(batchWithLatencyCap(3, 5))).toBe('---x-----------y---z-----|', {
        x: ['a'],
        y: ['b', 'c', 'd'],
        z: ['e'],
      });
    });
  });

  it('asks a quiet function at every value, bounded by the cap', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      // Quiet 2 while only "e" values are buffered, 5 otherwise; a burst of "e" ends sooner.
      const quiet = (buffered: readonly string[]): number => (buffered.every((v) => v === 'e') ? 2 : 5);
      const source = cold('e----------er-----------|');
      expectObservable(source.pipe(batchWithLatencyCap(quiet, 8))).toBe('--x--------------y------|', {
        x: ['e'],
        y: ['e', 'r'],
      });
      // Out of range answers are clamped to 0..cap.
      expectObservable(cold('a------|').pipe(batchWithLatencyCap(() => 100, 4))).toBe('----x--|', { x: ['a'] });
    });
  });

  it('passes an error through and drops its timers', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-#');
      expectObservable(source.pipe(batchWithLatencyCap(3, 5))).toBe('--#');
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it('cancels pending timers on unsubscribe', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b-c-d-|');
      expectObservable(source.pipe(batchWithLatencyCap(3, 5)), '^--!').toBe('----');
    });
  });

  it('rejects a cap shorter than the quiet period', () => {
    expect(() => batchWithLatencyCap(10, 5)).toThrow(RangeError);
  });
});
