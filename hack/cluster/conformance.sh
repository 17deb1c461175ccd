#!/usr/bin/env bash
# Builds the Gateway API conformance suite v1.7.0 (hack/cluster/conformance) as a test binary,
# cached in .cache/cluster/bin/conformance.test, and runs it against the cluster of
# hack/cluster/up.sh, in which Portico must already be installed (hack/cluster/smoke.sh does that).
# The report goes to .cache/conformance/report.yaml; its path is printed last. Exits non-zero when a
# test fails.
#
#   hack/cluster/conformance.sh [--build-only] [SUITE FLAGS...]
#
# Default suite flags: --gateway-class portico --conformance-profiles $PROFILES (GATEWAY-HTTP),
# features from the GatewayClass's status.supportedFeatures (none given). Extra flags are passed on,
# e.g. --supported-features Gateway,HTTPRoute for the core tests only, or --run-test NAME. The
# report's implementation URL and contact are placeholders unless CONFORMANCE_URL and
# CONFORMANCE_CONTACT are set (the suite refuses empty ones); set them before submitting a report.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
log() { printf 'cluster-conformance: %s\n' "$*" >&2; }
# shellcheck source=hack/cluster/lib.sh
source "$HERE/lib.sh"

MOD=$HERE/conformance
# The suite's go.mod says go 1.27.0; the toolchain line of $MOD/go.mod names the one to use, which
# the Go module proxy serves (this is the only build that does not use the machine's Go).
TOOLCHAIN=$(sed -n 's/^toolchain //p' "$MOD/go.mod")
export GOTOOLCHAIN=$TOOLCHAIN CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false -mod=readonly"
TEST_BIN=$BIN/conformance.test

# --- build (cached) ----------------------------------------------------------------------------------------
mkdir -p "$BIN"
exec 9>"$CLUSTER_DIR/.build.lock"
flock 9
stamp=$(cat "$HERE/conformance.sh" "$MOD"/go.mod "$MOD"/go.sum <(echo "$GOTOOLCHAIN $GOFLAGS") | sha256sum | cut -d' ' -f1)
if [[ ${CLUSTER_REBUILD:-} != 1 && -x $TEST_BIN && -f $BIN/.stamp-conformance && $(cat "$BIN/.stamp-conformance") == "$stamp" ]]; then
  log "cached: $TEST_BIN"
else
  start=$SECONDS
  log "building the conformance suite $(go -C "$MOD" list -m -f '{{.Version}}' sigs.k8s.io/gateway-api/conformance) with $TOOLCHAIN (a few minutes)"
  go -C "$MOD" test -c -o "$TEST_BIN.tmp" sigs.k8s.io/gateway-api/conformance
  mv -f "$TEST_BIN.tmp" "$TEST_BIN"
  echo "$stamp" >"$BIN/.stamp-conformance"
  log "built in $((SECONDS - start))s"
fi
exec 9>&-
[[ ${1:-} != --build-only ]] || exit 0

# --- run -------------------------------------------------------------------------------------------------------
[[ -f $KUBECONFIG_OUT ]] || {
  log "no cluster ($KUBECONFIG_OUT missing): make cluster-up, then make cluster-smoke (installs Portico)"
  exit 1
}
# A 2-core node: the Envoys of the suite's Gateways ask for little CPU (conformance-parameters.yaml).
KUBECONFIG=$KUBECONFIG_OUT "$BIN/kubectl" apply --server-side -f "$HERE/conformance-parameters.yaml" >/dev/null
KUBECONFIG=$KUBECONFIG_OUT "$BIN/kubectl" patch gatewayclass portico --type merge -p \
  '{"spec":{"parametersRef":{"group":"gateway.portico.dev","kind":"EnvoyProxyParameters","name":"conformance","namespace":"portico-system"}}}' >/dev/null
REPORT_DIR=$ROOT/.cache/conformance
REPORT=$REPORT_DIR/report.yaml
mkdir -p "$REPORT_DIR"
rm -f "$REPORT"
# The report names Portico's release (package.json), as upstream's reports do; the commit goes in the
# log and in docs/conformance/ next to a committed report.
version=v$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$ROOT/package.json")
log "Portico $version at $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '(no git)')"
# GatewayStaticAddresses asks for one address Portico can give a Gateway and one it cannot. In this
# cluster a Gateway's address is its Service's cluster IP (Service CIDR 10.96.0.0/16, lib.sh):
# 10.96.0.200 is free and in the low band Kubernetes keeps for static assignment, so nothing else
# takes it; 10.96.0.1 is always held by the `kubernetes` Service, so Portico reports it unusable.
USABLE_ADDRESS=${CONFORMANCE_USABLE_ADDRESS:-10.96.0.200}
UNUSABLE_ADDRESS=${CONFORMANCE_UNUSABLE_ADDRESS:-$API_SERVICE_IP}
start=$SECONDS
status=0
# -test.run '^TestConformance$': a plain TestConformance pattern also runs unit tests that fail.
# The suite's base manifests and tests are embedded in the binary; it runs from $REPORT_DIR so that
# anything it writes relative to its working directory stays in the cache.
(
  cd "$REPORT_DIR"
  KUBECONFIG=$KUBECONFIG_OUT "$TEST_BIN" -test.run '^TestConformance$' -test.v -test.timeout 90m \
    --gateway-class portico --conformance-profiles "${PROFILES:-GATEWAY-HTTP}" \
    --organization portico --project portico --version "$version" \
    --url "${CONFORMANCE_URL:-https://portico.invalid/}" --contact "${CONFORMANCE_CONTACT:-portico maintainers}" \
    --usable-address "$USABLE_ADDRESS" --unusable-address "$UNUSABLE_ADDRESS" \
    --report-output "$REPORT" --cleanup-base-resources=true "$@"
) >"$RUN/conformance.log" 2>&1 || status=$?
# Each test is a subtest of TestConformance: count those (not their own subtests), name the failures.
grep -E '^    --- (PASS|FAIL|SKIP)' "$RUN/conformance.log" | awk '{print $2}' | sort | uniq -c |
  sed 's/^ */cluster-conformance: tests /' >&2 || true
grep -E '^    --- FAIL' "$RUN/conformance.log" | sed 's/^ *--- FAIL: */cluster-conformance:   failed: /' >&2 || true
[[ ! -f $REPORT ]] || sed -n '/^profiles:/,/^[a-z]/p' "$REPORT" | sed '$d' | sed 's/^/cluster-conformance: | /' >&2
# A suite that stopped before running any test (it refuses CRDs of another release, for one) says why
# at the end of its log.
if [[ $status != 0 ]] && ! grep -qE '^    --- FAIL' "$RUN/conformance.log"; then
  tail -n 25 "$RUN/conformance.log" | sed 's/^/cluster-conformance: log: /' >&2
fi
log "suite finished in $((SECONDS - start))s with status $status (log: $RUN/conformance.log)"
[[ -f $REPORT ]] && echo "$REPORT"
exit "$status"
