/**
 * The OpenAPI v3 schemas of the CRDs objects are validated against, one per served version, read
 * once on first use: the Gateway API's, which Portico vendors (third_party/), and Portico's own
 * (manifests/crd-*.yaml: EnvoyProxyParameters, SecurityPolicy), both located through package.json
 * (`package-json.ts`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { packageInfo } from '../package-json.js';

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

/** Reads every CustomResourceDefinition in `dir` (its `*.yaml` files matching `only`); served versions only. */
export function readCrdSchemas(dir: string, only: RegExp = /\.ya?ml$/): Map<string, CrdVersionSchema> {
  const schemas = new Map<string, CrdVersionSchema>();
  const files = readdirSync(dir)
    .filter((name) => only.test(name))
    .sort();
  for (const file of files) {
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

let vendored: CrdSchemas | undefined;
let own: CrdSchemas | undefined;

/** The vendored Gateway API CRDs' schemas (read on first call). */
export function gatewayApiCrdSchemas(): CrdSchemas {
  vendored ??= readCrdSchemas(packageInfo().gatewayApiCrdDir);
  return vendored;
}

/** Portico's own CRDs' schemas (read on first call). */
export function porticoCrdSchemas(): CrdSchemas {
  own ??= readCrdSchemas(packageInfo().porticoCrdDir, /^crd-.*\.ya?ml$/);
  return own;
}

let all: CrdSchemas | undefined;

/** Every schema objects are validated against: the Gateway API's and Portico's own. */
export function crdSchemas(): CrdSchemas {
  all ??= new Map([...gatewayApiCrdSchemas(), ...porticoCrdSchemas()]);
  return all;
}
