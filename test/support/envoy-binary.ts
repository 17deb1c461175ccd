/** The Envoy lookup lives in `src/infra/envoy-binary.ts` (serve uses it too); tests import it from here. */
export { findEnvoy } from '../../src/infra/envoy-binary.js';
