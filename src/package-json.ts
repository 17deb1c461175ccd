/**
 * What Portico reads from its own package.json at run time: its version, and where the CRDs it
 * validates against live (the Gateway API's, vendored, and its own, `manifests/crd-*.yaml`). Both the source tree (`dist/src/…`) and the image
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
  /** Absolute path of the directory of Portico's own CRDs (`portico.porticoCrds`: its `crd-*.yaml`). */
  porticoCrdDir: string;
}

let cached: PackageInfo | undefined;

export function packageInfo(): PackageInfo {
  if (cached) return cached;
  const json = JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')) as {
    version?: unknown;
    portico?: { gatewayApiCrds?: unknown; porticoCrds?: unknown };
  };
  const crds = json.portico?.gatewayApiCrds;
  const own = json.portico?.porticoCrds;
  if (typeof json.version !== 'string' || typeof crds !== 'string' || typeof own !== 'string') {
    throw new Error(
      `${PACKAGE_ROOT}package.json: "version", "portico.gatewayApiCrds" and "portico.porticoCrds" must be strings`,
    );
  }
  // PORTICO_GATEWAY_API_CRDS (an absolute directory) validates against other CRDs than the vendored ones.
  const override = process.env.PORTICO_GATEWAY_API_CRDS;
  cached = {
    version: json.version,
    gatewayApiCrdDir: override ? override : `${PACKAGE_ROOT}${crds}`,
    porticoCrdDir: `${PACKAGE_ROOT}${own}`,
  };
  return cached;
}
