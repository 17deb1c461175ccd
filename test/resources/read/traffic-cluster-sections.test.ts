/**
 * The BackendTrafficPolicy cluster sections' readers (healthCheck, loadBalancer, timeout,
 * tcpKeepalive) and the XBackendTrafficPolicy reader: Envoy Gateway's defaults where a field is
 * absent, and every refusal naming its field (most of them the CRD refuses first; a policy that
 * bypasses it must still never reach Envoy with a value Envoy rejects).
 */
import { describe, expect, it } from '@jest/globals';
import { readHealthCheck } from '../../../src/resources/read/traffic-health-check.js';
import { readLoadBalancer } from '../../../src/resources/read/traffic-load-balancer.js';
import { readTcpKeepalive } from '../../../src/resources/read/traffic-tcp-keepalive.js';
import { readTimeout } from '../../../src/resources/read/traffic-timeout.js';
import { readXBackendTrafficPolicy } from '../../../src/resources/read/x-backend-traffic-policy.js';
import type { ValidationResult } from '../../../src/resources/read/validation-result.js';

/** The messages of a refused reading (fails the test when it was not refused). */
function refusals<T>(read: ValidationResult<T>): string[] {
  if (read.valid) throw new Error(`expected a refusal, got ${JSON.stringify(read.result)}`);
  return read.errors.map((e) => `${e.path}: ${e.message}`);
}

function result<T>(read: ValidationResult<T>): T {
  if (!read.valid) throw new Error(read.errors.map((e) => e.message).join('; '));
  return read.result;
}

describe('healthCheck', () => {
  it('takes Envoy Gateway defaults for active and passive', () => {
    expect(result(readHealthCheck({ active: { type: 'TCP' }, passive: {} }))).toEqual({
      active: { timeoutMs: 1000, intervalMs: 3000, unhealthyThreshold: 3, healthyThreshold: 1, tcp: {} },
      passive: {
        splitExternalLocalOriginErrors: false,
        intervalMs: 3000,
        consecutiveLocalOriginFailures: 5,
        consecutiveGatewayErrors: 0,
        consecutive5XxErrors: 5,
        baseEjectionTimeMs: 30000,
        maxEjectionPercent: 10,
      },
    });
  });

  it('reads HTTP statuses sorted and without duplicates', () => {
    const read = result(
      readHealthCheck({ active: { type: 'HTTP', http: { path: '/h', expectedStatuses: [204, 200, 204] } } }),
    );
    expect(read.active?.http).toEqual({ path: '/h', expectedStatuses: [200, 204] });
  });

  it.each([
    ['no active or passive', {}, 'spec.healthCheck: healthCheck needs active, passive or both'],
    [
      'no type',
      { active: {} },
      'spec.healthCheck.active.type: healthCheck.active.type must be set to one of HTTP, TCP, GRPC',
    ],
    [
      'HTTP without http',
      { active: { type: 'HTTP' } },
      'spec.healthCheck.active: healthCheck.active.http must be set when type is HTTP',
    ],
    [
      'HTTP without path',
      { active: { type: 'HTTP', http: {} } },
      'spec.healthCheck.active.http: healthCheck.active.http.path must be set',
    ],
    [
      'a path with a space',
      { active: { type: 'HTTP', http: { path: '/a b' } } },
      'spec.healthCheck.active.http.path: healthCheck.active.http.path must be 1 to 1024 characters without spaces or control characters',
    ],
    [
      'method CONNECT',
      { active: { type: 'HTTP', http: { path: '/', method: 'CONNECT' } } },
      'spec.healthCheck.active.http.method: healthCheck.active.http.method must be one of GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE, PATCH',
    ],
    [
      'status 600',
      { active: { type: 'HTTP', http: { path: '/', expectedStatuses: [600] } } },
      'spec.healthCheck.active.http: healthCheck.active.http.expectedStatuses must be a list of HTTP statuses from 100 to 599',
    ],
    [
      'tcp on an HTTP check',
      { active: { type: 'HTTP', http: { path: '/' }, tcp: {} } },
      'spec.healthCheck.active: healthCheck.active.tcp is only for type TCP (type is HTTP)',
    ],
    [
      'timeout 0s',
      { active: { type: 'TCP', timeout: '0s' } },
      'spec.healthCheck.active.timeout: healthCheck.active.timeout must be longer than 0s',
    ],
    [
      'unhealthyThreshold 0',
      { active: { type: 'TCP', unhealthyThreshold: 0 } },
      'spec.healthCheck.active.unhealthyThreshold: healthCheck.active.unhealthyThreshold must be an integer from 1 to 4294967295',
    ],
    [
      'a Text payload without text',
      { active: { type: 'TCP', tcp: { send: { type: 'Text' } } } },
      'spec.healthCheck.active.tcp.send: healthCheck.active.tcp.send.text must be set (1 to 4096 characters) when type is Text',
    ],
    [
      'binary that is not base64',
      { active: { type: 'TCP', tcp: { receive: { type: 'Binary', binary: 'not base64!' } } } },
      'spec.healthCheck.active.tcp.receive.binary: healthCheck.active.tcp.receive.binary must be non-empty base64',
    ],
    [
      'maxEjectionPercent 101',
      { passive: { maxEjectionPercent: 101 } },
      'spec.healthCheck.passive.maxEjectionPercent: healthCheck.passive.maxEjectionPercent must be an integer from 0 to 100',
    ],
    [
      'baseEjectionTime 0s',
      { passive: { baseEjectionTime: '0s' } },
      'spec.healthCheck.passive.baseEjectionTime: healthCheck.passive.baseEjectionTime must be longer than 0s',
    ],
    [
      'a field Portico does not implement',
      { active: { type: 'TCP', initialJitter: '1s' } },
      'spec.healthCheck.active.initialJitter: healthCheck.active.initialJitter is not supported by Portico',
    ],
  ])('refuses %s', (_name, value, message) => {
    expect(refusals(readHealthCheck(value))).toContain(message);
  });
});

