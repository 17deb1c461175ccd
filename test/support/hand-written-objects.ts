/**
 * Hand-written Gateway API objects, most of them invalid, each a file's lines: what
 * test/schema/schema-validation.test.ts expects Portico's messages for, and what
 * test/k8s/schema-oracle.test.ts sends to a real API server to check Portico answers as it does.
 */

export const ROUTE_HEAD = [
  'apiVersion: gateway.networking.k8s.io/v1', // 1
  'kind: HTTPRoute', // 2
  'metadata:', // 3
  '  name: web', // 4
  '  namespace: default', // 5
  'spec:', // 6
  '  parentRefs:', // 7
  '    - name: gw', // 8
  '  rules:', // 9
];

/** Path values the HTTPRoute CRD forbids, and the reason its CEL rule gives. */
export const FORBIDDEN_PATHS: [string, string][] = [
  ['/a/../b', "must not contain '/../'"],
  ['//a', "must not contain '//'"],
  ['/a%2Fb', "must not contain '%2F'"],
  ['/a/..', "must not end with '/..'"],
];

export function pathRoute(path: string): string[] {
  return [
    ...ROUTE_HEAD,
    '    - matches:',
    '        - path:',
    '            type: PathPrefix',
    `            value: ${path}`,
  ];
}

export function grpcRoute(service: string): string[] {
  return [
    'apiVersion: gateway.networking.k8s.io/v1',
    'kind: GRPCRoute',
    'metadata: {name: g}',
    'spec:',
    '  rules:',
    `    - matches: [{method: {service: "${service}"}}]`,
  ];
}

