/**
 * The compiled RE2 that `re2-wasm`'s `RE2` class wraps. Used directly so that each check frees
 * what it compiled (the class never does, and the module's fixed 16 MB heap then runs out).
 */
declare module 're2-wasm/build/wasm/re2.js' {
  interface WrappedRE2 {
    ok(): boolean;
    error(): string;
    delete(): void;
  }
  const module: {
    WrappedRE2: new (pattern: string, ignoreCase: boolean, multiline: boolean, dotAll: boolean) => WrappedRE2;
  };
  export default module;
}
