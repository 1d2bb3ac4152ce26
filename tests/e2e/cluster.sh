#!/usr/bin/env bash
# A throw-away Kubernetes control plane (etcd + real kube-apiserver, no kubelet/scheduler/controllers)
# for kguard's end-to-end tests. See tests/e2e/README.md.
#
# CLI:
#   tests/e2e/cluster.sh start DIR   start etcd + kube-apiserver on free loopback ports; writes
#                                    DIR/kubeconfig and DIR/env (shell-sourceable), logs in DIR/*.log
#   tests/e2e/cluster.sh stop DIR    stop both processes (idempotent)
# Library (`source tests/e2e/cluster.sh`): cluster_start DIR, cluster_stop DIR,
#   cluster_set_pod_status NAMESPACE POD JSON   (needs DIR/env sourced)
#
# Environment:
#   KUBE_APISERVER_BIN    use this binary instead of scripts/build-kube-apiserver.sh (builds if missing)
#   CLUSTER_START_TIMEOUT seconds to wait for /readyz (default 90)
set -euo pipefail

CLUSTER_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# The preamble of the e2e scripts whose one argument is kguard's path: sets KGUARD and REPO_ROOT, and
# unsets proxies (everything these tests reach is on 127.0.0.1).
e2e_kguard_argument() {
  [ $# -eq 1 ] || { echo "usage: $0 PATH/TO/kguard" >&2; exit 2; }
  KGUARD="$(realpath "$1")"
  [ -x "$KGUARD" ] || { echo "$0: $KGUARD is not executable" >&2; exit 2; }
  REPO_ROOT="$CLUSTER_REPO_ROOT"
  unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
}

# Users in the token auth file: name, group list (quoted CSV field). The admin is in system:masters
# (bypasses RBAC); the others have no RBAC bindings, so tests grant exactly what they need.
CLUSTER_USERS=(
  "admin:kguard-admin:system:masters"
  "alice:alice:e2e-developers"
  "bob:bob:e2e-developers,e2e-auditors"
  "eve:eve:"
)

_cl_log() { echo "cluster.sh: $*" >&2; }
_cl_die() { _cl_log "ERROR: $*"; return 1; }

# Prints N distinct free TCP ports on 127.0.0.1 (the kernel picks them; they are released right away,
# so a rare race with another process is handled by the retry in cluster_start).
_cl_free_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# Locates (or builds, ~8 min on a fresh machine) the kube-apiserver binary.
_cl_apiserver_bin() {
  if [ -n "${KUBE_APISERVER_BIN:-}" ]; then
    [ -x "$KUBE_APISERVER_BIN" ] || _cl_die "KUBE_APISERVER_BIN=$KUBE_APISERVER_BIN is not executable"
    echo "$KUBE_APISERVER_BIN"
    return
  fi
  local bin
  bin="$("$CLUSTER_REPO_ROOT/scripts/build-kube-apiserver.sh" | tail -n 1)" || _cl_die "scripts/build-kube-apiserver.sh failed"
  [ -x "$bin" ] || _cl_die "scripts/build-kube-apiserver.sh printed '$bin', which is not executable"
  echo "$bin"
}

# Token auth file (`token,user,uid,"groups"`) with a random token per user; the tokens are exported
# to DIR/env as <NAME>_TOKEN.
_cl_write_tokens() {
  local dir="$1" entry name user groups token
  : >"$dir/tokens.csv"
  : >"$dir/tokens.env"
  for entry in "${CLUSTER_USERS[@]}"; do
    name="${entry%%:*}"; entry="${entry#*:}"
    user="${entry%%:*}"; groups="${entry#*:}"
    token="$(openssl rand -hex 16)"
    if [ -n "$groups" ]; then
      echo "$token,$user,uid-$user,\"$groups\"" >>"$dir/tokens.csv"
    else
      echo "$token,$user,uid-$user" >>"$dir/tokens.csv"
    fi
    printf 'export %s_TOKEN=%q\n' "$(echo "$name" | tr '[:lower:]' '[:upper:]')" "$token" >>"$dir/tokens.env"
  done
  chmod 600 "$dir/tokens.csv" "$dir/tokens.env"
}

# Service-account signing key pair: required flags since 1.20, even though no tokens are minted here.
_cl_write_sa_keys() {
  local dir="$1"
  openssl genrsa -out "$dir/pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$dir/pki/sa.key" -pubout -out "$dir/pki/sa.pub" 2>/dev/null
}

# Prints the start time (clock ticks since boot, /proc/PID/stat field 22) of a live process; fails
# for a missing pid or a zombie (a dead child not yet reaped, which `kill -0` would call alive).
_cl_proc_start() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"             # drop "pid (comm) ": comm may contain spaces
  # shellcheck disable=SC2086     # split into fields on purpose
  set -- $stat
  [ "$1" != Z ] && echo "${20}"
}

