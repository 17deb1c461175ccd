/** BackendTrafficPolicy compressor/compression, requestBuffer and responseOverride, read. */
import { readBackendTrafficPolicy } from '../../../src/resources/read/backend-traffic-policy.js';

const target = { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'web' }] };
const features = (spec: Record<string, unknown>) => readBackendTrafficPolicy({ spec: { ...target, ...spec } }).features;
const messages = (spec: Record<string, unknown>) => {
  const read = features(spec);
  return read.valid ? [] : read.errors.map((e) => e.message);
};

describe('compressor and compression', () => {
  it('reads each algorithm with its minimum length in bytes', () => {
    expect(
      features({
        compressor: [
          { type: 'Gzip' },
          { type: 'Brotli', minContentLength: '2Ki' },
          { type: 'Zstd', minContentLength: 100 },
        ],
      }),
    ).toEqual({
      valid: true,
      result: {
        compressor: [
          { type: 'Gzip' },
          { type: 'Brotli', minContentLength: 2048 },
          { type: 'Zstd', minContentLength: 100 },
        ],
      },
    });
    expect(features({ compression: [{ type: 'Gzip', gzip: {} }] })).toEqual({
      valid: true,
      result: { compression: [{ type: 'Gzip' }] },
    });
  });

  it('refuses a type listed twice, settings of another type, and a bad minimum', () => {
    expect(messages({ compressor: [{ type: 'Gzip' }, { type: 'Gzip' }] })).toEqual([
      'compressor[1].type: Gzip is listed twice',
    ]);
    expect(messages({ compressor: [{ type: 'Gzip', brotli: {} }] })).toEqual([
      'compressor[0].brotli does not apply to type Gzip',
    ]);
    expect(messages({ compression: [{ type: 'Deflate' }] })).toEqual([
      'compression[0].type must be one of Gzip, Brotli, Zstd',
    ]);
    expect(messages({ compressor: [{ type: 'Gzip', minContentLength: '0.5Ki' }] })).toEqual([
      'compressor[0].minContentLength must be a size in bytes from 1 to 4294967295, such as 1024, 500Ki or 10Mi',
    ]);
  });
});

describe('requestBuffer', () => {
  it('reads the limit in bytes, up to a uint32', () => {
    expect(features({ requestBuffer: { limit: '1Mi' } })).toEqual({
      valid: true,
      result: { requestBuffer: { limitBytes: 1048576 } },
    });
    expect(features({ requestBuffer: { limit: 4096 } })).toEqual({
      valid: true,
      result: { requestBuffer: { limitBytes: 4096 } },
    });
    expect(messages({ requestBuffer: { limit: '4Gi' } })).toEqual([
      'requestBuffer.limit must be a size in bytes from 1 to 4294967295, such as 1024, 500Ki or 10Mi',
    ]);
    expect(messages({ requestBuffer: {} })).toEqual(['requestBuffer.limit must be set, such as 1Mi']);
  });
});

describe('responseOverride', () => {
  it('reads values, ranges, an inline or ConfigMap body, a content type and a status', () => {
    const spec = {
      responseOverride: [
        {
          match: { statusCodes: [{ value: 500 }, { type: 'Range', range: { start: 502, end: 504 } }] },
          response: { contentType: 'text/plain', body: { inline: 'sorry' }, statusCode: 503 },
        },
        {
          match: { statusCodes: [{ type: 'Value', value: 404 }] },
          response: { body: { type: 'ValueRef', valueRef: { group: '', kind: 'ConfigMap', name: 'page' } } },
        },
      ],
    };
    expect(features(spec)).toEqual({
      valid: true,
      result: {
        responseOverride: [
          {
            statusCodes: [{ value: 500 }, { start: 502, end: 504 }],
            response: { contentType: 'text/plain', body: { inline: 'sorry' }, statusCode: 503 },
          },
          { statusCodes: [{ value: 404 }], response: { body: { configMap: 'page' } } },
        ],
      },
    });
  });

  it('refuses what Portico does not implement and statuses Envoy cannot send', () => {
    expect(
      messages({
        responseOverride: [
          { match: { statusCodes: [{ value: 404 }] }, redirect: { hostname: 'x' }, response: {} },
          {
            match: { statusCodes: [{ value: 404 }], responseHeaders: [{ name: 'x', value: { value: 'y' } }] },
            response: { statusCode: 100, header: { set: [] } },
          },
          { match: { statusCodes: [{ type: 'Range', range: { start: 500, end: 500 } }] }, response: {} },
          {
            match: { statusCodes: [{ value: 404 }] },
            response: { body: { type: 'ValueRef', valueRef: { kind: 'Secret', name: 's' } } },
          },
        ],
      }),
    ).toEqual([
      'responseOverride[0].redirect is not supported by Portico',
      'responseOverride[1].match.responseHeaders is not supported by Portico',
      'responseOverride[1].response.header is not supported by Portico',
      'responseOverride[1].response.statusCode must be an HTTP status from 200 to 599',
      'responseOverride[2].match.statusCodes[0].range: end must be greater than start',
      'responseOverride[3].response.body.valueRef must name a ConfigMap (group "", kind ConfigMap)',
    ]);
  });
});

describe('faultInjection', () => {
  it('refuses a 0s delay (Envoy refuses a fixed delay that is not longer than 0) and names which percentage is wrong', () => {
    expect(messages({ faultInjection: { delay: { fixedDelay: '0s' } } })).toEqual([
      'faultInjection.delay.fixedDelay must be set to a duration longer than 0s, such as 100ms or 2s',
    ]);
    expect(messages({ faultInjection: { abort: { httpStatus: 503, percentage: 101 } } })).toEqual([
      'faultInjection.abort.percentage must be a number from 0 to 100',
    ]);
    expect(messages({ faultInjection: { delay: { fixedDelay: '1ms' } } })).toEqual([]);
  });
});
