/**
 * The build's JSON copy of the CRD schemas (src/schema/crd-schema-cache.ts): the same schemas as
 * reading the YAML, and never used for files other than those it was made from.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageInfo } from '../../src/package-json.js';
import { crdFiles, crdSchemasOf, PORTICO_CRD_FILES, readCrdSchemas } from '../../src/schema/crd-schemas.js';
import { cachedCrdSchemas, crdFilesDigest, writeCrdSchemaCache } from '../../src/schema/crd-schema-cache.js';

describe('the CRD schema cache', () => {
  let dir: string;
  let cacheFile: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'portico-crd-cache-'));
    const own = packageInfo().porticoCrdDir;
    for (const file of readdirSync(own).filter((f) => PORTICO_CRD_FILES.test(f))) {
      copyFileSync(join(own, file), join(dir, file));
    }
    cacheFile = join(dir, 'cache.json');
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives back the schemas read from the YAML, for the same files', () => {
    const read = [...readCrdSchemas(dir, PORTICO_CRD_FILES).values()];
    expect(read.length).toBeGreaterThan(3);
    const digest = crdFilesDigest(dir, crdFiles(dir, PORTICO_CRD_FILES));
    writeCrdSchemaCache(new Map([[digest, read]]), cacheFile);
    expect(cachedCrdSchemas(digest, cacheFile)).toEqual(read);
  });

  it('has nothing for files that changed, were added or were removed since', () => {
    const files = crdFiles(dir, PORTICO_CRD_FILES);
    const digest = crdFilesDigest(dir, files);
    writeCrdSchemaCache(new Map([[digest, [...readCrdSchemas(dir, PORTICO_CRD_FILES).values()]]]), cacheFile);

    const first = join(dir, files[0]!);
    writeFileSync(first, readFileSync(first, 'utf8').replace('maxLength: 253', 'maxLength: 63'));
    expect(crdFilesDigest(dir, files)).not.toBe(digest);
    expect(cachedCrdSchemas(crdFilesDigest(dir, files), cacheFile)).toBeUndefined();

    expect(crdFilesDigest(dir, files.slice(1))).not.toBe(digest);
    copyFileSync(join(dir, files[1]!), join(dir, 'crd-extra.yaml'));
    expect(crdFilesDigest(dir, crdFiles(dir, PORTICO_CRD_FILES))).not.toBe(digest);
  });

  it('is absent or unreadable: nothing is found and the YAML is read', () => {
    expect(cachedCrdSchemas('0'.repeat(64), join(dir, 'absent.json'))).toBeUndefined();
    writeFileSync(join(dir, 'broken.json'), '{not json');
    expect(cachedCrdSchemas('0'.repeat(64), join(dir, 'broken.json'))).toBeUndefined();
  });

  it("the schemas a run validates against are the YAML's, with or without the build's cache", () => {
    const { gatewayApiCrdDir } = packageInfo();
    expect([...crdSchemasOf(gatewayApiCrdDir).entries()]).toEqual([...readCrdSchemas(gatewayApiCrdDir).entries()]);
  });
});
