/**
 * What Portico reads from its own package.json at run time: its version, and where the Gateway API
 * CRDs it validates against live. Both the source tree (`dist/src/…`) and the image
 * (`/portico/dist/src/…`, see the Dockerfile) keep package.json two levels above this module, so
 * paths in it resolve the same way in both. hack/k8s/up.sh reads the same field.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The directory that holds package.json (and `third_party/`, `dist/`). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface PackageInfo {
  version: string;
  /** Absolute path of the directory of Gateway API CRD manifests (`portico.gatewayApiCrds`). */
  gatewayApiCrdDir: string;
}

let cached: PackageInfo | undefined;

export function packageInfo(): PackageInfo {
  if (cached) return cached;
  const json = JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')) as {
    version?: unknown;
    portico?: { gatewayApiCrds?: unknown };
  };
  const crds = json.portico?.gatewayApiCrds;
  if (typeof json.version !== 'string' || typeof crds !== 'string') {
    throw new Error(`${PACKAGE_ROOT}package.json: "version" and "portico.gatewayApiCrds" must be strings`);
  }
  // PORTICO_GATEWAY_API_CRDS (an absolute directory) validates against other CRDs than the vendored ones.
  const override = process.env.PORTICO_GATEWAY_API_CRDS;
  cached = { version: json.version, gatewayApiCrdDir: override ? override : `${PACKAGE_ROOT}${crds}` };
  return cached;
}
