/**
 * Route metadata recording which Gateway API object and rule a route came from, so
 * config_dump, access logs and NACK messages can be traced back to user input.
 */
import type { IrRoute } from '../../ir/types.js';
import type { EnvoyMessage } from './types.js';

export const METADATA_NAMESPACE = 'portico.dev';

type StructInput = { [key: string]: string | number | boolean | undefined };

/**
 * A `google.protobuf.Struct`. protobufjs names Value's fields in camelCase (`stringValue`) even
 * in a keepCase Root: its bundled well-known types are defined that way.
 */
export function struct(fields: StructInput): EnvoyMessage {
  const out: { [key: string]: EnvoyMessage } = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (typeof value === 'string') out[key] = { stringValue: value };
    else if (typeof value === 'number') out[key] = { numberValue: value };
    else out[key] = { boolValue: value };
  }
  return { fields: out };
}

export function routeMetadata(route: IrRoute): EnvoyMessage {
  const { kind, namespace, name, rule, ruleName, match } = route.source;
  return {
    filter_metadata: {
      [METADATA_NAMESPACE]: struct({ kind, namespace, name, rule, ruleName, match }),
    },
  };
}
