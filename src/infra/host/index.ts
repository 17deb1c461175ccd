/** Local Envoys for standalone mode (`portico serve --provider file`). */
export { HostEnvoyLauncher } from './envoy-launcher.js';
export type { HostEnvoyOptions, RunningEnvoy, SpawnFunction } from './envoy-launcher.js';
export { DEFAULT_BACKOFF, SupervisedProcess } from './supervised-process.js';
export type { Backoff } from './supervised-process.js';