describe('loadBalancer', () => {
  it('reads a cookie hash with its ttl and attributes, the table at 65537 by default', () => {
    const read = result(
      readLoadBalancer({
        type: 'ConsistentHash',
        consistentHash: { type: 'Cookie', cookie: { name: 'lb', ttl: '0s', attributes: { Secure: '', Path: '/' } } },
      }),
    );
    expect(read.consistentHash).toEqual({
      tableSize: 65537,
      hashOn: {
        cookie: {
          name: 'lb',
          ttlMs: 0,
          attributes: [
            { name: 'Path', value: '/' },
            { name: 'Secure', value: '' },
          ],
        },
      },
    });
  });

  it('lowercases a header name', () => {
    const read = result(
      readLoadBalancer({ type: 'ConsistentHash', consistentHash: { type: 'Header', header: { name: 'X-User' } } }),
    );
    expect(read.consistentHash?.hashOn).toEqual({ header: 'x-user' });
  });

  it.each([
    [
      'no type',
      {},
      'spec.loadBalancer.type: loadBalancer.type must be set to one of RoundRobin, LeastRequest, Random, ConsistentHash',
    ],
    [
      'ConsistentHash without consistentHash',
      { type: 'ConsistentHash' },
      'spec.loadBalancer: loadBalancer.consistentHash must be set when type is ConsistentHash',
    ],
    [
      'consistentHash on RoundRobin',
      { type: 'RoundRobin', consistentHash: { type: 'SourceIP' } },
      'spec.loadBalancer: loadBalancer.consistentHash is only for type ConsistentHash',
    ],
    [
      'a table size that is not prime',
      { type: 'ConsistentHash', consistentHash: { type: 'SourceIP', tableSize: 1000 } },
      'spec.loadBalancer.consistentHash: loadBalancer.consistentHash.tableSize must be a prime number (Maglev)',
    ],
    [
      'a table size above Envoy bound',
      { type: 'ConsistentHash', consistentHash: { type: 'SourceIP', tableSize: 5000012 } },
      'spec.loadBalancer.consistentHash.tableSize: loadBalancer.consistentHash.tableSize must be an integer from 2 to 5000011',
    ],
    [
      'Header without header',
      { type: 'ConsistentHash', consistentHash: { type: 'Header' } },
      'spec.loadBalancer.consistentHash: loadBalancer.consistentHash.header must be set when type is Header',
    ],
    [
      'a header name with a space',
      { type: 'ConsistentHash', consistentHash: { type: 'Header', header: { name: 'x user' } } },
      'spec.loadBalancer.consistentHash.header: loadBalancer.consistentHash.header.name must be an HTTP header name',
    ],
    [
      'a cookie attribute with ;',
      {
        type: 'ConsistentHash',
        consistentHash: { type: 'Cookie', cookie: { name: 'c', attributes: { Path: '/;x' } } },
      },
      'spec.loadBalancer.consistentHash.cookie: loadBalancer.consistentHash.cookie.attributes must map cookie attribute names to values',
    ],
    [
      'slowStart on Random',
      { type: 'Random', slowStart: { window: '10s' } },
      'spec.loadBalancer.slowStart: loadBalancer.slowStart is only for the RoundRobin and LeastRequest types',
    ],
    [
      'slowStart without window',
      { type: 'RoundRobin', slowStart: {} },
      'spec.loadBalancer.slowStart: loadBalancer.slowStart.window must be set',
    ],
  ])('refuses %s', (_name, value, message) => {
    expect(refusals(readLoadBalancer(value))).toContain(message);
  });
});

