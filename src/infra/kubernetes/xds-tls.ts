/**
 * Files of the mutual-TLS xDS channel that Portico itself reads:
 * - `--xds-tls-dir DIR`: the mounted `portico-xds-server` Secret (`ca.crt`, `tls.crt`, `tls.key`),
 *   the gRPC server credentials. Clients must present a certificate signed by `ca.crt`: the xDS
 *   stream carries TLS private keys (SDS), so it is never served in plain text or to an
 *   unauthenticated client; which Gateway a client may be served is then read from its
 *   certificate (src/xds/peer-identity.ts).
 * - `--xds-ca-dir DIR`: the mounted `portico-xds-ca` Secret (`tls.crt` the CA, `tls.key` its key),
 *   with which Portico signs each Gateway's client certificate. Read again at each issue, so a CA
 *   rotated by `portico certgen --force` is used once the kubelet has updated the mount.
 */
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

export function readXdsCaDir(dir: string): XdsCa {
  const read = reader('--xds-ca-dir', dir, 'tls.crt and tls.key, the CA of portico certgen (portico-xds-ca)');
  return { cert: read('tls.crt').toString('utf8'), key: read('tls.key').toString('utf8') };
}

/** Server credentials that require a client certificate signed by the CA. */
export function xdsServerCredentials(files: XdsTlsFiles): grpc.ServerCredentials {
  return grpc.ServerCredentials.createSsl(files.ca, [{ cert_chain: files.cert, private_key: files.key }], true);
}
