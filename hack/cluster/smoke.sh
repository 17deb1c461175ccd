#!/usr/bin/env bash
# Traffic smoke test of the cluster hack/cluster/up.sh started: installs Portico and tries it the way
# the README's "Deploy to a cluster" section tells a user, by running that section's shell blocks
# as written, with three substitutions a machine without registries needs:
#   - the Gateway API CRD bundle URL is replaced by the same release's vendored CRDs
#     (third_party/gateway-api-vX/crd/experimental; the versions must match);
#   - `docker build`/`docker push` lines are skipped: hack/cluster/images.py built the image from the
#     Dockerfile's final stage and up.sh imported it under the name manifests/deployment.yaml uses;
#   - `portico` is this checkout's bin/portico.js, `kubectl` the cluster's.
# Then it checks what the README promises: the controller Deployment runs from that image, Portico
# provisioned an Envoy Deployment for the Gateway, and the README's curl through the Gateway's
# address reached the echo backend's Pod.
#
# It leaves what it installed in place (make cluster-down removes everything).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
log() { printf 'cluster-smoke: %s\n' "$*" >&2; }
fail() {
  log "FAIL: $*"
  exit 1
}
# shellcheck source=hack/cluster/lib.sh
source "$HERE/lib.sh"
[[ -f $KUBECONFIG_OUT ]] || fail "no cluster ($KUBECONFIG_OUT missing): make cluster-up"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t0=$SECONDS

# --- the README's section, as a script ----------------------------------------------------------------
section=$(awk '/^## Deploy to a cluster/ { on = 1; next } on && /^##+ / { exit } on' "$ROOT/README.md")
[[ -n $section ]] || fail "README.md has no '## Deploy to a cluster' section"
# Every ```sh block, in order, its lines unindented.
blocks=$(awk '/^ *```sh *$/ { on = 1; next } /^ *``` *$/ { on = 0; next } on { sub(/^ +/, ""); print }' <<<"$section")
[[ -n $blocks ]] || fail "README.md's 'Deploy to a cluster' section has no sh blocks"

script=$tmp/readme.sh
{
  echo 'set -euxo pipefail'
  while IFS= read -r line; do
    if [[ $line =~ https://github.com/kubernetes-sigs/gateway-api/releases/download/(v[0-9.]+)/experimental-install.yaml ]]; then
      version=${BASH_REMATCH[1]}
      crds=$ROOT/third_party/gateway-api-$version/crd/experimental
      [[ -d $crds ]] || fail "README installs Gateway API $version; no vendored $crds"
      for f in "$crds"/gateway*.yaml; do
        cat "$f"
        echo ---
      done >"$tmp/experimental-install.yaml"
      echo "${line/${BASH_REMATCH[0]}/$tmp/experimental-install.yaml}"
    elif [[ $line =~ ^docker[[:space:]] ]]; then
      echo "# skipped (the image is imported, not pushed): $line"
    else
      echo "$line"
    fi
  done <<<"$blocks"
} >"$script"

mkdir -p "$tmp/bin"
printf '#!/bin/sh\nexec node %q "$@"\n' "$ROOT/bin/portico.js" >"$tmp/bin/portico"
chmod +x "$tmp/bin/portico"
ln -s "$BIN/kubectl" "$tmp/bin/kubectl"

# What a failure needs explaining: the Gateways' conditions, the Pods, the Lease holder (the replica
# that writes status) and which controller replica each Envoy's xDS connection reached (conntrack).
diagnose() {
  {
    echo "--- Gateways"
    kubectl get gateways -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}: {range .status.conditions[*]}{.type}={.status} ({.message}); {end}{"\n"}{end}'
    echo "--- Pods"
    kubectl get pods -A -o wide
    echo "--- Lease holder: $(kubectl -n portico-system get lease portico-leader -o jsonpath='{.spec.holderIdentity}' 2>/dev/null)"
    echo "--- xDS connections (Envoy Pod IP -> controller Pod IP:18000)"
    conntrack -L -p tcp --orig-port-dst 18000 2>/dev/null | sed -n 's/.*ESTABLISHED src=\([0-9.]*\) .* src=\([0-9.]*\) dst=.* sport=18000 .*/\1 -> \2/p'
  } >&2 || true
}

log "running README.md's 'Deploy to a cluster' commands ($(grep -c . "$script") lines, log: $RUN/smoke-readme.log)"
# CRDs Established and the controller's rollout are what a user waits for between the steps; the
# README's own `kubectl wait` for the Gateway covers the rest.
(
  cd "$ROOT"
  export KUBECONFIG=$KUBECONFIG_OUT PATH=$tmp/bin:$PATH
  bash "$script"
) >"$tmp/out" 2>"$RUN/smoke-readme.log" || {
  tail -n 40 "$RUN/smoke-readme.log" >&2
  diagnose
  fail "a README command failed (above)"
}
log "README commands done in $((SECONDS - t0))s"

# --- what they should have achieved -------------------------------------------------------------------------
image=$(sed -n 's/^ *image: *//p' "$ROOT/manifests/deployment.yaml")
running=$(kubectl -n portico-system get pods -l app.kubernetes.io/name=portico,app.kubernetes.io/component=controller \
  -o jsonpath='{range .items[*]}{.status.containerStatuses[0].image}{" "}{.status.containerStatuses[0].ready}{"\n"}{end}')
grep -q " true$" <<<"$running" || fail "no ready Portico controller Pod: $running"
log "ok: Portico controller Pods (image $image): $(tr '\n' ';' <<<"$running")"

envoy=$(kubectl get deployments -A -l app.kubernetes.io/managed-by=portico,app.kubernetes.io/component=envoy \
  -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name} {.status.readyReplicas}{"\n"}{end}')
[[ -n $envoy ]] || fail "Portico provisioned no Envoy Deployment"
grep -qE " [1-9]" <<<"$envoy" || fail "no provisioned Envoy Deployment is ready: $envoy"
log "ok: Envoy Deployments provisioned by Portico: $(tr '\n' ';' <<<"$envoy")"

# The README's last command is the curl through the Gateway: its output is the echo server's JSON.
body=$(cat "$tmp/out")
pod=$(sed -n 's/^ *"pod": "\(.*\)",*$/\1/p' <<<"$body")
[[ $pod == echo-* ]] || fail "the curl through the Gateway did not reach the echo backend; it printed: $body"
kubectl get pod "$pod" >/dev/null 2>&1 || fail "the answer names pod $pod, which does not exist"
addr=$(kubectl get gateway example -o jsonpath='{.status.addresses[0].value}')
log "ok: curl through Gateway default/example at $addr:8080 reached pod $pod"
log "PASS in $((SECONDS - t0))s"
