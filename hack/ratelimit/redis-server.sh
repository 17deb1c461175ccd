#!/usr/bin/env bash
# Installs Debian's redis-server (the store the Envoy rate limit service counts in) when it is
# missing, the way hack/cluster/host-packages.sh installs the cluster's packages. A no-op when it
# is there. The package's own service is never started: Portico (standalone mode) and the rate
# limit end-to-end test run redis-server themselves, on a loopback port of their own.
set -euo pipefail

PACKAGES=(redis-server)
log() { printf 'redis-server: %s\n' "$*" >&2; }

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
