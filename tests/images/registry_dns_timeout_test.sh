#!/usr/bin/env bash
# A registry whose host name the DNS server never answers: `kguard lint --verify-images` must give its
# verdict within rules.imageVerificationBudgetMs ("cannot be verified ... timed out resolving HOST"),
# not after glibc's resolver gives up (resolv.conf timeout x attempts; past a webhook's timeout, where
# the API server would apply failurePolicy instead of kguard's verdict). Runs in a network namespace
# whose resolv.conf (/etc/netns/NAME/resolv.conf, bound by `ip netns exec`) names a UDP socket that
# reads queries and never answers.
#
#   tests/needs.sh root netns python3 getent -- bash tests/images/registry_dns_timeout_test.sh PATH/TO/kguard
set -euo pipefail

KGUARD="$1"
NS="h137-dns-$$"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/kguard-dns-timeout.XXXXXX")"
DNS_PID=""
BUDGET_MS=1500
HOST="registry.kguard-dns-test.example"  # resolved only through the silent DNS server

fail() { echo "FAIL: $*" >&2; exit 1; }
cleanup() {
  local rc=$?
  trap - EXIT
  set +e
  [ -n "$DNS_PID" ] && kill "$DNS_PID" 2>/dev/null && wait "$DNS_PID" 2>/dev/null
  ip netns delete "$NS" 2>/dev/null
  rm -rf "/etc/netns/$NS" "$WORK"
  exit "$rc"
}
trap cleanup EXIT

ip netns add "$NS"
ip -n "$NS" link set lo up
mkdir -p "/etc/netns/$NS"
# 5 s x 2 attempts: an unbounded lookup blocks for 10 s or more.
printf 'nameserver 127.0.0.53\noptions timeout:5 attempts:2\n' >"/etc/netns/$NS/resolv.conf"
# The black hole: counts the queries it swallows, so the test knows the lookup really reached it.
ip netns exec "$NS" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.53", 53))
open(sys.argv[1], "w").write("ready\n")
n = 0
while True:
    s.recvfrom(4096)
    n += 1
    open(sys.argv[1], "w").write("%d\n" % n)
' "$WORK/queries" &
DNS_PID=$!
for _ in $(seq 1 50); do [ -s "$WORK/queries" ] && break; sleep 0.1; done
[ -s "$WORK/queries" ] || fail "the silent DNS server did not start"

# The setup is a real black hole: a plain getaddrinfo in the namespace does not return in 3 s.
set +e
ip netns exec "$NS" timeout 3 getent ahosts "$HOST" >/dev/null
rc=$?
set -e
[ "$rc" = 124 ] || fail "getent ahosts $HOST in $NS exited $rc, want 124 (blocked): the DNS black hole does not hold"
echo "ok: a plain lookup of $HOST blocks in $NS ($(cat "$WORK/queries") queries swallowed)"
echo ready >"$WORK/queries"

openssl ecparam -genkey -name prime256v1 2>/dev/null | openssl ec -pubout -out "$WORK/key.pub" 2>/dev/null
cat >"$WORK/kguard.yaml" <<YAML
apiVersion: kguard.io/v1alpha1
kind: KguardConfiguration
rules:
  mode: enforce
  imageSignatures:
  - images: ["$HOST:21701/**"]
    publicKeys: [$WORK/key.pub]
  imageVerificationBudgetMs: $BUDGET_MS
registries:
- {host: "$HOST:21701", insecure: true}
YAML
cat >"$WORK/pod.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: app, namespace: default}
spec:
  containers:
  - {name: app, image: "$HOST:21701/team/app:v1"}
YAML

start=$(date +%s%N)
set +e
out="$(ip netns exec "$NS" "$KGUARD" lint --level privileged --config "$WORK/kguard.yaml" --verify-images -f "$WORK/pod.yaml" 2>&1)"
rc=$?
set -e
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "kguard lint: exit $rc after ${elapsed_ms} ms: $out"
[ "$(cat "$WORK/queries")" != ready ] || fail "kguard never asked the DNS server (the test proves nothing)"
# The budget, plus process start and config load; far below the resolver's 10 s.
[ "$elapsed_ms" -lt $((BUDGET_MS + 1500)) ] || fail "took ${elapsed_ms} ms with a ${BUDGET_MS} ms budget"
[ "$rc" = 1 ] || fail "exit $rc, want 1 (a finding)"
grep -qF "image \"$HOST:21701/team/app:v1\" cannot be verified against the keys of" <<<"$out" ||
  fail "no 'cannot be verified' finding for the image"
grep -qF "timed out resolving $HOST" <<<"$out" || fail "the finding does not say 'timed out resolving $HOST'"
echo "ok: verdict within the budget: cannot be verified (timed out resolving $HOST)"
