import { describe, expect, test } from '@jest/globals';
import type { IrForwardAction, IrRoute } from '../../../../src/ir/types.js';
import { RANDOM_RANGE, splitByBackend } from '../../../../src/translate/gatewayapi/routes/backend-split.js';

const base: IrRoute = {
  name: 'httproute/default/web/rule/0/match/0',
  source: { kind: 'HTTPRoute', namespace: 'default', name: 'web', rule: 0, match: 0 },
  match: { path: { type: 'PathPrefix', value: '/split' }, headers: [], queryParams: [] },
  action: { type: 'direct', status: 200 },
};

const forward = (cluster: string): IrForwardAction => ({
  type: 'forward',
  backends: [{ clusterName: cluster, weight: 1 }],
  mirrors: [],
  websocket: false,
});

/** The share of random values each route takes, given Envoy tests every route with the same value. */
function shares(routes: IrRoute[]): number[] {
  let below = 0;
  return routes.map((r) => {
    const upTo = r.match.randomBelow ?? RANDOM_RANGE;
    const share = (upTo - below) / RANDOM_RANGE;
    below = upTo;
    return share;
  });
}

describe('splitByBackend', () => {
  test('cumulative thresholds give each backend its weight, the last route takes the rest', () => {
    const routes = splitByBackend(base, [
      { weight: 1, action: forward('a'), backendRef: 0 },
      { weight: 1, action: forward('b'), backendRef: 1 },
      { weight: 2, action: forward('c'), backendRef: 3 },
      { weight: 1, action: { type: 'direct', status: 500 } },
    ]);
    expect(routes.map((r) => r.match.randomBelow)).toEqual([200_000, 400_000, 800_000, undefined]);
    expect(shares(routes)).toEqual([0.2, 0.2, 0.4, 0.2]);
    expect(routes.map((r) => r.name.slice(base.name.length))).toEqual([
      '/backend/0',
      '/backend/1',
      '/backend/3',
      '/backend/unresolved',
    ]);
    expect(routes.map((r) => r.source.backendRef)).toEqual([0, 1, 3, undefined]);
    expect(base.match.randomBelow).toBeUndefined();
  });
  test('weights that do not divide a million are off by less than one in a million', () => {
    const weights = [1, 1, 1, 7, 999_983];
    const routes = splitByBackend(
      base,
      weights.map((weight, i) => ({ weight, action: forward(`c${i}`), backendRef: i })),
    );
    const total = weights.reduce((a, b) => a + b, 0);
    shares(routes).forEach((share, i) => expect(Math.abs(share - weights[i]! / total)).toBeLessThan(1e-6));
  });
});
