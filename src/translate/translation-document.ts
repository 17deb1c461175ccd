/**
 * The document `portico translate` prints, and the golden files store: Envoy resources per Gateway
 * in proto JSON, then every input Gateway API object with its computed status. One function builds
 * it for both so that what a user sees and what the tests pin are the same thing.
 */
import { toProtoJson } from '../proto/proto-json.js';
import { TYPE_URL_BY_KIND } from '../proto/type-urls.js';
import { redactSensitiveFields } from './redact-credentials.js';
import type { TranslationResult } from './index.js';
import { XDS_KINDS } from './xds/types.js';
import type { EnvoyMessage, Secret, XdsKind, XdsResources } from './xds/types.js';
import { stringifyForKubectl } from '../resources/kubectl-yaml.js';
import { resourceStatus } from '../resources/resource-status.js';
import type { ResourceStatus } from '../resources/resource-status.js';
import { isPlainObject } from '../shared/plain-object.js';

export interface TranslationDocumentOptions {
  /**
   * Print TLS private keys, generic secrets (OAuth2 client secrets) and credentials (fields the
   * Envoy API marks sensitive: htpasswd users, API keys) as they are; otherwise they are replaced
   * by a placeholder.
   */
  showSecrets: boolean;
}

export type GatewayXdsDocument = { [K in XdsKind]: unknown[] };

export interface TranslationDocument {
  /** Keyed by `<namespace>/<gateway>`, in the translator's (sorted) order. */
  xds: Record<string, GatewayXdsDocument>;
  /** Every input Gateway API object with its computed status. */
  resources: ResourceStatus[];
}

export type OutputFormat = 'yaml' | 'json';

export const REDACTED = '[redacted]';

export function buildTranslationDocument(
  result: TranslationResult,
  opts: TranslationDocumentOptions,
): TranslationDocument {
  const xds: Record<string, GatewayXdsDocument> = {};
  for (const gateway of result.gateways) {
    xds[gateway.name] = gatewayXdsDocument(gateway.xds, opts);
  }
  return { xds, resources: result.resources.map(resourceStatus) };
}

/** Serializes deterministically: key order is insertion order, which the translator keeps stable. */
export function formatTranslationDocument(document: TranslationDocument, format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(document, null, 2)}\n`;
  // No anchors/aliases for repeated objects (they make diffs unreadable) and no line folding (so a
  // long regex or certificate stays greppable on one line).
  return stringifyForKubectl(document, { aliasDuplicateObjects: false, lineWidth: 0 });
}

function gatewayXdsDocument(resources: XdsResources, opts: TranslationDocumentOptions): GatewayXdsDocument {
  const document = {} as GatewayXdsDocument;
  for (const kind of XDS_KINDS) {
    const typeUrl = TYPE_URL_BY_KIND[kind];
    const messages: readonly EnvoyMessage[] = opts.showSecrets
      ? resources[kind]
      : kind === 'secrets'
        ? resources.secrets.map(redactPrivateKey)
        : resources[kind].map((m) => redactSensitiveFields(typeUrl, m));
    document[kind] = messages.map((message) => toProtoJson(typeUrl, message));
  }
  return document;
}

/**
 * Redacts the raw message rather than the proto JSON so the result is still a valid Secret
 * (a DataSource with an inline string) whatever field naming the JSON printer uses.
 */
export function redactPrivateKey(secret: Secret): Secret {
  // A generic secret (an OAuth2 client secret, an HMAC key) is secret material as a whole.
  const generic = secret.generic_secret;
  if (isPlainObject(generic) && generic.secret !== undefined) {
    return { ...secret, generic_secret: { ...generic, secret: { inline_string: REDACTED } } };
  }
  const tls = secret.tls_certificate;
  if (!isPlainObject(tls) || tls.private_key === undefined) return secret;
  return { ...secret, tls_certificate: { ...tls, private_key: { inline_string: REDACTED } } };
}
