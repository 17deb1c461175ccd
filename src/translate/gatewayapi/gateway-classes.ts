/**
 * GatewayClass: Portico accepts the classes whose controllerName is its own, unless their
 * parametersRef cannot be used (`parameters-ref.ts`), and reports the Gateway API features it
 * implements.
 */
import { CONTROLLER_NAME, type GatewayClass, type GatewayClassStatus } from '../../resources/types.js';
import { GATEWAY_CLASS_CONDITIONS, condition, materializeConditions, withForeignConditions } from './conditions.js';
import type { ClassParameters } from './parameters-ref.js';
import { readGatewayClass } from '../../resources/read/gateway-class.js';

/**
 * Conformance feature names (sigs.k8s.io/gateway-api/pkg/features) that Portico implements.
 * Kept sorted: the spec requires `supportedFeatures` in ascending order.
 */
export const SUPPORTED_FEATURES: readonly string[] = [
  'BackendTLSPolicy',
  'BackendTLSPolicySANValidation',
  'ClusterTrustBundle',
  'GRPCRoute',
  'GRPCRouteNamedRouteRule',
  'GRPCRouteRequestHeaderModifier',
  'Gateway',
  'GatewayAddressEmpty',
  'GatewayAddressRoutability',
  'GatewayAddressRoutabilityCluster',
  'GatewayBackendClientCertificate',
  'GatewayFrontendClientCertificateValidation',
  'GatewayFrontendClientCertificateValidationInsecureFallback',
  'GatewayHTTPListenerIsolation',
  'GatewayHTTPSListenerDetectMisdirectedRequests',
  'GatewayInfrastructure',
  'GatewayListenerFilters',
  'GatewayPort8080',
  'GatewayRouteHostnameIntersectionPrecedence',
  'GatewayStaticAddresses',
  'HTTPRoute',
  'HTTPRoute303RedirectStatusCode',
  'HTTPRoute307RedirectStatusCode',
  'HTTPRoute308RedirectStatusCode',
  'HTTPRouteBackendProtocolH2C',
  'HTTPRouteBackendProtocolWebSocket',
  'HTTPRouteBackendRequestHeaderModification',
  'HTTPRouteBackendTimeout',
  'HTTPRouteBackendURLRewrite',
  'HTTPRouteCORS',
  'HTTPRouteDestinationPortMatching',
  'HTTPRouteHostRewrite',
  'HTTPRouteMethodMatching',
  'HTTPRouteNamedRouteRule',
  'HTTPRouteParentRefPort',
  'HTTPRoutePathRedirect',
  'HTTPRoutePathRewrite',
  'HTTPRoutePortRedirect',
  'HTTPRouteQueryParamMatching',
  'HTTPRouteRequestMirror',
  'HTTPRouteRequestMultipleMirrors',
  'HTTPRouteRequestPercentageMirror',
  'HTTPRouteRequestTimeout',
  'HTTPRouteResponseHeaderModification',
  'HTTPRouteRetryCodes',
  'HTTPRouteRetryConnectionError',
  'HTTPRouteSchemeRedirect',
  'ListenerSet',
  'ReferenceGrant',
  'TCPRoute',
  'TLSRoute',
  'TLSRouteModeMixed',
  'TLSRouteModeTerminate',
  'UDPRoute',
];

export function isOurClass(gc: GatewayClass): boolean {
  return readGatewayClass(gc).controllerName === CONTROLLER_NAME;
}

export interface GatewayClassResult {
  accepted: boolean;
  status: GatewayClassStatus;
}

/** @param parameters its `spec.parametersRef`, resolved (`classParameters`). */
export function translateGatewayClass(gc: GatewayClass, now: string, parameters: ClassParameters): GatewayClassResult {
  const accepted = parameters.problem === undefined;
  const cond = accepted
    ? condition('Accepted', true, 'Accepted', 'GatewayClass is accepted by Portico')
    : condition('Accepted', false, 'InvalidParameters', parameters.problem!);
  return {
    accepted,
    status: {
      conditions: withForeignConditions(
        materializeConditions([cond], gc.metadata.generation, gc.status?.conditions, now),
        gc.status?.conditions,
        GATEWAY_CLASS_CONDITIONS,
      ),
      supportedFeatures: SUPPORTED_FEATURES.map((name) => ({ name })),
    },
  };
}
