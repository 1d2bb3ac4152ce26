#!/usr/bin/env bash
# Webhook throughput benchmark: wrk over keep-alive TLS, kguard vs. an nginx baseline. See README.md.
#
#   bench/webhook/run.sh KGUARD_BINARY
#
# One run: starts a throw-away API server (tests/e2e/cluster.sh), a restricted namespace, kguard webhook
# (namespace labels from its watched cache, as in production) and nginx (own config, same certificate,
# returning kguard's own response for the request as a fixed body), plus two diagnostic servers (below);
# warms up and measures each with the same wrk parameters (nginx first, then kguard); checks that kguard
# answered with real verdicts; prints a Markdown table.
#
# Environment (defaults in brackets):
#   WRK_THREADS [2]  WRK_CONNECTIONS [16]  DURATION [15s]  WARMUP [3s]   same for every server
#   ROUNDS [1]            measure nginx, kguard (and the diagnostics) this many times (one table row each)
#   NGINX_WORKERS [2]     nginx worker_processes (2 = nproc on the reference machine; see README)
#   KGUARD_THREADS [64]   kguard --threads (workers for requests that wait on the API server; connections are
#                         served by one event loop per core, --event-loops in KGUARD_ARGS to change that)
#   KGUARD_ARGS []        extra kguard webhook flags
#   RULES_CONFIG []       a KguardConfiguration file (e.g. bench/webhook/kguard-rules.yaml): also measure
#                         kguard-rules, the same binary with --config FILE (kguard's own rules on), after kguard
#                         in odd rounds and before it in even ones
#   NODELAY_SHIM [0]      1: also measure a second kguard with TCP_NODELAY forced on its accepted sockets by an
#                         LD_PRELOAD shim (nodelay_shim.c; historical diagnostic: kguard now sets it itself)
#   HTTPLIB_BASELINE [1]  1: also measure httplib_baseline.cpp: cpp-httplib set up like kguard's former server
#                         (plus TCP_NODELAY) answering with the fixed response, i.e. the former transport
#                         without kguard's work (diagnostic row), needs g++ and libcpp-httplib-dev
#   PROFILE [0]           1: after the measurement, one more kguard run (kguard-nodelay if there is one) under
#                         `perf record -g` (not in the table); prints the top symbols. DURATION in seconds ("15s").
#                         Or server names ("kguard kguard-rules"): one profiled run of each, for comparing them
#   KEEP_WORK [0]         1: keep the temp dir (logs, wrk output, request/response bodies)
#   KUBE_APISERVER_BIN    passed to tests/e2e/cluster.sh
set -euo pipefail

