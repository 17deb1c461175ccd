/** Listener isolation: of the listeners on a port, the one whose hostname matches a domain most specifically. */
import { hostnameCovers, isWildcard } from '../hostnames.js';
import type { ListenerState } from '../listeners/listener-state.js';

/** More specific listener hostnames first: exact, then longer wildcards, then none. */
function listenerSpecificity(hostname: string | undefined): number {
  if (hostname === undefined) return 0;
  if (isWildcard(hostname)) return 1 + hostname.split('.').length;
  return 1000;
}

export function ownerOf<L extends ListenerState>(domain: string, listeners: readonly L[]): L | undefined {
  let best: L | undefined;
  for (const l of listeners) {
    if (!hostnameCovers(l.hostname, domain)) continue;
    if (!best || listenerSpecificity(l.hostname) > listenerSpecificity(best.hostname)) best = l;
  }
  return best;
}
