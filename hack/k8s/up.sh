#!/usr/bin/env bash
# Starts Portico's test API server: etcd and kube-apiserver (built by hack/k8s/build.sh) on
# 127.0.0.1, with the Gateway API v1.7.0 experimental-channel CRDs installed, and writes an admin
# kubeconfig. No controller-manager, scheduler or kubelet. See docs/k8s-test-cluster.md.
#
# Idempotent: when both processes are already up (and the CRDs applied) it only prints where the
# cluster is. Stale PID files (process gone, or the PID now belongs to another program) are
# ignored. Whenever etcd itself has to be started, it starts from an empty data directory: every
# fresh `k8s-up` is a fresh cluster.
#
# Environment (defaults in brackets):
#   PORTICO_K8S_DIR        state and cache directory [.cache/k8s]
#   PORTICO_K8S_PORT       kube-apiserver secure port [16443]
#   PORTICO_K8S_ETCD_PORT  etcd client port [12379]; the peer port is the next one
#   PORTICO_K8S_TIMEOUT    seconds to wait for etcd, /readyz and the CRDs [120]
#   PORTICO_GATEWAY_API_CRDS  directory of gateway*.yaml to install
#                             [third_party/gateway-api-v1.7.0/crd/experimental]
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
K8S_DIR=${PORTICO_K8S_DIR:-$ROOT/.cache/k8s}
BIN=$K8S_DIR/bin
PKI=$K8S_DIR/pki
RUN=$K8S_DIR/run
API_PORT=${PORTICO_K8S_PORT:-16443}
ETCD_PORT=${PORTICO_K8S_ETCD_PORT:-12379}
ETCD_PEER_PORT=$((ETCD_PORT + 1))
TIMEOUT=${PORTICO_K8S_TIMEOUT:-120}
# The CRDs are vendored (with their licence) in third_party/, so any clone has them; package.json's
# portico.gatewayApiCrds names the directory, for this script and for Portico's own validation.
CRD_DIR=${PORTICO_GATEWAY_API_CRDS:-$ROOT/$(node -p "require('$ROOT/package.json').portico.gatewayApiCrds")}
KUBECONFIG_OUT=$K8S_DIR/kubeconfig
SERVER=https://127.0.0.1:$API_PORT

