/** TLS certificates served over SDS, named as the listeners' filter chains reference them. */
import type { IrSecret } from '../../ir/types.js';
import type { Secret } from './types.js';

export function buildSecret(secret: IrSecret): Secret {
  return {
    name: secret.name,
    tls_certificate: {
      certificate_chain: { inline_string: secret.certificateChain },
      private_key: { inline_string: secret.privateKey },
    },
  };
}
