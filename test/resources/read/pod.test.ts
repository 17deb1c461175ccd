/** The Pod status reader: a status written as the spec says is its own reading; what does not read is none. */
import { describe, expect, it } from '@jest/globals';
import { readPodStatus } from '../../../src/resources/read/pod.js';
import type { Pod } from '../../../src/resources/types.js';
import { xBackendEndpoints } from '../../../src/translate/gatewayapi/xbackend.js';

describe('readPodStatus', () => {
  it('reads a well-formed status to itself', () => {
    const status = {
      phase: 'Running',
      podIP: '10.1.0.1',
      podIPs: [{ ip: '10.1.0.1' }],
      conditions: [{ type: 'Ready', status: 'True' }],
      hostIP: '192.168.0.1',
    };
    expect(readPodStatus({ status })).toBe(status);
  });

  it('reads a status that is no object to undefined', () => {
    for (const status of [undefined, null, 'Running', 5, [{ phase: 'Running' }]]) {
      expect(readPodStatus({ status })).toBeUndefined();
    }
  });

  it('takes fields of the wrong type as absent and drops entries that are none', () => {
    expect(
      readPodStatus({
        status: {
          phase: 5,
          podIP: ['10.1.0.1'],
          podIPs: [null, 'x', { ip: 7 }, { ip: '10.1.0.2' }],
          conditions: [null, { type: 5, status: 'True' }, { type: 'Ready', status: true }],
        },
      }),
    ).toEqual({ podIPs: [{ ip: '10.1.0.2' }], conditions: [{ type: 'Ready' }] });
    expect(readPodStatus({ status: { podIPs: 'x', conditions: { type: 'Ready' }, phase: null } })).toEqual({});
  });
});

describe('xBackendEndpoints on malformed Pods (as before the reader)', () => {
  const pod = (status: unknown, extra: Record<string, unknown> = {}): Pod =>
    ({
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default', labels: { app: 'a' }, ...extra },
      status,
    }) as unknown as Pod;
  const addresses = (...pods: Pod[]) => xBackendEndpoints(pods, { app: 'a' }, 80).map((e) => e.address);

  it('gives no endpoint and throws nothing for statuses of the wrong shape', () => {
    expect(
      addresses(
        pod(null),
        pod('Running'),
        pod([]),
        pod({ podIPs: null, podIP: null }),
        pod({ podIPs: [null, 5, { ip: 5 }, { ip: '' }], podIP: 7 }),
        pod({ podIP: '10.1.0.1', conditions: [{ type: 'Ready', status: null }] }),
        pod({ podIP: '10.1.0.1', conditions: [{ type: 'Ready', status: ['True'] }] }),
        pod({ podIP: '10.1.0.1', phase: 'Failed' }),
        pod({ podIP: '10.1.0.1' }, { deletionTimestamp: '2024-01-01T00:00:00Z' }),
      ),
    ).toEqual([]);
  });

  it('counts the first Ready condition among malformed ones, and falls back to podIP', () => {
    expect(
      addresses(
        pod({ podIP: '10.1.0.1', phase: 7, conditions: 'Ready' }),
        pod({ podIP: '10.1.0.2', conditions: [5, { type: 3 }, { type: 'Ready', status: 'True' }] }),
        pod({ podIPs: [{ ip: 9 }, { ip: '10.1.0.3' }], podIP: '10.1.0.9', conditions: [{ status: 'False' }] }),
        pod({
          podIP: '10.1.0.4',
          conditions: [
            { type: 'Ready', status: 'True' },
            { type: 'Ready', status: 'False' },
          ],
        }),
      ),
    ).toEqual(['10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.4']);
  });
});
