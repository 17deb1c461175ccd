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
