#!/usr/bin/env bash
# Webhook throughput with kguard.imageSignatures on and every image verified before (cached), as a ratio
# to the rule off, in one run. Run through the test registries (they sign the pod's images):
#
#   python3 tests/images/registry_e2e.py bash bench/webhook/image_signatures.sh build/kguard
#
# Three kguard webhooks on one throw-away API server (tests/e2e/cluster.sh), the same pod (bench/webhook/
# pod.json, its 3 images replaced by signed digests on the loopback registry) posted by wrk over keep-alive
# TLS, servers measured in turn, ROUNDS times:
#   no-rules     no kguard rule (Pod reviews take the webhook's fast decoding path)
#   rule-off     disallowLatestTag only (kguard rules on: the same decoding path as rule-on)
#   rule-on      disallowLatestTag + imageSignatures over the registry (every digest cached after a warm-up)
# The goal is rule-on / rule-off >= 0.95: the rule's own cost is one cache lookup per image.
#
# Environment: WRK_THREADS [1] WRK_CONNECTIONS [16] DURATION [10s] WARMUP [2s] ROUNDS [3]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/e2e/cluster.sh
source "$HERE/../../tests/e2e/cluster.sh"
e2e_kguard_argument "$@"
[ -n "${KGUARD_REGISTRY_FIXTURE:-}" ] || { echo "run through tests/images/registry_e2e.py" >&2; exit 2; }
for tool in wrk jq curl kubectl; do command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 2; }; done
WRK_THREADS="${WRK_THREADS:-1}" WRK_CONNECTIONS="${WRK_CONNECTIONS:-16}" DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-2s}" ROUNDS="${ROUNDS:-3}"

