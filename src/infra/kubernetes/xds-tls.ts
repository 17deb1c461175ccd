/**
 * gRPC server credentials for the xDS server with mutual TLS: `--xds-tls-dir DIR` holds the
 * mounted `portico-xds-server` Secret (`ca.crt`, `tls.crt`, `tls.key`). Clients must present a
 * certificate signed by `ca.crt` (the Envoys' `portico-xds-client`): the xDS stream carries TLS
 * private keys (SDS), so it is never served in plain text or to an unauthenticated client.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';

export interface XdsTlsFiles {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export function readXdsTlsDir(dir: string): XdsTlsFiles {
  const read = (name: string): Buffer => {
    try {
      return readFileSync(join(dir, name));
    } catch (err) {
      throw new Error(
        `--xds-tls-dir ${dir}: cannot read ${name} (${(err as Error).message}); it must hold ca.crt, tls.crt and tls.key (portico certgen)`,
      );
    }
  };
  return { ca: read('ca.crt'), cert: read('tls.crt'), key: read('tls.key') };
}

/** Server credentials that require a client certificate signed by the CA. */
export function xdsServerCredentials(files: XdsTlsFiles): grpc.ServerCredentials {
  return grpc.ServerCredentials.createSsl(files.ca, [{ cert_chain: files.cert, private_key: files.key }], true);
}
