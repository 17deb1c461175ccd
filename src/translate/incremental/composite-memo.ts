/**
 * Memory between translation runs, shared by the translator's stages (see `TranslationCache`).
 * Entries live for one run after their last use (two generations), so what disappears from the
 * input does not accumulate.
 */
import { sameElements } from '../../shared/same-elements.js';

export interface Composite {
  /** The parts the message was built from, compared by identity (strings by value). */
  parts: readonly unknown[];
  message: unknown;
}

/**
 * Values remembered under a key with the parts they were built from, for two runs: a value whose
 * parts are all the same as last run's is last run's object. The stage-1 assembly keeps virtual
 * hosts this way, and the Envoy stage (`xds-memo.ts`) its messages.
 */
export class CompositeMemo {
  protected current = new Map<string, Composite>();
  protected previous = new Map<string, Composite>();

  /** Starts a run: entries not used in this run or the last one are dropped. */
  begin(): void {
    this.previous = this.current;
    this.current = new Map();
  }

  /**
   * The message last built under `key` from the same `parts`, or a new one from `build`. `key`
   * must identify the message's place (e.g. a route configuration's name and a virtual host's).
   */
  composite<T>(key: string, parts: readonly unknown[], build: () => T): T {
    const known = this.current.get(key) ?? this.previous.get(key);
    if (known && sameElements(known.parts, parts)) {
      this.current.set(key, known);
      return known.message as T;
    }
    const message = build();
    this.current.set(key, { parts, message });
    return message;
  }
}
