/**
 * GatewayClass: Portico accepts the classes whose controllerName is its own and reports the
 * Gateway API features it implements.
 */
import { CONTROLLER_NAME, type GatewayClass, type GatewayClassStatus } from '../../resources/types.js';
import { GATEWAY_CLASS_CONDITIONS, condition, materializeConditions, withForeignConditions } from './conditions.js';

/**
 * Conformance feature names (sigs.k8s.io/gateway-api/pkg/features) that Portico implements.
 * Kept sorted: the spec requires `supportedFeatures` in ascending order.
 */
export const SUPPORTED_FEATURES: readonly string[] = [
  'BackendTLSPolicy',
  'BackendTLSPolicySANValidation',
  'GRPCRoute',
  'Gateway',
  'GatewayFrontendClientCertificateValidation',
  'GatewayFrontendClientCertificateValidationInsecureFallback',
  'GatewayHTTPListenerIsolation',
  'GatewayHTTPSListenerDetectMisdirectedRequests',
  'GatewayPort8080',
  'GatewayRouteHostnameIntersectionPrecedence',
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
  'HTTPRouteRetry',
  'HTTPRouteRetryBackendTimeout',
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

function describeRef(ref: NonNullable<GatewayClass['spec']>['parametersRef']): string {
  if (!ref) return '';
  const kind = ref.group ? `${ref.kind}.${ref.group}` : ref.kind;
  return `${kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

export function isOurClass(gc: GatewayClass): boolean {
  return gc.spec?.controllerName === CONTROLLER_NAME;
}

export interface GatewayClassResult {
  accepted: boolean;
  status: GatewayClassStatus;
}

export function translateGatewayClass(gc: GatewayClass, now: string): GatewayClassResult {
  const parametersRef = gc.spec?.parametersRef;
  // Portico defines no parameters kind yet: a class that asks for parameters cannot be honoured as written.
  const accepted = parametersRef === undefined;
  const cond = accepted
    ? condition('Accepted', true, 'Accepted', 'GatewayClass is accepted by Portico')
    : condition(
        'Accepted',
        false,
        'InvalidParameters',
        `parametersRef ${describeRef(parametersRef)} is not supported by Portico (it defines no parameters kind yet); remove spec.parametersRef`,
      );
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
