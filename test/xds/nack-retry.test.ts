import { DEFAULT_RETRY_BACKOFF, isTransientRejection, retryDelayMs } from '../../src/xds/nack-retry.js';

test('a listener that could not bind its port is a transient rejection; content errors are not', () => {
  expect(
    isTransientRejection(
      "Error adding/updating listener(s) default/gw/http-8080: cannot bind '127.0.0.1:8080': Address already in use",
    ),
  ).toBe(true);
  expect(isTransientRejection("cannot bind '10.0.0.9:80': Cannot assign requested address")).toBe(true);
  expect(isTransientRejection('missing ]: [a-z')).toBe(false);
  expect(isTransientRejection('Failed to load private key from <inline>')).toBe(false);
});

test('retries back off exponentially up to the cap, a little earlier at random', () => {
  const backoff = { initialMs: 500, maxMs: 10_000 };
  const none = (): number => 0;
  expect([1, 2, 3, 4, 5, 6, 50].map((n) => retryDelayMs(n, backoff, none))).toEqual([
    500, 1000, 2000, 4000, 8000, 10_000, 10_000,
  ]);
  expect(retryDelayMs(6, backoff, () => 1)).toBe(8000);
  expect(retryDelayMs(1, DEFAULT_RETRY_BACKOFF)).toBeLessThanOrEqual(DEFAULT_RETRY_BACKOFF.initialMs);
});
