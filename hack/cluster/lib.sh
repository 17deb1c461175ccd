# shellcheck shell=bash disable=SC2034 # settings, read by the scripts that source this file
# Settings and process bookkeeping shared by hack/cluster/{up,down,smoke}.sh (sourced; expects
# ROOT). Every address, port and name the cluster uses is here, so down.sh removes exactly what
# up.sh made. See docs/real-cluster.md.

CLUSTER_DIR=${PORTICO_CLUSTER_DIR:-$ROOT/.cache/cluster}
BIN=$CLUSTER_DIR/bin # every binary, kube-apiserver/kubectl/etcd hard-linked from .cache/k8s/bin
RUN=$CLUSTER_DIR/run # PID files, logs, saved sysctls
STATE=$CLUSTER_DIR/state # etcd, containerd, kubelet, CNI state: removed by every down
PKI=$CLUSTER_DIR/pki
IMAGES=$CLUSTER_DIR/images
KUBECONFIG_OUT=$CLUSTER_DIR/kubeconfig
TIMEOUT=${PORTICO_CLUSTER_TIMEOUT:-180}

# Network: a bridge the harness creates, pods on one /16, Services on another routed to the bridge.
BRIDGE=${PORTICO_CLUSTER_BRIDGE:-portico0}
POD_CIDR=10.244.0.0/16
NODE_IP=10.244.0.1 # the bridge's address: API server, kubelet, NodePorts
SERVICE_CIDR=10.96.0.0/16
API_SERVICE_IP=10.96.0.1
DNS_SERVICE_IP=10.96.0.10
NODE_NAME=portico-node
# Ports: below Linux's ephemeral range (ip_local_port_range, 32768-60999 by default), where any
# outgoing connection on the machine (the cluster's own among them) may already hold one as its
# source port, and outside 20000-32767, where test/k8s/private-cluster.ts picks its servers' ports;
# none of them the shared test API server's 16443/12379.
API_PORT=${PORTICO_CLUSTER_API_PORT:-18443}
ETCD_PORT=${PORTICO_CLUSTER_ETCD_PORT:-18379} # peer: the next one
KUBELET_PORT=18250                            # on NODE_IP
KUBELET_HEALTHZ_PORT=18248                    # the rest on 127.0.0.1
CONTROLLER_MANAGER_PORT=18257
SCHEDULER_PORT=18259
PROXY_HEALTHZ_PORT=18256
PROXY_METRICS_PORT=18249
SERVER=https://$NODE_IP:$API_PORT

CONTAINERD_SOCK=$STATE/containerd/containerd.sock
CONTAINMENT_CHAIN=PORTICO-CLUSTER
PAUSE_IMAGE=portico.local/pause:1 # hack/cluster/images.py tags it
# Host settings the cluster changes (ip_forward, and what kubelet and kube-proxy set at start):
# saved by up.sh before the first change, restored by down.sh.
SYSCTLS=(net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.ipv4.conf.all.route_localnet
  vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys
  kernel.keys.root_maxbytes net.netfilter.nf_conntrack_max
  net.netfilter.nf_conntrack_tcp_timeout_established net.netfilter.nf_conntrack_tcp_timeout_close_wait)

# Directories the cluster's programs use at fixed paths outside $CLUSTER_DIR (the kubelet's
# device-plugins and container log links, libcni's cache, the containerd shims' sockets). up.sh
# records those that do not exist yet in $RUN/host-paths.created; down.sh removes what it recorded.
HOST_PATHS=(/var/lib/kubelet /var/lib/cni /run/containerd /var/log/pods /var/log/containers)

# Processes in the order they start (down.sh stops them in reverse).
PROCESSES=(containerd etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)

expected_exe() {
  case $1 in
  containerd) echo /usr/bin/containerd ;;
  *) echo "$BIN/$1" ;;
  esac
}
# shellcheck source=hack/k8s/lib.sh
source "$ROOT/hack/k8s/lib.sh"

kubectl() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_OUT" "$@"; }
ctr() { /usr/bin/ctr --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"; }