# True if process $1 is alive and still the one that started at $2 (guards against pid reuse).
_cl_alive() { [ "$(_cl_proc_start "$1")" = "$2" ]; }

# Records "name pid starttime" so `stop` (and the failure trap) can find a process even if start
# dies half-way, and never kills an unrelated process that reused the pid. Prints the start time.
_cl_record_pid() {
  local start
  start="$(_cl_proc_start "$3")" || start=gone
  echo "$2 $3 $start" >>"$1/pids"
  echo "$start"
}

# Starts etcd in the background (stdin/stdout/stderr detached, so a test runner waiting on our
# output pipe is not held open) and waits until it answers /health.
_cl_start_etcd() {
  local dir="$1" client_port="$2" peer_port="$3"
  local url="http://127.0.0.1:$client_port" peer="http://127.0.0.1:$peer_port"
  etcd --name kguard-e2e --data-dir "$dir/etcd-data" --logger zap --log-outputs stderr \
    --listen-client-urls "$url" --advertise-client-urls "$url" \
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
    --initial-cluster "kguard-e2e=$peer" --initial-cluster-state new \
    </dev/null >"$dir/etcd.log" 2>&1 &
  ETCD_PID=$!
  ETCD_PSTART="$(_cl_record_pid "$dir" etcd "$ETCD_PID")"
  local _
  for _ in $(seq 1 100); do
    curl -fsS --noproxy '*' -m 2 "$url/health" 2>/dev/null | grep -q '"health":"true"' && return 0
    _cl_alive "$ETCD_PID" "$ETCD_PSTART" || break
    sleep 0.2
  done
  _cl_log "etcd did not become healthy on $url; last lines of $dir/etcd.log:"
  tail -n 20 "$dir/etcd.log" >&2
  return 1
}

# Starts kube-apiserver with the flags from /work/shared/docs/real-kube-apiserver.md. Proxy variables
# are dropped so calls to webhooks on https://127.0.0.1:PORT can never be sent to a proxy.
_cl_start_apiserver() {
  local dir="$1" bin="$2" etcd_port="$3" port="$4"
  env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u all_proxy -u ALL_PROXY \
    "$bin" \
    --etcd-servers="http://127.0.0.1:$etcd_port" \
    --bind-address=127.0.0.1 --secure-port="$port" --insecure-port=0 \
    --cert-dir="$dir/pki" \
    --token-auth-file="$dir/tokens.csv" \
    --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$dir/pki/sa.pub" \
    --service-account-signing-key-file="$dir/pki/sa.key" \
    --service-cluster-ip-range=10.96.0.0/16 \
    --enable-admission-plugins=NamespaceLifecycle,ValidatingAdmissionWebhook \
    --disable-admission-plugins=ServiceAccount \
    --allow-privileged=true \
    --profiling=false \
    </dev/null >"$dir/kube-apiserver.log" 2>&1 &
  APISERVER_PID=$!
  APISERVER_PSTART="$(_cl_record_pid "$dir" kube-apiserver "$APISERVER_PID")"
}