usage() { echo "usage: $0 KGUARD_BINARY" >&2; exit 2; }
[ $# -eq 1 ] || usage
KGUARD="$(readlink -f "$1")"
[ -x "$KGUARD" ] || { echo "$0: $1 is not an executable" >&2; exit 2; }

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
WRK_THREADS="${WRK_THREADS:-2}"
WRK_CONNECTIONS="${WRK_CONNECTIONS:-16}"
DURATION="${DURATION:-15s}"
WARMUP="${WARMUP:-3s}"
ROUNDS="${ROUNDS:-1}"
NGINX_WORKERS="${NGINX_WORKERS:-2}"
KGUARD_THREADS="${KGUARD_THREADS:-64}"
KGUARD_ARGS="${KGUARD_ARGS:-}"
RULES_CONFIG="${RULES_CONFIG:-}"
[ -z "$RULES_CONFIG" ] || RULES_CONFIG="$(readlink -f "$RULES_CONFIG")"
PROFILE="${PROFILE:-0}"
NODELAY_SHIM="${NODELAY_SHIM:-0}"
HTTPLIB_BASELINE="${HTTPLIB_BASELINE:-1}"
NAMESPACE="kguard-bench"

log() { echo "run.sh: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
for tool in wrk nginx curl kubectl openssl jq python3; do
  command -v "$tool" >/dev/null || die "$tool is required"
done

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
WORK="$(mktemp -d /tmp/kguard-bench-webhook.XXXXXX)"
KGUARD_PID="" SHIM_PID="" RULES_PID="" BASELINE_PID="" NGINX_PID="" CLUSTER_STARTED=0

cleanup() {
  local rc=$?
  set +e
  if [ -n "$KGUARD_PID" ]; then kill -TERM "$KGUARD_PID" 2>/dev/null; wait "$KGUARD_PID" 2>/dev/null; fi
  if [ -n "$SHIM_PID" ]; then kill -TERM "$SHIM_PID" 2>/dev/null; wait "$SHIM_PID" 2>/dev/null; fi
  if [ -n "$RULES_PID" ]; then kill -TERM "$RULES_PID" 2>/dev/null; wait "$RULES_PID" 2>/dev/null; fi
  if [ -n "$BASELINE_PID" ]; then kill -TERM "$BASELINE_PID" 2>/dev/null; wait "$BASELINE_PID" 2>/dev/null; fi
  if [ -n "$NGINX_PID" ]; then kill -TERM "$NGINX_PID" 2>/dev/null; wait "$NGINX_PID" 2>/dev/null; fi
  if [ "$CLUSTER_STARTED" = 1 ]; then "$REPO/tests/e2e/cluster.sh" stop "$WORK/cluster" >/dev/null 2>&1; fi
  if [ "${KEEP_WORK:-0}" = 1 ] || [ $rc -ne 0 ]; then
    log "work directory kept: $WORK"
  else
    rm -rf "$WORK"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_ports N: from tests/e2e/cluster.sh (sourcing it only defines functions).
# shellcheck source=tests/e2e/cluster.sh
source "$REPO/tests/e2e/cluster.sh"
free_ports() { _cl_free_ports "$@"; }

# Waits until URL answers 200 (TLS verified against the bench CA).
wait_ready() {
  local url="$1" what="$2" pid="$3" tries=600
  while [ $((tries -= 1)) -ge 0 ]; do
    kill -0 "$pid" 2>/dev/null || die "$what exited during start-up (see $WORK)"
    [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$WORK/certs/ca.crt" "$url" || true)" = 200 ] && return 0
    sleep 0.1
  done
  die "$what not ready after 60 s"
}

# CPU ticks (user+system) of a process and its threads; for nginx, of the master and its workers.
cpu_ticks() {
  local total=0 p
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] || continue
    total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$total"
}
server_pids() {  # $1: main pid; prints it and its children (nginx workers)
  echo "$1"
  cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+$' || true
}
# Machine-wide busy/total jiffies from /proc/stat.
cpu_stat() { awk '/^cpu / {busy=$2+$3+$4+$7+$8+$9; total=busy+$5+$6; print busy, total}' /proc/stat; }

metric() {  # metric PORT SERIES-PREFIX: sums kguard's samples whose line starts with it
  curl -s --cacert "$WORK/certs/ca.crt" "https://127.0.0.1:$1/metrics" |
    awk -v p="$2" 'index($0, p) == 1 {s += $NF} END {printf "%d\n", s}'
}

# ---- cluster, namespace, certificates -------------------------------------------------------------
log "starting the API server (tests/e2e/cluster.sh)"
CLUSTER_STARTED=1
"$REPO/tests/e2e/cluster.sh" start "$WORK/cluster" >"$WORK/cluster-start.log" 2>&1 ||
  { cat "$WORK/cluster-start.log" >&2; die "cluster start failed"; }
# shellcheck disable=SC1091
source "$WORK/cluster/env"
kubectl create namespace "$NAMESPACE" >/dev/null
kubectl label namespace "$NAMESPACE" pod-security.kubernetes.io/enforce=restricted >/dev/null
"$REPO/certs/gen-certs.sh" --out "$WORK/certs" --san IP:127.0.0.1 >&2

read -r KGUARD_PORT NGINX_PORT SHIM_PORT BASELINE_PORT RULES_PORT <<<"$(free_ports 5)"

# ---- the request: a Deployment's pod (3 containers) created by the ReplicaSet controller ----------
UID_ALLOWED="6f1c2b9e-3a4d-4c8e-9f0a-1b2c3d4e5f60"
# shellcheck source=bench/webhook/review.sh
source "$HERE/review.sh"
review "$UID_ALLOWED" '.' >"$WORK/request.json"
# The same pod with a privileged container: restricted must deny it (checked once, not benchmarked).
review "0d9e8f7a-6b5c-4d3e-2f1a-0b9c8d7e6f5a" \
  '.spec.containers[0].securityContext.privileged = true | .spec.containers[0].securityContext.allowPrivilegeEscalation = true' \
  >"$WORK/request-denied.json"
REQUEST_BYTES="$(wc -c <"$WORK/request.json")"

post() {  # post PORT BODY_FILE -> response body on stdout
  curl -sS --fail --cacert "$WORK/certs/ca.crt" -H 'Content-Type: application/json' \
    --data-binary @"$2" "https://127.0.0.1:$1/validate"
}

# ---- kguard -------------------------------------------------------------------------------------
start_kguard() {  # start_kguard NAME PORT [kguard flags...]; sets STARTED_PID
  local name="$1" port="$2"
  shift 2
  log "starting $name on 127.0.0.1:$port"
  # shellcheck disable=SC2086
  env ${PRELOAD:+LD_PRELOAD="$PRELOAD"} "$KGUARD" webhook --tls-cert-file "$WORK/certs/tls.crt" --tls-private-key-file "$WORK/certs/tls.key" \
    --listen "127.0.0.1:$port" --kubeconfig "$KUBECONFIG" --log-level warn --shutdown-grace-ms 0 \
    --threads "$KGUARD_THREADS" $KGUARD_ARGS "$@" >"$WORK/$name.log" 2>&1 &
  STARTED_PID=$!
  wait_ready "https://127.0.0.1:$port/readyz" "$name" "$STARTED_PID"
}

# check_verdicts NAME PORT: the benchmark pod is allowed after a restricted evaluation, the privileged one denied.
# /readyz means the namespace list has been read, so the namespace's labels come from the cache (the
# measured path), not from the API server fallback.
check_verdicts() {
  local name="$1" port="$2"
  post "$port" "$WORK/request.json" >"$WORK/$name-response.json"
  jq -e --arg uid "$UID_ALLOWED" '.response.uid == $uid and .response.allowed == true' "$WORK/$name-response.json" >/dev/null ||
    die "$name did not allow the benchmark pod: $(cat "$WORK/$name-response.json")"
  jq -e '.response.auditAnnotations["enforce-policy"] | startswith("restricted")' "$WORK/$name-response.json" >/dev/null ||
    die "$name did not evaluate the pod at the restricted level: $(cat "$WORK/$name-response.json")"
  post "$port" "$WORK/request-denied.json" >"$WORK/$name-response-denied.json"
  jq -e '.response.allowed == false' "$WORK/$name-response-denied.json" >/dev/null ||
    die "$name allowed a privileged pod in a restricted namespace: $(cat "$WORK/$name-response-denied.json")"
}

start_kguard kguard "$KGUARD_PORT"
KGUARD_PID="$STARTED_PID"
check_verdicts kguard "$KGUARD_PORT"
cp "$WORK/kguard-response.json" "$WORK/response.json"
RESPONSE_BYTES="$(wc -c <"$WORK/response.json")"

# Servers measured after nginx, in this order, with their ports and pids.
SERVERS=(kguard)
declare -A PORT=([kguard]="$KGUARD_PORT") PID=([kguard]="$KGUARD_PID")
if [ "$NODELAY_SHIM" = 1 ]; then
  command -v cc >/dev/null || die "NODELAY_SHIM=1 needs cc"
  cc -shared -fPIC -O2 -o "$WORK/nodelay_shim.so" "$HERE/nodelay_shim.c" -ldl
  PRELOAD="$WORK/nodelay_shim.so" start_kguard kguard-nodelay "$SHIM_PORT"
  SHIM_PID="$STARTED_PID"
  check_verdicts kguard-nodelay "$SHIM_PORT"
  cmp -s "$WORK/kguard-nodelay-response.json" "$WORK/response.json" || die "kguard-nodelay answers differently"
  SERVERS+=(kguard-nodelay)
  PORT[kguard-nodelay]="$SHIM_PORT" PID[kguard-nodelay]="$SHIM_PID"
fi
if [ -n "$RULES_CONFIG" ]; then
  start_kguard kguard-rules "$RULES_PORT" --config "$RULES_CONFIG"
  RULES_PID="$STARTED_PID"
  check_verdicts kguard-rules "$RULES_PORT"
  SERVERS+=(kguard-rules)
  PORT[kguard-rules]="$RULES_PORT" PID[kguard-rules]="$RULES_PID"
fi

# ---- nginx: kguard's response as a fixed body ---------------------------------------------------
grep -q '\$' "$WORK/response.json" && die "the response contains '\$', which nginx's return would expand"
mkdir -p "$WORK/nginx/logs"
body="$(sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g" "$WORK/response.json")"
user_line=""
[ "$(id -u)" = 0 ] && user_line="user root;"
cat >"$WORK/nginx/nginx.conf" <<EOF
$user_line
worker_processes $NGINX_WORKERS;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/client_body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 75s;
  client_body_buffer_size 64k;
  client_max_body_size 3m;
  server {
    listen 127.0.0.1:$NGINX_PORT ssl;
    ssl_certificate $WORK/certs/tls.crt;
    ssl_certificate_key $WORK/certs/tls.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    location = /validate {
      limit_except POST { deny all; }
      default_type application/json;
      return 200 '$body';
    }
    location = /readyz { return 200 'ok'; }
  }
}
EOF
log "starting nginx on 127.0.0.1:$NGINX_PORT ($NGINX_WORKERS workers)"
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/logs/error.log" -g 'daemon off;' \
  >"$WORK/nginx/logs/stdout.log" 2>&1 &
