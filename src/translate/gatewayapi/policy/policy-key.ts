/** A policy's name in messages and IR: `<namespace>/<name>`. */
export function policyKey(policy: { metadata: { namespace?: string; name: string } }): string {
  return `${policy.metadata.namespace ?? 'default'}/${policy.metadata.name}`;
}
