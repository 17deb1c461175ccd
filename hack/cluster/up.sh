#!/usr/bin/env bash
# Starts a single-node Kubernetes cluster from real parts (docs/real-cluster.md): containerd (Debian
# package) with runc and the CNI bridge, etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubelet and kube-proxy built from the pinned Kubernetes module, CoreDNS in the
# cluster, and the images of hack/cluster/images.py imported into containerd. Writes an admin
# kubeconfig to .cache/cluster/kubeconfig.
#
# Every start is a fresh cluster: whatever an earlier run left (running or killed) is removed first
# by down.sh, and a failure or Ctrl-C during the start removes everything again. Needs root (it
# creates a bridge, iptables rules and mounts). Contained: the mangle table's FORWARD chain drops
# every forwarded packet that does not stay on the cluster's bridge, so nothing from a pod or a
# Service leaves the machine.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
log() { printf 'cluster-up: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}
# shellcheck source=hack/cluster/lib.sh
source "$HERE/lib.sh"

[[ $(id -u) == 0 ]] || die "needs root (a bridge, iptables rules, mounts)"
"$HERE/host-packages.sh"
"$HERE/build.sh"

mkdir -p "$RUN" "$STATE" "$PKI"
exec 8>"$CLUSTER_DIR/.up.lock"
flock 8
export CLUSTER_LOCKED=1

t_start=${EPOCHREALTIME/./}
elapsed() {
  local ms=$(((${EPOCHREALTIME/./} - t_start) / 1000))
  echo "$((ms / 1000)).$((ms % 1000 / 100))s"
}

# One cluster per machine (one bridge, one set of addresses and ports). A cluster that another
# checkout started and still runs is not ours to remove: its processes would outlive our down.sh
# and hold the ports. The leftovers of a killed run, from any checkout, are removed below.
for port in "$API_PORT" "$ETCD_PORT"; do
  pid=$(ss -Hltnp "sport = :$port" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n1)
  exe=$(readlink "/proc/${pid:-0}/exe" 2>/dev/null || true)
  if [[ -n $pid && $exe != "$BIN"/* ]]; then
    die "port $port is held by pid $pid ($exe), not this checkout's cluster: another checkout's cluster is running (stop it there with make cluster-down)"
  fi
done

# A fresh cluster every time; and on any failure or interruption, nothing left behind.
"$HERE/down.sh"
log "leftovers removed (at $(elapsed))"
mkdir -p "$RUN/previous" "$STATE"
# The last run's logs stay one run longer (a failed start is often looked at after the next one).
rm -f "$RUN"/previous/*.log
mv -f "$RUN"/*.log "$RUN/previous/" 2>/dev/null || true
started=0
exec {stderr}>&2 # the trap may fire inside a command whose stderr goes to a file
on_exit() {
  local status=$?
  exec 2>&"$stderr"
  if [[ $started != 1 && ${PORTICO_CLUSTER_KEEP:-} == 1 ]]; then
    log "start failed (exit $status); PORTICO_CLUSTER_KEEP=1: left running for a look (make cluster-down)"
  elif [[ $started != 1 ]]; then
    log "start failed (exit $status): removing everything (logs stay in $RUN)"
    "$HERE/down.sh" || true
  fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

for path in "${HOST_PATHS[@]}"; do
  [[ -e $path ]] || echo "$path"
done >>"$RUN/host-paths.created"

# --- credentials ------------------------------------------------------------------------------------
# One CA for everything: the API server's serving certificate (for the names and addresses pods and
# the host use), the admin client, the kubelet's client (Node authorizer identity), the service
# account signing key. Generated once, kept across runs.
issue() { # issue NAME SUBJECT EXTENSIONS
  openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$PKI/$1.key" -out "$PKI/$1.csr" 2>/dev/null
  printf '%s\n' "$3" >"$PKI/$1.ext"
  openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 3650 -extfile "$PKI/$1.ext" -out "$PKI/$1.crt" 2>/dev/null
  rm -f "$PKI/$1.csr" "$PKI/$1.ext"
}
pki_id="$NODE_IP $API_SERVICE_IP $NODE_NAME"
if [[ ! -s $PKI/done || $(cat "$PKI/done") != "$pki_id" ]]; then
  log "generating credentials in $PKI"
  umask 077
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=portico-cluster-ca \
    -keyout "$PKI/ca.key" -out "$PKI/ca.crt" 2>/dev/null
  issue apiserver /CN=kube-apiserver "subjectAltName=DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:$API_SERVICE_IP,IP:$NODE_IP,IP:127.0.0.1
extendedKeyUsage=serverAuth"
  issue admin "/O=system:masters/CN=portico-admin" "extendedKeyUsage=clientAuth"
  issue kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" "extendedKeyUsage=clientAuth"
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  umask 022
  echo "$pki_id" >"$PKI/done"
fi

kubeconfig() { # kubeconfig FILE CLIENT
  local b64="base64 -w0"
  umask 077
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: portico-cluster
  cluster:
    server: $SERVER
    certificate-authority-data: $($b64 <"$PKI/ca.crt")
users:
- name: $2
  user:
    client-certificate-data: $($b64 <"$PKI/$2.crt")
    client-key-data: $($b64 <"$PKI/$2.key")
contexts:
- name: portico-cluster
  context:
    cluster: portico-cluster
    user: $2
current-context: portico-cluster
EOF
  umask 022
}
kubeconfig "$KUBECONFIG_OUT" admin
kubeconfig "$STATE/kubelet.kubeconfig" kubelet

# --- host network: containment first, then the bridge, then forwarding ------------------------------
# Saved once per cluster lifetime (down.sh restores them and removes the file).
for key in "${SYSCTLS[@]}"; do
  value=$(sysctl -n "$key" 2>/dev/null) && printf '%s %s\n' "$key" "${value//$'\t'/ }"
done >"$RUN/sysctl.orig"
# Forwarded packets may only go from the bridge to the bridge (pod to pod, pod to Service backend
# after kube-proxy's DNAT): anything forwarded in or out of another interface is dropped, before
# the filter table (where kube-proxy accepts) sees it. The host itself reaches pods and Service IPs
# through OUTPUT, which this does not touch.
iptables -t mangle -N "$CONTAINMENT_CHAIN"
iptables -t mangle -A "$CONTAINMENT_CHAIN" -i "$BRIDGE" -o "$BRIDGE" -j RETURN
iptables -t mangle -A "$CONTAINMENT_CHAIN" -j DROP
iptables -t mangle -I FORWARD 1 -j "$CONTAINMENT_CHAIN"
ip link add "$BRIDGE" type bridge
ip addr add "$NODE_IP/${POD_CIDR#*/}" dev "$BRIDGE"
ip link set "$BRIDGE" up
# The host reaches Service IPs through the bridge (kube-proxy's DNAT happens after routing).
ip route replace "$SERVICE_CIDR" dev "$BRIDGE" src "$NODE_IP"
sysctl -q -w net.bridge.bridge-nf-call-iptables=1 net.ipv4.ip_forward=1

# --- processes ----------------------------------------------------------------------------------------
# start NAME ARGS...: as hack/k8s/up.sh does it (own session, no inherited descriptors).
start() {
  local name=$1 exe
  shift
  exe=$(expected_exe "$name")
  (
    for fd in "/proc/$BASHPID/fd"/*; do
      fd=${fd##*/}
      ((fd <= 2)) || eval "exec $fd>&-"
    done
    exec setsid "$exe" "$@" </dev/null >"$RUN/$name.log" 2>&1
  ) &
  local pid=$! i
  for ((i = 0; i < 100; i++)); do
    [[ $(readlink "/proc/$pid/exe" 2>/dev/null) != "$exe" ]] || break
    sleep 0.05
  done
  echo "$pid" >"$RUN/$name.pid"
}
wait_for() { # wait_for WHAT COMMAND...: fails when a cluster process exits or after $TIMEOUT s
  local what=$1 name
  shift
  local deadline=$((SECONDS + TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    for name in "${PROCESSES[@]}"; do
      if [[ -f $RUN/$name.pid ]] && ! running "$name"; then
        tail -n 30 "$RUN/$name.log" >&2 || true
        die "$name exited while waiting for $what (its log's tail is above: $RUN/$name.log)"
      fi
    done
    ((SECONDS < deadline)) || die "timed out after ${TIMEOUT}s waiting for $what (logs: $RUN/)"
    sleep 0.2
  done
}
ensure_free() {
  local addr
  for addr; do
    if (exec 3<>"/dev/tcp/${addr%:*}/${addr##*:}") 2>/dev/null; then
      die "$addr is already in use (another cluster? set PORTICO_CLUSTER_API_PORT / PORTICO_CLUSTER_ETCD_PORT)"
    fi
  done
}
ensure_free "127.0.0.1:$ETCD_PORT" "127.0.0.1:$((ETCD_PORT + 1))" "$NODE_IP:$API_PORT" \
  "$NODE_IP:$KUBELET_PORT" "127.0.0.1:$KUBELET_HEALTHZ_PORT" "127.0.0.1:$CONTROLLER_MANAGER_PORT" \
  "127.0.0.1:$SCHEDULER_PORT" "127.0.0.1:$PROXY_HEALTHZ_PORT" "127.0.0.1:$PROXY_METRICS_PORT"

# containerd: root, state, socket and runc's state all under $STATE. Pulls go nowhere: every
# registry is mirrored to a closed local port (the images are imported, never pulled).
mkdir -p "$STATE/containerd" "$STATE/cni/net.d"
cat >"$STATE/containerd/config.toml" <<EOF
version = 2
root = "$STATE/containerd/root"
state = "$STATE/containerd/state"
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$STATE/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  disable_apparmor = true
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$STATE/containerd/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$STATE/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry.mirrors."*"]
    endpoint = ["http://127.0.0.1:9"]
EOF
cat >"$STATE/cni/net.d/10-portico-cluster.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "portico-cluster",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "isDefaultGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$NODE_IP" }]],
        "dataDir": "$STATE/cni/ipam"
      }
    }
  ]
}
EOF
log "starting containerd"
start containerd --config "$STATE/containerd/config.toml" --log-level warn
wait_for "containerd" ctr version

