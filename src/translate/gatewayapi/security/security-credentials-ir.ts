/**
 * A SecurityPolicy's `basicAuth` and `apiKeyAuth` as IR: the credentials read from the Secrets
 * they name (through the context, so that a changed Secret is read again), checked as Envoy checks
 * them, so that nothing reaches Envoy that it would reject.
 *
 * basicAuth: Envoy's basic_auth filter knows one hash, `{SHA}` (unsalted SHA-1, `htpasswd -s`),
 * and refuses a whole file with any other entry. Portico sends Envoy the `{SHA}` entries only; each
 * other entry (bcrypt, MD5, crypt, plain text, a malformed line, a user listed twice) is named in
 * the policy's Accepted condition (line and user, never the hash), and that user cannot log in
 * (Envoy Gateway v1.9 makes the whole policy Invalid instead: docs/spec-decisions.md). A file with
 * no usable entry, or a Secret that is missing, lacks the `.htpasswd` key or is in another namespace
 * without a ReferenceGrant, closes the policy.
 *
 * apiKeyAuth: each data key of each Secret is a client id and its value that client's key; the
 * first Secret (in credentialRefs order) that names a client wins (Envoy Gateway's rule). Two
 * clients with one key, an empty key, or no key at all close the policy.
 */
import type { IrApiKeyAuth, IrApiKeySource, IrBasicAuth } from '../../../ir/types.js';
import type { Secret, SecurityPolicy } from '../../../resources/types.js';
import { PORTICO_GROUP } from '../../../resources/types.js';
import type { ApiKeyAuthRead } from '../../../resources/read/security-api-key-auth.js';
import type { BasicAuthRead } from '../../../resources/read/security-basic-auth.js';
import type { SecretRefRead } from '../../../resources/read/security-secret-ref.js';
import { objectKey, type TranslationContext } from '../context.js';
import { checkCoreReference } from '../references/reference-grants.js';

/** What one section gives: its IR with notes for the status, or why it cannot be applied. */
export type CredentialsIr<T> = { ok: true; ir: T; warnings: string[] } | { ok: false; message: string };

/** The key of the Secret `basicAuth.users` names (Envoy Gateway's `.htpasswd`). */
export const HTPASSWD_KEY = '.htpasswd';

type SecretLookup = { ok: true; secret: Secret; label: string } | { ok: false; message: string };

function lookUpSecret(ctx: TranslationContext, policy: SecurityPolicy, ref: SecretRefRead, what: string): SecretLookup {
  const namespace = policy.metadata.namespace ?? 'default';
  const check = checkCoreReference(
    ctx,
    { group: PORTICO_GROUP, kind: 'SecurityPolicy', namespace },
    ref,
    'Secret',
    what,
  );
  if (!check.ok) return { ok: false, message: check.message };
  const secret = ctx.secrets.get(objectKey(check.namespace, ref.name));
  if (!secret) return { ok: false, message: `${what}: Secret ${check.label} not found` };
  return { ok: true, secret, label: check.label };
}

/** The text of a Secret's key (stringData first, as the API server merges it), or undefined. */
function secretText(secret: Secret, key: string): string | undefined {
  const plain = secret.stringData?.[key];
  if (typeof plain === 'string') return plain;
  const encoded = secret.data?.[key];
  return typeof encoded === 'string' ? Buffer.from(encoded, 'base64').toString('utf8') : undefined;
}

function secretKeys(secret: Secret): string[] {
  return [...new Set([...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})])].sort();
}

export function basicAuthIr(
  read: BasicAuthRead,
  ctx: TranslationContext,
  policy: SecurityPolicy,
): CredentialsIr<IrBasicAuth> {
  const found = lookUpSecret(ctx, policy, read.users, 'basicAuth.users');
  if (!found.ok) return found;
  const text = secretText(found.secret, HTPASSWD_KEY);
  const where = `basicAuth.users: Secret ${found.label}`;
  if (text === undefined || text.trim() === '') {
    return {
      ok: false,
      message: `${where} has no ${JSON.stringify(HTPASSWD_KEY)} key, or it is empty: put the users there, one "user:{SHA}hash" line each (htpasswd -s)`,
    };
  }
  const { lines, problems } = parseHtpasswd(text);
  const refused = listed(problems);
  if (lines.length === 0) {
    return {
      ok: false,
      message: `${where}, ${HTPASSWD_KEY}: no entry Envoy can check (only {SHA} hashes, htpasswd -s): ${refused}`,
    };
  }
  const warnings =
    problems.length === 0
      ? []
      : [
          `${where}, ${HTPASSWD_KEY}: ${problems.length} ${problems.length === 1 ? 'entry' : 'entries'} left out, as Envoy checks only {SHA} hashes (htpasswd -s), so ${problems.length === 1 ? 'its user' : 'their users'} cannot log in: ${refused}`,
        ];
  return {
    ok: true,
    ir: {
      htpasswd: lines.join('\n'),
      ...(read.forwardUsernameHeader ? { forwardUsernameHeader: read.forwardUsernameHeader } : {}),
    },
    warnings,
  };
}

