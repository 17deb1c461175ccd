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
