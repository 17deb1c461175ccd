/**
 * A SecurityPolicy's `basicAuth` (Envoy Gateway's BasicAuth), read: the Secret whose `.htpasswd`
 * key lists the users, and the header the authenticated user's name is forwarded in. The Secret's
 * content is checked by the translator (security-basic-auth-ir.ts), which reads it.
 */
import { isHeaderName } from './header-name.js';
import { readSecretRef, type SecretRefRead } from './security-secret-ref.js';
import { fieldsOf, valid, type FieldError, type ValidationResult } from './validation-result.js';

export interface BasicAuthRead {
  users: SecretRefRead;
  /** Lowercase. */
  forwardUsernameHeader?: string;
}

const AT = 'spec.basicAuth';

export function readBasicAuth(value: unknown): ValidationResult<BasicAuthRead> {
  const b = fieldsOf(value);
  if (!b) return { valid: false, errors: [{ path: AT, message: 'basicAuth must be an object' }] };
  const problems: FieldError[] = [];
  const users =
    b.users === undefined
      ? void problems.push({
          path: `${AT}.users`,
          message: 'basicAuth.users must be set (a Secret with a .htpasswd key)',
        })
      : readSecretRef(b.users, `${AT}.users`, problems);
  const header = b.forwardUsernameHeader;
  if (header !== undefined && (!isHeaderName(header) || header.length > 1024)) {
    problems.push({
      path: `${AT}.forwardUsernameHeader`,
      message: `basicAuth.forwardUsernameHeader ${JSON.stringify(header)} is not a valid header name`,
    });
  }
  if (problems.length > 0 || !users) return { valid: false, errors: problems };
  return valid({
    users,
    ...(typeof header === 'string' ? { forwardUsernameHeader: header.toLowerCase() } : {}),
  });
}
