/**
 * Writes TypeScript declarations for the Envoy messages Portico emits (`make envoy-types`), so a
 * misspelt field, a wrong enum name or an Any of a type Portico does not load is a compile error
 * rather than something only the protobuf round trip notices.
 *
 * It reads the very Root Portico encodes with (`src/proto/root.ts`), starting from the resources
 * served over xDS, the bootstrap, and every type `src/proto/type-urls.ts` names (the messages
 * packed into an Any), and declares what is reachable from them, in the object form the builders
 * write and `src/proto/codec.ts` accepts (protobufjs `keepCase`):
 *
 * - messages are object types with every field optional (proto3 has no required fields), named by
 *   their full proto name in nested namespaces (`envoy.config.listener.v3.Listener`); a oneof's
 *   members are optional fields like the others (the round trip refuses two set at once);
 * - enums are unions of their value names (the builders write names, never numbers);
 * - 64-bit integers are `number | string` and bytes `string | Uint8Array`, as protobufjs takes them;
 * - `google.protobuf.Any` is the union of `{'@type': url} & Message` over the packed types;
 * - well-known types (Duration, wrappers, Struct) are declared from their definitions like any
 *   other message, so `{seconds, nanos}` and `{value}` come out as the codec reads them.
 *
 * Messages are type aliases, not interfaces: an alias is assignable to `{[field: string]: unknown}`,
 * which the codec and the snapshot code take for "any message". Output is deterministic (sorted by
 * full name), which the drift test (test/proto/envoy-types.test.ts) relies on.
 *
 * Usage: node dist/hack/envoy-types/generate.js [out-dir] (default gen/envoy, from the repo root).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { PROTO_PACKAGE, PROTO_PACKAGE_VERSION, protoRoot } from '../../src/proto/root.js';
import * as typeUrls from '../../src/proto/type-urls.js';

/** Messages Portico emits that are not packed into an Any (the bootstrap is printed as a file). */
const EXTRA_ROOTS = ['envoy.config.bootstrap.v3.Bootstrap'];

const ANY = 'google.protobuf.Any';
const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** The file the declarations go in, relative to the output directory. */
export const MESSAGES_FILE = 'messages.d.ts';

const SCALARS: Record<string, string> = {
  double: 'number',
  float: 'number',
  int32: 'number',
  uint32: 'number',
  sint32: 'number',
  fixed32: 'number',
  sfixed32: 'number',
  int64: 'number | string',
  uint64: 'number | string',
  sint64: 'number | string',
  fixed64: 'number | string',
  sfixed64: 'number | string',
  bool: 'boolean',
  string: 'string',
  bytes: 'string | Uint8Array',
};

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The type URLs `type-urls.ts` exports: what Portico packs into an Any. */
export function packedTypeUrls(): string[] {
  const urls = (Object.values(typeUrls) as unknown[]).filter(
    (value): value is string => typeof value === 'string' && value.startsWith(TYPE_URL_PREFIX),
  );
  return [...new Set(urls)].sort();
}

function fullName(type: protobuf.ReflectionObject): string {
  return type.fullName.slice(1);
}

/** Every message and enum reachable from the roots through message fields (an Any stops the walk). */
function reachable(root: protobuf.Root, roots: readonly string[]): Map<string, protobuf.Type | protobuf.Enum> {
  const found = new Map<string, protobuf.Type | protobuf.Enum>();
  const visit = (type: protobuf.Type | protobuf.Enum): void => {
    const name = fullName(type);
    if (found.has(name)) return;
    found.set(name, type);
    if (type instanceof protobuf.Enum || name === ANY) return;
    for (const field of type.fieldsArray) {
      const resolved = field.resolve().resolvedType;
      if (resolved instanceof protobuf.Type || resolved instanceof protobuf.Enum) visit(resolved);
    }
  };
  for (const name of roots) visit(root.lookupType(name));
  return found;
}

function fieldType(field: protobuf.Field): string {
  const resolved = field.resolve().resolvedType;
  let base: string;
  if (resolved) base = fullName(resolved);
  else {
    const scalar = SCALARS[field.type];
    if (!scalar) throw new Error(`${fullName(field)}: unsupported scalar type ${field.type}`);
    base = scalar;
  }
  if (field instanceof protobuf.MapField) return `{ [key: string]: ${base} }`;
  if (field.repeated) return base.includes(' ') ? `(${base})[]` : `${base}[]`;
  return base;
}