WORK="$(mktemp -d /tmp/kguard-bench-images.XXXXXX)"
declare -A PID PORT
cleanup() {
  set +e
  for name in "${!PID[@]}"; do kill -TERM "${PID[$name]}" 2>/dev/null; wait "${PID[$name]}" 2>/dev/null; done
  cluster_stop "$WORK/cluster" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
log() { echo "image_signatures.sh: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
fx() { python3 -c 'import json,os,sys; d=json.load(open(os.environ["KGUARD_REGISTRY_FIXTURE"]))
for k in sys.argv[1:]: d=d[k]
print(d)' "$@"; }

cluster_start "$WORK/cluster" >/dev/null || die "cluster start failed"
# shellcheck disable=SC1091
source "$WORK/cluster/env"
kubectl create namespace kguard-bench >/dev/null
kubectl label namespace kguard-bench pod-security.kubernetes.io/enforce=restricted >/dev/null
"$REPO_ROOT/certs/gen-certs.sh" --out "$WORK/certs" --san IP:127.0.0.1 >/dev/null

REG="$(fx plain host)"
IMAGES=("$REG/team/signed@$(fx plain digests signed)" "$REG/team/docker-v2@$(fx plain digests docker-v2)"
        "$REG/team/two-signatures@$(fx plain digests two-signatures)")
jq -c --arg a "${IMAGES[0]}" --arg b "${IMAGES[1]}" --arg c "${IMAGES[2]}" '
  (.metadata.namespace = "kguard-bench" | .metadata.name = "checkout-api-6d5f7c9b8d-x7k2p" |
   .spec.containers[0].image = $a | .spec.containers[1].image = $b | .spec.containers[2].image = $c) as $pod |
  {kind: "AdmissionReview", apiVersion: "admission.k8s.io/v1",
   request: {uid: "6f1c2b9e-3a4d-4c8e-9f0a-1b2c3d4e5f60", kind: {group: "", version: "v1", kind: "Pod"},
             resource: {group: "", version: "v1", resource: "pods"}, name: $pod.metadata.name,
             namespace: "kguard-bench", operation: "CREATE",
             userInfo: {username: "system:serviceaccount:kube-system:replicaset-controller"},
             object: $pod, oldObject: null, dryRun: false}}' "$HERE/pod.json" >"$WORK/request.json"

config() {  # config NAME RULES_YAML
  printf 'apiVersion: kguard.io/v1alpha1\nkind: KguardConfiguration\n%s\nregistries:\n- {host: "%s", insecure: true}\n' \
    "$2" "$REG" >"$WORK/$1.yaml"
}
config no-rules ""
config rule-off $'rules:\n  disallowLatestTag: true'
config rule-on "$(printf 'rules:\n  disallowLatestTag: true\n  imageSignatures:\n  - images: ["%s/team/**"]\n    publicKeys: [%s]' "$REG" "$(fx keys p256)")"

SERVERS=(no-rules rule-off rule-on)
read -r -a ports <<<"$(_cl_free_ports 3)"
for i in 0 1 2; do
  name="${SERVERS[$i]}"
  PORT[$name]="${ports[$i]}"
  "$KGUARD" webhook --tls-cert-file "$WORK/certs/tls.crt" --tls-private-key-file "$WORK/certs/tls.key" \
    --listen "127.0.0.1:${PORT[$name]}" --kubeconfig "$KUBECONFIG" --config "$WORK/$name.yaml" --log-level warn \
    --shutdown-grace-ms 0 >"$WORK/$name.log" 2>&1 &
  PID[$name]=$!
done
post() { curl -sS --cacert "$WORK/certs/ca.crt" -H 'Content-Type: application/json' --data-binary @"$WORK/request.json" \
  "https://127.0.0.1:$1/validate"; }
for name in "${SERVERS[@]}"; do
  for _ in $(seq 1 300); do
    [ "$(curl -s --cacert "$WORK/certs/ca.crt" "https://127.0.0.1:${PORT[$name]}/readyz")" = ok ] && break
    kill -0 "${PID[$name]}" 2>/dev/null || die "$name exited: $(cat "$WORK/$name.log")"
    sleep 0.1
  done
  # The first request verifies the three digests (warm-up); every verdict must be a plain allow.
  post "${PORT[$name]}" | jq -e '.response.allowed == true and (.response.warnings // [] | length) == 0' >/dev/null ||
    die "$name did not allow the signed pod: $(post "${PORT[$name]}")"
done
hits_before="$(curl -s --cacert "$WORK/certs/ca.crt" "https://127.0.0.1:${PORT[rule-on]}/metrics" |
  awk '/^kguard_image_verification_cache_lookups_total\{result="hit"\}/ {print $NF}')"

cat >"$WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open("$WORK/request.json", "rb"))
wrk.body = f:read("*a")
f:close()
function done(summary, latency, requests)
  io.write(string.format("BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
EOF
field() { sed -n "s/.*[ ]$1=\([0-9]*\).*/\1/p" "$2"; }
# CPU ticks (user + system) of a server so far: CPU per request is steadier than requests/s on a shared machine.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK_HZ="$(getconf CLK_TCK)"
declare -A TOTAL CPU_US REQUESTS
echo "| round | server | requests/s | p50 | p99 | errors | server CPU / request |"
echo "|---|---|---|---|---|---|---|"
for round in $(seq 1 "$ROUNDS"); do
  for name in "${SERVERS[@]}"; do
    url="https://127.0.0.1:${PORT[$name]}/validate"
    wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$WARMUP" -s "$WORK/post.lua" "$url" >/dev/null 2>&1
    before="$(ticks "${PID[$name]}")"
    wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$DURATION" -s "$WORK/post.lua" "$url" >"$WORK/out" 2>&1
    used=$(( $(ticks "${PID[$name]}") - before ))
    grep -q '^BENCH ' "$WORK/out" || die "wrk against $name: $(cat "$WORK/out")"
    rps="$(awk -v n="$(field requests "$WORK/out")" -v d="$(field duration_us "$WORK/out")" 'BEGIN {printf "%.0f", n / (d / 1e6)}')"
    TOTAL[$name]=$(( ${TOTAL[$name]:-0} + rps ))
    CPU_US[$name]=$(( ${CPU_US[$name]:-0} + used * 1000000 / TICK_HZ ))
    REQUESTS[$name]=$(( ${REQUESTS[$name]:-0} + $(field requests "$WORK/out") ))
    printf '| %s | %s | %s | %.2f ms | %.2f ms | %s | %.1f µs |\n' "$round" "$name" "$rps" \
      "$(awk -v u="$(field p50_us "$WORK/out")" 'BEGIN {print u / 1000}')" \
      "$(awk -v u="$(field p99_us "$WORK/out")" 'BEGIN {print u / 1000}')" "$(field errors "$WORK/out")" \
      "$(awk -v t="$used" -v hz="$TICK_HZ" -v n="$(field requests "$WORK/out")" 'BEGIN {print t / hz * 1e6 / n}')"
  done
done
metrics() { curl -s --cacert "$WORK/certs/ca.crt" "https://127.0.0.1:${PORT[rule-on]}/metrics"; }
hits_after="$(metrics | awk '/^kguard_image_verification_cache_lookups_total\{result="hit"\}/ {print $NF}')"
verifications="$(metrics | awk '/^kguard_image_verifications_total/ {s += $NF} END {print s + 0}')"
[ "$verifications" = 3 ] || die "rule-on went to the registry $verifications times (want 3: the warm-up's digests)"
echo
awk -v on="${TOTAL[rule-on]}" -v off="${TOTAL[rule-off]}" -v none="${TOTAL[no-rules]}" -v hits=$((hits_after - hits_before)) 'BEGIN {
  printf "rule-on / rule-off = %.3f (goal >= 0.95); rule-on / no-rules = %.3f; cache hits during the run: %d; registry verifications: 3 (warm-up)\n",
    on / off, on / none, hits }'
for name in "${SERVERS[@]}"; do
  awk -v n="$name" -v c="${CPU_US[$name]}" -v r="${REQUESTS[$name]}" 'BEGIN {printf "%s: server CPU / request over all rounds %.1f µs\n", n, c / r}'
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
