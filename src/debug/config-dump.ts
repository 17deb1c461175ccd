/**
 * `/debug/config_dump`: what the ADS server is serving to a Gateway's Envoys, with TLS private
 * keys and credentials (htpasswd users, API keys: every field the Envoy API marks sensitive)
 * redacted (the same redaction `portico translate` applies).
 */
import { TYPE_URL_BY_KIND } from '../proto/type-urls.js';
import { redactSensitiveFields } from '../translate/redact-credentials.js';
import { redactPrivateKey } from '../translate/translation-document.js';
import type { Secret, XdsKind } from '../translate/xds/types.js';
import type { ConfigDump, GatewayKey, SnapshotPublisher } from '../xds/contract.js';
import { isPlainObject } from '../shared/plain-object.js';

export function redactConfigDump(dump: ConfigDump): ConfigDump {
  const resources: ConfigDump['resources'] = {};
  for (const [kind, entries] of Object.entries(dump.resources) as [XdsKind, ConfigDumpEntry[]][]) {
    resources[kind] = entries.map((entry) => {
      if (!isPlainObject(entry.resource)) return entry;
      const resource =
        kind === 'secrets'
          ? redactPrivateKey(entry.resource as Secret)
          : redactSensitiveFields(TYPE_URL_BY_KIND[kind], entry.resource);
      return resource === entry.resource ? entry : { ...entry, resource };
    });
  }
  return { ...dump, resources };
}

type ConfigDumpEntry = NonNullable<ConfigDump['resources'][XdsKind]>[number];

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
