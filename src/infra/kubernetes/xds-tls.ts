/**
 * Files of the mutual-TLS xDS channel that Portico itself reads:
 * - `--xds-tls-dir DIR`: the mounted `portico-xds-server` Secret (`ca.crt`, `tls.crt`, `tls.key`),
 *   the gRPC server credentials. Clients must present a certificate signed by `ca.crt`: the xDS
 *   stream carries TLS private keys (SDS), so it is never served in plain text or to an
 *   unauthenticated client; which Gateway a client may be served is then read from its
 *   certificate (src/xds/peer-identity.ts).
 * - `--xds-ca-dir DIR`: the mounted `portico-xds-ca` Secret (`tls.crt` the CA, `tls.key` its key),
 *   with which Portico signs each Gateway's client certificate, and `ca.crt` the CAs each Envoy is
 *   to trust (two during a rotation, `portico certgen --rotate`). Read again at each issue, so a
 *   rotation step is followed once the kubelet has updated the mount.
 *
 * Both directories are watched while Portico runs (xds-server-credentials.ts, src/serve/serve.ts):
 * a renewed server certificate, or a changed trust, is used without a restart.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { XdsCa } from './certs.js';

export interface XdsTlsFiles {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

function reader(flag: string, dir: string, holds: string): (name: string) => Buffer {
  return (name) => {
    try {
      return readFileSync(join(dir, name));
    } catch (err) {
      throw new Error(`${flag} ${dir}: cannot read ${name} (${(err as Error).message}); it must hold ${holds}`);
    }
  };
}

export function readXdsTlsDir(dir: string): XdsTlsFiles {
  const read = reader('--xds-tls-dir', dir, 'ca.crt, tls.crt and tls.key (portico certgen)');
  return { ca: read('ca.crt'), cert: read('tls.crt'), key: read('tls.key') };
}

/** The files of `--xds-ca-dir` Portico reads (and watches). */
export const XDS_CA_FILES = ['ca.crt', 'tls.crt', 'tls.key'] as const;

export function readXdsCaDir(dir: string): XdsCa {
  const read = reader('--xds-ca-dir', dir, 'tls.crt and tls.key, the CA of portico certgen (portico-xds-ca)');
  const ca: XdsCa = { cert: read('tls.crt').toString('utf8'), key: read('tls.key').toString('utf8') };
  // Read between two versions of a mount, or written by hand: say so rather than sign with it.
  const why = keyMismatch(ca.cert, ca.key);
  if (why) throw new Error(`--xds-ca-dir ${dir}: ${why}`);
  let trust: string | undefined;
  try {
    trust = readFileSync(join(dir, 'ca.crt'), 'utf8');
  } catch {
    trust = undefined; // certgen before the trust bundle: the CA alone
  }
  return trust === undefined ? ca : { ...ca, trust };
}

/** Why `key` is not the key of `cert` (undefined when it is). */
export function keyMismatch(cert: string | Buffer, key: string | Buffer): string | undefined {
  try {
    if (new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) return undefined;
    return 'tls.key is not the key of tls.crt';
  } catch (err) {
    return `tls.crt or tls.key unreadable: ${(err as Error).message}`;
  }
}

/** Server credentials that require a client certificate signed by the CA. */
export function xdsServerCredentials(files: XdsTlsFiles): grpc.ServerCredentials {
  return grpc.ServerCredentials.createSsl(files.ca, [{ cert_chain: files.cert, private_key: files.key }], true);
}