log "importing images"
for tar in "$IMAGES"/*.tar; do
  ctr images import "$tar" >/dev/null 2>"$RUN/import.log" || {
    cat "$RUN/import.log" >&2
    die "ctr images import $tar failed"
  }
done
log "images imported (at $(elapsed))"

log "starting etcd on 127.0.0.1:$ETCD_PORT"
start etcd --name portico-cluster --data-dir "$STATE/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
  --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
  --initial-cluster "portico-cluster=http://127.0.0.1:$((ETCD_PORT + 1))" \
  --unsafe-no-fsync --log-level warn

log "starting kube-apiserver on $SERVER"
start kube-apiserver \
  --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --bind-address "$NODE_IP" --advertise-address "$NODE_IP" --secure-port "$API_PORT" \
  --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
  --client-ca-file "$PKI/ca.crt" \
  --kubelet-client-certificate "$PKI/admin.crt" --kubelet-client-key "$PKI/admin.key" \
  --kubelet-preferred-address-types InternalIP \
  --authorization-mode Node,RBAC \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
  --service-cluster-ip-range "$SERVICE_CIDR" \
  --allow-privileged=false \
  --feature-gates ClusterTrustBundle=true \
  --runtime-config certificates.k8s.io/v1beta1/clustertrustbundles=true \
  --profiling=false
wait_for "kube-apiserver /readyz" kubectl get --raw /readyz
log "kube-apiserver ready (at $(elapsed))"

log "starting kube-controller-manager, kube-scheduler"
start kube-controller-manager \
  --kubeconfig "$KUBECONFIG_OUT" \
  --authentication-kubeconfig "$KUBECONFIG_OUT" --authorization-kubeconfig "$KUBECONFIG_OUT" \
  --bind-address 127.0.0.1 --secure-port "$CONTROLLER_MANAGER_PORT" \
  --controllers '*,-node-ipam-controller,-cloud-node-lifecycle-controller,-service-lb-controller' \
  --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
  --use-service-account-credentials \
  --service-cluster-ip-range "$SERVICE_CIDR" \
  --leader-elect=false --profiling=false
start kube-scheduler \
  --kubeconfig "$KUBECONFIG_OUT" \
  --authentication-kubeconfig "$KUBECONFIG_OUT" --authorization-kubeconfig "$KUBECONFIG_OUT" \
  --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT" \
  --leader-elect=false --profiling=false

# kubelet: cgroupfs (no systemd here), cgroup v1 allowed, swap allowed, host DNS not passed to pods
# (resolvConf ""), image garbage collection off (the images cannot be pulled again), eviction
# thresholds low (a shared CI disk must not evict the test's pods).
mkdir -p "$STATE/kubelet"
cat >"$STATE/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $PKI/ca.crt }
authorization:
  mode: Webhook
clusterDomain: cluster.local
clusterDNS: [$DNS_SERVICE_IP]
resolvConf: ""
podLogsDir: $STATE/pod-logs
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
serializeImagePulls: false
EOF
log "starting kubelet"
start kubelet --config "$STATE/kubelet/config.yaml" --kubeconfig "$STATE/kubelet.kubeconfig" \
  --root-dir "$STATE/kubelet" --cert-dir "$STATE/kubelet/pki" \
  --hostname-override "$NODE_NAME" --node-ip "$NODE_IP"

cat >"$STATE/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection:
  kubeconfig: $KUBECONFIG_OUT
hostnameOverride: $NODE_NAME
clusterCIDR: $POD_CIDR
nodePortAddresses: ["$NODE_IP/32"]
healthzBindAddress: 127.0.0.1:$PROXY_HEALTHZ_PORT
metricsBindAddress: 127.0.0.1:$PROXY_METRICS_PORT
conntrack:
  maxPerCore: 0
EOF
log "starting kube-proxy"
start kube-proxy --config "$STATE/kube-proxy.yaml"

wait_for "node $NODE_NAME Ready" kubectl wait --for condition=Ready --timeout 2s "node/$NODE_NAME"
log "node Ready (at $(elapsed))"

# --- cluster DNS ---------------------------------------------------------------------------------------
coredns_version=$(go -C "$HERE/coredns" list -m -f '{{.Version}}' github.com/coredns/coredns)
sed -e "s|@DNS_SERVICE_IP@|$DNS_SERVICE_IP|" -e "s|@COREDNS_VERSION@|$coredns_version|" "$HERE/coredns.yaml" |
  kubectl apply --server-side --field-manager portico-cluster-up -f - >/dev/null
wait_for "CoreDNS available" kubectl -n kube-system wait --for condition=Available --timeout 2s deployment/coredns
log "CoreDNS ready (at $(elapsed))"

cat >"$CLUSTER_DIR/env" <<EOF
export KUBECONFIG=$KUBECONFIG_OUT
export PATH=$BIN:\$PATH
EOF
started=1
log "up in $(elapsed): $SERVER, node $NODE_NAME ($NODE_IP), pods $POD_CIDR, Services $SERVICE_CIDR"
log "  source $CLUSTER_DIR/env   # KUBECONFIG, and kubectl on PATH"
log "  make cluster-down         # removes everything"