NGINX_PID=$!
wait_ready "https://127.0.0.1:$NGINX_PORT/readyz" nginx "$NGINX_PID"
post "$NGINX_PORT" "$WORK/request.json" | cmp -s - "$WORK/response.json" ||
  die "nginx does not return kguard's response byte for byte"

if [ "$HTTPLIB_BASELINE" = 1 ]; then
  command -v g++ >/dev/null || die "HTTPLIB_BASELINE=1 needs g++"
  log "building and starting httplib_baseline on 127.0.0.1:$BASELINE_PORT"
  g++ -std=c++17 -O2 -DCPPHTTPLIB_OPENSSL_SUPPORT "$HERE/httplib_baseline.cpp" -o "$WORK/httplib_baseline" \
    -lcpp-httplib -lssl -lcrypto -lpthread
  "$WORK/httplib_baseline" "$WORK/certs/tls.crt" "$WORK/certs/tls.key" "$BASELINE_PORT" "$KGUARD_THREADS" \
    "$WORK/response.json" >"$WORK/httplib_baseline.log" 2>&1 &
  BASELINE_PID=$!
  wait_ready "https://127.0.0.1:$BASELINE_PORT/readyz" httplib_baseline "$BASELINE_PID"
  post "$BASELINE_PORT" "$WORK/request.json" | cmp -s - "$WORK/response.json" ||
    die "httplib_baseline does not return kguard's response byte for byte"
  SERVERS+=(httplib-baseline)
  PORT[httplib-baseline]="$BASELINE_PORT" PID[httplib-baseline]="$BASELINE_PID"