# Waits for /readyz (all post-start hooks, incl. RBAC bootstrap roles) and for the `default`
# namespace, which the apiserver creates shortly after it is ready; tests may use it right away.
_cl_wait_ready() {
  local dir="$1" url="$2" token="$3" timeout="${CLUSTER_START_TIMEOUT:-90}"
  local deadline=$((SECONDS + timeout))
  local auth=(-H "Authorization: Bearer $token")
  while [ "$SECONDS" -lt "$deadline" ]; do
    if ! _cl_alive "$APISERVER_PID" "$APISERVER_PSTART"; then
      _cl_log "kube-apiserver exited during start-up; last lines of $dir/kube-apiserver.log:"
      tail -n 30 "$dir/kube-apiserver.log" >&2
      return 1
    fi
    if [ "$(curl -ksS --noproxy '*' -m 3 "${auth[@]}" "$url/readyz" 2>/dev/null)" = ok ] &&
       curl -ksf --noproxy '*' -m 3 "${auth[@]}" "$url/api/v1/namespaces/default" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.5
  done
  _cl_log "kube-apiserver not ready after ${timeout}s at $url; last lines of $dir/kube-apiserver.log:"
  tail -n 30 "$dir/kube-apiserver.log" >&2
  curl -ksS --noproxy '*' -m 3 "${auth[@]}" "$url/readyz?verbose" 2>&1 | grep -v '\[+\]' >&2 || true
  return 1
}

# kubeconfig for the admin token; the serving cert is self-signed, hence insecure-skip-tls-verify.
_cl_write_kubeconfig() {
  local dir="$1" url="$2" token="$3"
  cat >"$dir/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kguard-e2e
  cluster:
    server: $url
    insecure-skip-tls-verify: true
users:
- name: kguard-admin
  user:
    token: $token
contexts:
- name: kguard-e2e
  context:
    cluster: kguard-e2e
    user: kguard-admin
current-context: kguard-e2e
EOF
  chmod 600 "$dir/kubeconfig"
}

# DIR/env: everything a test needs, as `export VAR=value` lines.
_cl_write_env() {
  local dir="$1" bin="$2" etcd_port="$3" port="$4"
  {
    printf 'export CLUSTER_DIR=%q\n' "$dir"
    printf 'export KUBECONFIG=%q\n' "$dir/kubeconfig"
    printf 'export APISERVER_URL=%q\n' "https://127.0.0.1:$port"
    printf 'export APISERVER_PORT=%q\n' "$port"
    printf 'export APISERVER_PID=%q\n' "$APISERVER_PID"
    printf 'export KUBE_APISERVER_BIN=%q\n' "$bin"
    printf 'export ETCD_URL=%q\n' "http://127.0.0.1:$etcd_port"
    printf 'export ETCD_PORT=%q\n' "$etcd_port"
    printf 'export ETCD_PID=%q\n' "$ETCD_PID"
    cat "$dir/tokens.env"
  } >"$dir/env.tmp"
  mv "$dir/env.tmp" "$dir/env"
}

# One start attempt with fresh ports; fails (leaving pids recorded for cleanup) on any error.
_cl_start_once() {
  local dir="$1" bin="$2" etcd_port peer_port api_port
  read -r etcd_port peer_port api_port <<<"$(_cl_free_ports 3)"
  _cl_start_etcd "$dir" "$etcd_port" "$peer_port" || return 1
  _cl_start_apiserver "$dir" "$bin" "$etcd_port" "$api_port"
  local admin_token
  # shellcheck disable=SC1091,SC2153  # tokens.env is generated and defines ADMIN_TOKEN
  admin_token="$(. "$dir/tokens.env" && echo "$ADMIN_TOKEN")"
  _cl_wait_ready "$dir" "https://127.0.0.1:$api_port" "$admin_token" || return 1
  _cl_write_kubeconfig "$dir" "https://127.0.0.1:$api_port" "$admin_token"
  _cl_write_env "$dir" "$bin" "$etcd_port" "$api_port"
}

