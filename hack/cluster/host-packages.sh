#!/usr/bin/env bash
# Installs the Debian packages the cluster (hack/cluster/up.sh) runs on the host, when one is
# missing: containerd and runc (the container runtime), containernetworking-plugins (bridge,
# host-local, loopback in /usr/lib/cni), iptables (kube-proxy, the containment rules) and conntrack
# (kube-proxy flushes stale UDP entries with it). A no-op when all are there. Debian 12 (bookworm)
# is what this was written on; containerd is started by up.sh, never as a system service.
set -euo pipefail

PACKAGES=(containerd runc containernetworking-plugins iptables conntrack)
log() { printf 'cluster-host: %s\n' "$*" >&2; }

missing=()
for pkg in "${PACKAGES[@]}"; do
  [[ $(dpkg-query -W -f '${db:Status-Status}' "$pkg" 2>/dev/null) == installed ]] || missing+=("$pkg")
done
((${#missing[@]})) || exit 0
[[ $(id -u) == 0 ]] || {
  log "missing Debian packages: ${missing[*]} (run as root, or: apt-get install ${missing[*]})"
  exit 1
}
log "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d 101: the package's service is not started (on a machine with an init system).
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
log "installed: $(dpkg-query -W -f '${Package} ${Version}, ' "${missing[@]}")"