fi

# ---- wrk ----------------------------------------------------------------------------------------
cat >"$WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open("$WORK/request.json", "rb"))
wrk.body = f:read("*a")
f:close()

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
EOF

# timed FILE CMD...: runs CMD, writing its user and system CPU seconds to FILE (when GNU time is there).
timed() {
  local file="$1"
  shift
  if [ -x /usr/bin/time ]; then /usr/bin/time -f '%U %S' -o "$file" "$@"; else "$@"; fi
}
field() { sed -n "s/.*[ ]$1=\([0-9]*\).*/\1/p" "$2"; }
ms() { awk -v us="$1" 'BEGIN {printf "%.2f ms", us / 1000}'; }

# measure NAME PORT PID ROUND: warm-up, then the measured run; writes $WORK/NAME-ROUND.{wrk,row}
measure() {
  local name="$1" port="$2" pid="$3" round="$4" out="$WORK/$1-$4.wrk"
  local url="https://127.0.0.1:$port/validate"
  wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$WARMUP" -s "$WORK/post.lua" "$url" >"$WORK/$name-$round.warmup" 2>&1
  local pids before_ticks after_ticks sys_before sys_after
  mapfile -t pids < <(server_pids "$pid")
  before_ticks="$(cpu_ticks "${pids[@]}")"
  sys_before="$(cpu_stat)"
  timed "$WORK/$name-$round.time" wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$DURATION" --latency \
    -s "$WORK/post.lua" "$url" >"$out" 2>&1 || die "wrk against $name failed: $(cat "$out")"
  after_ticks="$(cpu_ticks "${pids[@]}")"
  sys_after="$(cpu_stat)"
  grep -q '^BENCH ' "$out" || die "wrk against $name printed no summary: $(cat "$out")"
  local requests duration errors rps server_cpu per_request busy client_cpu="n/a"
  requests="$(field requests "$out")"
  duration="$(field duration_us "$out")"
  errors=$(( $(field connect "$out") + $(field read "$out") + $(field write "$out") + $(field status "$out") + $(field timeout "$out") ))
  rps="$(awk -v n="$requests" -v d="$duration" 'BEGIN {printf "%.0f", n / (d / 1e6)}')"
  server_cpu="$(awk -v t=$((after_ticks - before_ticks)) -v hz="$(getconf CLK_TCK)" -v d="$duration" \
    'BEGIN {printf "%.0f %%", 100 * t / hz / (d / 1e6)}')"
  per_request="$(awk -v t=$((after_ticks - before_ticks)) -v hz="$(getconf CLK_TCK)" -v n="$requests" \
    'BEGIN {printf "%.0f µs", 1e6 * t / hz / n}')"
  if [ -s "$WORK/$name-$round.time" ]; then
    client_cpu="$(awk -v d="$duration" '{printf "%.0f %%", 100 * ($1 + $2) / (d / 1e6)}' "$WORK/$name-$round.time")"
  fi
  busy="$(awk -v a="$sys_before" -v b="$sys_after" \
    'BEGIN {split(a, x, " "); split(b, y, " "); printf "%.0f %%", 100 * (y[1] - x[1]) / (y[2] - x[2])}')"
  echo "$rps" >"$WORK/$name-$round.rps"
  awk -v t=$((after_ticks - before_ticks)) -v hz="$(getconf CLK_TCK)" -v n="$requests" \
    'BEGIN {printf "%.1f\n", 1e6 * t / hz / n}' >"$WORK/$name-$round.cpu"
  echo "$errors" >"$WORK/$name-$round.errors"
  echo "$requests" >"$WORK/$name-$round.requests"
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$round" "$rps" \
    "$(ms "$(field p50_us "$out")")" "$(ms "$(field p99_us "$out")")" "$errors" "$server_cpu" "$per_request" \
    "$client_cpu" "$busy" \
    >"$WORK/$name-$round.row"
}

