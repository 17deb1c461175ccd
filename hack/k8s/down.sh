#!/usr/bin/env bash
# Stops the test API server started by hack/k8s/up.sh (kube-apiserver, then etcd). Keeps the
# binaries and credentials in .cache/k8s; the next k8s-up starts from an empty etcd.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
K8S_DIR=${PORTICO_K8S_DIR:-$ROOT/.cache/k8s}
# shellcheck disable=SC2034 # read by lib.sh
BIN=$K8S_DIR/bin
RUN=$K8S_DIR/run

log() { printf 'k8s-down: %s\n' "$*" >&2; }

[[ -d $RUN ]] || exit 0
exec 9>"$K8S_DIR/.up.lock"
flock 9
# shellcheck source=hack/k8s/lib.sh
source "$HERE/lib.sh"

stop kube-apiserver
stop etcd
rm -f "$RUN/crds.applied" "$K8S_DIR/kubeconfig" "$K8S_DIR/env"
log "down"
