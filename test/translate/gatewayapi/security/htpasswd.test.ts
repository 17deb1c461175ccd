/**
 * The htpasswd file of a SecurityPolicy's basicAuth, as Envoy will be given it: only `{SHA}`
 * entries (Envoy's basic_auth refuses a whole file with any other), each other line named by its
 * number and user, never by its hash.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { parseHtpasswd } from '../../../../src/translate/gatewayapi/security/security-credentials-ir.js';

const sha = (password: string): string => `{SHA}${createHash('sha1').update(password).digest('base64')}`;

describe('parseHtpasswd', () => {
  it('keeps {SHA} entries, in order, and skips blank lines and CRLF line ends', () => {
    expect(parseHtpasswd(`alice:${sha('a')}\r\n\r\n  bob:${sha('b')}  \r\n`)).toEqual({
      lines: [`alice:${sha('a')}`, `bob:${sha('b')}`],
      problems: [],
    });
  });

  it('names every entry Envoy cannot check by line and user, never by its hash', () => {
    const text = [
      'carol:$2y$05$abcdefghijklmnopqrstuv0123456789abcdefghijklmnopqrstu',
      'dave:$apr1$salt$hashhashhash',
      'erin:s3cret-plain',
      'no colon here',
      ':' + sha('x'),
      'frank:{SHA}tooshort=',
      `alice:${sha('a')}`,
      `alice:${sha('again')}`,
      'gina:$6$salt$hash',
    ].join('\n');
    const { lines, problems } = parseHtpasswd(text);
    expect(lines).toEqual([`alice:${sha('a')}`]);
    expect(problems).toEqual([
      'line 1 (user "carol"): bcrypt ($2y$)',
      'line 2 (user "dave"): MD5 ($apr1$)',
      'line 3 (user "erin"): plain text or crypt()',
      'line 4: not "user:hash"',
      'line 5: not "user:hash"',
      'line 6 (user "frank"): {SHA} but not the base64 of a SHA-1',
      'line 8 (user "alice"): listed again (line 7 is used)',
      'line 9 (user "gina"): SHA-512-crypt ($6$)',
    ]);
    expect(problems.join(' ')).not.toMatch(/s3cret|abcdefghij|hashhash|tooshort/);
  });

  it('refuses a {SHA} value that is not 20 bytes of base64 (Envoy would reject the whole file)', () => {
    const twentyOne = Buffer.alloc(21).toString('base64');
    expect(parseHtpasswd(`a:{SHA}${twentyOne}\nb:{SHA}${sha('x').slice(5, -1)}`).lines).toEqual([]);
  });
});
