#!/usr/bin/env bash
# Portico's traffic policies in the real cluster, after hack/cluster/smoke.sh installed Portico and
# the README's echo example: a BackendTrafficPolicy on the Gateway `example` (circuit breaker
# thresholds) and one on the HTTPRoute `echo` (a fault that answers every request 418), applied with
# kubectl, their statuses read back as a user reads them (the route's policy overrides the
# Gateway's for that route; the Gateway says which policy affects it), and their effect seen
# through the provisioned Envoy. Deleting the route's policy heals the route. Then a
# ClientTrafficPolicy on the Gateway (escaped slashes refused), seen the same way.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
log() { printf 'cluster-traffic: %s\n' "$*" >&2; }
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
# accepted KIND NAME: waits until the policy's first ancestor says Accepted=True, and prints its message.
accepted() {
  kubectl wait --timeout 60s "$1/$2" \
    --for 'jsonpath={.status.ancestors[0].conditions[?(@.type=="Accepted")].status}=True' >/dev/null ||
    fail "$1 default/$2 not Accepted: $(kubectl get "$1" "$2" -o jsonpath='{.status}')"
  kubectl get "$1" "$2" -o jsonpath='{.status.ancestors[0].conditions[?(@.type=="Accepted")].message}'
}

kubectl apply --server-side -f - <<'EOF'
apiVersion: gateway.portico.dev/v1alpha1
kind: BackendTrafficPolicy
metadata:
  name: example-limits
  namespace: default
spec:
  targetRefs:
    - group: gateway.networking.k8s.io
      kind: Gateway
      name: example
  circuitBreaker:
    maxConnections: 64
    maxParallelRequests: 64
---
apiVersion: gateway.portico.dev/v1alpha1
kind: BackendTrafficPolicy
metadata:
  name: echo-teapot
  namespace: default
spec:
  targetRefs:
    - group: gateway.networking.k8s.io
      kind: HTTPRoute
      name: echo
  faultInjection:
    abort:
      httpStatus: 418
EOF

accepted backendtrafficpolicy echo-teapot >/dev/null
message=$(accepted backendtrafficpolicy example-limits)
[[ $message == *"overridden for some routes by BackendTrafficPolicy default/echo-teapot"* ]] ||
  fail "the Gateway's policy does not say the route's overrides it: $message"
kubectl wait --timeout 60s gateway/example \
  --for 'jsonpath={.status.conditions[?(@.type=="gateway.portico.dev/BackendTrafficPolicyAffected")].status}=True' \
  >/dev/null || fail "Gateway default/example has no BackendTrafficPolicyAffected condition"
log "ok: both policies Accepted; the Gateway's says the route's overrides it; the Gateway is BackendTrafficPolicyAffected"

expect 418
log "ok: through the provisioned Envoy at $addr:8080, the route's fault answers 418"

kubectl delete backendtrafficpolicy echo-teapot --wait=true >/dev/null
expect 200
message=$(accepted backendtrafficpolicy example-limits)
[[ $message != *overridden* ]] || fail "the Gateway's policy still says it is overridden: $message"
log "ok: the route's policy deleted: the route serves again, under the Gateway's circuit breaker"

kubectl delete backendtrafficpolicy example-limits --wait=true >/dev/null
expect 200

# A ClientTrafficPolicy on the Gateway: a path with an escaped slash, which Envoy otherwise
# unescapes and redirects (Portico's default), is refused with 400.
path=/a%2Fb
expect '30?'
kubectl apply --server-side -f - <<'EOF'
apiVersion: gateway.portico.dev/v1alpha1
kind: ClientTrafficPolicy
metadata:
  name: example-clients
  namespace: default
spec:
  targetRefs:
    - group: gateway.networking.k8s.io
      kind: Gateway
      name: example
  path:
    escapedSlashesAction: RejectRequest
EOF
accepted clienttrafficpolicy example-clients >/dev/null
kubectl wait --timeout 60s gateway/example \
  --for 'jsonpath={.status.conditions[?(@.type=="gateway.portico.dev/ClientTrafficPolicyAffected")].status}=True' \
  >/dev/null || fail "Gateway default/example has no ClientTrafficPolicyAffected condition"