/** At most this many entries are named in a message; the rest are counted. */
const LISTED = 10;

function listed(items: readonly string[]): string {
  const shown = items.slice(0, LISTED).join(', ');
  return items.length > LISTED ? `${shown} and ${items.length - LISTED} more` : shown;
}

/** `{SHA}` and the base64 of 20 bytes (a SHA-1), as Envoy checks it. */
const SHA_ENTRY = /^\{SHA\}[A-Za-z0-9+/]{27}=$/;

/** The schemes htpasswd and crypt() write, for the messages; none of them is Envoy's. */
const OTHER_SCHEMES: readonly [string, string][] = [
  ['$2y$', 'bcrypt ($2y$)'],
  ['$2a$', 'bcrypt ($2a$)'],
  ['$2b$', 'bcrypt ($2b$)'],
  ['$apr1$', 'MD5 ($apr1$)'],
  ['$1$', 'MD5-crypt ($1$)'],
  ['$5$', 'SHA-256-crypt ($5$)'],
  ['$6$', 'SHA-512-crypt ($6$)'],
];

/**
 * The usable entries, as `user:{SHA}hash` lines, and a note for each line left out (its number and
 * user, never its hash: the hash or a plain-text password must not reach the status).
 */
export function parseHtpasswd(text: string): { lines: string[]; problems: string[] } {
  const lines: string[] = [];
  const problems: string[] = [];
  const firstLine = new Map<string, number>();
  for (const [i, raw] of text.split('\n').entries()) {
    const n = i + 1;
    const line = raw.trim();
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      problems.push(`line ${n}: not "user:hash"`);
      continue;
    }
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    const who = `line ${n} (user ${JSON.stringify(user.length > 64 ? `${user.slice(0, 64)}…` : user)})`;
    if (!hash.startsWith('{SHA}')) {
      problems.push(
        `${who}: ${OTHER_SCHEMES.find(([prefix]) => hash.startsWith(prefix))?.[1] ?? 'plain text or crypt()'}`,
      );
      continue;
    }
    if (!SHA_ENTRY.test(hash)) {
      problems.push(`${who}: {SHA} but not the base64 of a SHA-1`);
      continue;
    }
    const first = firstLine.get(user);
    if (first !== undefined) {
      problems.push(`${who}: listed again (line ${first} is used)`);
      continue;
    }
    firstLine.set(user, n);
    lines.push(`${user}:${hash}`);
  }
  return { lines, problems };
}

export function apiKeyAuthIr(
  read: ApiKeyAuthRead,
  ctx: TranslationContext,
  policy: SecurityPolicy,
): CredentialsIr<IrApiKeyAuth> {
  const credentials: { client: string; key: string }[] = [];
  const clientOfKey = new Map<string, string>();
  const seenClients = new Set<string>();
  const problems: string[] = [];
  for (const [i, ref] of read.credentialRefs.entries()) {
    const what = `apiKeyAuth.credentialRefs[${i}]`;
    const found = lookUpSecret(ctx, policy, ref, what);
    if (!found.ok) {
      problems.push(found.message);
      continue;
    }
    for (const client of secretKeys(found.secret)) {
      if (seenClients.has(client)) continue;
      const key = secretText(found.secret, client) ?? '';
      if (key === '') {
        problems.push(`${what}: Secret ${found.label}: client ${JSON.stringify(client)} has an empty API key`);
        continue;
      }
      const other = clientOfKey.get(key);
      if (other !== undefined) {
        problems.push(
          `${what}: Secret ${found.label}: clients ${JSON.stringify(other)} and ${JSON.stringify(client)} have the same API key; give each client its own`,
        );
        continue;
      }
      seenClients.add(client);
      clientOfKey.set(key, client);
      credentials.push({ client, key });
    }
  }
  if (problems.length > 0) return { ok: false, message: problems.join('; ') };
  if (credentials.length === 0) {
    return {
      ok: false,
      message:
        'apiKeyAuth.credentialRefs: the Secrets hold no API key (each data key is a client id, its value the key)',
    };
  }
  credentials.sort((a, b) => (a.client < b.client ? -1 : a.client > b.client ? 1 : 0));
  const keySources: IrApiKeySource[] = [];
  const field = { headers: 'header', params: 'query', cookies: 'cookie' } as const;
  for (const source of read.extractFrom) {
    for (const name of source.names) keySources.push({ [field[source.kind]]: name });
  }
  return {
    ok: true,
    ir: {
      credentials,
      keySources,
      ...(read.forwardClientIDHeader ? { forwardClientIdHeader: read.forwardClientIDHeader } : {}),
      sanitize: read.sanitize,
    },
    warnings: [],
  };
}
