#!/usr/bin/env bash
# Portico's policies in the real cluster, after hack/cluster/smoke.sh installed Portico and the
# README's echo example: a SecurityPolicy applied with kubectl to the HTTPRoute `echo`, its status
# read back as a user reads it, and its effect seen through the provisioned Envoy: `authorization`
# (a request without the header the policy asks for is refused with 403, one with it reaches the
# echo Pod), then `basicAuth` from an Opaque Secret (401 without the password), then `jwt` with an
# inline key set (401 without a token, 200 with one signed here). The policy is deleted at the end
# and the route serves everyone again: what was protected heals to what it was.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
log() { printf 'cluster-policies: %s\n' "$*" >&2; }
fail() {
  log "FAIL: $*"
  exit 1
}
# shellcheck source=hack/cluster/lib.sh
source "$HERE/lib.sh"
[[ -f $KUBECONFIG_OUT ]] || fail "no cluster ($KUBECONFIG_OUT missing): make cluster-up"
export KUBECONFIG=$KUBECONFIG_OUT PATH=$BIN:$PATH
t0=$SECONDS

# shellcheck source=hack/cluster/smoke-lib.sh
source "$HERE/smoke-lib.sh"

kubectl apply --server-side -f - <<'EOF'
apiVersion: gateway.portico.dev/v1alpha1
kind: SecurityPolicy
metadata:
  name: echo-smoke
  namespace: default
spec:
  targetRefs:
    - group: gateway.networking.k8s.io
      kind: HTTPRoute
      name: echo
  authorization:
    defaultAction: Deny
    rules:
      - name: smoke-header
        action: Allow
        principal:
          headers:
            - name: x-portico-smoke
              values: ["let-me-in"]
EOF

# Its status, as `kubectl get securitypolicy` users read it: Accepted on the Gateway `example`.
kubectl wait --timeout 60s securitypolicy/echo-smoke \
  --for 'jsonpath={.status.ancestors[0].conditions[?(@.type=="Accepted")].status}=True' >/dev/null ||
  fail "SecurityPolicy default/echo-smoke not Accepted: $(kubectl get securitypolicy echo-smoke -o jsonpath='{.status}')"
ancestor=$(kubectl get securitypolicy echo-smoke -o jsonpath='{.status.ancestors[0].ancestorRef.name}')
[[ $ancestor == example ]] || fail "SecurityPolicy's ancestor is '$ancestor', not the Gateway example"
kubectl wait --timeout 60s httproute/echo \
  --for 'jsonpath={.status.parents[0].conditions[?(@.type=="gateway.portico.dev/SecurityPolicyAffected")].status}=True' \
  >/dev/null || fail "HTTPRoute default/echo has no SecurityPolicyAffected condition"
log "ok: SecurityPolicy default/echo-smoke Accepted on Gateway $ancestor; HTTPRoute echo SecurityPolicyAffected"

expect 403
expect 200 -H 'x-portico-smoke: let-me-in'
log "ok: through the provisioned Envoy at $addr:8080, no header: 403; the allowed header: 200"

# The same policy, now asking for a password (basicAuth): its htpasswd file is an Opaque Secret, which
# Portico must watch; the entry Envoy cannot check (an MD5 one) is named in the status, never used.
sha=$(printf '%s' 's3cret' | openssl dgst -sha1 -binary | base64)
kubectl create secret generic echo-smoke-users --dry-run=client -o yaml \
  --from-literal=.htpasswd="$(printf 'smoke:{SHA}%s\nlegacy:$apr1$abcdefgh$0123456789abcdefghijkl\n' "$sha")" |
  kubectl apply --server-side -f - >/dev/null
kubectl apply --server-side -f - <<'EOF'
apiVersion: gateway.portico.dev/v1alpha1
kind: SecurityPolicy
metadata:
  name: echo-smoke
  namespace: default
spec:
  targetRefs:
    - group: gateway.networking.k8s.io
      kind: HTTPRoute
      name: echo
  basicAuth:
    users:
      name: echo-smoke-users
EOF
expect 401
expect 200 -u smoke:s3cret
expect 401 -u smoke:wrong
message=$(kubectl get securitypolicy echo-smoke -o jsonpath='{.status.ancestors[0].conditions[?(@.type=="Accepted")].message}')
[[ $message == *legacy* ]] || fail "the MD5 entry of user legacy is not named in the policy's status: $message"
log "ok: basicAuth from an Opaque Secret: no password 401, the right one 200, a wrong one 401; the MD5 entry named in status"

# Then a JSON Web Token (jwt, its key set inline): a token signed here is let through, none is refused.
keys=$(node --input-type=module -e '
  import { generateKeyPairSync, sign } from "node:crypto";
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: "smoke", alg: "ES256", use: "sig" };
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const claims = { iss: "https://smoke.portico.invalid", sub: "smoke", exp: Math.floor(Date.now() / 1000) + 600 };
  const input = `${b64({ alg: "ES256", kid: "smoke", typ: "JWT" })}.${b64(claims)}`;
  const signature = sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" });
  console.log(JSON.stringify({ keys: [jwk] }));
  console.log(`${input}.${signature.toString("base64url")}`);
')
jwks=$(sed -n 1p <<<"$keys")
token=$(sed -n 2p <<<"$keys")
kubectl apply --server-side -f - <<EOF
apiVersion: gateway.portico.dev/v1alpha1
kind: SecurityPolicy
metadata:
  name: echo-smoke
  namespace: default
spec:
  targetRefs:
    - group: gateway.networking.k8s.io
      kind: HTTPRoute
      name: echo
  jwt:
    providers:
      - name: smoke
        issuer: https://smoke.portico.invalid
        localJWKS:
          type: Inline
          inline: '$jwks'
EOF
expect 401
expect 200 -H "Authorization: Bearer $token"
expect 401 -H "Authorization: Bearer ${token%?????}AAAAA"
log "ok: jwt with an inline key set: no token 401, a signed token 200, a forged signature 401"

kubectl delete securitypolicy echo-smoke --wait=true >/dev/null
kubectl delete secret echo-smoke-users --wait=true >/dev/null
expect 200
log "ok: policy deleted, the route serves everyone again"
log "PASS in $((SECONDS - t0))s"
