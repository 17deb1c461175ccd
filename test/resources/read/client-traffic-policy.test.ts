/**
 * The ClientTrafficPolicy reader: targets (Gateways and ListenerSets only), each section read to
 * checked values, Envoy's bounds refused with the field's path, sections Portico does not
 * implement refused by name, and malformed input read to problems, never an exception.
 */
import { describe, expect, it } from '@jest/globals';
import { readClientTrafficPolicy } from '../../../src/resources/read/client-traffic-policy.js';
import { clientTrafficParts } from '../../../src/translate/gatewayapi/client-traffic/client-traffic-ir.js';

const G = 'gateway.networking.k8s.io';
const read = (spec: unknown) => readClientTrafficPolicy({ spec });
const featuresOf = (spec: Record<string, unknown>) =>
  read({ targetRefs: [{ group: G, kind: 'Gateway', name: 'gw' }], ...spec }).features;
const pathsOf = (spec: Record<string, unknown>): string[] => {
  const f = featuresOf(spec);
  return f.valid ? [] : f.errors.map((e) => e.path);
};

describe('readClientTrafficPolicy: targets', () => {
  it('keeps Gateway and ListenerSet targets with their sectionName; a route is an unsupported target', () => {
    const r = read({
      targetRefs: [
        { group: G, kind: 'Gateway', name: 'gw', sectionName: 'http' },
        { group: G, kind: 'ListenerSet', name: 'set' },
        { group: G, kind: 'HTTPRoute', name: 'r' },
      ],
    });
    expect(r.targetRefs).toEqual([
      { kind: 'Gateway', name: 'gw', sectionName: 'http' },
      { kind: 'ListenerSet', name: 'set' },
    ]);
    expect(r.unsupportedTargets.map((t) => t.message)).toEqual([
      `targetRef ${G}/HTTPRoute r: a ClientTrafficPolicy attaches to a Gateway or ListenerSet (${G})`,
    ]);
  });
});

describe('readClientTrafficPolicy: settings', () => {
  it('reads every section to its values', () => {
    const f = featuresOf({
      clientIPDetection: { xForwardedFor: { numTrustedHops: 2 } },
      timeout: { http: { requestReceivedTimeout: '1m30s', idleTimeout: '5s' }, tcp: { idleTimeout: '2s' } },
      connection: { connectionLimit: { value: 7, closeDelay: '500ms' }, bufferLimit: '1Mi' },
      tcpKeepalive: { probes: 2, idleTime: '30s', interval: '5s' },
      enableProxyProtocol: true,
      headers: { withUnderscoresAction: 'DropHeader', requestID: 'Disable' },
      http2: { initialConnectionWindowSize: 65535, maxConcurrentStreams: 2147483647 },
      tls: { minVersion: '1.2', ciphers: ['[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]'] },
    });
    expect(f.valid).toBe(true);
    if (!f.valid) return;
    const parts = clientTrafficParts('default/p', f.result);
    expect(parts.listener).toEqual({
      proxyProtocol: { optional: false },
      bufferLimitBytes: 1048576,
      tcpKeepalive: { probes: 2, idleTimeSeconds: 30, intervalSeconds: 5 },
    });
    expect(parts.connectionLimit).toEqual({ max: 7, closeDelayMs: 500 });
    expect(parts.tcpIdleTimeoutMs).toBe(2000);
    expect(parts.tls?.params).toEqual({
      minVersion: 'TLSv1_2',
      ciphers: ['[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]'],
    });
    expect(parts.hcm).toEqual({
      policy: 'default/p',
      clientAddress: { xffNumTrustedHops: 2 },
      requestTimeoutMs: 90_000,
      idleTimeoutMs: 5000,
      headersWithUnderscores: 'DROP_HEADER',
      requestId: { preserve: false, generate: false },
      http2: { initialConnectionWindowSize: 65535, maxConcurrentStreams: 2147483647 },
    });
  });

  it("refuses values Envoy would refuse, each with its field's path", () => {
    expect(
      pathsOf({
        http2: { maxConcurrentStreams: 0, initialStreamWindowSize: 65534, initialConnectionWindowSize: '4Gi' },
        connection: { connectionLimit: { value: 0 }, bufferLimit: '5Gi' },
        tls: { minVersion: '1.3', maxVersion: '1.2', ciphers: ['RC4-MD5'], alpnProtocols: [''] },
        tcpKeepalive: { idleTime: '1500ms' },
        clientIPDetection: { customHeader: { name: 'x client' } },
        headers: { earlyRequestHeaders: { set: [{ name: 'host', value: 'x' }], remove: ['bad name'] } },
        timeout: { http: { idleTimeout: '1 hour' } },
      }),
    ).toEqual([
      'spec.http2.maxConcurrentStreams',
      'spec.http2.initialStreamWindowSize',
      'spec.http2.initialConnectionWindowSize',
      'spec.connection.connectionLimit.value',
      'spec.connection.bufferLimit',
      'spec.tls',
      'spec.tls.ciphers[0]',
      'spec.tls.ciphers',
      'spec.tls.alpnProtocols[0]',
      'spec.tcpKeepalive.idleTime',
      'spec.clientIPDetection.customHeader.name',
      'spec.headers.earlyRequestHeaders.set[0].name',
      'spec.headers.earlyRequestHeaders.remove[0]',
      'spec.timeout.http.idleTimeout',
    ]);
  });

  it('keeps no early header mutation when it changes nothing (Envoy refuses an empty one)', () => {
    const f = featuresOf({ headers: { earlyRequestHeaders: { set: [], remove: [] } } });
    expect(f.valid && f.result.headers?.earlyRequestHeaders).toBeFalsy();
    const g = featuresOf({ headers: { earlyRequestHeaders: { remove: ['x-debug'] } } });
    expect(g.valid && g.result.headers?.earlyRequestHeaders).toEqual({ set: [], add: [], remove: ['x-debug'] });
  });

  it('refuses by name what Portico does not implement, and what is not a field', () => {
    expect(
      pathsOf({
        http3: {},
        scheme: 'Preserve',
        headers: { enableEnvoyHeaders: true },
        http1: { preserveHeaderCase: true },
        clientIPDetection: { xForwardedFor: { trustedCIDRs: ['10.0.0.0/8'] } },
        nonsense: 1,
      }),
    ).toEqual([
      'spec.http3',
      'spec.scheme',
      'spec.headers.enableEnvoyHeaders',
      'spec.http1.preserveHeaderCase',
      'spec.clientIPDetection.xForwardedFor.trustedCIDRs',
      'spec.nonsense',
    ]);
  });

  it('reads malformed input to problems, never an exception', () => {
    for (const spec of [null, 5, 'x', []]) expect(read(spec).features.valid).toBe(false);
    expect(pathsOf({ timeout: 5, tls: [], headers: 'x', connection: { connectionLimit: 'x' } })).toEqual([
      'spec.timeout',
      'spec.tls',
      'spec.headers',
      'spec.connection.connectionLimit',
    ]);
  });
});
