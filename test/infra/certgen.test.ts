/** `portico certgen --out-dir`: what it issues, and that it keeps valid certificates unless --force. */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCertgenCommand } from '../../src/cli/certgen-command.js';
import { main } from '../../src/cli/main.js';
import { defaultXdsDnsNames, whyNotReusable } from '../../src/infra/kubernetes/certs.js';

function io(): {
  stdout: { write: (s: string) => boolean };
  stderr: { write: (s: string) => boolean };
  out: () => string;
} {
  let text = '';
  const write = (s: string): boolean => ((text += s), true);
  return { stdout: { write }, stderr: { write }, out: () => text };
}

describe('portico certgen', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'portico-certgen-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const read = (secret: string, file: string): string => readFileSync(join(dir, secret, file), 'utf8');

  it('issues a CA, a server certificate for the xDS Service names and an Envoy client certificate', async () => {
    const cli = io();
    expect(await main(['certgen', '--out-dir', dir, '--namespace', 'gw-system'], cli as never)).toBe(0);
    expect(cli.out()).toMatch(/issued a CA/);

    const ca = new X509Certificate(read('portico-xds-server', 'ca.crt'));
    expect(ca.ca).toBe(true);
    expect(read('portico-xds-client', 'ca.crt')).toBe(read('portico-xds-server', 'ca.crt'));

    const server = new X509Certificate(read('portico-xds-server', 'tls.crt'));
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.ca).toBe(false);
    for (const name of defaultXdsDnsNames('gw-system')) expect(server.checkHost(name)).toBe(name);
    expect(server.subjectAltName).toContain('DNS:portico-xds.gw-system.svc.cluster.local');
    expect(server.checkPrivateKey(createPrivateKey(read('portico-xds-server', 'tls.key')))).toBe(true);
    expect(server.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1'])); // serverAuth

    const client = new X509Certificate(read('portico-xds-client', 'tls.crt'));
    expect(client.verify(ca.publicKey)).toBe(true);
    expect(client.subject).toContain('CN=portico-envoy');
    expect(client.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.2'])); // clientAuth
    expect(client.checkPrivateKey(createPrivateKey(read('portico-xds-client', 'tls.key')))).toBe(true);
    expect(statSync(join(dir, 'portico-xds-client', 'tls.key')).mode & 0o077).toBe(0);
  });

  it('keeps valid certificates, replaces them with --force or when a DNS name is missing', async () => {
    expect(await runCertgenCommand(['--out-dir', dir, '--dns-names', 'a.example,b.example'], io() as never)).toBe(0);
    const first = read('portico-xds-server', 'tls.crt');

    const again = io();
    expect(await runCertgenCommand(['--out-dir', dir, '--dns-names', 'a.example'], again as never)).toBe(0);
    expect(again.out()).toMatch(/kept the existing certificates/);
    expect(read('portico-xds-server', 'tls.crt')).toBe(first);

    const forced = io();
    expect(
      await runCertgenCommand(['--out-dir', dir, '--dns-names', 'a.example,b.example', '--force'], forced as never),
    ).toBe(0);
    const second = read('portico-xds-server', 'tls.crt');
    expect(second).not.toBe(first);

    const widened = io();
    expect(await runCertgenCommand(['--out-dir', dir, '--dns-names', 'a.example,c.example'], widened as never)).toBe(0);
    expect(widened.out()).toMatch(/replacing: the server certificate does not name c.example/);
    expect(read('portico-xds-server', 'tls.crt')).not.toBe(second);
  });

  it('does not reuse certificates close to expiry or from different CAs', async () => {
    expect(await runCertgenCommand(['--out-dir', dir, '--dns-names', 'x', '--days', '40'], io() as never)).toBe(0);
    const bundle = (s: string) => ({
      'ca.crt': read(s, 'ca.crt'),
      'tls.crt': read(s, 'tls.crt'),
      'tls.key': read(s, 'tls.key'),
    });
    const certs = { server: bundle('portico-xds-server'), client: bundle('portico-xds-client') };
    expect(whyNotReusable(certs, ['x'])).toBeUndefined();
    expect(whyNotReusable(certs, ['x'], new Date(Date.now() + 20 * 86_400_000))).toMatch(/expires/);
    expect(whyNotReusable({ server: certs.server }, ['x'])).toBe('missing');
    expect(whyNotReusable({ ...certs, client: { ...certs.client, 'ca.crt': 'nope' } }, ['x'])).toMatch(/different CAs/);
  });

  it('rejects bad options', async () => {
    const cli = io();
    expect(await runCertgenCommand(['--days', '3'], cli as never)).toBe(2);
    expect(cli.out()).toMatch(/--days/);
  });
});
