/**
 * What Envoy refuses in TLS material is exactly what Portico refuses (`envoy-tls-rules.ts`).
 *
 * Each case is a certificate chain and key of one kind, size or shape. A real Envoy loads it
 * (`--mode validate` with a static bootstrap: a listener serving it, and a validation context
 * trusting it, run the code SDS updates run), and the test asserts three things per case: Envoy's
 * verdict is the one written here (so an Envoy upgrade that changes a rule fails this test and
 * the rule is looked at again), Portico's verdict is Envoy's, and both fail at the same stage
 * (loading the certificate chain, or the private key).
 */
import { execFile } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { caBundle, checkServingPair } from '../../src/translate/gatewayapi/envoy-tls-rules.js';
import { findEnvoy } from '../support/envoy-binary.js';
import {
  NOT_A_CERTIFICATE,
  TlsMaterial,
  withRsaPublicKey,
  withUnknownKeyAlgorithm,
  withVersion,
  type Pair,
} from '../support/tls-material.js';

const run = promisify(execFile);

/** Envoy's (and Portico's) verdict: served, or refused while loading the certificate chain or the private key. */
type Verdict = 'accepted' | 'certificate' | 'key';

interface Case {
  name: string;
  pair: Pair;
  /** What Envoy 1.40 does with it as a serving certificate. */
  serving: Verdict;
  /** What it does with the certificates as a CA bundle (trusted_ca), when the case is about them. */
  asCa?: 'accepted' | 'refused';
}

const material = TlsMaterial.create();
const workDir = mkdtempSync(join(tmpdir(), 'portico-tls-rules-'));
const envoy = findEnvoy();
const cases: Case[] = [];

afterAll(() => {
  material.remove();
  rmSync(workDir, { recursive: true, force: true });
});

