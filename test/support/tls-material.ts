/**
 * Certificates and keys of every kind, made for tests with `openssl` (Node cannot issue X.509
 * certificates) in a temporary directory, and a few shapes `openssl` will not make (a version 4
 * certificate, a 16385-bit RSA modulus), made by editing a certificate's DER. Envoy does not check
 * the signature of the certificate it serves, so an edited certificate needs no new one.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Pair {
  crt: string;
  key: string;
}

export class TlsMaterial {
  private count = 0;
  private constructor(readonly dir: string) {}

  static create(): TlsMaterial {
    return new TlsMaterial(mkdtempSync(join(tmpdir(), 'portico-tls-')));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private path(name: string): string {
    return join(this.dir, `${++this.count}-${name}`);
  }

  async openssl(...args: string[]): Promise<void> {
    await run('openssl', args, { cwd: this.dir, timeout: 300_000 });
  }

  /** A private key from `openssl genpkey` options, e.g. `['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']`. */
  async key(options: string[]): Promise<string> {
    const out = this.path('key.pem');
    await this.openssl('genpkey', ...options, '-out', out);
    return readFileSync(out, 'utf8');
  }

  /** A DSA key (its parameters first). */
  async dsaKey(bits: number): Promise<string> {
    const params = this.path('dsa-params.pem');
    await this.openssl(
      'genpkey',
      '-genparam',
      '-algorithm',
      'DSA',
      '-pkeyopt',
      `dsa_paramgen_bits:${bits}`,
      '-out',
      params,
    );
    const out = this.path('key.pem');
    await this.openssl('genpkey', '-paramfile', params, '-out', out);
    return readFileSync(out, 'utf8');
  }

  /** A self-signed certificate for `key` (version 3, with a subjectAltName unless `v1`). */
  async selfSigned(key: string, host = 'example.com', options: { v1?: boolean } = {}): Promise<string> {
    const keyFile = this.path('signing.key');
    writeFileSync(keyFile, key);
    const out = this.path('cert.pem');
    if (options.v1) {
      const csr = this.path('req.csr');
      await this.openssl('req', '-new', '-key', keyFile, '-subj', `/CN=${host}`, '-out', csr);
      await this.openssl('x509', '-req', '-in', csr, '-signkey', keyFile, '-days', '30', '-out', out);
    } else {
      await this.openssl(
        'req', '-new', '-x509', '-key', keyFile, '-subj', `/CN=${host}`, '-days', '30',
        '-addext', `subjectAltName=DNS:${host}`, '-out', out,
      ); // prettier-ignore
    }
    return readFileSync(out, 'utf8');
  }

  /** A certificate for `key` signed by `issuer` (a CA certificate when `ca`). */
  async issued(key: string, subject: string, issuer: Pair, options: { ca?: boolean } = {}): Promise<string> {
    const keyFile = this.path('subject.key');
    const issuerKey = this.path('issuer.key');
    const issuerCrt = this.path('issuer.crt');
    const ext = this.path('ext.cnf');
    writeFileSync(keyFile, key);
    writeFileSync(issuerKey, issuer.key);
    writeFileSync(issuerCrt, issuer.crt);
    writeFileSync(ext, options.ca ? 'basicConstraints=critical,CA:true\n' : `subjectAltName=DNS:${subject}\n`);
    const csr = this.path('req.csr');
    const out = this.path('cert.pem');
    await this.openssl('req', '-new', '-key', keyFile, '-subj', `/CN=${subject}`, '-out', csr);
    await this.openssl(
      'x509', '-req', '-in', csr, '-CA', issuerCrt, '-CAkey', issuerKey, '-set_serial', String(this.count),
      '-days', '30', '-extfile', ext, '-out', out,
    ); // prettier-ignore
    return readFileSync(out, 'utf8');
  }

  /** A self-signed certificate valid from `notBefore` to `notAfter` (`YYYYMMDDHHMMSSZ`), past or future. */
  async withValidity(key: string, notBefore: string, notAfter: string): Promise<string> {
    const ca = this.path('ca');
    mkdirSync(ca);
    writeFileSync(join(ca, 'index.txt'), '');
    writeFileSync(join(ca, 'serial'), '01\n');
    const config = join(ca, 'ca.cnf');
    writeFileSync(
      config,
      [
        '[ca]',
        'default_ca = d',
        '[d]',
        `database = ${join(ca, 'index.txt')}`,
        `serial = ${join(ca, 'serial')}`,
        `new_certs_dir = ${ca}`,
        'default_md = sha256',
        'policy = p',
        '[p]',
        'commonName = supplied',
        '',
      ].join('\n'),
    );
    const keyFile = join(ca, 'key.pem');
    writeFileSync(keyFile, key);
    const csr = join(ca, 'req.csr');
    const out = join(ca, 'cert.pem');
    await this.openssl('req', '-new', '-key', keyFile, '-subj', '/CN=example.com', '-out', csr);
    await this.openssl(
      'ca', '-batch', '-config', config, '-selfsign', '-keyfile', keyFile, '-in', csr, '-out', out,
      '-startdate', notBefore, '-enddate', notAfter, '-notext',
    ); // prettier-ignore
    return readFileSync(out, 'utf8');
  }

  /** `key` re-encoded with `openssl pkey` options (e.g. `-traditional`, or encrypted with `-aes256 -passout pass:x`). */
  async reencodedKey(key: string, options: string[]): Promise<string> {
    const input = this.path('in.key');
    const out = this.path('out.key');
    writeFileSync(input, key);
    await this.openssl('pkey', '-in', input, ...options, '-out', out);
    return readFileSync(out, 'utf8');
  }
}

