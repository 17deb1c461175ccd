import { readFileSync } from 'node:fs';
import { PROTO_ENTRYPOINTS, lookupMessageType, protoRoot } from '../../src/proto/root.js';
import * as typeUrls from '../../src/proto/type-urls.js';

describe('proto root', () => {
  it('is loaded once and reused', () => {
    expect(protoRoot()).toBe(protoRoot());
  });

  it('resolves every type URL constant', () => {
    const urls = Object.values(typeUrls as Record<string, unknown>).filter((v): v is string => typeof v === 'string');
    expect(urls.length).toBeGreaterThan(10);
    for (const url of urls) expect([url, lookupMessageType(url)?.fullName]).toEqual([url, `.${url.split('/')[1]}`]);
  });

  it('maps every xDS kind to a resource type URL and back', () => {
    for (const [kind, url] of Object.entries(typeUrls.TYPE_URL_BY_KIND)) {
      expect(typeUrls.kindOfTypeUrl(url)).toBe(kind);
    }
  });

  it('loads the ADS service', () => {
    expect(protoRoot().lookupService('envoy.service.discovery.v3.AggregatedDiscoveryService')).toBeDefined();
    expect(lookupMessageType('envoy.service.discovery.v3.DeltaDiscoveryRequest')).toBeDefined();
  });

  it('documents exactly the loaded entry points in protos/README.md', () => {
    const readme = readFileSync(new URL('../../../protos/README.md', import.meta.url), 'utf8');
    const documented = [...readme.matchAll(/^\| `([^`]+\.proto)` +\|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...PROTO_ENTRYPOINTS].sort());
  });
});
