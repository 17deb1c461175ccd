/** The RE2 pattern a responseOverride status range becomes: it matches exactly the range's statuses. */
import { statusRangePattern } from '../../../src/translate/xds/traffic-response-override.js';

describe('statusRangePattern', () => {
  it('writes whole hundreds, whole tens and partial tens compactly', () => {
    expect(statusRangePattern(500, 599)).toBe('5[0-9]{2}');
    expect(statusRangePattern(400, 409)).toBe('40[0-9]');
    expect(statusRangePattern(401, 404)).toBe('40[1-4]');
    expect(statusRangePattern(418, 419)).toBe('41[8-9]');
    expect(statusRangePattern(499, 500)).toBe('499|500');
  });

  it.each([
    [100, 101],
    [200, 299],
    [401, 404],
    [404, 451],
    [418, 503],
    [199, 599],
    [305, 307],
    [490, 510],
  ])('%i–%i: every status from 100 to 599 matches exactly when it is in the range', (start, end) => {
    // Envoy matches the whole value (RE2 full match): anchored here the same way.
    const pattern = new RegExp(`^(?:${statusRangePattern(start, end)})$`);
    for (let status = 100; status <= 599; status++)
      expect([status, pattern.test(String(status))]).toEqual([status, status >= start && status <= end]);
  });
});