log() { printf 'k8s-up: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

"$HERE/build.sh"

mkdir -p "$PKI" "$RUN"
exec 9>"$K8S_DIR/.up.lock" # serialises k8s-up and k8s-down
flock 9

# shellcheck source=hack/k8s/lib.sh
source "$HERE/lib.sh"

# --- credentials (generated once, kept across restarts) -------------------------------------------
# ca.{crt,key}: client CA (the admin client certificate). sa.{key,pub}: service-account token
# signing key. admin.token / tokens.csv: a static bearer token for the same admin user. The serving
# certificate is the API server's own self-signed one, written into pki/serving by --cert-dir.
if [[ ! -s $PKI/admin.crt ]]; then
  log "generating credentials in $PKI"
  umask 077
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=portico-test-client-ca \
    -keyout "$PKI/ca.key" -out "$PKI/ca.crt" 2>/dev/null
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=portico-admin" \
    -keyout "$PKI/admin.key" -out "$PKI/admin.csr" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' >"$PKI/admin.ext"
  openssl x509 -req -in "$PKI/admin.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 3650 -extfile "$PKI/admin.ext" -out "$PKI/admin.crt.tmp" 2>/dev/null
  openssl rand -hex 32 >"$PKI/admin.token"
  printf '%s,portico-admin,portico-admin,system:masters\n' "$(cat "$PKI/admin.token")" >"$PKI/tokens.csv"
  rm -f "$PKI/admin.csr" "$PKI/admin.ext"
  mv "$PKI/admin.crt.tmp" "$PKI/admin.crt" # last: its presence means the set is complete
  umask 022
fi
TOKEN=$(cat "$PKI/admin.token")

api() { curl -fsS --max-time 5 --cacert "$PKI/serving/apiserver.crt" -H "Authorization: Bearer $TOKEN" "$@"; }

# wait_for WHAT "NAME..." COMMAND...: until COMMAND succeeds; fails when one of the NAMEd processes
# exits, or after $TIMEOUT seconds.
wait_for() {
  local what=$1 names=$2 name
  shift 2
  local deadline=$((SECONDS + TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    for name in $names; do
      if ! running "$name"; then
        tail -n 30 "$RUN/$name.log" >&2 || true
        die "$name exited while waiting for $what (its log's tail is above: $RUN/$name.log)"
      fi
    done
    ((SECONDS < deadline)) || die "timed out after ${TIMEOUT}s waiting for $what (logs: $RUN/)"
    sleep 0.2
  done
}

# start NAME ARGS...: starts $BIN/NAME in its own session, detached from this shell. Every file
# descriptor above 2 is closed first: the lock on fd 9, or a pipe from whoever runs `make k8s-up`
# (`make k8s-up | tail`), would otherwise stay open for the server's lifetime.
start() {
  local name=$1
  shift
  (
    for fd in "/proc/$BASHPID/fd"/*; do
      fd=${fd##*/}
      ((fd <= 2)) || eval "exec $fd>&-"
    done
    exec setsid "$BIN/$name" "$@" </dev/null >"$RUN/$name.log" 2>&1
  ) &
  local pid=$! i
  for ((i = 0; i < 100; i++)); do # until the exec has happened, pid_of would call the PID stale
    [[ $(readlink "/proc/$pid/exe" 2>/dev/null) != "$BIN/$name" ]] || break
    sleep 0.05
  done
  echo "$pid" >"$RUN/$name.pid"
}

# A rebuilt binary (hack/k8s/build.sh after a version change) replaces the running cluster.
for name in kube-apiserver etcd; do
  if outdated "$name"; then
    log "$name was rebuilt since it started: restarting the cluster"
    stop kube-apiserver
    stop etcd
  fi
done

# Something else listening on a port we need would answer our health checks in our servers' place.
ensure_free() {
  local port
  for port; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      die "127.0.0.1:$port is already in use (another cluster? set PORTICO_K8S_PORT / PORTICO_K8S_ETCD_PORT)"
    fi
  done
}

# --- etcd -------------------------------------------------------------------------------------------
if ! running etcd; then
  if running kube-apiserver; then
    log "etcd is not running: restarting kube-apiserver against a fresh etcd"
    stop kube-apiserver KILL # without etcd its graceful shutdown hangs; its state is gone anyway
  fi
  rm -rf "$K8S_DIR/etcd-data" "$RUN/crds.applied"
  ensure_free "$ETCD_PORT" "$ETCD_PEER_PORT"
  log "starting etcd on 127.0.0.1:$ETCD_PORT"
  # --unsafe-no-fsync: the data is a throwaway test cluster's; fsync only slows every write down.
  start etcd --name portico-test --data-dir "$K8S_DIR/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "portico-test=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --log-level warn
  wait_for "etcd /health" etcd curl -fsS --max-time 2 "http://127.0.0.1:$ETCD_PORT/health"
fi

# --- kube-apiserver --------------------------------------------------------------------------------
if ! running kube-apiserver; then
  ensure_free "$API_PORT"
  # --cert-dir's self-signed serving certificate lasts a year: let the server make a new one.
  if [[ -f $PKI/serving/apiserver.crt ]] && ! openssl x509 -checkend 604800 -noout -in "$PKI/serving/apiserver.crt" >/dev/null; then
    rm -f "$PKI/serving/apiserver.crt" "$PKI/serving/apiserver.key"
  fi
  log "starting kube-apiserver on $SERVER"
  t0=${EPOCHREALTIME/./}
  start kube-apiserver \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
    --cert-dir "$PKI/serving" \
    --client-ca-file "$PKI/ca.crt" --token-auth-file "$PKI/tokens.csv" \
    --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 \
    --endpoint-reconciler-type none \
    --feature-gates ClusterTrustBundle=true \
    --runtime-config certificates.k8s.io/v1beta1/clustertrustbundles=true \
    --profiling=false
  # The serving certificate appears once the server has generated it; /readyz then needs it.
  wait_for "kube-apiserver /readyz" "etcd kube-apiserver" api "$SERVER/readyz"
  ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
  log "kube-apiserver ready in $((ms / 1000)).$((ms % 1000 / 100))s"
else
  wait_for "kube-apiserver /readyz" "etcd kube-apiserver" api "$SERVER/readyz"
fi

# --- kubeconfig -------------------------------------------------------------------------------------
b64() { base64 -w0 <"$1"; }
umask 077
cat >"$KUBECONFIG_OUT.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: portico-test
  cluster:
    server: $SERVER
    certificate-authority-data: $(b64 "$PKI/serving/apiserver.crt")
users:
- name: portico-admin
  user:
    client-certificate-data: $(b64 "$PKI/admin.crt")
    client-key-data: $(b64 "$PKI/admin.key")
contexts:
- name: portico-test
  context:
    cluster: portico-test
    user: portico-admin
current-context: portico-test
EOF
mv "$KUBECONFIG_OUT.tmp" "$KUBECONFIG_OUT"
umask 022

# --- Gateway API CRDs ---------------------------------------------------------------------------------
# Every gateway*.yaml of the experimental channel, as upstream's experimental-install.yaml is built
# (its kustomization.yaml leaves out xbackends). Server-side apply: the experimental HTTPRoute CRD
# is too large for client-side apply's last-applied annotation.
crd_files=("$CRD_DIR"/gateway*.yaml)
[[ -e ${crd_files[0]} ]] || die "no Gateway API CRDs in $CRD_DIR"
crd_sum=$(cat "${crd_files[@]}" | sha256sum | cut -d' ' -f1)
if [[ ! -f $RUN/crds.applied || $(cat "$RUN/crds.applied") != "$crd_sum" ]]; then
  log "installing Gateway API CRDs from $CRD_DIR"
  kubectl=("$BIN/kubectl" --kubeconfig "$KUBECONFIG_OUT")
  files=()
  for f in "${crd_files[@]}"; do files+=(-f "$f"); done
  applied=$("${kubectl[@]}" apply --server-side --force-conflicts --field-manager portico-k8s-up -o name "${files[@]}")
  mapfile -t crds < <(grep '^customresourcedefinition' <<<"$applied")
  "${kubectl[@]}" wait --for condition=Established --timeout "${TIMEOUT}s" "${crds[@]}" >/dev/null
  log "${#crds[@]} CRDs Established"
  echo "$crd_sum" >"$RUN/crds.applied"
fi

cat >"$K8S_DIR/env" <<EOF
export KUBECONFIG=$KUBECONFIG_OUT
export PORTICO_K8S_SERVER=$SERVER
export PORTICO_K8S_TOKEN_FILE=$PKI/admin.token
export PORTICO_K8S_CA_FILE=$PKI/serving/apiserver.crt
EOF
log "up: $SERVER (kube-apiserver $("$BIN/kube-apiserver" --version | cut -d' ' -f2), etcd $("$BIN/etcd" --version | sed -n 's/^etcd Version: //p'))"
log "  export KUBECONFIG=$KUBECONFIG_OUT   # or: source $K8S_DIR/env"
log "  kubectl: $BIN/kubectl"
