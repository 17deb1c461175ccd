#!/usr/bin/env bash
# Portico's policies in the real cluster, after hack/cluster/smoke.sh installed Portico and the
# README's echo example: a SecurityPolicy applied with kubectl to the HTTPRoute `echo`, its status
# read back as a user reads it, and its effect seen through the provisioned Envoy (a request without
# the header the policy asks for is refused with 403, one with it reaches the echo Pod). The policy
# is deleted at the end and the route serves everyone again: what was protected heals to what it was.
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

addr=$(kubectl get gateway example -o jsonpath='{.status.addresses[0].value}')
[[ -n $addr ]] || fail "Gateway default/example has no address: run hack/cluster/smoke.sh first"

# status CODE of a request through the Gateway, with extra curl arguments.
status() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'Host: www.example.com' "$@" "http://$addr:8080/" || true; }
# Waits (up to 60 s: Portico translates, Envoy acknowledges) until `status ARGS` answers CODE.
expect() {
  local code=$1 got=''
  shift
  for _ in $(seq 60); do
    got=$(status "$@")
    [[ $got == "$code" ]] && return 0
    sleep 1
  done
  fail "expected $code through the Gateway (curl $*), got $got"
}

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

kubectl delete securitypolicy echo-smoke --wait=true >/dev/null
expect 200
log "ok: policy deleted, the route serves everyone again"
log "PASS in $((SECONDS - t0))s"
