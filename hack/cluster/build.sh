#!/usr/bin/env bash
# Builds what the single-node cluster (hack/cluster/up.sh) runs besides the test API server:
#   - kubelet, kube-controller-manager, kube-scheduler, kube-proxy from the same pinned
#     k8s.io/kubernetes module as kube-apiserver (hack/k8s/apiserver);
#   - CoreDNS (hack/cluster/coredns), echo-basic (hack/cluster/echo), the pod sandbox's pause
#     program (hack/cluster/pause);
#   - the Envoy rate limit service (hack/ratelimit/build.sh) and Debian's redis-server, which Portico
#     provisions for Global rate limits;
# into .cache/cluster/bin (PORTICO_CLUSTER_DIR overrides .cache/cluster), then the container images
# (hack/cluster/images.py) into .cache/cluster/images. kube-apiserver, kubectl and etcd come from
# hack/k8s/build.sh (.cache/k8s/bin). Each group is a no-op when its stamp (inputs, Go toolchain,
# flags) matches; CLUSTER_REBUILD=1 forces every group.
#
# Nothing is fetched except Go modules through GOPROXY, checked against the committed go.sum files
# (-mod=readonly). The host packages (containerd, runc, CNI plugins, iptables, conntrack) are
# hack/cluster/host-packages.sh's job.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
HERE_K8S=$ROOT/hack/k8s
CLUSTER_DIR=${PORTICO_CLUSTER_DIR:-$ROOT/.cache/cluster}
BIN=$CLUSTER_DIR/bin
mkdir -p "$BIN"

log() { printf 'cluster-build: %s\n' "$*" >&2; }

exec 9>"$CLUSTER_DIR/.build.lock"
flock 9

export CGO_ENABLED=0
export GOFLAGS="-trimpath -buildvcs=false -mod=readonly"
export GOTOOLCHAIN=local

"$HERE_K8S/build.sh" # kube-apiserver, kubectl, etcd (its own stamp)
# One directory holds every binary the cluster runs: hard links to hack/k8s/build.sh's.
K8S_BIN=${PORTICO_K8S_DIR:-$ROOT/.cache/k8s}/bin
for b in kube-apiserver kubectl etcd; do
  ln -f "$K8S_BIN/$b" "$BIN/$b" 2>/dev/null || cp -f "$K8S_BIN/$b" "$BIN/$b"
done

# cached GROUP "BINARIES" INPUT-FILES... : true when every binary of GROUP exists and GROUP's stamp
# (the input files, this script, go version and flags) is unchanged; otherwise prints the new
# stamp into $BIN/.stamp-GROUP.new for `done_group`.
cached() {
  local group=$1 bins=$2 b stamp
  shift 2
  stamp=$({
    go version
    echo "$GOFLAGS CGO_ENABLED=$CGO_ENABLED"
    cat "$HERE/build.sh" "$@"
  } | sha256sum | cut -d' ' -f1)
  echo "$stamp" >"$BIN/.stamp-$group.new"
  [[ ${CLUSTER_REBUILD:-} != 1 && -f $BIN/.stamp-$group && $(cat "$BIN/.stamp-$group") == "$stamp" ]] || return 1
  for b in $bins; do [[ -x $BIN/$b ]] || return 1; done
  rm -f "$BIN/.stamp-$group.new"
}
done_group() { mv -f "$BIN/.stamp-$1.new" "$BIN/.stamp-$1"; }

tmp=$(mktemp -d "$BIN/.build.XXXXXX")
trap 'rm -rf "$tmp" "$BIN"/.stamp-*.new' EXIT

# --- node binaries: kubelet, kube-controller-manager, kube-scheduler, kube-proxy --------------------
node_bins="kubelet kube-controller-manager kube-scheduler kube-proxy"
if cached node "$node_bins" "$HERE_K8S"/{version-ldflags.sh,apiserver/go.mod,apiserver/go.sum}; then
  log "cached: $node_bins"
else
  # shellcheck source=hack/k8s/version-ldflags.sh
  source "$HERE_K8S/version-ldflags.sh"
  start=$SECONDS
  log "building $node_bins $K8S_VERSION (about 10 minutes on 2 cores with a cold Go build cache)"
  go -C "$HERE_K8S/apiserver" build -ldflags "$k8s_ldflags" -o "$tmp/" \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kube-proxy
  for b in $node_bins; do mv -f "$tmp/$b" "$BIN/"; done
  done_group node
  log "built $node_bins in $((SECONDS - start))s"
fi

# --- CoreDNS, echo-basic, pause ------------------------------------------------------------------------
# build_one NAME DIR PACKAGE: a static binary of PACKAGE built in module DIR.
build_one() {
  local name=$1 dir=$2 pkg=$3 start=$SECONDS inputs
  mapfile -t inputs < <(find "$dir" -maxdepth 1 -name 'go.*' -o -maxdepth 1 -name '*.go' | sort)
  if cached "$name" "$name" "${inputs[@]}"; then
    log "cached: $name"
    return
  fi
  log "building $name"
  go -C "$dir" build -ldflags "-s -w" -o "$tmp/$name" "$pkg"
  mv -f "$tmp/$name" "$BIN/$name"
  done_group "$name"
  log "built $name in $((SECONDS - start))s"
}
build_one coredns "$HERE/coredns" .
build_one echo-basic "$HERE/echo" sigs.k8s.io/gateway-api/conformance/echo-basic
build_one pause "$HERE/pause" .

# --- the rate limit service and Redis (provisioned for Global rate limits) --------------------------------
"$ROOT/hack/ratelimit/build.sh" # its own stamp; PORTICO_RATELIMIT_DIR as there
"$ROOT/hack/ratelimit/redis-server.sh" # Debian's redis-server, when missing

# --- images (hack/cluster/images.py: each rewritten only when its content changed) -----------------------
[[ -f $ROOT/dist/src/cli/main.js ]] || { log "no dist/ (Portico's image holds it): run make build"; exit 1; }
start=$SECONDS
python3 "$HERE/images.py" --bin "$BIN" --out "$CLUSTER_DIR/images" \
  --ratelimit-bin "${PORTICO_RATELIMIT_DIR:-$ROOT/.cache/ratelimit}/ratelimit"
log "images ready in $((SECONDS - start))s: $CLUSTER_DIR/images"
