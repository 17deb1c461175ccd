/**
 * The one context the steps of a Gateway API translation work over: the input, the options, the
 * translation context, and what the steps have found so far.
 */
import type { KubeObject, ResourceSet } from '../../../resources/types.js';
import type { IrGateway } from '../../../ir/types.js';
import { buildContext, type RateLimitServiceOption, type TranslationContext } from '../context.js';

export type { RateLimitServiceOption };
import type { GatewayState, RouteOutcome } from '../gateway-state.js';
import { NO_MEMORY, type StageMemory } from '../memory.js';
import type { Route, RouteTranslation } from '../routes/contract.js';
import type { PolicyAttachments } from '../policy/attachment.js';
import type { BackendTrafficPolicy, ClientTrafficPolicy, SecurityPolicy } from '../../../resources/types.js';
import type { ClientTrafficNotes } from '../client-traffic/client-traffic-apply.js';

export interface GatewayApiTranslation {
  gateways: IrGateway[];
  /** Every input Gateway API object, with the status Portico computed for it. */
  resources: KubeObject[];
  /**
   * The first time after `certificateTime` at which a listener's certificate becomes valid or
   * expires: statuses computed now say something else from then on, so translate again then.
   */
  nextCertificateChange?: string;
}

export interface TranslateOptions {
  /** Written as `lastTransitionTime` of conditions that changed. Defaults to the Unix epoch (golden files). */
  now?: string;
  /**
   * The time certificates' validity periods are checked at: a listener whose certificate is
   * expired or not yet valid then says so. The pipeline gives its clock; without it (golden files
   * fix one, so that their output does not change with the date) no validity is checked.
   */
  certificateTime?: string;
  /** Address Envoy listeners bind. Defaults to 0.0.0.0; a local standalone setup may use 127.0.0.1. */
  listenerAddress?: string;
  /**
   * Ports the Envoys serving these Gateways already use for themselves (admin, readiness), with
   * what uses them: a listener on one is not accepted (PortUnavailable), since Envoy would reject
   * the whole listener update for it.
   */
  reservedPorts?: ReadonlyMap<number, string>;
  /**
   * Every Gateway's listeners bind one address (standalone mode: the host's): a port two
   * Gateways ask for belongs to the older one (see `shared-address.ts`). Off in a cluster, where
   * each Gateway has its own Service.
   */
  sharedAddress?: boolean;
  /**
   * The Kubernetes provisioner gives each Gateway's Service the addresses of its `spec.addresses`
   * and says in its status what it could assign (src/infra/kubernetes/gateway-addresses.ts).
   * Without it (standalone: Envoy binds `listenerAddress`) a requested address is
   * Programmed=False/AddressNotAssigned.
   */
  assignsAddresses?: boolean;
  /**
   * Where the Gateways' Envoys reach the rate limit service (BackendTrafficPolicy Global rate
   * limits), and whether a request is refused when it does not answer. Without it (no service
   * runs) a policy with a Global limit is not accepted.
   */
  rateLimitService?: RateLimitServiceOption;
  /**
   * Memory kept between runs (a `TranslationCache`): unchanged routes, outcomes and virtual hosts
   * are answered from it. Output is the same with or without it.
   */
  memory?: StageMemory;
}

const EPOCH = '1970-01-01T00:00:00Z';

export interface TranslationRun {
  readonly resources: ResourceSet;
  readonly options: TranslateOptions;
  readonly ctx: TranslationContext;
  /** `options.memory`, or none. */
  readonly memory: StageMemory;
  /** The status computed for each input object Portico is responsible for. */
  readonly statuses: Map<KubeObject, unknown>;
  /** Gateways of Portico's classes, by key (`acceptGateways`). */
  gateways: Map<string, GatewayState>;
  /** Every route, in input order (`attachRoutes`), beside its translation (worked out at most once) and outcome. */
  routes: Route[];
  translations: (() => RouteTranslation)[];
  outcomes: RouteOutcome[];
  /** Where SecurityPolicies attach (`applySecurityPolicies`), when there are any. */
  securityAttachments?: PolicyAttachments<SecurityPolicy>;
  /** Where BackendTrafficPolicies attach (`applyTrafficPolicies`), when there are any. */
  trafficAttachments?: PolicyAttachments<BackendTrafficPolicy>;
  /** Where ClientTrafficPolicies attach, and what of them does not apply where (`applyClientTrafficPolicies`). */
  clientTraffic?: { attachments: PolicyAttachments<ClientTrafficPolicy>; notes: ClientTrafficNotes };
  /** The IR of every accepted Gateway (`assembleGateways`). */
  irs: IrGateway[];
}

export function startRun(resources: ResourceSet, options: TranslateOptions): TranslationRun {
  const memory = options.memory ?? NO_MEMORY;
  const ctx = buildContext(resources, { ...options, now: options.now ?? EPOCH }, memory.tables(), memory.remembered());
  memory.begin(ctx);
  return {
    resources,
    options,
    ctx,
    memory,
    statuses: new Map(),
    gateways: new Map(),
    routes: [],
    translations: [],
    outcomes: [],
    irs: [],
  };
}
