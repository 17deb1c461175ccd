/** Local Envoys for standalone mode (`portico serve --provider file`). */
export { HostEnvoyLauncher, identifyEnvoy } from './envoy-launcher.js';
export type { EnvoyIdentity, HostEnvoyOptions, RunningEnvoy, SpawnFunction } from './envoy-launcher.js';
export { defaultStateDir, StateDir } from './state-dir.js';
export type { EnvoyRecord } from './state-dir.js';
export { DEFAULT_BACKOFF, SupervisedProcess } from './supervised-process.js';
export type { Backoff } from './supervised-process.js';
