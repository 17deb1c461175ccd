/**
 * Secrets served over SDS: TLS certificates, named as the listeners' filter chains and the
 * clusters reference them, and generic secrets (an OAuth2 client secret, the key that signs the
 * oauth2 filter's cookies), named as the filters reference them.
 */
import type { IrSecret } from '../../ir/types.js';
import type { Secret } from './types.js';

export function buildSecret(secret: IrSecret): Secret {
  if ('generic' in secret) {
    return { name: secret.name, generic_secret: { secret: { inline_string: secret.generic } } };
  }
  return {
    name: secret.name,
    tls_certificate: {
      certificate_chain: { inline_string: secret.certificateChain },
      private_key: { inline_string: secret.privateKey },
    },
  };
}
