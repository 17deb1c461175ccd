# Helpers of the cluster smoke phases that send requests through the README example's Gateway
# (policy-smoke.sh, traffic-smoke.sh). Sourced after lib.sh, with `fail` defined; sets `addr` to the
# Gateway's address.
# shellcheck shell=bash

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
