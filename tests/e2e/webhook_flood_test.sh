#!/usr/bin/env bash
# Hostile load on `kguard webhook` with few file descriptors (issue 12): the real webhook, behind a real
# kube-apiserver (tests/e2e/cluster.sh), runs under `ulimit -n 512` while tests/e2e/webhook_flood_client.py
# floods it with 800 idle TCP connections (reopened as the server drops them), slowloris TLS handshakes and
# headers, bodies declared as 100 MB, 10 MB headers and pipelined garbage, and sends 200 AdmissionReviews over 10 s.
#
#   bash tests/e2e/webhook_flood_test.sh PATH/TO/kguard
#
# Passes only if every legitimate request gets the right verdict (0 failed), including ones that need the
# API server during the flood (a pod list, a namespace created mid-flood); the serving certificate,
# rotated mid-flood, is reloaded without a "cannot read" error; shedding was logged (rate-limited) and
# counted in /metrics; and the webhook is alive and well afterwards. About a minute; loopback only.
#
# Environment: KGUARD_E2E_KEEP=1 keeps the work directory after a failure; KUBE_APISERVER_BIN as in
# cluster.sh; FLOOD_IDLE, FLOOD_REQUESTS, FLOOD_SECONDS to change the load (defaults 800, 200, 10).
set -euo pipefail

# shellcheck source=tests/e2e/cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster.sh"
e2e_kguard_argument "$@"

DESCRIPTOR_LIMIT=512
IDLE="${FLOOD_IDLE:-800}"
REQUESTS="${FLOOD_REQUESTS:-200}"
FLOOD_SECONDS="${FLOOD_SECONDS:-10}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/kguard-webhook-flood.XXXXXX")"
CLUSTER="$WORK/cluster"
CERTS="$WORK/certs"
WEBHOOK_LOG="$WORK/webhook.log"
WEBHOOK_PID=""
CLIENT_PID=""
T0=$SECONDS

step() { echo "[$((SECONDS - T0))s] $*"; }
ok() { echo "      ok: $*"; }
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT
  set +e
  if [ -n "$CLIENT_PID" ]; then kill -KILL "$CLIENT_PID" 2>/dev/null; wait "$CLIENT_PID" 2>/dev/null; fi
  if [ -n "$WEBHOOK_PID" ] && kill -0 "$WEBHOOK_PID" 2>/dev/null; then
    kill -TERM "$WEBHOOK_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$WEBHOOK_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$WEBHOOK_PID" 2>/dev/null
    wait "$WEBHOOK_PID" 2>/dev/null
  fi
  if [ "$rc" != 0 ] && [ -f "$WEBHOOK_LOG" ]; then
    echo "--- last lines of the webhook log:" >&2; tail -n 30 "$WEBHOOK_LOG" >&2
  fi
  cluster_stop "$CLUSTER" 2>/dev/null
  if [ "$rc" != 0 ] && [ -n "${KGUARD_E2E_KEEP:-}" ]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
  [ "$rc" != 0 ] || echo "[$((SECONDS - T0))s] webhook_flood: all checks passed"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

kc() { kubectl --request-timeout=30s "$@"; }
wh_curl() { curl -sS --noproxy '*' -m 5 --cacert "$CERTS/ca.crt" "$@"; }

step "cluster: etcd + kube-apiserver"
cluster_start "$CLUSTER" || fail "cluster.sh could not start the cluster"
# shellcheck disable=SC1091
source "$CLUSTER/env"
kc create namespace flood-restricted >/dev/null
kc label namespace flood-restricted pod-security.kubernetes.io/enforce=restricted >/dev/null
kc create namespace flood-tightened >/dev/null
kc apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: legacy-priv, namespace: flood-tightened}
spec:
  containers:
  - {name: c, image: x, securityContext: {privileged: true}}
EOF

step "kguard webhook under ulimit -n $DESCRIPTOR_LIMIT"
"$REPO_ROOT/certs/gen-certs.sh" --out "$CERTS" --san IP:127.0.0.1,DNS:localhost >/dev/null
PORT="$(_cl_free_ports 1)"
( ulimit -n "$DESCRIPTOR_LIMIT" && exec "$KGUARD" webhook --listen "127.0.0.1:$PORT" \
    --tls-cert-file "$CERTS/tls.crt" --tls-private-key-file "$CERTS/tls.key" \
    --kubeconfig "$CLUSTER/kubeconfig" --shutdown-grace-ms 0 </dev/null >"$WEBHOOK_LOG" 2>&1 ) &