expect 400
log "ok: ClientTrafficPolicy Accepted, the Gateway ClientTrafficPolicyAffected; an escaped slash is refused with 400"
kubectl delete clienttrafficpolicy example-clients --wait=true >/dev/null
expect '30?'
path=/
expect 200
log "ok: the ClientTrafficPolicy deleted: escaped slashes are redirected again"

# A Global rate limit: 3 requests a minute per x-user value, counted by the service Portico
# provisions in portico-system (with Redis) once a Gateway has a Global rule.
kubectl apply --server-side -f - <<'EOF'
apiVersion: gateway.portico.dev/v1alpha1
kind: BackendTrafficPolicy
metadata:
  name: echo-global-limit
  namespace: default
spec:
  targetRefs:
    - group: gateway.networking.k8s.io
      kind: HTTPRoute
      name: echo
  rateLimit:
    global:
      rules:
        - clientSelectors:
            - headers: [{ name: x-user, type: Distinct }]
          limit: { requests: 3, unit: Minute }
EOF
accepted backendtrafficpolicy echo-global-limit >/dev/null
ns=portico-system
for d in portico-ratelimit-redis portico-ratelimit; do
  # The Deployment appears with the provisioner's next pass; then its Pod must become ready.
  for _ in $(seq 60); do kubectl -n $ns get deployment $d >/dev/null 2>&1 && break || sleep 1; done
  kubectl -n $ns rollout status deployment/$d --timeout 120s >/dev/null ||
    fail "deployment $ns/$d not ready: $(kubectl -n $ns get pods -o wide 2>&1)"
done
kubectl -n $ns get configmap portico-ratelimit -o jsonpath='{.data.default_example\.yaml}' |
  grep -q 'requests_per_unit: 3' || fail "ConfigMap $ns/portico-ratelimit has no limit for the Gateway default/example"
log "ok: policy Accepted; the rate limit service and Redis provisioned in $ns, the Gateway's limits in its ConfigMap"

# limited ARGS...: "STATUS limit=N remaining=M " of one request through the Gateway.
limited() {
  curl -s -o /dev/null -D - --max-time 5 -H 'Host: www.example.com' "$@" "http://$addr:8080/" | tr -d '\r' |
    sed -n -e 's|^HTTP/[0-9.]* \([0-9]*\).*|\1|p' -e 's#^x-ratelimit-\(limit\|remaining\): *\([0-9]*\).*#\1=\2#p' |
    tr '\n' ' ' || true
}
# Until the service answers and the Envoy has the filter, requests go through uncounted (fail
# open). Each try is a fresh user; the one that is counted must give 200, 200, 200, then 429.
got=''
for try in $(seq 30); do
  user="smoke-$try-$RANDOM"
  got=$(for _ in 1 2 3 4; do
    limited -H "x-user: $user"
    printf '| '
  done)
  [[ $got == *'429 '* ]] && break
  sleep 2
done
want='200 limit=3 remaining=2 | 200 limit=3 remaining=1 | 200 limit=3 remaining=0 | 429 limit=3 remaining=0 | '
[[ $got == "$want" ]] || fail "for one x-user, expected: $want; got: $got"
[[ $(status -H "x-user: other-$RANDOM") == 200 ]] || fail "another x-user value is limited too"
log "ok: through the provisioned Envoy, one x-user gets 200 three times (x-ratelimit-remaining 2, 1, 0), then 429; another gets 200"

kubectl delete backendtrafficpolicy echo-global-limit --wait=true >/dev/null
expect 200 -H "x-user: $user"
for _ in $(seq 60); do
  kubectl -n $ns get deployment portico-ratelimit >/dev/null 2>&1 || break
  sleep 1
done
if kubectl -n $ns get deployment portico-ratelimit >/dev/null 2>&1; then fail "the rate limit service was not removed"; fi
log "ok: the policy deleted: the limited user is served again, the rate limit service is removed"
log "PASS in $((SECONDS - t0))s"
