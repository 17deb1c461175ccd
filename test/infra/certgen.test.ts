/** `portico certgen --out-dir`: what it issues, and that it keeps valid certificates unless --force. */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCertgenCommand } from '../../src/cli/certgen-command.js';
import { main } from '../../src/cli/main.js';
import {
  caSecret,
  defaultXdsDnsNames,
  issueCa,
  issueGatewayCertificate,
  issueServerCertificate,
  whyCaNotReusable,
  whyNotReusable,
  whyReissue,
} from '../../src/infra/kubernetes/certs.js';
import { splitPem } from '../../src/infra/kubernetes/ca-bundle.js';
import { writeSecretMount } from '../../src/infra/secret-mount.js';

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

  it('issues a CA whose key it keeps and a server certificate for the xDS Service names', async () => {
    const cli = io();
    expect(await main(['certgen', '--out-dir', dir, '--namespace', 'gw-system'], cli as never)).toBe(0);
    expect(cli.out()).toMatch(/issued a CA/);

    const ca = new X509Certificate(read('portico-xds-server', 'ca.crt'));
    expect(ca.ca).toBe(true);
    // The CA and its key, kept for Portico to sign each Gateway's client certificate.
    expect(read('portico-xds-ca', 'tls.crt')).toBe(read('portico-xds-server', 'ca.crt'));
    expect(ca.checkPrivateKey(createPrivateKey(read('portico-xds-ca', 'tls.key')))).toBe(true);
    expect(statSync(join(dir, 'portico-xds-ca', 'tls.key')).mode & 0o077).toBe(0);
    // No shared client certificate any more.
    expect(() => read('portico-xds-client', 'tls.crt')).toThrow();

    const server = new X509Certificate(read('portico-xds-server', 'tls.crt'));
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.ca).toBe(false);
    for (const name of defaultXdsDnsNames('gw-system')) expect(server.checkHost(name)).toBe(name);
    expect(server.subjectAltName).toContain('DNS:portico-xds.gw-system.svc.cluster.local');
    expect(server.checkPrivateKey(createPrivateKey(read('portico-xds-server', 'tls.key')))).toBe(true);
    expect(server.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1'])); // serverAuth
  });

  it("issues a Gateway's client certificate naming it in one URI SAN, and says when to renew it", async () => {
    expect(await runCertgenCommand(['--out-dir', dir, '--dns-names', 'x'], io() as never)).toBe(0);
    const ca = { cert: read('portico-xds-ca', 'tls.crt'), key: read('portico-xds-ca', 'tls.key') };
    const bundle = await issueGatewayCertificate(ca, 'team-a/web.example.com');
    const client = new X509Certificate(bundle['tls.crt']);
    expect(client.verify(new X509Certificate(ca.cert).publicKey)).toBe(true);
    expect(client.subjectAltName).toBe('URI:spiffe://portico.dev/ns/team-a/gateway/web.example.com');
    expect(client.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.2'])); // clientAuth
    expect(client.checkPrivateKey(createPrivateKey(bundle['tls.key']))).toBe(true);
    const lifetime = new Date(client.validTo).getTime() - new Date(client.validFrom).getTime();
    expect(lifetime).toBe(2 * 86_400_000);

    expect(whyReissue(bundle, ca, 'team-a/web.example.com')).toBeUndefined();
    expect(whyReissue(bundle, ca, 'team-a/other')).toMatch(/does not name team-a\/other/);
    expect(whyReissue(undefined, ca, 'team-a/web.example.com')).toBe('missing');
    // Renewed once less than a day is left.
    expect(whyReissue(bundle, ca, 'team-a/web.example.com', new Date(Date.now() + 25 * 3_600_000))).toMatch(/expires/);
    // A new CA (certgen --force) makes every Gateway certificate due.
    expect(await runCertgenCommand(['--out-dir', dir, '--dns-names', 'x', '--force'], io() as never)).toBe(0);
    const rotated = { cert: read('portico-xds-ca', 'tls.crt'), key: read('portico-xds-ca', 'tls.key') };
    expect(whyReissue(bundle, rotated, 'team-a/web.example.com')).toBe('not signed by the current CA');
  });

  it('keeps valid certificates, replaces them with --force, renews the server one alone when a DNS name is missing', async () => {
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

    const caBefore = read('portico-xds-ca', 'tls.crt');
    const widened = io();
    expect(await runCertgenCommand(['--out-dir', dir, '--dns-names', 'a.example,c.example'], widened as never)).toBe(0);
    expect(widened.out()).toMatch(/renewed the server certificate .* with the kept CA/);
    expect(widened.out()).toMatch(/replacing: the server certificate does not name c.example/);
    expect(read('portico-xds-server', 'tls.crt')).not.toBe(second);
    // The CA stays: every Envoy trusts the renewed certificate already.
    expect(read('portico-xds-ca', 'tls.crt')).toBe(caBefore);
    expect(read('portico-xds-server', 'ca.crt')).toBe(caBefore);
    const renewed = new X509Certificate(read('portico-xds-server', 'tls.crt'));
    expect(renewed.verify(new X509Certificate(caBefore).publicKey)).toBe(true);
  });

  it('refuses to replace a CA that is due but still trusted; it points at the staged rotation', async () => {
    // A CA with 10 days left (what certgen --days 1 would make, were it allowed), and its server certificate.
    const ca = await issueCa({ days: 1 });
    writeSecretMount(join(dir, 'portico-xds-ca'), { ...caSecret(ca) });
    writeSecretMount(join(dir, 'portico-xds-server'), { ...(await issueServerCertificate(ca, { dnsNames: ['x'] })) });
    expect(whyCaNotReusable(caSecret(ca))).toMatch(/the CA expires/);

    const plain = io();
    expect(await runCertgenCommand(['--out-dir', dir, '--dns-names', 'x'], plain as never)).toBe(1);
    expect(plain.out()).toMatch(
      /the CA expires .*: replace it with no Envoy cut off by --rotate begin, switch and finish/,
    );
    expect(read('portico-xds-ca', 'tls.crt')).toBe(ca.cert);
    // The staged rotation takes it from there.
    expect(await runCertgenCommand(['--out-dir', dir, '--rotate', 'begin'], io() as never)).toBe(0);
    // --force still replaces it at once.
    expect(await runCertgenCommand(['--out-dir', dir, '--dns-names', 'x', '--force'], io() as never)).toBe(0);
    expect(read('portico-xds-ca', 'tls.crt')).not.toBe(ca.cert);
  });

  it('rotates the CA in three steps: trust both, sign with the new one, trust it alone', async () => {
    expect(await runCertgenCommand(['--out-dir', dir, '--dns-names', 'x.example,y.example'], io() as never)).toBe(0);
    const oldCa = read('portico-xds-ca', 'tls.crt');
    const oldServer = read('portico-xds-server', 'tls.crt');
    const step = async (name: string): Promise<{ code: number; out: string }> => {
      const cli = io();
      const code = await runCertgenCommand(['--out-dir', dir, '--rotate', name], cli as never);
      return { code, out: cli.out() };
    };
    expect(await step('finish')).toMatchObject({ code: 0, out: expect.stringMatching(/no rotation to finish/) });
    expect(await step('switch')).toMatchObject({ code: 1, out: expect.stringMatching(/run --rotate begin first/) });

    expect(await step('begin')).toMatchObject({ code: 0, out: expect.stringMatching(/step 1 of 3/) });
    const newCa = read('portico-xds-ca', 'next.crt');
    expect(splitPem(read('portico-xds-ca', 'ca.crt'))).toEqual(splitPem(oldCa + newCa));
    expect(splitPem(read('portico-xds-server', 'ca.crt'))).toEqual(splitPem(oldCa + newCa));
    // Nothing is signed by the new CA yet.
    expect(read('portico-xds-ca', 'tls.crt')).toBe(oldCa);
    expect(read('portico-xds-server', 'tls.crt')).toBe(oldServer);
    // Again: the same new CA, not a third one.
    expect(await step('begin')).toMatchObject({ code: 0 });
    expect(read('portico-xds-ca', 'next.crt')).toBe(newCa);
    expect(await step('finish')).toMatchObject({ code: 1, out: expect.stringMatching(/run --rotate switch first/) });

    expect(await step('switch')).toMatchObject({ code: 0, out: expect.stringMatching(/step 2 of 3/) });
    expect(read('portico-xds-ca', 'tls.crt')).toBe(newCa);
    expect(() => read('portico-xds-ca', 'next.crt')).toThrow();
    expect(splitPem(read('portico-xds-server', 'ca.crt'))).toEqual(splitPem(oldCa + newCa));
    const server = new X509Certificate(read('portico-xds-server', 'tls.crt'));
    expect(server.verify(new X509Certificate(newCa).publicKey)).toBe(true);
    // The names of the certificate it replaces.
    expect(server.subjectAltName).toBe('DNS:x.example, DNS:y.example');
    expect(server.checkPrivateKey(createPrivateKey(read('portico-xds-server', 'tls.key')))).toBe(true);
    // Meanwhile, a plain certgen keeps all of it.
    const plain = io();
    expect(await runCertgenCommand(['--out-dir', dir, '--dns-names', 'x.example'], plain as never)).toBe(0);
    expect(plain.out()).toMatch(/kept/);

    expect(await step('finish')).toMatchObject({ code: 0, out: expect.stringMatching(/step 3 of 3/) });
    expect(splitPem(read('portico-xds-ca', 'ca.crt'))).toEqual(splitPem(newCa));
    expect(splitPem(read('portico-xds-server', 'ca.crt'))).toEqual(splitPem(newCa));
    expect(read('portico-xds-ca', 'tls.crt')).toBe(newCa);
  });

  it('does not reuse certificates close to expiry or from different CAs', async () => {
    expect(await runCertgenCommand(['--out-dir', dir, '--dns-names', 'x', '--days', '40'], io() as never)).toBe(0);
    const bundle = (s: string) => ({
      'ca.crt': read(s, 'ca.crt'),
      'tls.crt': read(s, 'tls.crt'),
      'tls.key': read(s, 'tls.key'),
    });
    const certs = { server: bundle('portico-xds-server'), ca: bundle('portico-xds-ca') };
    expect(whyNotReusable(certs, ['x'])).toBeUndefined();
    expect(whyNotReusable(certs, ['x'], new Date(Date.now() + 20 * 86_400_000))).toMatch(/expires/);
    expect(whyNotReusable({ ca: certs.ca }, ['x'])).toBe('missing');
    // What an older certgen left (no CA key) is replaced.
    expect(whyNotReusable({ server: certs.server }, ['x'])).toMatch(/CA key is not kept/);
    expect(whyNotReusable({ ...certs, server: { ...certs.server, 'ca.crt': 'nope' } }, ['x'])).toMatch(/other CAs/);
  });

  it('rejects bad options', async () => {
    const cli = io();
    expect(await runCertgenCommand(['--days', '3'], cli as never)).toBe(2);
    expect(cli.out()).toMatch(/--days/);
    const rotate = io();
    expect(await runCertgenCommand(['--out-dir', dir, '--rotate', 'sideways'], rotate as never)).toBe(2);
    expect(rotate.out()).toMatch(/--rotate must be one of begin, switch, finish/);
  });
});
