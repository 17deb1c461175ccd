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

addr=$(kubectl get gateway example -o jsonpath='{.status.addresses[0].value}')
[[ -n $addr ]] || fail "Gateway default/example has no address: run hack/cluster/smoke.sh first"

# status CODE of a request through the Gateway for $path (default /), with extra curl arguments.
path=/
status() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'Host: www.example.com' "$@" "http://$addr:8080$path" || true; }
# Waits (up to 60 s: Portico translates, Envoy acknowledges) until `status ARGS` answers CODE (a
# glob: 30? is any redirect).
expect() {
  local code=$1 got=''
  shift
  for _ in $(seq 60); do
    got=$(status "$@")
    # shellcheck disable=SC2053 # CODE is a glob on purpose
    [[ $got == $code ]] && return 0
    sleep 1
  done
  fail "expected $code through the Gateway (curl $*), got $got"
}
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
log "PASS in $((SECONDS - t0))s"
