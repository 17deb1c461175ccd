/**
 * A Gateway's condition as `/debug/status` shows it: what an e2e test waits for after a change.
 */
import { request } from './http-client.js';

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

/** The `type` condition of the Gateway `name` (the first Gateway when no name is given). */
export async function gatewayCondition(debugPort: number, type: string, name?: string): Promise<Condition | undefined> {
  const body = (await request(debugPort, '/debug/status')).body;
  const gateway = (
    JSON.parse(body) as {
      resources: { kind: string; metadata: { name: string }; status?: { conditions?: Condition[] } }[];
    }
  ).resources.find((r) => r.kind === 'Gateway' && (name === undefined || r.metadata.name === name));
  return gateway?.status?.conditions?.find((c) => c.type === type);
}

interface StatusResource {
  kind: string;
  metadata: { name: string };
  status?: {
    conditions?: Condition[];
    parents?: { conditions?: Condition[] }[];
    ancestors?: { conditions?: Condition[] }[];
    listeners?: { name: string; attachedRoutes: number; conditions?: Condition[] }[];
  };
}

/** Every object `/debug/status` shows, with the status Portico computed for it. */
export async function debugStatus(debugPort: number): Promise<StatusResource[]> {
  return (JSON.parse((await request(debugPort, '/debug/status')).body) as { resources: StatusResource[] }).resources;
}

/** The `type` condition of the first parent entry of the route `kind` `name`. */
export async function routeCondition(
  debugPort: number,
  kind: string,
  name: string,
  type: string,
): Promise<Condition | undefined> {
  const route = (await debugStatus(debugPort)).find((r) => r.kind === kind && r.metadata.name === name);
  return route?.status?.parents?.[0]?.conditions?.find((c) => c.type === type);
}

/** `attachedRoutes` of the listener `listener` of the Gateway `gateway`. */
export async function attachedRoutes(
  debugPort: number,
  gateway: string,
  listener: string,
): Promise<number | undefined> {
  const gw = (await debugStatus(debugPort)).find((r) => r.kind === 'Gateway' && r.metadata.name === gateway);
  return gw?.status?.listeners?.find((l) => l.name === listener)?.attachedRoutes;
}
