/**
 * Until the vendored CRDs are Gateway API v1.7.0, tests of its new fields and kinds (listener
 * `filters`, XBackend's v1.7.0 shape) validate their objects against the v1.7.0 CRDs of the
 * shared checkout (`PORTICO_GATEWAY_API_CRDS`). A no-op once the vendored ones are v1.7.0, and
 * then this module can go. Call before anything validates (the CRD directory is read once).
 */
import { existsSync, readFileSync } from 'node:fs';
import { PACKAGE_ROOT } from '../../src/package-json.js';

const SHARED_V170 = '/work/shared/gateway-api-v1.7.0/crd/experimental';

export function useGatewayApiV170Crds(): void {
  const json = JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')) as {
    portico?: { gatewayApiCrds?: string };
  };
  if ((json.portico?.gatewayApiCrds ?? '').includes('v1.7') || process.env.PORTICO_GATEWAY_API_CRDS) return;
  if (existsSync(SHARED_V170)) process.env.PORTICO_GATEWAY_API_CRDS = SHARED_V170;
}
