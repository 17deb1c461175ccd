#!/usr/bin/env bash
# `make conformance`: the whole cluster check, from nothing to a report and back to nothing.
#
#   1. build (cached): the cluster's binaries and images (build.sh) and the conformance suite;
#   2. start a fresh single-node cluster (up.sh; it first removes whatever a killed run left);
#   3. install Portico as the README tells a user and curl through a provisioned Envoy (smoke.sh);
#   4. run the upstream conformance suite v1.7.0 for the five gateway profiles with the features the
#      GatewayClass reports (conformance.sh), report in .cache/conformance/report.yaml;
#   5. remove the cluster again (down.sh), also after a failure or Ctrl-C.
#
# Prints each phase's duration (also written to .cache/conformance/phases.txt, for
# docs/BENCHMARKS.md) and the report's path last. Exits non-zero when a phase or a test fails.
#
# Environment: PROFILES (default: the five gateway profiles), CONFORMANCE_ARGS (extra suite flags,
# e.g. "--run-test HTTPRouteCORS"), PORTICO_CLUSTER_KEEP=1 leaves the cluster running afterwards for
# a look (make cluster-down removes it).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
log() { printf 'conformance: %s\n' "$*" >&2; }
# shellcheck source=hack/cluster/lib.sh
source "$HERE/lib.sh"

[[ $(id -u) == 0 ]] || {
  log "needs root (the cluster creates a bridge, iptables rules and mounts)"
  exit 1
}

export PROFILES=${PROFILES:-GATEWAY-HTTP,GATEWAY-GRPC,GATEWAY-TLS,GATEWAY-TCP,GATEWAY-UDP}
REPORT_DIR=$ROOT/.cache/conformance
PHASES=$REPORT_DIR/phases.txt
mkdir -p "$REPORT_DIR"
: >"$PHASES"

phase_start=$SECONDS
phase() { # phase NAME COMMAND...: runs it, records its duration whatever its outcome
  local name=$1 status=0
  shift
  phase_start=$SECONDS
  log "$name ..."
  "$@" || status=$?
  printf '%-12s %5ss  exit %s\n' "$name" "$((SECONDS - phase_start))" "$status" | tee -a "$PHASES" |
    sed 's/^/conformance: phase /' >&2
  return "$status"
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ ${PORTICO_CLUSTER_KEEP:-} == 1 ]]; then
    log "PORTICO_CLUSTER_KEEP=1: the cluster stays up (make cluster-down removes it)"
  else
    phase down "$HERE/down.sh" || status=1
  fi
  [[ ! -f $REPORT_DIR/report.yaml ]] || echo "$REPORT_DIR/report.yaml"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -f "$REPORT_DIR/report.yaml"
phase build-cluster "$HERE/build.sh"
phase build-suite "$HERE/conformance.sh" --build-only
phase up "$HERE/up.sh"
phase smoke "$HERE/smoke.sh"
phase policies "$HERE/policy-smoke.sh"
phase traffic "$HERE/traffic-smoke.sh"
# conformance.sh prints the report's path; cleanup prints it last, after the cluster is gone.
phase suite "$HERE/conformance.sh" ${CONFORMANCE_ARGS:-} >/dev/null
