/**
 * A client's answer to a response: an ACK (what the response carried is what the client has) or
 * a NACK (recorded with Envoy's message, counted, logged; a transient reason is retried with
 * backoff, `nack-retry.ts`). Either is announced as a proxy event.
 */
import { CLUSTER_LOAD_ASSIGNMENT } from '../proto/type-urls.js';
import type { AssignmentFollowUp } from './assignment-follow-up.js';
import type { StreamClock } from './clock.js';
import type { GatewayKey, ProxyEvent } from './contract.js';
import type { Logger } from '../shared/logger.js';
import type { XdsMetrics } from './metrics.js';
import { DEFAULT_RETRY_BACKOFF, isTransientRejection, retryDelayMs, type RetryBackoff } from './nack-retry.js';
import { isNack, type StatusLike } from './stream-requests.js';
import {
  endRetry,
  recordAck,
  recordNack,
  type Pending,
  type Protocol,
  type Retry,
  type TypeStream,
} from './type-stream.js';

export interface AnswerContext {
  readonly nodeId: string;
  readonly gateway: GatewayKey;
  readonly protocol: Protocol;
  readonly clock: StreamClock;
  readonly metrics: XdsMetrics;
  readonly logger: Logger;
  readonly followUp: AssignmentFollowUp;
  readonly retryBackoff: RetryBackoff | undefined;
  emit(event: ProxyEvent): void;
  /** A transient rejection's backoff is over: the rejected content may go out again. */
  retryDue(): void;
}

/** The answer (`error` says ACK or NACK) to the response of `ts` that is pending. */
export function handleAnswer(ts: TypeStream, error: StatusLike | null | undefined, ctx: AnswerContext): void {
  const pending = ts.pending;
  if (!pending) return;
  ts.pending = undefined;
  if (isNack(error)) {
    reject(ts, pending, error, ctx);
    return;
  }
  recordAck(ts, pending, ctx.protocol);
  if (ts.typeUrl === CLUSTER_LOAD_ASSIGNMENT) ctx.followUp.acked(pending.seq);
  const latencyMs = Math.round((performance.now() - pending.sentAt) * 1000) / 1000;
  ctx.metrics.recordAck(ts.typeUrl, latencyMs);
  ctx.emit({
    kind: 'ack',
    nodeId: ctx.nodeId,
    gateway: ctx.gateway,
    typeUrl: ts.typeUrl,
    version: pending.version,
    latencyMs,
  });
}

function reject(ts: TypeStream, pending: Pending, error: StatusLike, ctx: AnswerContext): void {
  const message = error.message || `error code ${error.code ?? '?'}`;
  const transient = isTransientRejection(message);
  const at = new Date(ctx.clock.now()).toISOString();
  recordNack(ts, pending, ctx.protocol, { version: pending.version, message, at, transient });
  const retryInMs = transient ? scheduleRetry(ts, message, ctx) : undefined;
  if (!transient) endRetry(ts);
  ctx.metrics.recordNack(ts.typeUrl, ctx.gateway);
  ctx.logger.warn(
    retryInMs === undefined
      ? 'configuration rejected by Envoy (NACK); it is sent again only once it changes'
      : 'configuration rejected by Envoy (NACK) for a transient reason; retrying with backoff',
    {
      nodeId: ctx.nodeId,
      gateway: ctx.gateway,
      typeUrl: ts.typeUrl,
      version: pending.version,
      error: message,
      ...(retryInMs === undefined ? {} : { retryInMs, attempt: ts.retry?.attempt }),
    },
  );
  ctx.emit({
    kind: 'nack',
    nodeId: ctx.nodeId,
    gateway: ctx.gateway,
    typeUrl: ts.typeUrl,
    version: pending.version,
    message,
  });
}

/** Arms the retry of a transiently rejected type; returns the delay. */
function scheduleRetry(ts: TypeStream, message: string, ctx: AnswerContext): number {
  const attempt = (ts.retry?.attempt ?? 0) + 1;
  endRetry(ts);
  const delay = retryDelayMs(attempt, ctx.retryBackoff ?? DEFAULT_RETRY_BACKOFF);
  const retry: Retry = { attempt, message, due: false };
  retry.timer = ctx.clock.after(delay, () => {
    retry.timer = undefined;
    retry.due = true;
    ctx.retryDue();
  });
  ts.retry = retry;
  return delay;
}
