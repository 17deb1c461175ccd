/**
 * Admission of one stream and its requests (`stream-admission.ts`), without gRPC: the identity a
 * stream is counted under, its claim, the bounds, and what a stream gives back when it ends.
 */
import * as grpc from '@grpc/grpc-js';
import { CLUSTER_LOAD_ASSIGNMENT } from '../../src/proto/type-urls.js';
import { StreamAdmission, type AdmissionBounds, type SubscribedNames } from '../../src/xds/stream-admission.js';
import { DEFAULT_XDS_LIMITS, NamespaceNames, StreamCounter, type XdsLimits } from '../../src/xds/stream-limits.js';

function bounds(limits: Partial<XdsLimits> = {}): AdmissionBounds {
  const all = { ...DEFAULT_XDS_LIMITS, ...limits };
  return { limits: all, streams: new StreamCounter(all), namespaceNames: new NamespaceNames(all) };
}

/** A stream whose subscriptions hold `total` names. */
const holding = (total: number): SubscribedNames => ({
  subscribedNames: () => ({ largest: total, total }),
  namesOf: () => 0,
});

const request = (cluster: string, names: string[] = []) => ({
  node: { id: 'envoy', cluster },
  type_url: CLUSTER_LOAD_ASSIGNMENT,
  resource_names: names,
});

describe('StreamAdmission', () => {
  test('a certificate naming no Gateway is refused before any request', () => {
    const admission = new StreamAdmission(bounds(), 'sotw', {
      kind: 'none',
      reason: 'no_certificate',
      detail: 'the client presented no certificate',
    });
    expect(admission.admitConnection()).toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
      reason: 'no_certificate',
    });
  });

  test('a claim of another Gateway than the certificate names is refused', () => {
    const admission = new StreamAdmission(bounds(), 'sotw', { kind: 'gateway', gateway: 'team-a/gw' });
    expect(admission.admitConnection()).toBeUndefined();
    expect(admission.admitRequest(request('team-b/gw'), holding(0))).toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
      reason: 'gateway_mismatch',
    });
  });

  test('without TLS the claim is the identity counted; ending gives the stream back', () => {
    const shared = bounds({ maxStreamsPerIdentity: 1 });
    const first = new StreamAdmission(shared, 'sotw', undefined);
    expect(first.admitConnection()).toBeUndefined();
    expect(first.admitRequest(request('team-a/gw'), holding(0))).toBeUndefined();
    const second = new StreamAdmission(shared, 'sotw', undefined);
    expect(second.admitRequest(request('team-a/gw'), holding(0))).toMatchObject({
      code: grpc.status.RESOURCE_EXHAUSTED,
      reason: 'too_many_streams',
    });
    first.release();
    const third = new StreamAdmission(shared, 'sotw', undefined);
    expect(third.admitRequest(request('team-a/gw'), holding(0))).toBeUndefined();
  });

  test('a SotW request past the names bound is refused before it is handled', () => {
    const admission = new StreamAdmission(bounds({ maxNamesPerStream: 3 }), 'sotw', undefined);
    expect(admission.admitRequest(request('team-a/gw', ['a', 'b']), holding(0))).toBeUndefined();
    expect(admission.admitSubscriptions(holding(2))).toBeUndefined();
    expect(admission.admitRequest(request('team-a/gw', ['a', 'b', 'c', 'd']), holding(2))).toMatchObject({
      code: grpc.status.RESOURCE_EXHAUSTED,
      reason: 'too_many_names_per_stream',
    });
  });
});