const rsa = (bits: number, ...more: string[]) => ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${bits}`, ...more];
const ec = (curve: string, ...more: string[]) => [
  '-algorithm',
  'EC',
  '-pkeyopt',
  `ec_paramgen_curve:${curve}`,
  ...more,
];

/** The RSA key with one private part changed (its last byte), as PKCS#1 PEM. */
function withRsaPart(pem: string, part: 'd' | 'q'): string {
  const jwk = createPrivateKey(pem).export({ format: 'jwk' });
  const bytes = Buffer.from(jwk[part]!, 'base64url');
  bytes[bytes.length - 1]! ^= 2;
  return createPrivateKey({ key: { ...jwk, [part]: bytes.toString('base64url') }, format: 'jwk' })
    .export({ type: 'pkcs1', format: 'pem' })
    .toString();
}

async function selfSignedPair(options: string[]): Promise<Pair> {
  const key = await material.key(options);
  return { crt: await material.selfSigned(key), key };
}

beforeAll(async () => {
  const add = (name: string, pair: Pair, serving: Verdict, asCa?: Case['asCa']) =>
    cases.push({ name, pair, serving, ...(asCa ? { asCa } : {}) });

  // RSA: the modulus, from 2048 bits (odd sizes too); the public exponent, up to 33 bits.
  for (const bits of [1024, 2047]) add(`RSA ${bits}`, await selfSignedPair(rsa(bits)), 'certificate', 'accepted');
  for (const bits of [2048, 2049, 2056, 3072, 4096, 8192])
    add(`RSA ${bits}`, await selfSignedPair(rsa(bits)), 'accepted');
  const rsa2048 = cases.find((c) => c.name === 'RSA 2048')!.pair;
  // Generating a 16384-bit key takes minutes: a made-up modulus shows where the bound is. At 16384
  // bits Envoy takes the certificate and fails on the key (which is not the certificate's); at 16385
  // it refuses the certificate itself.
  add('RSA 16384 (made-up modulus)', { crt: withRsaPublicKey(rsa2048.crt, 16384, 65537n), key: rsa2048.key }, 'key');
  add(
    'RSA 16385 (made-up modulus)',
    { crt: withRsaPublicKey(rsa2048.crt, 16385, 65537n), key: rsa2048.key },
    'certificate',
  );
  add('RSA exponent 3', await selfSignedPair(rsa(2048, '-pkeyopt', 'rsa_keygen_pubexp:3')), 'accepted');
  add(
    'RSA exponent 2^32+1 (33 bits)',
    await selfSignedPair(rsa(2048, '-pkeyopt', 'rsa_keygen_pubexp:4294967297')),
    'accepted',
  );
  add(
    'RSA exponent 2^33+1 (34 bits)',
    await selfSignedPair(rsa(2048, '-pkeyopt', 'rsa_keygen_pubexp:8589934593')),
    'certificate',
    'accepted',
  );
  add(
    'RSA exponent 65538 (even, made up)',
    { crt: withRsaPublicKey(rsa2048.crt, 2048, 65538n), key: rsa2048.key },
    'certificate',
  );
  add('RSA exponent 1 (made up)', { crt: withRsaPublicKey(rsa2048.crt, 2048, 1n), key: rsa2048.key }, 'certificate');
  add(
    'RSA-PSS',
    await selfSignedPair(['-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:2048']),
    'certificate',
    'accepted',
  );
  add('RSA-PSS with parameters', await selfSignedPair(['-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:2048', '-pkeyopt', 'rsa_pss_keygen_md:sha256']), 'certificate'); // prettier-ignore
  add('RSA, three primes', await selfSignedPair(rsa(2048, '-pkeyopt', 'rsa_keygen_primes:3')), 'key');

  // ECDSA: named P-256, P-384 and P-521 only.
  for (const curve of ['P-256', 'P-384', 'P-521']) add(`ECDSA ${curve}`, await selfSignedPair(ec(curve)), 'accepted');
  for (const curve of ['secp256k1', 'secp224r1', 'prime192v1', 'brainpoolP256r1']) {
    add(`ECDSA ${curve}`, await selfSignedPair(ec(curve)), 'certificate', 'accepted');
  }
  add('ECDSA P-256, explicit parameters', await selfSignedPair(ec('P-256', '-pkeyopt', 'ec_param_enc:explicit')), 'certificate', 'accepted'); // prettier-ignore
  const p256 = cases.find((c) => c.name === 'ECDSA P-256')!.pair;

  // Other key types.
  add('Ed25519', await selfSignedPair(['-algorithm', 'ED25519']), 'accepted');
  add('Ed448', await selfSignedPair(['-algorithm', 'ED448']), 'certificate', 'accepted');
  add('a key of an unknown algorithm (made up)', { crt: withUnknownKeyAlgorithm(rsa2048.crt), key: rsa2048.key }, 'certificate', 'accepted'); // prettier-ignore
  const dsa = await material.dsaKey(2048);
  add('DSA', { crt: await material.selfSigned(dsa), key: dsa }, 'certificate', 'accepted');

  // Certificate shapes.
  add('version 1 certificate', { crt: await material.selfSigned(rsa2048.key, 'example.com', { v1: true }), key: rsa2048.key }, 'accepted', 'accepted'); // prettier-ignore
  add('extensions in a certificate that says version 1', { crt: withVersion(rsa2048.crt, 1), key: rsa2048.key }, 'certificate', 'refused'); // prettier-ignore
  add('version 4 certificate', { crt: withVersion(rsa2048.crt, 4), key: rsa2048.key }, 'certificate', 'refused');
  add('a second certificate that does not parse', { crt: rsa2048.crt + NOT_A_CERTIFICATE, key: rsa2048.key }, 'certificate', 'refused'); // prettier-ignore
  add('text around the PEM blocks, the key before the certificate', { crt: `issued by hand\n${rsa2048.key}${rsa2048.crt}notes\n`, key: rsa2048.key }, 'accepted'); // prettier-ignore
  add(
    'CRLF line ends',
    { crt: rsa2048.crt.replace(/\n/g, '\r\n'), key: rsa2048.key.replace(/\n/g, '\r\n') },
    'accepted',
  );
  add('expired', { crt: await material.withValidity(rsa2048.key, '20200101000000Z', '20210101000000Z'), key: rsa2048.key }, 'accepted', 'accepted'); // prettier-ignore
  add('not yet valid', { crt: await material.withValidity(rsa2048.key, '21200101000000Z', '21210101000000Z'), key: rsa2048.key }, 'accepted'); // prettier-ignore

  // Chains: only the first certificate, the one presented, is held to the key rules.
  const rootKey = await material.key(rsa(3072));
  const root = { crt: await material.selfSigned(rootKey, 'root'), key: rootKey };
  for (const [what, options] of [
    ['ECDSA P-384', ec('P-384')],
    ['RSA 1024', rsa(1024)],
    ['ECDSA secp256k1', ec('secp256k1')],
    ['Ed448', ['-algorithm', 'ED448']],
  ] as const) {
    const key = await material.key([...options]);
    const intermediate = { crt: await material.issued(key, 'intermediate', root, { ca: true }), key };
    const leaf = await material.issued(p256.key, 'example.com', intermediate);
    add(`chain with a ${what} intermediate`, { crt: leaf + intermediate.crt + root.crt, key: p256.key }, 'accepted');
    if (what === 'ECDSA P-384') {
      add('chain with the intermediate first', { crt: intermediate.crt + leaf, key: p256.key }, 'key');
    }
  }

  // Private keys.
  add('PKCS#1 RSA key', { crt: rsa2048.crt, key: await material.reencodedKey(rsa2048.key, ['-traditional']) }, 'accepted'); // prettier-ignore
  add('SEC1 EC key after its parameters', { crt: p256.crt, key: `-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n${await material.reencodedKey(p256.key, ['-traditional'])}` }, 'accepted'); // prettier-ignore
  add('encrypted PKCS#8 key', { crt: rsa2048.crt, key: await material.reencodedKey(rsa2048.key, ['-aes256', '-passout', 'pass:x']) }, 'key'); // prettier-ignore
  add('encrypted PKCS#1 key', { crt: rsa2048.crt, key: await material.reencodedKey(rsa2048.key, ['-traditional', '-aes256', '-passout', 'pass:x']) }, 'key'); // prettier-ignore
  add(
    'key of another certificate',
    { crt: rsa2048.crt, key: cases.find((c) => c.name === 'RSA 3072')!.pair.key },
    'key',
  );
  add('key of another type first', { crt: rsa2048.crt, key: p256.key + rsa2048.key }, 'key');
  add('not a key', { crt: rsa2048.crt, key: 'tls.key' }, 'key');
  // The public part matches the certificate, the private parts do not agree: OpenSSL loads it.
  add('RSA key with a wrong private exponent', { crt: rsa2048.crt, key: withRsaPart(rsa2048.key, 'd') }, 'key');
  add('RSA key with a wrong prime', { crt: rsa2048.crt, key: withRsaPart(rsa2048.key, 'q') }, 'key');
}, 600_000);

function bootstrap(tls: Record<string, unknown>, asCa: boolean): unknown {
  const context = asCa
    ? {
        tls_certificates: [
          { certificate_chain: { inline_string: tlsFixture.crt }, private_key: { inline_string: tlsFixture.key } },
        ],
        validation_context: { trusted_ca: { inline_string: tls.crt } },
      }
    : { tls_certificate_sds_secret_configs: [{ name: 'served' }] };
  return {
    node: { id: 'tls-rules', cluster: 'tls-rules' },
    static_resources: {
      secrets: asCa
        ? []
        : [{ name: 'served', tls_certificate: { certificate_chain: { inline_string: tls.crt }, private_key: { inline_string: tls.key } } }], // prettier-ignore
      listeners: [
        {
          name: 'https',
          address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
          filter_chains: [
            {
              transport_socket: {
                name: 'envoy.transport_sockets.tls',
                typed_config: {
                  '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
                  common_tls_context: context,
                },
              },
              filters: [
                {
                  name: 'envoy.filters.network.tcp_proxy',
                  typed_config: {
                    '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
                    stat_prefix: 'tls_rules',
                    cluster: 'nowhere',
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [{ name: 'nowhere', type: 'STATIC', load_assignment: { cluster_name: 'nowhere', endpoints: [] } }],
    },
  };
}

/** A pair every Envoy takes, to serve while a case's certificates are tried as a CA bundle. */
let tlsFixture: Pair;
beforeAll(() => {
  tlsFixture = cases.find((c) => c.name === 'ECDSA P-256')!.pair;
});

let runs = 0;
async function envoyVerdict(pair: Pair, asCa: boolean): Promise<{ verdict: Verdict | 'refused'; output: string }> {
  const path = join(workDir, `${++runs}.json`);
  writeFileSync(path, JSON.stringify(bootstrap({ crt: pair.crt, key: pair.key }, asCa)));
  try {
    await run(envoy, ['--mode', 'validate', '-c', path, '--log-level', 'critical'], { timeout: 60_000 });
    return { verdict: 'accepted', output: '' };
  } catch (err) {
    const output = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
    if (asCa && output.includes('Failed to load trusted CA certificates')) return { verdict: 'refused', output };
    if (output.includes('Failed to load certificate chain')) return { verdict: 'certificate', output };
    if (output.includes('Failed to load private key')) return { verdict: 'key', output };
    throw new Error(`Envoy failed for another reason:\n${output}`);
  }
}

function porticoVerdict(pair: Pair): { verdict: Verdict; message: string } {
  const result = checkServingPair(pair.crt, pair.key);
  return result.ok
    ? { verdict: 'accepted', message: '' }
    : { verdict: result.problem.stage, message: result.problem.message };
}

test('every case was made', () => {
  expect(cases.length).toBeGreaterThan(45);
});

test('as a serving certificate, Portico refuses exactly what Envoy refuses, at the same stage', async () => {
  const rows: string[] = [];
  for (const c of cases) {
    const envoySays = await envoyVerdict(c.pair, false);
    const porticoSays = porticoVerdict(c.pair);
    rows.push(
      `${c.name}: written ${c.serving}, Envoy ${envoySays.verdict}, Portico ${porticoSays.verdict} ${porticoSays.message}`,
    );
  }
  // One readable table of every mismatch rather than the first one.
  const expected = cases.map((c) => `${c.name}: written ${c.serving}, Envoy ${c.serving}, Portico ${c.serving}`);
  expect(rows.map((r) => r.replace(/ (Portico \w+) .*$/, ' $1'))).toEqual(expected);
}, 600_000);

test('as a CA bundle, Portico refuses exactly what Envoy refuses (the key does not matter, the shape does)', async () => {
  const rows: string[] = [];
  const expected: string[] = [];
  for (const c of cases.filter((x) => x.asCa)) {
    const envoySays = await envoyVerdict(c.pair, true);
    const portico = typeof caBundle(c.pair.crt) === 'string' ? 'accepted' : 'refused';
    rows.push(`${c.name}: Envoy ${envoySays.verdict}, Portico ${portico}`);
    expected.push(`${c.name}: Envoy ${c.asCa}, Portico ${c.asCa}`);
  }
  expect(rows).toEqual(expected);
}, 600_000);

test("Portico's messages say what is wrong", () => {
  const message = (name: string) => porticoVerdict(cases.find((c) => c.name === name)!.pair).message;
  expect(message('RSA 1024')).toBe(
    'tls.crt has an RSA key of 1024 bits: Envoy requires at least 2048; issue a certificate with a 2048-bit or larger key',
  );
  expect(message('ECDSA secp256k1')).toMatch(/^tls\.crt has an ECDSA key on curve secp256k1: Envoy accepts only P-256/);
  expect(message('Ed448')).toMatch(/^tls\.crt has an Ed448 key, which Envoy does not accept/);
  expect(message('RSA-PSS')).toMatch(/^tls\.crt has an RSA-PSS \(id-RSASSA-PSS\) key/);
  expect(message('encrypted PKCS#8 key')).toBe('tls.key is encrypted; Envoy needs the private key unencrypted');
  expect(message('RSA, three primes')).toMatch(/^tls\.key is an RSA key with 3 primes/);
});