function messageDeclaration(type: protobuf.Type, packed: readonly string[]): string[] {
  const name = type.name;
  if (fullName(type) === ANY) {
    return [
      `/** An Any in protobufjs object form: the packed message's fields beside its type URL. */`,
      `type ${name} =`,
      ...packed.map((url) => `  | ({ '@type': '${url}' } & ${url.slice(TYPE_URL_PREFIX.length)})`),
      '  ;',
    ];
  }
  const fields = type.fieldsArray.map((field) => {
    if (!IDENTIFIER.test(field.name)) throw new Error(`${fullName(field)}: field name is not an identifier`);
    const deprecated = field.options?.['deprecated'] === true ? '/** @deprecated */ ' : '';
    return `  ${deprecated}${field.name}?: ${fieldType(field)};`;
  });
  return fields.length === 0 ? [`type ${name} = {};`] : [`type ${name} = {`, ...fields, '};'];
}

function enumDeclaration(type: protobuf.Enum): string[] {
  const names = Object.keys(type.values);
  return [`type ${type.name} = ${names.map((n) => `'${n}'`).join(' | ')};`];
}

interface Namespace {
  declarations: string[][];
  children: Map<string, Namespace>;
}

function emptyNamespace(): Namespace {
  return { declarations: [], children: new Map() };
}

function emit(ns: Namespace, indent: string, out: string[]): void {
  for (const lines of ns.declarations) for (const line of lines) out.push(`${indent}${line}`);
  for (const [name, child] of [...ns.children].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    // A chain of namespaces holding nothing but one namespace is written as one dotted name.
    let path = name;
    let node = child;
    while (node.declarations.length === 0 && node.children.size === 1) {
      const [[next, grandchild]] = [...node.children] as [[string, Namespace]];
      path = `${path}.${next}`;
      node = grandchild;
    }
    const keyword = indent === '' ? 'export declare namespace' : 'namespace';
    out.push(`${indent}${keyword} ${path} {`);
    emit(node, `${indent}  `, out);
    out.push(`${indent}}`);
  }
}

/** The generated files, by name relative to the output directory. */
export function generateEnvoyTypes(): Map<string, string> {
  const root = protoRoot();
  const packed = packedTypeUrls();
  for (const url of packed) root.lookupType(url.slice(TYPE_URL_PREFIX.length));
  const roots = [...packed.map((url) => url.slice(TYPE_URL_PREFIX.length)), ...EXTRA_ROOTS];
  const types = reachable(root, roots);
  const topLevel = new Set([...types.keys()].map((name) => name.split('.')[0]!));

  const tree = emptyNamespace();
  for (const name of [...types.keys()].sort()) {
    const type = types.get(name)!;
    const segments = name.split('.');
    segments.slice(1).forEach((segment) => {
      // A nested name equal to a top-level one would shadow it in the references written below.
      if (topLevel.has(segment)) throw new Error(`${name}: "${segment}" would shadow a top-level namespace`);
    });
    if (!segments.every((segment) => IDENTIFIER.test(segment))) throw new Error(`${name}: not an identifier`);
    let ns = tree;
    for (const segment of segments.slice(0, -1)) {
      let child = ns.children.get(segment);
      if (!child) ns.children.set(segment, (child = emptyNamespace()));
      ns = child;
    }
    ns.declarations.push(type instanceof protobuf.Enum ? enumDeclaration(type) : messageDeclaration(type, packed));
  }

  const out = [
    `// Generated by hack/envoy-types/generate.ts (make envoy-types) from the Envoy API protos of`,
    `// ${PROTO_PACKAGE} ${PROTO_PACKAGE_VERSION}: ${types.size} messages and enums reachable from the resources,`,
    `// the bootstrap and the Any types Portico emits. Do not edit; test/proto/envoy-types.test.ts`,
    `// fails when this file and the protos disagree.`,
    '',
  ];
  emit(tree, '', out);
  return new Map([[MESSAGES_FILE, `${out.join('\n')}\n`]]);
}

export function writeEnvoyTypes(outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of generateEnvoyTypes()) {
    writeFileSync(join(outDir, name), text);
    written.push(join(outDir, name));
  }
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2] ?? 'gen/envoy';
  for (const file of writeEnvoyTypes(outDir)) process.stdout.write(`wrote ${file}\n`);
}
