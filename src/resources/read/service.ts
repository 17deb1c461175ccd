/**
 * Service, read: its ports (`spec.ports`). An entry that is not an object is no port; a field of
 * the wrong type is taken as absent (a name that is not a string names no port a sectionName or
 * an EndpointSlice port can match).
 *
 * Not in read-input.ts's table yet: only a BackendTLSPolicy's sectionName looks at it, so a
 * Service is read the first time that happens, not every Service when it enters.
 */
import { readOnce } from './read-once.js';
import { fieldsOf, itemsOf } from './validation-result.js';

export interface ServicePortRead {
  name: string | undefined;
  port: number | undefined;
}

export interface ValidatedService {
  ports: ServicePortRead[];
}

export const readService: (service: { spec?: unknown }) => ValidatedService = readOnce((spec) => {
  const ports: ServicePortRead[] = [];
  for (const item of itemsOf(fieldsOf(spec)?.ports)) {
    const entry = fieldsOf(item);
    if (!entry) continue;
    ports.push({
      name: typeof entry.name === 'string' ? entry.name : undefined,
      port: typeof entry.port === 'number' ? entry.port : undefined,
    });
  }
  return { ports };
});
