/** The file provider: a directory of YAML as a source of resource events. */
export { DEFAULT_RESCAN_MS, FileProvider } from './file-provider.js';
export type { FileProviderOptions } from './file-provider.js';
export { reconcileFiles } from './file-objects.js';
export type { FileError } from './file-objects.js';
