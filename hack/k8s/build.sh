#!/usr/bin/env bash
# Builds kube-apiserver, kubectl and etcd from the Go modules pinned in hack/k8s/{apiserver,etcd}
# into .cache/k8s/bin (PORTICO_K8S_DIR overrides .cache/k8s). A no-op when the binaries there were
# built from the same go.mod, go.sum, Go toolchain and flags; K8S_REBUILD=1 forces a build.
#
# Nothing is fetched except Go modules through GOPROXY, checked against the committed go.sum
# (-mod=readonly: a build never edits go.mod or go.sum).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
K8S_DIR=${PORTICO_K8S_DIR:-$ROOT/.cache/k8s}
BIN=$K8S_DIR/bin
mkdir -p "$BIN"

log() { printf 'k8s-build: %s\n' "$*" >&2; }

# One build at a time (two `make k8s-up` at once must not race on the same output files).
exec 9>"$K8S_DIR/.build.lock"
flock 9

export CGO_ENABLED=0
export GOFLAGS="-trimpath -buildvcs=false -mod=readonly"
export GOTOOLCHAIN=local # build with this machine's Go; never download another toolchain

mod_version() { go -C "$HERE/$1" list -m -f '{{.Version}}' "$2"; }
K8S_VERSION=$(mod_version apiserver k8s.io/kubernetes)
ETCD_VERSION=$(mod_version etcd go.etcd.io/etcd/server/v3)

# The stamp names everything that decides the binaries' bytes.
stamp=$(
  {
    go version
    echo "$GOFLAGS CGO_ENABLED=$CGO_ENABLED"
    cat "$HERE"/{build.sh,version-ldflags.sh} "$HERE"/apiserver/go.{mod,sum} "$HERE"/etcd/{go.mod,go.sum,main.go}
  } | sha256sum | cut -d' ' -f1
)
if [[ ${K8S_REBUILD:-} != 1 && -f $BIN/.stamp && $(cat "$BIN/.stamp") == "$stamp" ]] &&
  [[ -x $BIN/kube-apiserver && -x $BIN/kubectl && -x $BIN/etcd ]]; then
  log "cached: kube-apiserver/kubectl $K8S_VERSION, etcd $ETCD_VERSION in $BIN"
  exit 0
fi

HERE_K8S=$HERE
# shellcheck source=hack/k8s/version-ldflags.sh
source "$HERE/version-ldflags.sh"

tmp=$(mktemp -d "$BIN/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

start=$SECONDS
log "building etcd $ETCD_VERSION"
go -C "$HERE/etcd" build -ldflags "-s -w" -o "$tmp/etcd" .
log "building kube-apiserver and kubectl $K8S_VERSION (several minutes on a cold Go build cache)"
go -C "$HERE/apiserver" build -ldflags "$k8s_ldflags" -o "$tmp/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl

mv -f "$tmp/etcd" "$tmp/kube-apiserver" "$tmp/kubectl" "$BIN/"
echo "$stamp" >"$BIN/.stamp"
log "built in $((SECONDS - start))s: $(cd "$BIN" && du -h kube-apiserver kubectl etcd | tr '\t\n' ' ')"
