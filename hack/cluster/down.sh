#!/usr/bin/env bash
# Removes everything hack/cluster/up.sh made, whatever state it is in (a running cluster, a
# half-started one, the leftovers of a killed run): the processes (by PID file, and the pods' own
# processes through their cgroups), mounts, network namespaces, the bridge, the iptables rules and
# chains, the state directories; and restores the sysctls the cluster changed. Keeps binaries,
# images and credentials. Safe to run when nothing is there (it then does nothing).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
log() { printf 'cluster-down: %s\n' "$*" >&2; }
# shellcheck source=hack/cluster/lib.sh
source "$HERE/lib.sh"
mkdir -p "$RUN"

# up.sh calls this with the lock already held (CLUSTER_LOCKED=1).
if [[ ${CLUSTER_LOCKED:-} != 1 ]]; then
  exec 8>"$CLUSTER_DIR/.up.lock"
  flock 8
fi

# --- processes ---------------------------------------------------------------------------------------
# The kubelet first: it would restart what the rest of this removes.
for name in kubelet kube-proxy kube-scheduler kube-controller-manager; do stop "$name"; done

# Pods: ask containerd to kill every container while it still runs, then kill whatever is left in
# the pods' cgroups (containerd may already be gone after a killed run) and the shims serving our
# containerd's socket.
if running containerd; then
  for id in $(ctr tasks ls -q 2>/dev/null); do ctr tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; done
fi
kill_cgroup_tree() {
  local dir=$1 pid
  [[ -d $dir ]] || return 0
  while read -r pid; do
    if [[ -n $pid ]]; then kill -KILL "$pid" 2>/dev/null || true; fi
  done < <(find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null)
}
for _ in 1 2 3; do kill_cgroup_tree /sys/fs/cgroup/pids/kubepods; done
for proc in /proc/[0-9]*; do
  [[ $(readlink "$proc/exe" 2>/dev/null) == /usr/bin/containerd-shim-runc-v2 ]] || continue
  if tr '\0' '\n' <"$proc/cmdline" 2>/dev/null | grep -qxF "$CONTAINERD_SOCK"; then
    kill -KILL "${proc#/proc/}" 2>/dev/null || true
  fi
done
for name in containerd kube-apiserver etcd; do stop "$name"; done

# --- mounts, network namespaces, cgroups ---------------------------------------------------------------
# Deepest first: pod volumes and container root filesystems under $STATE, and the network namespaces
# containerd bind-mounted under /run/netns (cni-<uuid>, named by containerd's CRI plugin; nothing
# else on these machines makes them).
mapfile -t mounts < <(findmnt -rn -o TARGET | awk -v s="$STATE/" 'index($0, s) == 1' | sort -r)
for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "cannot unmount $m"; done
for ns in /run/netns/cni-*; do
  [[ -e $ns ]] || continue
  ip netns delete "${ns##*/}" 2>/dev/null || { umount "$ns" 2>/dev/null; rm -f "$ns"; }
done
# The kubelet links each container's log into /var/log/containers (a fixed path); the logs
# themselves are in $STATE/pod-logs (podLogsDir).
for link in /var/log/containers/*.log; do
  [[ -L $link && $(readlink "$link") == "$STATE/"* ]] && rm -f "$link"
done
for controller in /sys/fs/cgroup/*/; do
  [[ -d $controller/kubepods ]] || continue
  find "$controller/kubepods" -depth -type d -exec rmdir {} \; 2>/dev/null || true
done

# Directories at fixed host paths that did not exist before the cluster started (lib.sh).
if [[ -f $RUN/host-paths.created ]]; then
  while read -r path; do
    if [[ $path == /?* ]]; then rm -rf --one-file-system "$path"; fi
  done < <(sort -u "$RUN/host-paths.created")
  rm -f "$RUN/host-paths.created"
fi

# --- host settings: forwarding off (restored) before the containment rules go ----------------------------
if [[ -f $RUN/sysctl.orig ]]; then
  while read -r key value; do
    sysctl -q -w "$key=$value" >/dev/null 2>&1 || log "cannot restore $key=$value"
  done <"$RUN/sysctl.orig"
  rm -f "$RUN/sysctl.orig"
  log "restored host sysctls (net.ipv4.ip_forward=$(sysctl -n net.ipv4.ip_forward))"
fi

# --- iptables: kube-proxy's rules, the kubelet's canary chains, the containment chain -------------------
if [[ -x $BIN/kube-proxy ]] && iptables-save 2>/dev/null | grep -q -- '-j KUBE-\|^:KUBE-'; then
  "$BIN/kube-proxy" --cleanup >"$RUN/kube-proxy-cleanup.log" 2>&1 || true
fi
# Whatever KUBE-* or containment chains remain, in every table: first every rule jumping to one, then
# the chains. (Nothing else on these machines creates KUBE-* chains.)
for table in filter nat mangle raw; do
  iptables-save -t "$table" 2>/dev/null | sed -n "s/^-A \(.*-j \(KUBE-[A-Z0-9-]*\|$CONTAINMENT_CHAIN\)\)\$/\1/p" |
    while read -r rule; do
      # shellcheck disable=SC2086 # the rule's words, as iptables-save printed them
      eval "iptables -t $table -D $rule" 2>/dev/null || true
    done
  for chain in $(iptables-save -t "$table" 2>/dev/null | sed -n "s/^:\(KUBE-[A-Z0-9-]*\|$CONTAINMENT_CHAIN\) .*/\1/p"); do
    iptables -t "$table" -F "$chain" 2>/dev/null || true
  done
  for chain in $(iptables-save -t "$table" 2>/dev/null | sed -n "s/^:\(KUBE-[A-Z0-9-]*\|$CONTAINMENT_CHAIN\) .*/\1/p"); do
    iptables -t "$table" -X "$chain" 2>/dev/null || log "cannot delete iptables chain $table/$chain"
  done
done

# --- the bridge (its routes go with it), state --------------------------------------------------------
if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link delete "$BRIDGE"; fi
if [[ -d $STATE ]]; then
  if findmnt -rn -o TARGET | awk -v s="$STATE/" 'index($0, s) == 1' | grep -q .; then
    log "mounts remain under $STATE: not removing it"
    exit 1
  fi
  rm -rf --one-file-system "$STATE"
fi
rm -f "$KUBECONFIG_OUT" "$CLUSTER_DIR/env"
log "down"