/** A DER element: its tag, the position of its header, and where its contents start and end. */
interface Element {
  tag: number;
  pos: number;
  start: number;
  end: number;
}

function element(buf: Buffer, pos: number): Element {
  let len = buf[pos + 1]!;
  let start = pos + 2;
  if (len & 0x80) {
    const bytes = len & 0x7f;
    len = 0;
    for (let i = 0; i < bytes; i++) len = len * 256 + buf[start + i]!;
    start += bytes;
  }
  return { tag: buf[pos]!, pos, start, end: start + len };
}

function children(buf: Buffer, parent: Element): Element[] {
  const out: Element[] = [];
  for (let pos = parent.start; pos < parent.end; pos = out[out.length - 1]!.end) out.push(element(buf, pos));
  return out;
}

function encode(tag: number, body: Buffer): Buffer {
  const length: number[] = [];
  for (let n = body.length; n > 0; n = Math.floor(n / 256)) length.unshift(n & 0xff);
  const header = body.length < 0x80 ? [tag, body.length] : [tag, 0x80 | length.length, ...length];
  return Buffer.concat([Buffer.from(header), body]);
}

function derOf(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

function pemOf(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** The certificate with its TBSCertificate's fields replaced by `edit` (the signature is left as it was). */
function editTbs(pem: string, edit: (der: Buffer, fields: Element[]) => Buffer[]): string {
  const der = derOf(pem);
  const cert = element(der, 0);
  const [tbs, ...rest] = children(der, cert);
  const fields = edit(der, children(der, tbs!));
  const body = Buffer.concat([encode(0x30, Buffer.concat(fields)), ...rest.map((e) => der.subarray(e.pos, e.end))]);
  return pemOf(encode(0x30, body));
}

const raw = (der: Buffer, e: Element) => der.subarray(e.pos, e.end);

/** A version 3 certificate that says version `version` (1 to drop the field, as a v1 certificate has none). */
export function withVersion(pem: string, version: number): string {
  return editTbs(pem, (der, [v, ...others]) => {
    if (v!.tag !== 0xa0) throw new Error('not a version 3 certificate');
    const rest = others.map((e) => raw(der, e));
    return version === 1 ? rest : [encode(0xa0, encode(0x02, Buffer.from([version - 1]))), ...rest];
  });
}

/** An RSA certificate whose public key is replaced by a made-up one: a modulus of `bits` bits, exponent `exponent`. */
export function withRsaPublicKey(pem: string, bits: number, exponent: bigint): string {
  return editTbs(pem, (der, fields) => {
    const spkiIndex = fields.findIndex((f, i) => i > 0 && f.tag === 0x30 && children(der, f)[1]?.tag === 0x03);
    const spki = fields[spkiIndex]!;
    const algorithm = children(der, spki)[0]!;
    const modulus = randomBytes(Math.ceil(bits / 8));
    const unused = modulus.length * 8 - bits;
    modulus[0] = (modulus[0]! & (0xff >> unused)) | (0x80 >> unused);
    modulus[modulus.length - 1]! |= 1;
    let hex = exponent.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    const e = Buffer.from(hex, 'hex');
    const integer = (b: Buffer) => encode(0x02, b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
    const rsaKey = encode(0x30, Buffer.concat([integer(modulus), integer(e)]));
    const newSpki = encode(
      0x30,
      Buffer.concat([raw(der, algorithm), encode(0x03, Buffer.concat([Buffer.from([0]), rsaKey]))]),
    );
    return fields.map((f, i) => (i === spkiIndex ? newSpki : raw(der, f)));
  });
}

/** The certificate with its public key's algorithm changed to an OID no library knows (1.2.840.113549.1.1.127). */
export function withUnknownKeyAlgorithm(pem: string): string {
  return editTbs(pem, (der, fields) =>
    fields.map((f, i) => {
      const field = raw(der, f);
      if (i === 0 || f.tag !== 0x30 || children(der, f)[1]?.tag !== 0x03) return field;
      const rsaEncryption = Buffer.from('2a864886f70d010101', 'hex');
      const at = field.indexOf(rsaEncryption);
      if (at < 0) throw new Error('not an RSA certificate');
      const edited = Buffer.from(field);
      edited[at + rsaEncryption.length - 1] = 0x7f;
      return edited;
    }),
  );
}

/** A PEM block labelled CERTIFICATE that holds no certificate. */
export const NOT_A_CERTIFICATE =
  '-----BEGIN CERTIFICATE-----\nAAAAbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
