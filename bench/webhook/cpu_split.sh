#!/usr/bin/env bash
# Where a kguard webhook's CPU per request goes, rules off and with each given KguardConfiguration: user
# and kernel time of each of its threads (/proc/PID/task/*/stat), and with STRACE=1 its system calls per
# request (strace -c -f; strace slows the server, so its CPU numbers are then meaningless). Complements
# instructions.sh (user-space instructions of the event loop only): this one sees the kernel, the other
# threads and the syscalls, but its times move with the machine's load.
#
#   bench/webhook/cpu_split.sh KGUARD_BINARY [CONFIG...]
#   e.g. bench/webhook/cpu_split.sh build/kguard bench/webhook/kguard-rules-silent.yaml bench/webhook/kguard-rules.yaml
#
# wrk -t2 -c16 over keep-alive TLS with run.sh's request, DURATION seconds [10] after a 3 s warm-up.
# Environment: DURATION [10], STRACE [0], KEEP_WORK [0]. Needs wrk, curl, kubectl, jq (and strace).
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 KGUARD_BINARY [CONFIG...]" >&2; exit 2; }
KGUARD="$(readlink -f "$1")"
shift
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DURATION="${DURATION:-10}"
[ "${STRACE:-0}" != 1 ] || command -v strace >/dev/null || { echo "$0: STRACE=1 needs strace (scripts/install-deps.sh --test)" >&2; exit 1; }
# shellcheck source=bench/webhook/server_setup.sh
source "$HERE/server_setup.sh" cpu-split
HZ="$(getconf CLK_TCK)"

threadTimes() { for t in /proc/"$SERVER_PID"/task/*; do echo "$(basename "$t") $(awk '{print $14, $15}' "$t/stat")"; done | sort; }

for config in none "$@"; do
  name="$(basename "$config" .yaml)"
  flags=()
  [ "$config" = none ] || flags=(--config "$(readlink -f "$config")")
  "$KGUARD" webhook --tls-cert-file "$WORK/certs/tls.crt" --tls-private-key-file "$WORK/certs/tls.key" \
    --listen "127.0.0.1:$PORT" --kubeconfig "$KUBECONFIG" --log-level warn --shutdown-grace-ms 0 "${flags[@]}" >"$WORK/$name.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$WORK/certs/ca.crt" "https://127.0.0.1:$PORT/readyz" || true)" = 200 ] && break
    sleep 0.2
  done
  url="https://127.0.0.1:$PORT/validate"
  response="$(curl -s --cacert "$WORK/certs/ca.crt" -H 'Content-Type: application/json' --data-binary @"$WORK/request.json" "$url" | wc -c)"
  wrk -t2 -c16 -d3s -s "$WORK/post.lua" "$url" >/dev/null
  threadTimes >"$WORK/$name.before"
  STRACE_PID=""
  if [ "${STRACE:-0}" = 1 ]; then strace -c -f -p "$SERVER_PID" -o "$WORK/$name.strace" 2>/dev/null & STRACE_PID=$!; sleep 0.5; fi
  wrk -t2 -c16 -d"${DURATION}s" -s "$WORK/post.lua" "$url" >"$WORK/$name.wrk"
  if [ -n "$STRACE_PID" ]; then kill -INT "$STRACE_PID"; wait "$STRACE_PID" || true; fi
  threadTimes >"$WORK/$name.after"
  requests="$(awk '/requests in/ {print $1}' "$WORK/$name.wrk")"
  echo "== ${config/none/rules off}: $requests requests, response $response bytes"
  join "$WORK/$name.before" "$WORK/$name.after" | awk -v n="$requests" -v hz="$HZ" '
    { u = ($4 - $2) * 1e6 / hz / n; s = ($5 - $3) * 1e6 / hz / n; tu += u; ts += s
      if (u + s > 0) printf "  thread %-7s user %6.2f µs/request  kernel %6.2f µs/request\n", $1, u, s }
    END { printf "  all threads  user %6.2f µs/request  kernel %6.2f µs/request\n", tu, ts }'
  if [ -n "$STRACE_PID" ]; then
    awk -v n="$requests" '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" { printf "  %-16s %7.3f calls/request\n", $NF, $4 / n }' \
      "$WORK/$name.strace" | sort -k2 -nr | head -8
  fi
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" || true
  SERVER_PID=""
done