LOAD_BEFORE_RUN="$(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
  log "round $round/$ROUNDS: nginx (warm-up $WARMUP, then $DURATION)"
  measure nginx "$NGINX_PORT" "$NGINX_PID" "$round"
  # The kguard servers in turn, in reverse order every other round, so that none is always measured
  # right after nginx (rules on vs. off: the ratio must not depend on the position in the round).
  order=("${SERVERS[@]}")
  if [ $((round % 2)) = 0 ]; then
    order=()
    for ((i = ${#SERVERS[@]} - 1; i >= 0; i--)); do order+=("${SERVERS[i]}"); done
  fi
  for name in "${order[@]}"; do
    port="${PORT[$name]}" pid="${PID[$name]}"
    log "round $round/$ROUNDS: $name (warm-up $WARMUP, then $DURATION)"
    if [ "$name" = httplib-baseline ]; then
      measure "$name" "$port" "$pid" "$round"
      continue
    fi
    allowed_before="$(metric "$port" 'pod_security_evaluations_total{decision="allow",policy_level="restricted"')"
    served_before="$(metric "$port" 'kguard_webhook_requests_total{path="/validate",code="200"}')"
    measure "$name" "$port" "$pid" "$round"
    allowed_after="$(metric "$port" 'pod_security_evaluations_total{decision="allow",policy_level="restricted"')"
    served_after="$(metric "$port" 'kguard_webhook_requests_total{path="/validate",code="200"}')"
    # kguard's own counters: every request wrk counted was answered 200 and evaluated at restricted (the
    # warm-up ran after "before", and a few requests in flight when wrk stops are answered but not counted).
    wrk_requests="$(cat "$WORK/$name-$round.requests")"
    [ "$((served_after - served_before))" -ge "$wrk_requests" ] ||
      die "$name counted $((served_after - served_before)) answers for $wrk_requests wrk requests"
    [ "$((allowed_after - allowed_before))" -ge "$wrk_requests" ] ||
      die "$name counted $((allowed_after - allowed_before)) restricted evaluations for $wrk_requests wrk requests"
  done
  for name in nginx "${SERVERS[@]}"; do
    [ "$(cat "$WORK/$name-$round.errors")" = 0 ] || die "$name: wrk reported errors or non-2xx: $(cat "$WORK/$name-$round.wrk")"
  done
done
LOAD_AFTER_RUN="$(cut -d' ' -f1-3 /proc/loadavg)"

# The verdicts after the load are still the real ones.
check_verdicts kguard "$KGUARD_PORT"
if [ "$NODELAY_SHIM" = 1 ]; then check_verdicts kguard-nodelay "$SHIM_PORT"; fi

# ---- optional profile (outside the measurement) -------------------------------------------------
# profile NAME PORT PID: one more run of NAME under perf; top symbols in $WORK/perf-top-NAME.txt.
profile() {
  local name="$1" port="$2" pid="$3" perf_pid
  log "profiling $name (pid $pid) under the same load (perf record -g, $DURATION)"
  perf record -F 999 -g -p "$pid" -o "$WORK/perf-$name.data" -- sleep "${DURATION%s}" >"$WORK/perf-record-$name.log" 2>&1 &
  perf_pid=$!
  wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$DURATION" -s "$WORK/post.lua" \
    "https://127.0.0.1:$port/validate" >"$WORK/$name-profile.wrk" 2>&1
  wait "$perf_pid" || true
  { perf report -i "$WORK/perf-$name.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -E '^ +[0-9.]+%' | head -10
    echo
    perf report -i "$WORK/perf-$name.data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null | grep -E '^ +[0-9.]+%' | head -40
  } | sed -e 's/ *$//' -e 's/nlohmann::json_abi_v[0-9_]*:://g' \
      -e 's/std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >/std::string/g' |
    cut -c1-160 >"$WORK/perf-top-$name.txt" || true
  log "top symbols of $name (self time) in $WORK/perf-top-$name.txt:"
  cat "$WORK/perf-top-$name.txt" >&2
}
if [ "$PROFILE" != 0 ]; then
  command -v perf >/dev/null || die "PROFILE needs perf"
  # PROFILE=1: the TCP_NODELAY instance when there is one: the unmodified one mostly waited (see README).
  profiled="$PROFILE"
  if [ "$PROFILE" = 1 ]; then if [ "$NODELAY_SHIM" = 1 ]; then profiled=kguard-nodelay; else profiled=kguard; fi; fi
  for name in $profiled; do
    [ -n "${PID[$name]:-}" ] || die "PROFILE: no server named $name (one of: ${SERVERS[*]})"
    profile "$name" "${PORT[$name]}" "${PID[$name]}"
  done
fi

# ---- report -------------------------------------------------------------------------------------
ratio_of() { awk -v k="$1" -v n="$2" 'BEGIN {printf "%.0f %%", 100 * k / n}'; }
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
NGINX_MEDIAN="$(cat "$WORK"/nginx-*.rps | median)"
KGUARD_MEDIAN="$(cat "$WORK"/kguard-[0-9]*.rps | median)"

echo "### Webhook throughput: kguard vs. nginx (wrk, keep-alive TLS)"
echo
echo "| server | round | requests/s | p50 | p99 | errors + non-2xx | server CPU | server CPU / request | wrk CPU | machine busy |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for round in $(seq 1 "$ROUNDS"); do
  cat "$WORK/nginx-$round.row"
  for name in "${SERVERS[@]}"; do cat "$WORK/$name-$round.row"; done
done
echo
echo "**kguard / nginx throughput: $(ratio_of "$KGUARD_MEDIAN" "$NGINX_MEDIAN")** (median requests/s over $ROUNDS round(s): kguard $KGUARD_MEDIAN, nginx $NGINX_MEDIAN; goal ≥ 60 %)"
if [ "$NODELAY_SHIM" = 1 ]; then
  SHIM_MEDIAN="$(cat "$WORK"/kguard-nodelay-*.rps | median)"
  echo
  echo "Diagnostic, not the shipped binary: kguard-nodelay (the same binary with TCP_NODELAY forced on accepted sockets by bench/webhook/nodelay_shim.c) / nginx: $(ratio_of "$SHIM_MEDIAN" "$NGINX_MEDIAN") (median $SHIM_MEDIAN requests/s)"
fi
if [ -n "$RULES_CONFIG" ]; then
  RULES_MEDIAN="$(cat "$WORK"/kguard-rules-*.rps | median)"
  rules_rounds="$(for round in $(seq 1 "$ROUNDS"); do
    awk -v r="$(cat "$WORK/kguard-rules-$round.rps")" -v k="$(cat "$WORK/kguard-$round.rps")" 'BEGIN {printf "%.2f ", r / k}'
  done)"
  echo
  echo "**kguard-rules (--config $RULES_CONFIG) / nginx: $(ratio_of "$RULES_MEDIAN" "$NGINX_MEDIAN")** (median $RULES_MEDIAN requests/s); kguard-rules / kguard: $(ratio_of "$RULES_MEDIAN" "$KGUARD_MEDIAN") (medians; per round: ${rules_rounds% })"
  echo
  echo "Server CPU per request, median over the rounds: kguard $(cat "$WORK"/kguard-[0-9]*.cpu | median) µs, kguard-rules $(cat "$WORK"/kguard-rules-*.cpu | median) µs (kguard-rules measured first in even rounds)"
fi
if [ "$HTTPLIB_BASELINE" = 1 ]; then
  BASELINE_MEDIAN="$(cat "$WORK"/httplib-baseline-*.rps | median)"
  echo
  echo "Diagnostic: httplib-baseline (cpp-httplib set up like kguard's server, plus TCP_NODELAY, fixed response: kguard's transport without its work; bench/webhook/httplib_baseline.cpp) / nginx: $(ratio_of "$BASELINE_MEDIAN" "$NGINX_MEDIAN") (median $BASELINE_MEDIAN requests/s)"
fi
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); host: $(uname -srm); nproc: $(nproc); CPU: $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
echo "- load average (1/5/15 min): at start $LOAD_START; before the first wrk run $LOAD_BEFORE_RUN; after the last $LOAD_AFTER_RUN"
echo "- wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'): -t$WRK_THREADS -c$WRK_CONNECTIONS -d$DURATION --latency, warm-up $WARMUP before each measured run, POST /validate, Content-Type: application/json, keep-alive, $REQUEST_BYTES-byte AdmissionReview (3-container Deployment pod, CREATE, restricted namespace) -> $RESPONSE_BYTES-byte response"
echo "- nginx $(nginx -v 2>&1 | sed 's|.*nginx/||'): worker_processes $NGINX_WORKERS, keepalive_requests 100000000, return 200 with kguard's captured response"
echo "- kguard: $KGUARD webhook --threads $KGUARD_THREADS --log-level warn${KGUARD_ARGS:+ $KGUARD_ARGS}; namespace labels from the watched cache (kube-apiserver $(basename "$(dirname "$KUBE_APISERVER_BIN")" | sed 's/^kube-apiserver-//') + etcd on the same machine)"
echo "- TLS: $(openssl version | awk '{print $1, $2}'), $(curl -sv --cacert "$WORK/certs/ca.crt" -o /dev/null "https://127.0.0.1:$KGUARD_PORT/healthz" 2>&1 | sed -n 's/.*SSL connection using \(.*\)$/\1/p' | head -1) (kguard, as negotiated by curl), serving key $(openssl x509 -in "$WORK/certs/tls.crt" -noout -text | sed -n 's/^ *Public Key Algorithm: *//p' | head -1) from certs/gen-certs.sh"
echo "- verified: 0 socket errors and 0 non-2xx for every server; kguard's own counters answered 200 and evaluated restricted/allow at least as many requests as wrk counted; curl before and after the load: allowed=true for the pod, allowed=false for the same pod with a privileged container"
echo "- server CPU = CPU time of the server process(es) / wall time (200 % = both cores); server CPU / request = that CPU time / requests; wrk CPU = wrk's CPU time / wall time; machine busy = all CPUs, from /proc/stat, including wrk, the API server and anything else running"
