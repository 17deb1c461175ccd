/**
 * Step: every route's outcome on its parents (translated once per route; either may come from the
 * run's memory), then, where HTTPRoutes and GRPCRoutes claim the same hostname on a
 * listener or L4 routes share one, the older route wins; each outcome is then placed on its
 * listeners and its status recorded.
 */
import type { RouteTranslation } from '../routes/contract.js';
import { translateRouteSafely } from '../routes/translate-route.js';
import { routeOutcome } from '../routes/route-outcome.js';
import { applyPlacements } from '../routes/placements.js';
import { routeKindConflicts } from '../routes/route-kind-conflicts.js';
import type { TranslationRun } from './run.js';

export function attachRoutes(run: TranslationRun): void {
  const { ctx, memory, resources, gateways } = run;
  const routes = (run.routes = [
    ...resources.httpRoutes,
    ...resources.grpcRoutes,
    ...resources.tlsRoutes,
    ...resources.tcpRoutes,
    ...resources.udpRoutes,
  ]);
  const translations = run.translations;
  const outcomes = (run.outcomes = routes.map((route) => {
    let translation: RouteTranslation | undefined;
    const translationOf = (): RouteTranslation =>
      (translation ??= memory.routeTranslation(ctx, route, translateRouteSafely));
    translations.push(translationOf);
    return memory.routeOutcome(ctx, route, translationOf, (reading) =>
      routeOutcome(reading, route, gateways, translationOf),
    );
  }));
  // Only inputs with both kinds on one listener pay for this; the outcomes it changes depend on
  // other routes, so they are computed again here, never remembered.
  const conflicts =
    resources.grpcRoutes.length > 0 || resources.tcpRoutes.length > 1 || resources.udpRoutes.length > 1
      ? routeKindConflicts(routes, outcomes)
      : undefined;
  routes.forEach((route, i) => {
    const denied = conflicts?.get(route);
    const outcome = denied ? routeOutcome(ctx, route, gateways, translations[i]!, denied) : outcomes[i]!;
    outcomes[i] = outcome;
    applyPlacements(gateways, route, outcome);
    if (outcome.status !== undefined) run.statuses.set(route, outcome.status);
  });
}
