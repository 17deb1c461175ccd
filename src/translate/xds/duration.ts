/**
 * `google.protobuf.Duration` in protobufjs object form. A zero duration is still a present
 * message (`{seconds: 0}` encodes as an empty sub-message), which is how Envoy tells "disabled"
 * (`timeout: 0s`) from "use the default" (field absent).
 */
import type { google } from './types.js';

export function durationFromMs(ms: number): google.protobuf.Duration {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1_000_000);
  return nanos === 0 ? { seconds } : { seconds, nanos };
}

export function durationFromSeconds(seconds: number): google.protobuf.Duration {
  return durationFromMs(seconds * 1000);
}
