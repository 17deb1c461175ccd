#!/usr/bin/env bash
# Builds what `make bench-cluster` needs besides the cluster's own parts (hack/cluster/build.sh):
#   - Envoy Gateway's control plane, from its Go module at the pin in hack/bench-cluster/envoy-gateway
#     (the program its upstream image runs), and its image (hack/cluster/images.py envoy-gateway);
#   - Helm, from its Go module (hack/bench-cluster/helm), to install Envoy Gateway from its own chart;
#   - that chart, copied from Envoy Gateway's Go module (charts/gateway-helm) with its values template
#     filled in as Envoy Gateway's release does (the image: ours, built here).
# Into .cache/bench-cluster (bin, images, chart). Each part is a no-op when its stamp (inputs, Go
# toolchain, flags) matches. Nothing is fetched except Go modules through GOPROXY, checked against
# the committed go.sum files (-mod=readonly).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${PORTICO_BENCH_CLUSTER_DIR:-$ROOT/.cache/bench-cluster}
BIN=$OUT/bin
mkdir -p "$BIN" "$OUT/images"

log() { printf 'bench-cluster-build: %s\n' "$*" >&2; }

exec 9>"$OUT/.build.lock"
flock 9

export CGO_ENABLED=0
export GOFLAGS="-trimpath -buildvcs=false -mod=readonly"
export GOTOOLCHAIN=local

# build NAME MODULE-DIR PACKAGE: go build PACKAGE in MODULE-DIR into $BIN/NAME unless its stamp matches.
build() {
  local name=$1 dir=$2 pkg=$3 stamp start=$SECONDS
  stamp=$({
    go version
    echo "$GOFLAGS CGO_ENABLED=$CGO_ENABLED $pkg"
    cat "$dir/go.mod" "$dir/go.sum" "$HERE/build.sh"
  } | sha256sum | cut -d' ' -f1)
  if [[ -x $BIN/$name && -f $BIN/.stamp-$name && $(cat "$BIN/.stamp-$name") == "$stamp" ]]; then
    log "cached: $name"
    return
  fi
  log "building $name ($pkg; a cold build takes minutes)"
  (cd "$dir" && go build -o "$BIN/$name.new" "$pkg")
  mv -f "$BIN/$name.new" "$BIN/$name"
  echo "$stamp" >"$BIN/.stamp-$name"
  log "built $name in $((SECONDS - start)) s"
}

build envoy-gateway "$HERE/envoy-gateway" github.com/envoyproxy/gateway/cmd/envoy-gateway
build helm "$HERE/helm" helm.sh/helm/v3/cmd/helm

python3 "$ROOT/hack/cluster/images.py" --bin "$BIN" --out "$OUT/images" \
  --envoy-gateway-bin "$BIN/envoy-gateway" envoy-gateway

# The chart, from the module the binary was built from (read-only in the module cache: copied).
version=$(go -C "$HERE/envoy-gateway" list -m -f '{{.Version}}' github.com/envoyproxy/gateway)
module=$(go -C "$HERE/envoy-gateway" list -m -f '{{.Dir}}' github.com/envoyproxy/gateway)
[[ -d $module/charts/gateway-helm ]] || {
  go -C "$HERE/envoy-gateway" mod download github.com/envoyproxy/gateway
  module=$(go -C "$HERE/envoy-gateway" list -m -f '{{.Dir}}' github.com/envoyproxy/gateway)
}
chart=$OUT/chart/gateway-helm
rm -rf "$OUT/chart"
mkdir -p "$OUT/chart"
cp -R "$module/charts/gateway-helm" "$chart"
chmod -R u+w "$OUT/chart"
# What Envoy Gateway's release does to the chart: its version, and the values template's image.
sed -i "s/^version: .*/version: $version/; s/^appVersion: .*/appVersion: \"$version\"/" "$chart/Chart.yaml"
image="portico.local/bench/envoy-gateway:$version"
sed -e "s|\${GatewayImage}|$image|" -e "s|\${GatewayImagePullPolicy}|IfNotPresent|" \
  "$chart/values.tmpl.yaml" >"$chart/values.yaml"
rm -f "$chart/values.tmpl.yaml"
log "chart: $chart (Envoy Gateway $version, image $image)"
