/** The reader of an HTTPRoute rule's timeouts and retry. */
import { readRuleRetry, readRuleTimeouts } from '../../../src/resources/read/rule-timing.js';

const at = 'spec.rules[0]';
const messages = (read: { valid: boolean; errors?: { message: string }[] }) => read.errors?.map((e) => e.message);

describe('readRuleTimeouts', () => {
  it('reads the durations in milliseconds, and nothing when none is given', () => {
    expect(readRuleTimeouts({ request: '10s', backendRequest: '0s' }, `${at}.timeouts`)).toEqual({
      valid: true,
      result: { requestMs: 10_000, backendRequestMs: 0 },
    });
    expect(readRuleTimeouts(undefined, `${at}.timeouts`)).toEqual({ valid: true, result: undefined });
    expect(readRuleTimeouts({}, `${at}.timeouts`)).toEqual({ valid: true, result: undefined });
  });

  it('refuses a duration outside GEP-2257, and a backendRequest longer than the request', () => {
    expect(readRuleTimeouts({ request: '10 s', backendRequest: 5 }, `${at}.timeouts`)).toEqual({
      valid: false,
      errors: [
        { path: `${at}.timeouts.request`, message: 'timeouts.request: invalid duration 10 s' },
        { path: `${at}.timeouts.backendRequest`, message: 'timeouts.backendRequest: invalid duration 5' },
      ],
    });
    expect(messages(readRuleTimeouts({ request: '1s', backendRequest: '2s' }, `${at}.timeouts`))).toEqual([
      'timeouts.backendRequest must not be longer than timeouts.request',
    ]);
  });
});

describe('readRuleRetry', () => {
  it('reads the codes sorted and once each, the attempts (default 1) and the back-off', () => {
    expect(readRuleRetry({ codes: [503, 500, 503], attempts: 3, backoff: '100ms' }, `${at}.retry`)).toEqual({
      valid: true,
      result: { codes: [500, 503], numRetries: 3, backoffMs: 100 },
    });
    expect(readRuleRetry({}, `${at}.retry`)).toEqual({ valid: true, result: { codes: [], numRetries: 1 } });
    expect(readRuleRetry(null, `${at}.retry`)).toEqual({ valid: true, result: undefined });
  });

  it('refuses what the translator refused, with its messages', () => {
    expect(messages(readRuleRetry({ codes: [200, '503'], attempts: 101, backoff: '0s' }, `${at}.retry`))).toEqual([
      'retry: status code 200 is not retriable (400-599)',
      'retry: status code 503 is not retriable (400-599)',
      'retry: invalid attempts 101',
      'retry: invalid backoff 0s',
    ]);
  });

  // A change for input the CRD refuses: a `codes` that is no list made the translator throw (a
  // number) or refuse each character of a string; now it is one error.
  it('refuses codes that are no list', () => {
    expect(readRuleRetry({ codes: 500 }, `${at}.retry`)).toEqual({
      valid: false,
      errors: [{ path: `${at}.retry.codes`, message: 'retry: codes must be a list of status codes' }],
    });
  });
});
