/**
 * A policy's verdict (what it does, worked out from the policy and the lookups it makes in the
 * context: Secrets, ConfigMaps, Services), remembered per policy object for as long as every
 * lookup it made would still give the same answer (its reads are recorded, as the route memo's
 * are): the same object run after run, which the IR assembly compares by identity, and worked out
 * again when something it read changes.
 */
import { readsHold, recordingContext, Recorder, type Read } from '../../incremental/recording.js';
import type { TranslationContext } from '../context.js';

interface Remembered<V> {
  last?: { reads: readonly Read[]; verdict: V };
}

export function rememberedVerdict<P extends object, V>(
  ctx: TranslationContext,
  slot: string,
  policy: P,
  compute: (view: TranslationContext, policy: P) => V,
): V {
  // A store for this run alone: the verdict once a run, no reads recorded for runs that never come.
  if (!ctx.remember.lasting) return ctx.remember(slot, policy, (p) => compute(ctx, p));
  const remembered = ctx.remember(slot, policy, (): Remembered<V> => ({}));
  if (remembered.last && readsHold(remembered.last.reads, ctx)) return remembered.last.verdict;
  // One recording view of this context for every verdict (making one per policy costs more than
  // most verdicts): its recorder is emptied before each. Verdicts are never worked out nested.
  const { recorder, view } = ctx.remember('policy-verdict-recording', ctx, (c) => {
    const r = new Recorder();
    return { recorder: r, view: recordingContext(c, r) };
  });
  recorder.reads.length = 0;
  recorder.untracked = false;
  recorder.readsLists = false;
  const verdict = compute(view, policy);
  // A verdict that iterated a whole table cannot say what it depends on: it is worked out every run.
  remembered.last = recorder.untracked ? undefined : { reads: [...recorder.reads], verdict };
  return verdict;
}
