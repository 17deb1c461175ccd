#!/usr/bin/env bash
# Smoke check of the test API server started by hack/k8s/up.sh, with curl only:
#  1. the kubeconfig's server, CA and admin client certificate work: create a GatewayClass and read
#     it back (the Gateway API CRDs are served);
#  2. the experimental channel is installed: an HTTPRoute keeps rules[].retry (the standard
#     channel's schema would prune it);
#  3. RBAC is enforced: a fresh ServiceAccount's token (TokenRequest, signed with pki/sa.key) may not
#     list GatewayClasses; the static admin token may.
# Everything it creates is deleted again (the namespace stays Terminating: no controller-manager).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
K8S_DIR=${PORTICO_K8S_DIR:-$ROOT/.cache/k8s}
KUBECONFIG_FILE=${KUBECONFIG:-$K8S_DIR/kubeconfig}
[[ -f $KUBECONFIG_FILE ]] || {
  echo "smoke: no $KUBECONFIG_FILE (run make k8s-up)" >&2
  exit 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
field() { sed -n "s/^ *$1: //p" "$KUBECONFIG_FILE" | head -n1; }
SERVER=$(field server)
field certificate-authority-data | base64 -d >"$tmp/ca.crt"
field client-certificate-data | base64 -d >"$tmp/client.crt"
field client-key-data | base64 -d >"$tmp/client.key"

fail() {
  echo "smoke: FAIL: $*" >&2
  exit 1
}
ok() { echo "smoke: ok: $*"; }
# req METHOD PATH [JSON] [curl options...]: prints the body; the HTTP status goes to $tmp/status.
# (A non-curl User-Agent: the API server pretty-prints JSON for curl.)
req() {
  local method=$1 path=$2 body=${3:-}
  shift 3 || shift $#
  local auth=("$@")
  ((${#auth[@]})) || auth=(--cert "$tmp/client.crt" --key "$tmp/client.key")
  local data=()
  [[ -z $body ]] || data=(-H 'Content-Type: application/json' --data "$body")
  curl -sS --max-time 10 -A portico-smoke --cacert "$tmp/ca.crt" "${auth[@]}" -X "$method" "${data[@]}" \
    -o "$tmp/body" -w '%{http_code}' "$SERVER$path" >"$tmp/status"
  cat "$tmp/body"
}
status() { cat "$tmp/status"; }

ns=portico-smoke-$$
gc=portico-smoke-$$
GW=/apis/gateway.networking.k8s.io/v1
cleanup() {
  req DELETE "$GW/gatewayclasses/$gc" >/dev/null || true
  req DELETE "/api/v1/namespaces/$ns" >/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# 1. GatewayClass round trip with the admin client certificate.
req POST "$GW/gatewayclasses" \
  '{"apiVersion":"gateway.networking.k8s.io/v1","kind":"GatewayClass","metadata":{"name":"'$gc'"},"spec":{"controllerName":"portico.dev/gateway-controller"}}' >/dev/null
[[ $(status) == 201 ]] || fail "create GatewayClass: HTTP $(status): $(cat "$tmp/body")"
got=$(req GET "$GW/gatewayclasses/$gc")
[[ $(status) == 200 ]] || fail "get GatewayClass: HTTP $(status)"
grep -q '"controllerName":"portico.dev/gateway-controller"' <<<"$got" || fail "GatewayClass read back without its controllerName: $got"
ok "GatewayClass $gc created and read back (client certificate from the kubeconfig)"

# 2. Experimental-channel field survives the schema.
req POST /api/v1/namespaces '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"'$ns'"}}' >/dev/null
[[ $(status) == 201 ]] || fail "create namespace: HTTP $(status): $(cat "$tmp/body")"
req POST "$GW/namespaces/$ns/httproutes" \
  '{"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute","metadata":{"name":"r"},"spec":{"rules":[{"retry":{"attempts":3,"codes":[503]}}]}}' >/dev/null
[[ $(status) == 201 ]] || fail "create HTTPRoute: HTTP $(status): $(cat "$tmp/body")"
got=$(req GET "$GW/namespaces/$ns/httproutes/r")
grep -q '"retry":{"attempts":3' <<<"$got" || fail "HTTPRoute lost rules[].retry (standard-channel CRD?): $got"
ok "HTTPRoute keeps the experimental rules[].retry"

# 3. RBAC: a ServiceAccount with no bindings is forbidden; the admin token is not.
req POST "/api/v1/namespaces/$ns/serviceaccounts" '{"metadata":{"name":"nobody"}}' >/dev/null
[[ $(status) == 201 ]] || fail "create ServiceAccount: HTTP $(status): $(cat "$tmp/body")"
tr=$(req POST "/api/v1/namespaces/$ns/serviceaccounts/nobody/token" '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{}}')
[[ $(status) == 201 ]] || fail "TokenRequest: HTTP $(status): $tr"
sa_token=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' <<<"$tr")
req GET "$GW/gatewayclasses" '' -H "Authorization: Bearer $sa_token" >/dev/null
[[ $(status) == 403 ]] || fail "ServiceAccount without RBAC bindings listed GatewayClasses: HTTP $(status)"
req GET "$GW/gatewayclasses" '' -H "Authorization: Bearer $(cat "$K8S_DIR/pki/admin.token")" >/dev/null
[[ $(status) == 200 ]] || fail "static admin token: HTTP $(status)"
ok "RBAC: unbound ServiceAccount gets 403, admin token 200"

req DELETE "$GW/gatewayclasses/$gc" >/dev/null
[[ $(status) == 200 ]] || fail "delete GatewayClass: HTTP $(status)"
ok "GatewayClass deleted"
echo "smoke: PASS"
