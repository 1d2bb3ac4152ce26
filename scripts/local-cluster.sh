#!/usr/bin/env bash
# A throwaway one-node Kubernetes 1.20 cluster on this machine, with kguard installed from manifests/
# the way a user installs it (see README.md, "Trying kguard in a throwaway cluster"):
#
#   scripts/local-cluster.sh up      start it; the last line on stdout is the admin kubeconfig's path
#   scripts/local-cluster.sh down    stop everything it started and restore the machine
#   scripts/local-cluster.sh status  exit 0 when it is up (prints the kubeconfig's path)
#
# Parts: etcd (Debian), kube-apiserver, kube-scheduler, kube-controller-manager and kubelet built from
# Debian's kubernetes source (scripts/build-kube.sh, cached under /var/cache/kguard), containerd + runc +
# the CNI bridge plugin (Debian), images made without a registry (scripts/oci-image-from-dir.sh):
# localhost/pause:3.2, localhost/busybox:1.35 and kguard's (scripts/build-image.sh). kguard: webhook
# Deployment (2 replicas) + ValidatingWebhookConfiguration + netpol agent DaemonSet (API mode), applied
# by manifests/install.sh. Needs root and scripts/install-deps.sh --test. Recipe and its quirks:
# /work/shared/docs/real-node.md.
#
# How it fits a machine that others use: fixed ports below the kernel's ephemeral range (etcd 23790/23800
# on 127.0.0.1, API server 26443 and kubelet 10250 on the node's address), its own containerd (socket,
# root and state under its own folders), its own bridge, CNI config and pod range (10.250.0.0/24),
# services 10.251.0.0/16. There is no kube-proxy: the API server calls webhooks at endpoint IPs
# (--enable-aggregator-routing), and the one ClusterIP pods need, the `kubernetes` Service that in-cluster
# clients use, is DNATed to the API server by a table of our own (`ip kguard-cluster`).
# `down` restores what kubelet and the bridge plugin change (sysctls saved at `up`), removes mounts,
# cgroups, the bridge, the CNI config and the nft table. Build caches (binaries, images) stay.
#
# Environment: KGUARD_BIN (default build/kguard) the binary put in kguard's image;
#   KGUARD_CLUSTER_DIR (default /var/tmp/kguard-cluster) state, logs, kubeconfigs, certificates.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${KGUARD_CLUSTER_DIR:-/var/tmp/kguard-cluster}"
RUN=/run/kguard-cluster
CACHE="${KGUARD_CACHE_DIR:-/var/cache/kguard}"
NODE=kguard-node
BRIDGE=kgcbr0
POD_CIDR=10.250.0.0/24
SVC_CIDR=10.251.0.0/16
SVC_IP=10.251.0.1
ETCD_PORT=23790
ETCD_PEER_PORT=23800
API_PORT=26443
CNI_CONF=/etc/cni/net.d/10-kguard-cluster.conflist
CNI_DATA=/var/lib/cni/kguard-cluster
NFT_TABLE=kguard-cluster
CONTAINERD_SOCK="$RUN/containerd/containerd.sock"
# Host settings kubelet (protect-kernel-defaults=false) and the bridge plugin (isGateway) change.
SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys
  kernel.keys.root_maxbytes net.ipv4.ip_forward)

