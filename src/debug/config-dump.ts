/**
 * `/debug/config_dump`: what the ADS server is serving to a Gateway's Envoys, with TLS private
 * keys redacted (the same redaction `portico translate` applies).
 */
import { redactPrivateKey } from '../translate/translation-document.js';
import type { Secret, XdsKind } from '../translate/xds/types.js';
import type { ConfigDump, GatewayKey, SnapshotPublisher } from '../xds/contract.js';
import { isPlainObject } from '../shared/plain-object.js';

export function redactConfigDump(dump: ConfigDump): ConfigDump {
  const secrets = dump.resources.secrets;
  if (!secrets) return dump;
  return {
    ...dump,
    resources: {
      ...dump.resources,
      secrets: secrets.map((entry) =>
        isPlainObject(entry.resource) ? { ...entry, resource: redactPrivateKey(entry.resource as Secret) } : entry,
      ),
    },
  };
}

export type ConfigDumpAnswer =
  { found: true; dumps: ConfigDump[] } | { found: false; message: string; gateways: GatewayKey[] };

/** One Gateway's dump, or every Gateway's when none is named. */
export function configDumps(
  publisher: SnapshotPublisher,
  gateway: string | undefined,
  kind?: XdsKind,
): ConfigDumpAnswer {
  const gateways = publisher.gateways();
  const wanted = gateway === undefined ? gateways : [gateway];
  const dumps: ConfigDump[] = [];
  for (const key of wanted) {
    const dump = publisher.dump(key, kind);
    if (dump) dumps.push(redactConfigDump(dump));
    else if (gateway !== undefined) return { found: false, message: `no snapshot for Gateway ${gateway}`, gateways };
  }
  return { found: true, dumps };
}
