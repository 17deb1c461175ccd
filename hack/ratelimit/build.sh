#!/usr/bin/env bash
# Builds the Envoy rate limit service (github.com/envoyproxy/ratelimit, the commit pinned in
# hack/ratelimit/go.mod) into .cache/ratelimit/ratelimit (PORTICO_RATELIMIT_DIR overrides
# .cache/ratelimit). Portico runs it, with a local redis-server, for BackendTrafficPolicy Global
# rate limits in standalone mode (PORTICO_RATELIMIT_BIN names another binary), and the rate limit
# end-to-end test uses it. A no-op when the binary there was built from the same go.mod, go.sum,
# main.go, Go toolchain and flags; RATELIMIT_REBUILD=1 forces a build.
#
# Nothing is fetched except Go modules through GOPROXY, checked against the committed go.sum
# (-mod=readonly: a build never edits go.mod or go.sum). About a minute with a warm module cache.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT_DIR=${PORTICO_RATELIMIT_DIR:-$ROOT/.cache/ratelimit}
mkdir -p "$OUT_DIR"

log() { printf 'ratelimit-build: %s\n' "$*" >&2; }

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
if [[ ${RATELIMIT_REBUILD:-} != 1 && -f $OUT_DIR/.stamp && $(cat "$OUT_DIR/.stamp") == "$stamp" && -x $OUT_DIR/ratelimit ]]; then
  log "cached: $OUT_DIR/ratelimit"
  exit 0
fi

tmp=$(mktemp -d "$OUT_DIR/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS
log "building the rate limit service $(go -C "$HERE" list -m -f '{{.Version}}' github.com/envoyproxy/ratelimit)"
go -C "$HERE" build -ldflags "-s -w" -o "$tmp/ratelimit" .
mv -f "$tmp/ratelimit" "$OUT_DIR/ratelimit"
echo "$stamp" >"$OUT_DIR/.stamp"
log "built in $((SECONDS - start))s: $OUT_DIR/ratelimit"