export const HAND_WRITTEN = {
  misspelledField: [...ROUTE_HEAD, '    - backendRef:', '        - name: web', '          port: 80'],
  parentRefsNotAList: [...ROUTE_HEAD.slice(0, 6), '  parentRefs: 42'],
  nullBackendRef: [...ROUTE_HEAD, '    - backendRefs: [null]'],
  unknownMetadataField: [...ROUTE_HEAD.slice(0, 5), '  labelz: {a: b}', 'spec: {}'],
  invalidName: [...ROUTE_HEAD.slice(0, 3), '  name: Web_1', 'spec: {}'],
  gatewayListenerRules: [
    'apiVersion: gateway.networking.k8s.io/v1',
    'kind: Gateway',
    'metadata: {name: gw}',
    'spec:',
    '  gatewayClassName: portico',
    '  listeners:',
    '    - {name: db, port: 5432, protocol: TCP, hostname: db.example.com}',
    '    - {name: tls, port: 443, protocol: TLS, tls: {mode: Terminate}}',
    '    - {name: db, port: 5433, protocol: TCP}',
  ],
  routeListKeysAndEnum: [
    ...ROUTE_HEAD,
    '    - matches:',
    '        - queryParams: [{name: page, value: "1"}, {name: page, value: "2"}]',
    '      filters:',
    '        - {type: RequestRedirect, requestRedirect: {statusCode: 418}}',
  ],
  grpcServiceValid: grpcRoute('Foo.Bar'),
  grpcServiceInvalid: grpcRoute('1bad'),
  restOfFile: [
    ...ROUTE_HEAD,
    '    - backendRef: []',
    '---',
    'apiVersion: v1',
    'kind: Namespace',
    'metadata: {name: a}',
  ],
  defaulted: [...ROUTE_HEAD, '    - backendRefs:', '        - name: web', '          port: 80'],
  nullMatches: [...ROUTE_HEAD, '    - matches: null'],
  /** YAML 1.1, as kubectl reads it: an unquoted `on` is a boolean. */
  unquotedOn: [
    ...ROUTE_HEAD,
    '    - filters:',
    '        - type: RequestHeaderModifier',
    '          requestHeaderModifier:',
    '            add:',
    '              - name: X-Trace',
    '                value: on',
  ],
  /** Two unknown fields out of alphabetical order: the API server lists its pruned paths sorted. */
  unknownFieldsUnsorted: [...ROUTE_HEAD, '    - zeta: 1', '      backendRefs: []', '      alpha: 2'],
  // Gateway API v1.7.0.
  duplicateRuleNames: [
    ...ROUTE_HEAD,
    '    - name: first',
    '      backendRefs: []',
    '    - name: second',
    '    - name: first',
  ],
  grpcDuplicateRuleNames: [
    'apiVersion: gateway.networking.k8s.io/v1',
    'kind: GRPCRoute',
    'metadata: {name: g}',
    'spec:',
    '  rules:',
    '    - {name: a}',
    '    - {name: a}',
  ],
  retryAttemptsZero: [...ROUTE_HEAD, '    - retry: {attempts: 0, codes: [500, 503]}'],
  retryAttemptsNegative: [...ROUTE_HEAD, '    - retry: {attempts: -1}'],
  sessionCookieV17: [
    ...ROUTE_HEAD,
    '    - sessionPersistence:',
    '        type: Cookie',
    '        cookie: {name: sticky, path: /app, lifetimeType: Session}',
  ],
  sessionOldShape: [
    ...ROUTE_HEAD,
    '    - sessionPersistence: {sessionName: sticky, cookieConfig: {lifetimeType: Session}}',
  ],
  sessionCookieMissing: [...ROUTE_HEAD, '    - sessionPersistence: {type: Cookie}'],
  sessionHeaderWithCookie: [...ROUTE_HEAD, '    - sessionPersistence: {type: Header, cookie: {name: c}}'],
  gatewayV17Fields: [
    'apiVersion: gateway.networking.k8s.io/v1',
    'kind: Gateway',
    'metadata: {name: gw}',
    'spec:',
    '  gatewayClassName: portico',
    '  addresses:',
    '    - {type: IPAddress, value: 10.0.0.1, routability: Cluster}',
    '    - {type: IPAddress, value: 10.0.0.2, routability: k8s.io/private}',
    '  listeners:',
    '    - name: db',
    '      port: 5432',
    '      protocol: TCP',
    '      filters: {requests: [{type: ExtensionRef, extensionRef: {group: example.com, kind: Auth, name: a}}]}',
  ],
  backendTLSPolicyBothCAs: [
    'apiVersion: gateway.networking.k8s.io/v1',
    'kind: BackendTLSPolicy',
    'metadata: {name: p}',
    'spec:',
    '  targetRefs: [{group: "", kind: Service, name: web}]',
    '  validation:',
    '    hostname: web.example.com',
    '    caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}]',
    '    wellKnownCACertificates: System',
  ],
  // Portico's own kinds (manifests/crd-*.yaml): the rules that call Kubernetes' CEL libraries.
  securityPolicyCidrs: [
    'apiVersion: gateway.portico.dev/v1alpha1',
    'kind: SecurityPolicy',
    'metadata: {name: cidrs}',
    'spec:',
    '  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]',
    '  authorization:',
    '    rules:',
    '      - action: Allow',
    '        principal:',
    '          clientCIDRs: [10.0.0.0/8, 10.1.2.3/33, "::ffff:10.0.0.1/128", 2001:db8::/64, 10.0.0.0/08]',
  ],
  securityPolicyGoodCidrs: [
    'apiVersion: gateway.portico.dev/v1alpha1',
    'kind: SecurityPolicy',
    'metadata: {name: good-cidrs}',
    'spec:',
    '  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]',
    '  authorization:',
    '    rules:',
    '      - action: Allow',
    '        principal:',
    '          clientCIDRs: [10.0.0.0/8, 10.1.2.3/32, 2001:db8::1/64, "::/0"]',
  ],
  parametersRequestAboveLimit: [
    'apiVersion: gateway.portico.dev/v1alpha1',
    'kind: EnvoyProxyParameters',
    'metadata: {name: greedy}',
    'spec:',
    '  deployment:',
    '    resources:',
    '      requests: {cpu: 1500m, memory: 1Gi}',
    '      limits: {cpu: "1", memory: 2Gi}',
  ],
  parametersRequestWithinLimit: [
    'apiVersion: gateway.portico.dev/v1alpha1',
    'kind: EnvoyProxyParameters',
    'metadata: {name: modest}',
    'spec:',
    '  deployment:',
    '    resources:',
    '      requests: {cpu: 500m, memory: 1Gi}',
    '      limits: {cpu: "1", memory: 1024Mi}',
  ],
  ...Object.fromEntries(FORBIDDEN_PATHS.map(([path]) => [`path ${path}`, pathRoute(path)])),
} satisfies Record<string, string[]>;
