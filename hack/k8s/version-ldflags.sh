# shellcheck shell=bash
# Sourced by hack/k8s/build.sh and hack/cluster/build.sh (expects HERE_K8S = hack/k8s): sets
# K8S_VERSION and k8s_ldflags, which stamp the Kubernetes version the way upstream's
# hack/lib/version.sh does, so /version and `kubectl version` report v1.Y.Z instead of
# v0.0.0-master. The build date is the module's publication time, which keeps the build reproducible.
K8S_VERSION=$(go -C "$HERE_K8S/apiserver" list -m -f '{{.Version}}' k8s.io/kubernetes)
IFS=. read -r k8s_major k8s_minor _ <<<"${K8S_VERSION#v}"
k8s_build_date=$(go -C "$HERE_K8S/apiserver" mod download -json k8s.io/kubernetes |
  sed -n 's/.*"Info": "\(.*\)".*/\1/p' | xargs sed -n 's/.*"Time":"\([^"]*\)".*/\1/p')
k8s_ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=$k8s_major -X $pkg.gitMinor=$k8s_minor"
  k8s_ldflags+=" -X $pkg.gitCommit= -X $pkg.gitTreeState=clean -X $pkg.buildDate=${k8s_build_date:-1970-01-01T00:00:00Z}"
done