# Starts the cluster in DIR; on failure stops whatever was started and returns non-zero.
cluster_start() {
  local dir="${1:?usage: cluster_start DIR}"
  mkdir -p "$dir"; dir="$(cd "$dir" && pwd)"
  if [ -f "$dir/pids" ] && cluster_running "$dir"; then
    _cl_die "a cluster is already running in $dir (run: $0 stop $dir)"; return 1
  fi
  local bin; bin="$(_cl_apiserver_bin)" || return 1
  local start=$SECONDS attempt
  rm -rf "$dir/etcd-data" "$dir/pki" "$dir/pids" "$dir/env" "$dir/kubeconfig"
  mkdir -p "$dir/pki"
  _cl_write_tokens "$dir"
  _cl_write_sa_keys "$dir"
  # Retry with new ports: a port picked as free can be taken by someone else before we bind it.
  for attempt in 1 2 3; do
    if _cl_start_once "$dir" "$bin"; then
      _cl_log "cluster ready in $((SECONDS - start))s: $(grep APISERVER_URL "$dir/env" | cut -d= -f2) (env: $dir/env)"
      return 0
    fi
    cluster_stop "$dir"
    grep -qi 'address already in use' "$dir"/*.log 2>/dev/null || break
    _cl_log "port collision, retrying (attempt $((attempt + 1)))"
    rm -rf "$dir/etcd-data"
  done
  _cl_die "could not start the cluster in $dir"
}

# True if any recorded process of DIR is still alive.
cluster_running() {
  local dir="$1" name pid start
  [ -f "$dir/pids" ] || return 1
  while read -r name pid start; do
    if _cl_alive "$pid" "$start"; then return 0; fi
  done <"$dir/pids"
  return 1
}

# Sends SIGTERM and waits up to $3 seconds, then SIGKILLs. The processes are not our children in
# the CLI case (started by an earlier `start`), so `wait` cannot be used; poll /proc instead.
_cl_kill() {
  local name="$1" pid="$2" start="$3" grace="$4" _
  _cl_alive "$pid" "$start" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((grace * 10))); do
    _cl_alive "$pid" "$start" || break
    sleep 0.1
  done
  if _cl_alive "$pid" "$start"; then
    _cl_log "$name ($pid) ignored SIGTERM for ${grace}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while _cl_alive "$pid" "$start"; do sleep 0.1; done
  fi
  # Reap it if it is our child (library use), so no zombie is left behind.
  wait "$pid" 2>/dev/null || true
}

# Stops kube-apiserver first (it would otherwise log etcd errors), then etcd. Idempotent.
cluster_stop() {
  local dir="${1:?usage: cluster_stop DIR}" name n pid start
  [ -f "$dir/pids" ] || return 0
  for name in kube-apiserver etcd; do
    while read -r n pid start; do
      if [ "$n" = "$name" ]; then _cl_kill "$name" "$pid" "$start" 15; fi
    done <"$dir/pids"
  done
  rm -f "$dir/pids"
}

# Sets fields of a pod's status through the status subresource (there is no kubelet to do it).
# JSON is a merge patch of the status, e.g. '{"podIP":"10.1.2.3","podIPs":[{"ip":"10.1.2.3"}]}'.
# curl is used instead of `kubectl patch --subresource=status`, which only kubectl >= 1.24 has.
cluster_set_pod_status() {
  local ns="$1" pod="$2" status="$3"
  : "${APISERVER_URL:?source DIR/env first}" "${ADMIN_TOKEN:?source DIR/env first}"
  curl -ksSf --noproxy '*' -m 10 -X PATCH \
    -H "Authorization: Bearer $ADMIN_TOKEN" -H "Content-Type: application/merge-patch+json" \
    --data "{\"status\":$status}" \
    "$APISERVER_URL/api/v1/namespaces/$ns/pods/$pod/status" >/dev/null
}

# CLI entry point: a failed or interrupted start must not leave etcd/kube-apiserver running.
_cl_main() {
  local cmd="${1:-}"
  _CL_MAIN_DIR="${2:-}"
  [ -n "$_CL_MAIN_DIR" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
  case "$cmd" in
    start)
      # shellcheck disable=SC2154  # rc is assigned inside the trap string
      trap 'rc=$?; [ "$rc" = 0 ] || cluster_stop "$_CL_MAIN_DIR"; exit "$rc"' EXIT
      trap 'exit 130' INT TERM
      cluster_start "$_CL_MAIN_DIR"
      ;;
    stop) cluster_stop "$_CL_MAIN_DIR" ;;
    *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
  esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  _cl_main "$@"; exit $?
fi