log() { echo "local-cluster: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
kc() { kubectl --kubeconfig "$STATE/admin.kubeconfig" "$@"; }
ctr_() { ctr --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"; }

# The address of the interface holding the default route (the node's InternalIP; kubelet 1.20 refuses
# loopback), else the first global IPv4 address.
node_ip() {
  local dev ip
  dev="$(ip -4 route show default | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }')"
  [ -z "$dev" ] || ip="$(ip -4 -o addr show dev "$dev" scope global | awk '{ split($4, a, "/"); print a[1]; exit }')"
  [ -n "${ip:-}" ] || ip="$(ip -4 -o addr show scope global | awk '{ split($4, a, "/"); print a[1]; exit }')"
  [ -n "$ip" ] || die "no global IPv4 address on this machine"
  echo "$ip"
}

# --- processes ---------------------------------------------------------------------------------------

# start NAME COMMAND...: runs it in its own session, logs to $STATE/logs/NAME.log, pid in $STATE/pids.
start() {
  local name="$1"; shift
  setsid "$@" >"$STATE/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/pids/$name.pid"
}

running() { [ -f "$STATE/pids/$1.pid" ] && kill -0 "$(cat "$STATE/pids/$1.pid")" 2>/dev/null; }

# stop NAME: SIGTERM, then SIGKILL after 15 s.
stop() {
  local name="$1" pid
  [ -f "$STATE/pids/$name.pid" ] || return 0
  pid="$(cat "$STATE/pids/$name.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { log "$name did not stop on SIGTERM; SIGKILL"; kill -9 "$pid" 2>/dev/null || true; }
  fi
  rm -f "$STATE/pids/$name.pid"
}

# wait_for SECONDS WHAT COMMAND...: until COMMAND succeeds; on timeout names WHAT and the log to read.
wait_for() {
  local seconds="$1" what="$2" deadline; shift 2
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "$what not ready after ${seconds}s"
    sleep 0.5
  done
}

# --- certificates and kubeconfigs ---------------------------------------------------------------------

# One CA signs the API server's serving certificate (the name in-cluster clients check, the node's and
# the service's IPs) and the API server's client certificate towards kubelets (kubectl exec/logs). The
# service-account key pair signs pods' tokens. Users authenticate with static tokens.
make_pki() {
  local ip="$1" p="$STATE/pki"
  mkdir -p "$p"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=kguard-cluster-ca" \
    -keyout "$p/ca.key" -out "$p/ca.crt" 2>/dev/null
  printf 'subjectAltName=IP:%s,IP:%s,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth\n' \
    "$ip" "$SVC_IP" >"$p/apiserver.ext"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout "$p/apiserver.key" -out "$p/apiserver.csr" 2>/dev/null
  openssl x509 -req -in "$p/apiserver.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 2 \
    -extfile "$p/apiserver.ext" -out "$p/apiserver.crt" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >"$p/client.ext"
  openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=kube-apiserver-kubelet-client" \
    -keyout "$p/kubelet-client.key" -out "$p/kubelet-client.csr" 2>/dev/null
  openssl x509 -req -in "$p/kubelet-client.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 2 \
    -extfile "$p/client.ext" -out "$p/kubelet-client.crt" 2>/dev/null
  openssl genrsa -out "$p/sa.key" 2048 2>/dev/null
  openssl rsa -in "$p/sa.key" -pubout -out "$p/sa.pub" 2>/dev/null
  local admin node
  admin="$(openssl rand -hex 16)" node="$(openssl rand -hex 16)"
  printf '%s,kguard-admin,uid-admin,"system:masters"\n%s,system:node:%s,uid-node,"system:nodes"\n' \
    "$admin" "$node" "$NODE" >"$p/tokens.csv"
  chmod 600 "$p"/*.key "$p/tokens.csv"
  write_kubeconfig "$STATE/admin.kubeconfig" "https://$ip:$API_PORT" "$admin" kguard-admin
  write_kubeconfig "$STATE/node.kubeconfig" "https://$ip:$API_PORT" "$node" "system:node:$NODE"
}

write_kubeconfig() {
  local file="$1" server="$2" token="$3" user="$4"
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kguard-cluster
  cluster: {server: "$server", certificate-authority: "$STATE/pki/ca.crt"}
users:
- name: "$user"
  user: {token: "$token"}
contexts:
- name: kguard-cluster
  context: {cluster: kguard-cluster, user: "$user"}
current-context: kguard-cluster
EOF
  chmod 600 "$file"
}

# --- images --------------------------------------------------------------------------------------------

# Builds (cached by content) the pause and busybox images and imports them and kguard's into containerd.
load_images() {
  local dir="$CACHE/images" key archive
  mkdir -p "$dir"
  key="$(sha256sum "$REPO/scripts/local-cluster/pause.c" | cut -c1-12)"
  archive="$dir/pause-3.2-$key.tar"
  if [ ! -f "$archive" ]; then
    log "building localhost/pause:3.2"
    local root; root="$(mktemp -d)"
    gcc -static -O2 -o "$root/pause" "$REPO/scripts/local-cluster/pause.c"
    "$REPO/scripts/oci-image-from-dir.sh" "$root" localhost/pause:3.2 "$archive.tmp" --entrypoint '["/pause"]'
    mv "$archive.tmp" "$archive"; rm -rf "$root"
  fi
  ctr_ images import "$archive" >/dev/null

  key="$(dpkg-query -W -f='${Version}' busybox-static | tr -c 'A-Za-z0-9.+~\n-' _)"  # no ':' (oci-archive:PATH:TAG)
  archive="$dir/busybox-1.35-$key.tar"
  if [ ! -f "$archive" ]; then
    log "building localhost/busybox:1.35 (busybox-static $key)"
    local root a; root="$(mktemp -d)"
    mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root"
    chmod 1777 "$root/tmp"
    cp /bin/busybox "$root/bin/busybox"
    for a in $("$root/bin/busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$root/bin/$a"; done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    "$REPO/scripts/oci-image-from-dir.sh" "$root" localhost/busybox:1.35 "$archive.tmp" --cmd '["/bin/sh"]' --env PATH=/bin
    mv "$archive.tmp" "$archive"; rm -rf "$root"
  fi
  ctr_ images import "$archive" >/dev/null

  local bin="${KGUARD_BIN:-$REPO/build/kguard}" out
  out="$("$REPO/scripts/build-image.sh" --binary "$bin" --out "$STATE/kguard-image.tar" | tail -n 1)"
  ctr_ images import "$out" >/dev/null
  KGUARD_IMAGE="$(skopeo inspect "oci-archive:$out" | jq -r '.Labels["org.opencontainers.image.version"] + "-g" + .Labels["org.opencontainers.image.revision"]')"
  KGUARD_IMAGE="localhost/kguard:$KGUARD_IMAGE"
  ctr_ images ls -q | grep -x "$KGUARD_IMAGE" >/dev/null || die "containerd does not list $KGUARD_IMAGE after the import"
}

# --- machine state -----------------------------------------------------------------------------------

save_machine_state() {
  [ -f "$STATE/sysctls" ] && return 0
  local s
  for s in "${SYSCTLS[@]}"; do echo "$s=$(sysctl -n "$s")"; done >"$STATE/sysctls"
  local d
  for d in /var/log/pods /var/log/containers /etc/cni /etc/cni/net.d; do [ -e "$d" ] || echo "$d"; done >"$STATE/created-dirs"
}

restore_machine_state() {
  if [ -f "$STATE/sysctls" ]; then
    local line
    while read -r line; do sysctl -q -w "$line" >/dev/null || log "could not restore $line"; done <"$STATE/sysctls"
  fi
  if [ -f "$STATE/created-dirs" ]; then
    local d
    while read -r d; do rm -rf "$d"; done <"$STATE/created-dirs"
  fi
}

# The `kubernetes` Service's ClusterIP (what in-cluster clients dial) to the API server, for pods (they
# route through the bridge: prerouting) and host-network pods (output), as kube-proxy would.
add_service_nat() {
  local ip="$1"
  nft -f - <<EOF
table ip $NFT_TABLE {
  chain prerouting {
    type nat hook prerouting priority -100;
    ip daddr $SVC_IP tcp dport 443 dnat to $ip:$API_PORT
  }
  chain output {
    type nat hook output priority -100;
    ip daddr $SVC_IP tcp dport 443 dnat to $ip:$API_PORT
  }
}
EOF
}

# --- up ------------------------------------------------------------------------------------------------

up() {
  [ "$(id -u)" = 0 ] || die "needs root"
  if status >/dev/null 2>&1; then
    log "already up"
    echo "$STATE/admin.kubeconfig"
    return 0
  fi
  [ ! -e "$STATE/pids" ] || die "$STATE holds a cluster that is not healthy: run '$0 down' first"
  local tool
  for tool in etcd containerd runc buildah skopeo kubectl nft openssl gcc jq /usr/lib/cni/bridge /bin/busybox; do
    command -v "$tool" >/dev/null || die "$tool missing: run scripts/install-deps.sh --test"
  done
  local ip bins apiserver kubelet scheduler kcm
  ip="$(node_ip)"
  bins="$("$REPO/scripts/build-kube.sh" kube-apiserver kubelet kube-scheduler kube-controller-manager)" ||
    die "scripts/build-kube.sh failed"
  { read -r apiserver; read -r kubelet; read -r scheduler; read -r kcm; } <<<"$bins"

  mkdir -p "$STATE/logs" "$STATE/pids" "$RUN"
  # A failed step leaves what it started running (its logs help): say how to clean up.
  trap '[ $? = 0 ] || log "up failed; $0 down stops what it started and restores the machine"' EXIT
  save_machine_state
  make_pki "$ip"
  start etcd etcd --name kguard-cluster --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "kguard-cluster=http://127.0.0.1:$ETCD_PEER_PORT"
  local p="$STATE/pki"
  start kube-apiserver "$apiserver" --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address="$ip" --advertise-address="$ip" --secure-port="$API_PORT" --insecure-port=0 \
    --tls-cert-file="$p/apiserver.crt" --tls-private-key-file="$p/apiserver.key" --client-ca-file="$p/ca.crt" \
    --token-auth-file="$p/tokens.csv" --authorization-mode=Node,RBAC \
    --enable-admission-plugins=NodeRestriction --allow-privileged=true \
    --enable-aggregator-routing=true \
    --service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$p/sa.pub" \
    --service-account-signing-key-file="$p/sa.key" --service-cluster-ip-range="$SVC_CIDR" \
    --kubelet-client-certificate="$p/kubelet-client.crt" --kubelet-client-key="$p/kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP
  wait_for 90 "kube-apiserver (logs: $STATE/logs/kube-apiserver.log)" kc get --raw /readyz

  # containerd: its own socket, root and state; the three settings real-node.md explains.
  mkdir -p "$RUN/containerd" "$STATE/containerd"
  containerd config default |
    sed -e 's#restrict_oom_score_adj = false#restrict_oom_score_adj = true#' \
        -e 's#sandbox_image = ".*"#sandbox_image = "localhost/pause:3.2"#' \
        -e 's#bin_dir = "/opt/cni/bin"#bin_dir = "/usr/lib/cni"#' \
        -e "s#^root = .*#root = \"$STATE/containerd\"#" -e "s#^state = .*#state = \"$RUN/containerd/state\"#" \
        -e "s#address = \"/run/containerd/containerd.sock\"#address = \"$CONTAINERD_SOCK\"#" >"$STATE/containerd.toml"
  grep -q 'restrict_oom_score_adj = true' "$STATE/containerd.toml" || die "containerd config: restrict_oom_score_adj not set"
  start containerd containerd --config "$STATE/containerd.toml"
  wait_for 30 "containerd (logs: $STATE/logs/containerd.log)" ctr --address "$CONTAINERD_SOCK" version
  load_images

  # CNI: the bridge plugin, gateway on the bridge, no masquerade (all traffic stays on this machine).
  mkdir -p "$(dirname "$CNI_CONF")"
  cat >"$CNI_CONF" <<EOF
{"cniVersion": "0.4.0", "name": "kguard-cluster", "plugins": [{"type": "bridge", "bridge": "$BRIDGE",
  "isGateway": true, "ipMasq": false, "hairpinMode": true,
  "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}],
           "dataDir": "$CNI_DATA"}}]}
EOF
  add_service_nat "$ip"
  # Pods' network namespaces must propagate into the agent's container (HostToContainer): the host's
  # /run/netns must be a shared mount, as `ip netns add` makes it.
  if [ "$(findmnt -n -o PROPAGATION /run/netns 2>/dev/null)" != shared ]; then
    mkdir -p /run/netns
    mount --bind /run/netns /run/netns && mount --make-shared /run/netns && echo /run/netns >"$STATE/netns-mount"
  fi

  mkdir -p "$STATE/kubelet" "$STATE/kubelet-certs" "$STATE/volume-plugins"
  start kubelet "$kubelet" --kubeconfig="$STATE/node.kubeconfig" --hostname-override="$NODE" \
    --container-runtime=remote --container-runtime-endpoint="unix://$CONTAINERD_SOCK" \
    --cgroup-driver=cgroupfs --fail-swap-on=false --node-ip="$ip" --address="$ip" \
    --read-only-port=0 --healthz-bind-address=127.0.0.1 --anonymous-auth=false \
    --client-ca-file="$p/ca.crt" --authorization-mode=AlwaysAllow \
    --pod-infra-container-image=localhost/pause:3.2 --root-dir="$STATE/kubelet" \
    --cert-dir="$STATE/kubelet-certs" --volume-plugin-dir="$STATE/volume-plugins" \
    --make-iptables-util-chains=false --max-pods=250 \
    --image-gc-high-threshold=100 --image-gc-low-threshold=99 \
    --eviction-hard='memory.available<1Mi,nodefs.available<1%,imagefs.available<1%' \
    --serialize-image-pulls=false --v=1
  start kube-scheduler "$scheduler" --kubeconfig="$STATE/admin.kubeconfig" --leader-elect=false \
    --port=0 --bind-address=127.0.0.1
  start kube-controller-manager "$kcm" --kubeconfig="$STATE/admin.kubeconfig" --leader-elect=false \
    --port=0 --bind-address=127.0.0.1 --service-account-private-key-file="$p/sa.key" \
    --root-ca-file="$p/ca.crt" --use-service-account-credentials=false --concurrent-deployment-syncs=10 \
    --concurrent-replicaset-syncs=10 --kube-api-qps=200 --kube-api-burst=400
  wait_for 120 "node $NODE (logs: $STATE/logs/kubelet.log)" \
    sh -c "kubectl --kubeconfig '$STATE/admin.kubeconfig' get node $NODE -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"
  # Pods need their service account's token secret (the token controller makes it) to be admitted.
  wait_for 60 "the default service account" kc -n default get serviceaccount default

  log "installing kguard ($KGUARD_IMAGE) with manifests/install.sh"
  KUBECONFIG="$STATE/admin.kubeconfig" "$REPO/manifests/install.sh" --image "$KGUARD_IMAGE" \
    --certs "$STATE/kguard-certs" --pod-cidr "$POD_CIDR" --wait 180 >&2
  touch "$STATE/up"
  log "up: kubectl --kubeconfig $STATE/admin.kubeconfig get pods -A"
  echo "$STATE/admin.kubeconfig"
}

# --- status --------------------------------------------------------------------------------------------

status() {
  [ -f "$STATE/up" ] || return 1
  local name
  for name in etcd kube-apiserver containerd kubelet kube-scheduler kube-controller-manager; do
    running "$name" || { log "$name is not running"; return 1; }
  done
  kc get --raw /readyz >/dev/null || return 1
  echo "$STATE/admin.kubeconfig"
}

# --- down ----------------------------------------------------------------------------------------------

down() {
  [ "$(id -u)" = 0 ] || die "needs root"
  [ -d "$STATE" ] || { log "nothing to do ($STATE does not exist)"; restore_machine_state; return 0; }
  # Controllers first, so nothing recreates the pods; then the pods, so kubelet tears their sandboxes
  # down (CNI DEL frees the addresses and removes the /var/run/netns/cni-* namespaces).
  stop kube-controller-manager
  stop kube-scheduler
  if running kube-apiserver && running kubelet; then
    kc delete validatingwebhookconfiguration kguard-webhook --ignore-not-found >/dev/null 2>&1 || true
    kc delete pods --all --all-namespaces --grace-period=1 --wait=true --timeout=90s >/dev/null 2>&1 ||
      log "some pods did not go away in 90s; removing their containers directly"
  fi
  stop kubelet
  if running containerd; then
    local c
    for c in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s SIGKILL "$c" >/dev/null 2>&1 || true; done
    sleep 1
    for c in $(ctr_ containers ls -q 2>/dev/null); do
      ctr_ tasks delete -f "$c" >/dev/null 2>&1 || true
      ctr_ containers delete "$c" >/dev/null 2>&1 || true
    done
  fi
  stop kube-apiserver
  stop etcd
  stop containerd
  # Whatever kubelet and containerd left mounted (volumes, rootfs, the kubelet root bind mount).
  local m
  for m in $(findmnt -rn -o TARGET | grep -E "^($STATE|$RUN)(/|$)" | sort -r); do umount -l "$m" 2>/dev/null || true; done
  [ ! -f "$STATE/netns-mount" ] || umount /run/netns 2>/dev/null || true
  ip link del "$BRIDGE" 2>/dev/null || true
  rm -f "$CNI_CONF"
  rm -rf "$CNI_DATA"
  nft delete table ip "$NFT_TABLE" 2>/dev/null || true
  # kubelet's (kubepods) and containerd's (k8s.io) cgroups, deepest first.
  local h g
  for h in /sys/fs/cgroup/*/; do
    for g in kubepods k8s.io; do
      if [ -d "$h$g" ]; then find "$h$g" -depth -type d -exec rmdir {} \; 2>/dev/null || true; fi
    done
  done
  restore_machine_state
  rm -rf "$STATE" "$RUN"
  log "down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