WEBHOOK_PID=$!
deadline=$((SECONDS + 30))
until [ "$(wh_curl "https://127.0.0.1:$PORT/readyz" 2>/dev/null)" = ok ]; do
  kill -0 "$WEBHOOK_PID" 2>/dev/null || fail "kguard webhook exited during start-up"
  [ "$SECONDS" -lt "$deadline" ] || fail "webhook not ready after 30 s"
  sleep 0.2
done
limit="$(awk '/^Max open files/ {print $4}' "/proc/$WEBHOOK_PID/limits")"
[ "$limit" = "$DESCRIPTOR_LIMIT" ] || fail "the webhook runs with $limit descriptors, not $DESCRIPTOR_LIMIT"
cap="$(grep -o '"maxConnections":"[0-9]*"' "$WEBHOOK_LOG" | grep -o '[0-9]*')"
[ -n "$cap" ] && [ "$cap" -lt "$DESCRIPTOR_LIMIT" ] && [ "$cap" -lt "$IDLE" ] ||
  fail "connection cap '$cap' should be below the descriptor limit and the flood size"
ok "pid $WEBHOOK_PID, port $PORT, $limit descriptors, connection cap $cap"

step "flood: $IDLE idle connections, slowloris, oversized, garbage; $REQUESTS legitimate requests over ${FLOOD_SECONDS}s"
# The client needs a descriptor per flood connection.
(ulimit -n 4096) 2>/dev/null || fail "cannot raise this shell's descriptor limit to 4096 for the flood client (hard limit $(ulimit -Hn))"
( ulimit -n 4096 && exec python3 "$REPO_ROOT/tests/e2e/webhook_flood_client.py" --port "$PORT" --ca "$CERTS/ca.crt" \
    --namespace flood-restricted --tightened flood-tightened --late flood-late --late-ready "$WORK/late-ready" \
    --idle "$IDLE" --requests "$REQUESTS" --seconds "$FLOOD_SECONDS" >"$WORK/client.out" 2>&1 ) &
CLIENT_PID=$!
# Mid-flood: a namespace the webhook must learn from the API server, and a certificate rotation.
sleep 3
kc create namespace flood-late >/dev/null
kc label namespace flood-late pod-security.kubernetes.io/enforce=restricted >/dev/null
touch "$WORK/late-ready"
sleep 2
"$REPO_ROOT/certs/gen-certs.sh" --out "$CERTS" --san IP:127.0.0.1,DNS:localhost >/dev/null
new_serial="$(openssl x509 -in "$CERTS/tls.crt" -noout -serial | cut -d= -f2)"
client_rc=0
wait "$CLIENT_PID" || client_rc=$?
CLIENT_PID=""
cat "$WORK/client.out"
wh_curl "https://127.0.0.1:$PORT/metrics" | grep '^kguard_webhook_\(connections_shed_total\|open_connections\)' || true
[ "$client_rc" = 0 ] || fail "the flood client reports failures (exit $client_rc)"
ok "every legitimate request answered correctly"

step "the webhook afterwards: alive, certificate reloaded, shedding logged and counted"
kill -0 "$WEBHOOK_PID" 2>/dev/null || fail "the webhook died"
wh_curl -f "https://127.0.0.1:$PORT/healthz" >/dev/null || fail "/healthz after the flood"
served="$(openssl s_client -connect "127.0.0.1:$PORT" </dev/null 2>/dev/null | openssl x509 -noout -serial | cut -d= -f2)"
[ "$served" = "$new_serial" ] || fail "serving certificate $served, want the rotated $new_serial"
grep -q '"msg":"serving certificate reloaded"' "$WEBHOOK_LOG" || fail "no certificate reload in the log"
# (A half-rotated pair, "private key does not match", is normal: gen-certs.sh renames the key first.)
if grep -E 'cannot read|Too many open files' "$WEBHOOK_LOG"; then fail "descriptor starvation in the log (above)"; fi
shed_lines="$(grep -c '"msg":"shedding client connections' "$WEBHOOK_LOG" || true)"
[ "$shed_lines" -ge 1 ] || fail "no shedding logged"
# Rate-limited: one line per 10 s at most (the flood lasts warm-up + FLOOD_SECONDS + drain).
[ "$shed_lines" -le $(( (FLOOD_SECONDS + 12) / 10 + 1 )) ] || fail "$shed_lines shedding lines: not rate-limited"
metrics="$(wh_curl -f "https://127.0.0.1:$PORT/metrics")" || fail "/metrics after the flood"
shed_total="$(awk '/^kguard_webhook_connections_shed_total/ {s += $2} END {print s + 0}' <<<"$metrics")"
[ "$shed_total" -gt 0 ] || fail "kguard_webhook_connections_shed_total is 0"
grep -q "^kguard_webhook_connection_limit $cap\$" <<<"$metrics" || fail "kguard_webhook_connection_limit is not $cap"
peak_rss_kb="$(awk '/^VmHWM/ {print $2}' "/proc/$WEBHOOK_PID/status")"
# The Deployment's memory limit is 256Mi (manifests/webhook/40-deployment.yaml): the flood must not come near it.
[ "$peak_rss_kb" -lt $((128 * 1024)) ] || fail "peak RSS ${peak_rss_kb} kB during the flood"
ok "$shed_lines shedding log line(s); $(grep '^kguard_webhook_connections_shed_total' <<<"$metrics" | tr '\n' ' ')"
ok "peak RSS $((peak_rss_kb / 1024)) MB"
