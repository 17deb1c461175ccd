/**
 * EnvoyProxyParameters (`gateway.portico.dev/v1alpha1`): Portico's parameters kind, named by a
 * GatewayClass's `spec.parametersRef` (defaults for its Gateways) and a Gateway's
 * `spec.infrastructure.parametersRef` (its own, over the class's). Each object is read once
 * (src/resources/read/envoy-proxy-parameters.ts); what is decided here is the merge.
 *
 * Pure.
 */
import type { IrProxyParameters } from '../../ir/types.js';

export const PARAMETERS_GROUP = 'gateway.portico.dev';
export const PARAMETERS_KIND = 'EnvoyProxyParameters';

/**
 * A Gateway's parameters over its class's, field by field: a field the Gateway's object sets
 * replaces the class's; maps (nodeSelector, Service annotations) and resource lists (cpu, memory
 * of requests and of limits) merge key by key, the Gateway's value winning; tolerations are one
 * list, the Gateway's replacing the class's; so is `telemetry` (access logs).
 */
export function mergeParameters(defaults: IrProxyParameters, overrides: IrProxyParameters): IrProxyParameters {
  const out: IrProxyParameters = {};
  const d = mergeFields(defaults.deployment, overrides.deployment);
  if (d) {
    const resources = mergeFields(defaults.deployment?.resources, overrides.deployment?.resources);
    if (resources) {
      const requests = mergeFields(defaults.deployment?.resources?.requests, overrides.deployment?.resources?.requests);
      const limits = mergeFields(defaults.deployment?.resources?.limits, overrides.deployment?.resources?.limits);
      d.resources = { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) };
    }
    const nodeSelector = mergeFields(defaults.deployment?.nodeSelector, overrides.deployment?.nodeSelector);
    if (nodeSelector) d.nodeSelector = nodeSelector;
    out.deployment = d;
  }
  const s = mergeFields(defaults.service, overrides.service);
  if (s) {
    const annotations = mergeFields(defaults.service?.annotations, overrides.service?.annotations);
    if (annotations) s.annotations = annotations;
    out.service = s;
  }
  // Access logs are one choice (a format and where it goes): the Gateway's replaces the class's whole.
  const telemetry = overrides.telemetry ?? defaults.telemetry;
  if (telemetry) out.telemetry = telemetry;
  return out;
}

function mergeFields<T extends object>(base: T | undefined, over: T | undefined): T | undefined {
  if (!base && !over) return undefined;
  return { ...base, ...over } as T;
}
