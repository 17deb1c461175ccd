#!/usr/bin/env bash
# Builds the OpenTelemetry Collector pinned in hack/otelcol/go.mod (v0.165.0: the OTLP receiver,
# batch processor, debug and OTLP/HTTP exporters) into .cache/otelcol/otelcol
# (PORTICO_OTELCOL_DIR overrides .cache/otelcol), for the tracing end-to-end test
# (test/e2e/telemetry-tracing.test.ts). A no-op when the binary there was built from the same
# go.mod, go.sum, main.go, Go toolchain and flags; OTELCOL_REBUILD=1 forces a build.
#
# Nothing is fetched except Go modules through GOPROXY, checked against the committed go.sum
# (-mod=readonly: a build never edits go.mod or go.sum). About a minute with a warm module cache.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT_DIR=${PORTICO_OTELCOL_DIR:-$ROOT/.cache/otelcol}
mkdir -p "$OUT_DIR"

log() { printf 'otelcol-build: %s\n' "$*" >&2; }

# One build at a time (two test runs at once must not race on the same output file).
exec 9>"$OUT_DIR/.build.lock"
flock 9

export CGO_ENABLED=0
export GOFLAGS="-trimpath -buildvcs=false -mod=readonly"
export GOTOOLCHAIN=local # build with this machine's Go; never download another toolchain

stamp=$(
  {
    go version
    echo "$GOFLAGS CGO_ENABLED=$CGO_ENABLED"
    cat "$HERE"/{build.sh,go.mod,go.sum,main.go}
  } | sha256sum | cut -d' ' -f1
)
if [[ ${OTELCOL_REBUILD:-} != 1 && -f $OUT_DIR/.stamp && $(cat "$OUT_DIR/.stamp") == "$stamp" && -x $OUT_DIR/otelcol ]]; then
  log "cached: $OUT_DIR/otelcol"
  exit 0
fi

tmp=$(mktemp -d "$OUT_DIR/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS
log "building the OpenTelemetry Collector $(go -C "$HERE" list -m -f '{{.Version}}' go.opentelemetry.io/collector/otelcol)"
go -C "$HERE" build -ldflags "-s -w" -o "$tmp/otelcol" .
mv -f "$tmp/otelcol" "$OUT_DIR/otelcol"
echo "$stamp" >"$OUT_DIR/.stamp"
log "built in $((SECONDS - start))s: $OUT_DIR/otelcol"
