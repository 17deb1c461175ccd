/**
 * `make build`'s last step: reads the CRDs Portico validates against (the Gateway API's, vendored,
 * and Portico's own) from their YAML and keeps their schemas as JSON next to the module that reads
 * them (src/schema/crd-schema-cache.ts), so that a run reads JSON instead of parsing the YAML.
 *
 *   node dist/hack/crd-schema-cache.js
 */
import { packageInfo } from '../src/package-json.js';
import { crdFiles, PORTICO_CRD_FILES, readCrdSchemas } from '../src/schema/crd-schemas.js';
import { crdFilesDigest, writeCrdSchemaCache } from '../src/schema/crd-schema-cache.js';

const { gatewayApiCrdDir, porticoCrdDir } = packageInfo();
const sets = new Map(
  [
    { dir: gatewayApiCrdDir, only: undefined },
    { dir: porticoCrdDir, only: PORTICO_CRD_FILES },
  ].map(({ dir, only }) => [crdFilesDigest(dir, crdFiles(dir, only)), [...readCrdSchemas(dir, only).values()]]),
);
console.log(`CRD schemas cached in ${writeCrdSchemaCache(sets)}`);
