/**
 * The OpenAPI v3 schemas of the CRDs objects are validated against, one per served version, read
 * once on first use: the Gateway API's, which Portico vendors (third_party/), and Portico's own
 * (manifests/crd-*.yaml: EnvoyProxyParameters, SecurityPolicy), both located through package.json
 * (`package-json.ts`); from the build's JSON copy of them when it is of the same files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { packageInfo } from '../package-json.js';
import { cachedCrdSchemas, crdFilesDigest } from './crd-schema-cache.js';

/** The subset of a CRD's OpenAPI v3 schema node that validation reads (a structural schema). */
export interface CrdSchemaNode {
  type?: string;
  format?: string;
  nullable?: boolean;
  default?: unknown;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  required?: string[];
  properties?: Record<string, CrdSchemaNode>;
  items?: CrdSchemaNode;
  additionalProperties?: CrdSchemaNode | boolean;
  allOf?: CrdSchemaNode[];
  anyOf?: CrdSchemaNode[];
  oneOf?: CrdSchemaNode[];
  not?: CrdSchemaNode;
  'x-kubernetes-validations'?: { rule: string; message?: string; fieldPath?: string; reason?: string }[];
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
}

export interface CrdVersionSchema {
  group: string;
  version: string;
  kind: string;
  namespaced: boolean;
  schema: CrdSchemaNode;
}

/** Keyed by `<group>/<version> <kind>` (an apiVersion and a kind as objects carry them). */
export type CrdSchemas = ReadonlyMap<string, CrdVersionSchema>;

export const schemaKey = (apiVersion: string, kind: string): string => `${apiVersion} ${kind}`;

interface CrdDocument {
  kind?: unknown;
  spec?: {
    group?: string;
    scope?: string;
    names?: { kind?: string };
    versions?: { name: string; served?: boolean; schema?: { openAPIV3Schema?: CrdSchemaNode } }[];
  };
}

/** The CRD files of `dir` (its `*.yaml` files matching `only`), in name order. */
export function crdFiles(dir: string, only: RegExp = /\.ya?ml$/): string[] {
  return readdirSync(dir)
    .filter((name) => only.test(name))
    .sort();
}

/**
 * Every CustomResourceDefinition in `dir` (its `*.yaml` files matching `only`); served versions
 * only. From the build's cache (`crd-schema-cache.ts`) when it holds these very files.
 */
export function crdSchemasOf(dir: string, only?: RegExp): Map<string, CrdVersionSchema> {
  const files = crdFiles(dir, only);
  const cached = cachedCrdSchemas<CrdVersionSchema>(crdFilesDigest(dir, files));
  if (cached) return new Map(cached.map((s) => [schemaKey(`${s.group}/${s.version}`, s.kind), s]));
  return readCrdSchemas(dir, only);
}

/** Reads every CustomResourceDefinition in `dir` from its YAML (its `*.yaml` files matching `only`); served versions only. */
export function readCrdSchemas(dir: string, only?: RegExp): Map<string, CrdVersionSchema> {
  const schemas = new Map<string, CrdVersionSchema>();
  for (const file of crdFiles(dir, only)) {
    for (const document of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const crd = document.toJS() as CrdDocument | null;
      if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
      const { group, names, versions, scope } = crd.spec;
      if (!group || !names?.kind || !versions) continue;
      for (const version of versions) {
        const schema = version.schema?.openAPIV3Schema;
        if (version.served === false || !schema) continue;
        schemas.set(schemaKey(`${group}/${version.name}`, names.kind), {
          group,
          version: version.name,
          kind: names.kind,
          namespaced: scope === 'Namespaced',
          schema,
        });
      }
    }
  }
  return schemas;
}

/** Portico's own CRD files among the manifests. */
export const PORTICO_CRD_FILES = /^crd-.*\.ya?ml$/;

let vendored: CrdSchemas | undefined;
let own: CrdSchemas | undefined;

/** The vendored Gateway API CRDs' schemas (read on first call). */
export function gatewayApiCrdSchemas(): CrdSchemas {
  vendored ??= crdSchemasOf(packageInfo().gatewayApiCrdDir);
  return vendored;
}

/** Portico's own CRDs' schemas (read on first call). */
export function porticoCrdSchemas(): CrdSchemas {
  own ??= crdSchemasOf(packageInfo().porticoCrdDir, PORTICO_CRD_FILES);
  return own;
}

let all: CrdSchemas | undefined;

/** Every schema objects are validated against: the Gateway API's and Portico's own. */
export function crdSchemas(): CrdSchemas {
  all ??= new Map([...gatewayApiCrdSchemas(), ...porticoCrdSchemas()]);
  return all;
}
