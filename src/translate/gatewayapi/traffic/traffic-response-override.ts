/**
 * `responseOverride` → the custom_response rules of the policy's routes. A body from a ConfigMap
 * (the policy's namespace, key `response.body`) is looked up through the context, so the policy is
 * worked out again when that ConfigMap changes; a missing ConfigMap or key makes it Invalid.
 */
import type { IrResponseOverrideRule } from '../../../ir/types.js';
import type { ResponseOverrideRuleRead } from '../../../resources/read/traffic-response-override.js';
import type { BackendTrafficPolicy } from '../../../resources/types.js';
import { objectKey, type TranslationContext } from '../context.js';
import type { TrafficSectionIr } from './traffic-section.js';

/** The ConfigMap key that holds a response body (Envoy Gateway's). */
export const RESPONSE_BODY_KEY = 'response.body';

export function responseOverrideIr(
  read: readonly ResponseOverrideRuleRead[],
  ctx: TranslationContext,
  policy: BackendTrafficPolicy,
): TrafficSectionIr {
  const namespace = policy.metadata.namespace ?? 'default';
  const rules: IrResponseOverrideRule[] = [];
  for (const [i, rule] of read.entries()) {
    const { body, ...response } = rule.response;
    const out: IrResponseOverrideRule = { statusCodes: rule.statusCodes.map((c) => ({ ...c })), ...response };
    if (body && 'inline' in body) out.body = body.inline;
    else if (body) {
      const at = `responseOverride[${i}].response.body.valueRef`;
      const configMap = ctx.configMaps.get(objectKey(namespace, body.configMap));
      if (!configMap) return { ok: false, message: `${at}: ConfigMap ${namespace}/${body.configMap} does not exist` };
      const value = configMap.data?.[RESPONSE_BODY_KEY];
      if (typeof value !== 'string') {
        return {
          ok: false,
          message: `${at}: ConfigMap ${namespace}/${body.configMap} has no key ${RESPONSE_BODY_KEY}`,
        };
      }
      out.body = value;
    }
    rules.push(out);
  }
  return { ok: true, route: { responseOverride: rules } };
}
