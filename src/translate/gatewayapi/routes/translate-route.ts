/** One route of any kind → its translation, never an exception. */
import type { GRPCRoute, HTTPRoute, TCPRoute, TLSRoute, UDPRoute } from '../../../resources/types.js';
import type { TranslationContext } from '../context.js';
import { emptyTranslation, type Route, type RouteTranslation } from './contract.js';
import { translateGrpcRoute } from './grpc-route.js';
import { translateHttpRoute } from './http-route.js';
import { translateL4Route } from './l4-route.js';

/**
 * The file provider has no API-server schema validation, so a route of an unexpected shape must
 * become a status condition, never an exception in the pipeline.
 */
export function translateRouteSafely(ctx: TranslationContext, route: Route): RouteTranslation {
  try {
    switch (route.kind) {
      case 'GRPCRoute':
        return translateGrpcRoute(ctx, route as GRPCRoute);
      case 'TLSRoute':
      case 'TCPRoute':
      case 'UDPRoute':
        return translateL4Route(ctx, route as TLSRoute | TCPRoute | UDPRoute);
      default:
        return translateHttpRoute(ctx, route as HTTPRoute);
    }
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return {
      ...emptyTranslation(0),
      rejection: {
        reason: 'UnsupportedValue',
        message: `route could not be translated (${detail}); check its spec against the ${route.kind} schema`,
      },
    };
  }
}
