/**
 * Step: every route's outcome on its parents (translated once per route, remembered between runs
 * when memos are given), then, where HTTPRoutes and GRPCRoutes claim the same hostname on a
 * listener or L4 routes share one, the older route wins; each outcome is then placed on its
 * listeners and its status recorded.
 */
import type { RouteOutcome } from '../status-memo.js';
import type { RouteTranslation } from '../routes/contract.js';
import { translateRouteSafely } from '../routes/translate-route.js';
import { routeOutcome } from '../routes/route-outcome.js';
import { applyPlacements } from '../routes/placements.js';
import { routeKindConflicts } from '../routes/route-kind-conflicts.js';
import type { TranslationRun } from './run.js';

export function attachRoutes(run: TranslationRun): void {
  const { ctx, options, resources, gateways } = run;
  const statusMemo = options.statusMemo;
  statusMemo?.begin(resources, ctx.now, options.reservedPorts, options.sharedAddress);
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
      (translation ??= options.routeMemo
        ? options.routeMemo.translate(ctx, route, translateRouteSafely)
        : translateRouteSafely(ctx, route));
    translations.push(translationOf);
    const compute = (): RouteOutcome => routeOutcome(ctx, route, gateways, translationOf);
    return statusMemo ? statusMemo.route(route, translationOf, compute) : compute();
  }));
  // Only inputs with both kinds on one listener pay for this; the outcomes it changes are
  // computed again, past the memo, since they depend on other routes.
  const conflicts =
    resources.grpcRoutes.length > 0 || resources.tcpRoutes.length > 1 || resources.udpRoutes.length > 1
      ? routeKindConflicts(routes, outcomes)
      : undefined;
  routes.forEach((route, i) => {
    const denied = conflicts?.get(route);
    const outcome = denied ? routeOutcome(ctx, route, gateways, translations[i]!, denied) : outcomes[i]!;
    outcomes[i] = outcome;
    applyPlacements(gateways, outcome);
    if (outcome.status !== undefined) run.statuses.set(route, outcome.status);
  });
}