describe('timeout and tcpKeepalive', () => {
  it('reads every timeout; 0s disables the HTTP ones', () => {
    expect(
      result(
        readTimeout({
          tcp: { connectTimeout: '2s' },
          http: { connectionIdleTimeout: '0s', maxConnectionDuration: '1h', requestTimeout: '5s' },
        }),
      ),
    ).toEqual({
      connectTimeoutMs: 2000,
      connectionIdleTimeoutMs: 0,
      maxConnectionDurationMs: 3_600_000,
      requestTimeoutMs: 5000,
    });
  });

  it.each([
    [
      'nothing',
      {},
      'spec.timeout: timeout needs at least one of tcp.connectTimeout, http.connectionIdleTimeout, http.maxConnectionDuration, http.requestTimeout',
    ],
    [
      'connectTimeout 0s',
      { tcp: { connectTimeout: '0s' } },
      'spec.timeout.tcp.connectTimeout: timeout.tcp.connectTimeout must be longer than 0s',
    ],
    [
      'maxStreamDuration',
      { http: { maxStreamDuration: '1s' } },
      'spec.timeout.http.maxStreamDuration: timeout.http.maxStreamDuration is not supported by Portico',
    ],
  ])('timeout refuses %s', (_name, value, message) => {
    expect(refusals(readTimeout(value))).toContain(message);
  });

  it('reads keepalive durations in seconds and refuses a part of a second or what Linux refuses', () => {
    expect(result(readTcpKeepalive({ probes: 3, idleTime: '1m', interval: '10s' }))).toEqual({
      probes: 3,
      idleTimeSeconds: 60,
      intervalSeconds: 10,
    });
    expect(refusals(readTcpKeepalive({ idleTime: '1500ms' }))).toEqual([
      'spec.tcpKeepalive.idleTime: spec.tcpKeepalive.idleTime must be a whole number of seconds from 1s to 32767s',
    ]);
    // TCP_KEEPCNT is 1-127 and TCP_KEEPINTVL at most 32767 s on Linux: Envoy could not set them.
    expect(refusals(readTcpKeepalive({ probes: 128, interval: '32768s' }))).toHaveLength(2);
    expect(refusals(readTcpKeepalive({ probes: 0 }))).toHaveLength(1);
  });
});

describe('XBackendTrafficPolicy', () => {
  const SERVICE = { group: '', kind: 'Service', name: 'web' };

  it('reads Service targets and the retry constraint with the CRD defaults', () => {
    const read = readXBackendTrafficPolicy({
      spec: { targetRefs: [SERVICE, { group: 'x', kind: 'Backend', name: 'b' }], retryConstraint: {} },
    });
    expect(read.targets).toEqual([{ service: 'web', written: 'Service web' }, { written: 'x/Backend b' }]);
    expect(result(read.settings)).toEqual({
      retryConstraint: { budgetPercent: 20, budgetIntervalMs: 10_000, minRetryCount: 10, minRetryIntervalMs: 1000 },
    });
  });

  it.each([
    ['sessionPersistence', { sessionPersistence: { type: 'Cookie' } }, 'spec.sessionPersistence'],
    ['percent 101', { retryConstraint: { budget: { percent: 101 } } }, 'spec.retryConstraint.budget.percent'],
    ['count 0', { retryConstraint: { minRetryRate: { count: 0 } } }, 'spec.retryConstraint.minRetryRate.count'],
    [
      'a budget interval under 1s',
      { retryConstraint: { budget: { interval: '500ms' } } },
      'spec.retryConstraint.budget.interval',
    ],
    [
      'a rate interval over 1h',
      { retryConstraint: { minRetryRate: { interval: '2h' } } },
      'spec.retryConstraint.minRetryRate.interval',
    ],
  ])('refuses %s', (_name, spec, path) => {
    const settings = readXBackendTrafficPolicy({ spec: { targetRefs: [SERVICE], ...spec } }).settings;
    expect(settings.valid ? [] : settings.errors.map((e) => e.path)).toEqual([path]);
  });
});
