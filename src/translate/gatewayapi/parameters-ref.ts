/**
 * The parametersRef of a GatewayClass and of a Gateway (`spec.infrastructure.parametersRef`),
 * resolved to Portico's EnvoyProxyParameters and merged: the class's parameters are the defaults,
 * the Gateway's override them field by field (`envoy-proxy-parameters.ts`).
 *
 * A reference to another kind, to an object that does not exist, or to one whose content is not
 * valid is a problem, said in the referrer's Accepted=False/InvalidParameters condition (spec:
 * GatewayClass and GatewayInfrastructure parametersRef). A class reference must give a namespace:
 * the kind is namespaced (GatewayClassReasonInvalidParameters: "a namespaced resource but the
 * Namespace field is not set").
 *
 * A Gateway's own parameters may not choose the Envoy image or where its Pods run (nodeSelector,
 * tolerations): those come only from the class's parameters, which the cluster admin owns. Portico
 * writes the Deployment with its own rights, so a Gateway's author who may not create Pods would
 * otherwise run any image of their choosing (with the Gateway's xDS client certificate, which is
 * served the private keys its listeners reference, also through ReferenceGrants), or place Pods on
 * nodes whose taints keep tenants off. Such a Gateway is InvalidParameters, saying which fields.
 *
 * Pure.
 */
import type { IrInfrastructure, IrProxyParameters } from '../../ir/types.js';
import type { GatewayClass, Gateway, KubeObject, ResourceSet } from '../../resources/types.js';
import { mergeParameters, PARAMETERS_GROUP, PARAMETERS_KIND } from './envoy-proxy-parameters.js';
import { mergedProblems, readEnvoyProxyParameters } from '../../resources/read/envoy-proxy-parameters.js';
import { readGateway } from '../../resources/read/gateway.js';
import { readGatewayClass } from '../../resources/read/gateway-class.js';
import type { ParametersReference } from '../../resources/read/parameters-ref.js';

/** A class's parameters: none named, the parameters, or why they cannot be used. */
export interface ClassParameters {
  parameters?: IrProxyParameters;
  problem?: string;
}

/** A GatewayClass or Gateway names few parameters objects among few: a plain search. */
function parametersObject(resources: ResourceSet, namespace: string, name: string): KubeObject | undefined {
  return resources.envoyProxyParameters.find(
    (o) => (o.metadata.namespace ?? 'default') === namespace && o.metadata.name === name,
  );
}

function describe(ref: ParametersReference, namespace: string | undefined): string {
  const group = ref.group !== '' ? `.${ref.group}` : '';
  return `${ref.kind}${group} ${namespace !== undefined ? `${namespace}/` : ''}${ref.name}`;
}

/** The parameters a reference names, or the problem with it (worded for the referrer's status). */
function resolve(
  resources: ResourceSet,
  ref: ParametersReference,
  namespace: string | undefined,
  field: string,
): ClassParameters {
  const what = `${field} ${describe(ref, namespace)}`;
  if (ref.group !== PARAMETERS_GROUP || ref.kind !== PARAMETERS_KIND) {
    return { problem: `${what}: Portico's parameters kind is ${PARAMETERS_KIND} of group ${PARAMETERS_GROUP}` };
  }
  if (ref.name === '') return { problem: `${what}: no name` };
  if (namespace === undefined) {
    return { problem: `${what}: ${PARAMETERS_KIND} is namespaced; the reference must give its namespace` };
  }
  const object = parametersObject(resources, namespace, ref.name);
  if (!object) return { problem: `${what} not found` };
  const read = readEnvoyProxyParameters(object);
  if (!read.ok) return { problem: `${what} is not valid: ${read.problems.join('; ')}` };
  return { parameters: read.parameters };
}

/** Fields only a GatewayClass's parameters may set, which a Gateway's own parameters set. */
function classOnlyFieldsSet(parameters: IrProxyParameters): string[] {
  const deployment = parameters.deployment;
  return [
    ...(deployment?.image !== undefined ? ['spec.deployment.image'] : []),
    ...(deployment?.nodeSelector !== undefined ? ['spec.deployment.nodeSelector'] : []),
    ...(deployment?.tolerations !== undefined ? ['spec.deployment.tolerations'] : []),
  ];
}

/** The GatewayClass's `spec.parametersRef`, resolved; `{}` when there is none. */
export function classParameters(resources: ResourceSet, gc: GatewayClass): ClassParameters {
  const ref = readGatewayClass(gc).parametersRef;
  if (ref === undefined) return {};
  if (!ref.valid) return { problem: ref.errors[0]!.message };
  return resolve(resources, ref.result, ref.result.namespace, 'parametersRef');
}

/**
 * The Gateway's infrastructure parameters: its class's (already resolved) under its own
 * `spec.infrastructure.parametersRef` (same namespace as the Gateway), merged and checked;
 * undefined when neither names parameters.
 */
export function gatewayInfrastructure(
  resources: ResourceSet,
  gw: Gateway,
  fromClass: ClassParameters,
): IrInfrastructure | undefined {
  const { infrastructureParametersRef: read, gatewayClassName } = readGateway(gw);
  if (fromClass.problem !== undefined) {
    return { invalid: `the parametersRef of GatewayClass ${gatewayClassName}: ${fromClass.problem}` };
  }
  if (read === undefined) return fromClass.parameters ? { parameters: fromClass.parameters } : undefined;
  if (!read.valid) return { invalid: read.errors[0]!.message };
  const ref = read.result;
  const own = resolve(resources, ref, gw.metadata.namespace ?? 'default', 'spec.infrastructure.parametersRef');
  if (own.problem !== undefined) return { invalid: own.problem };
  const classOnly = classOnlyFieldsSet(own.parameters!);
  if (classOnly.length > 0) {
    return {
      invalid: `spec.infrastructure.parametersRef ${describe(ref, gw.metadata.namespace ?? 'default')} sets ${classOnly.join(', ')}: the Envoy image and the placement of its Pods come only from the parameters of the GatewayClass`,
    };
  }
  if (!fromClass.parameters) return { parameters: own.parameters! };
  const merged = mergeParameters(fromClass.parameters, own.parameters!);
  const problems = mergedProblems(merged);
  if (problems.length > 0) {
    return {
      invalid: `spec.infrastructure.parametersRef ${describe(ref, gw.metadata.namespace ?? 'default')} over the parameters of GatewayClass ${gatewayClassName}: ${problems.join('; ')}`,
    };
  }
  return { parameters: merged };
}
