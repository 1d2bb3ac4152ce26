#!/usr/bin/env bash
# Instructions per request of `kguard webhook` under callgrind: rules off, and with each given
# KguardConfiguration. Unlike run.sh's throughput, the count does not move with the machine's load, so
# it compares builds and configurations on a busy machine (it does not see cache misses or the kernel).
#
#   bench/webhook/instructions.sh KGUARD_BINARY [CONFIG...]
#   e.g. bench/webhook/instructions.sh build/kguard bench/webhook/kguard-rules-silent.yaml bench/webhook/kguard-rules.yaml
#
# One event loop, wrk -t1 -c1 over keep-alive TLS with run.sh's request; instructions of the event loop's
# thread counted from after a warm-up to the end of the run, divided by wrk's requests. Printed twice:
# all of them, and without SSL_read_ex, whose count varies by a few hundred with how the bytes arrive.
# Environment: SECONDS_PER_RUN [10], KEEP_WORK [0]. Needs valgrind, wrk, curl, kubectl, jq.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 KGUARD_BINARY [CONFIG...]" >&2; exit 2; }
KGUARD="$(readlink -f "$1")"
shift
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN_SECONDS="${SECONDS_PER_RUN:-10}"
for tool in valgrind callgrind_annotate callgrind_control wrk curl kubectl jq; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is required" >&2; exit 1; }
done
# shellcheck source=bench/webhook/server_setup.sh
source "$HERE/server_setup.sh" instructions

echo "| kguard webhook | requests | instructions / request | without SSL_read_ex |"
echo "|---|---|---|---|"
for config in none "$@"; do
  name="$(basename "$config" .yaml)"
  flags=()
  [ "$config" = none ] || flags=(--config "$(readlink -f "$config")")
  valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$WORK/$name.cg" "$KGUARD" webhook \
    --tls-cert-file "$WORK/certs/tls.crt" --tls-private-key-file "$WORK/certs/tls.key" --listen "127.0.0.1:$PORT" \
    --kubeconfig "$KUBECONFIG" --log-level warn --shutdown-grace-ms 0 --event-loops 1 "${flags[@]}" >"$WORK/$name.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$WORK/certs/ca.crt" "https://127.0.0.1:$PORT/readyz" || true)" = 200 ] && break
    sleep 0.2
  done
  url="https://127.0.0.1:$PORT/validate"
  wrk -t1 -c1 -d3s -s "$WORK/post.lua" "$url" >/dev/null
  callgrind_control -z "$SERVER_PID" >/dev/null 2>&1
  wrk -t1 -c1 -d"${RUN_SECONDS}s" -s "$WORK/post.lua" "$url" >"$WORK/$name.wrk"
  callgrind_control -d "$SERVER_PID" >/dev/null 2>&1
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" || true
  SERVER_PID=""
  requests="$(awk '/requests in/ {print $1}' "$WORK/$name.wrk")"
  # The busiest thread of the dump after the warm-up: the event loop.
  loop="$(for f in "$WORK/$name.cg".1-*; do echo "$(awk '/^(summary|totals):/ {print $2; exit}' "$f") $f"; done | sort -n | tail -1 | cut -d' ' -f2)"
  callgrind_annotate --auto=no --inclusive=yes --threshold=100 "$loop" >"$WORK/$name.annotate" 2>/dev/null
  total="$(awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}' "$WORK/$name.annotate")"
  read_ex="$(awk '/[0-9]%\)  \?\?\?:SSL_read_ex / {gsub(",", "", $1); print $1; exit}' "$WORK/$name.annotate")"
  printf '| %s | %d | %d | %d |\n' "${config/none/rules off}" "$requests" $((total / requests)) $(((total - ${read_ex:-0}) / requests))
done
