# Sourced by instructions.sh and cpu_split.sh (after HERE, this directory, is set): a throw-away API server
# with the restricted benchmark namespace, serving certificates, run.sh's request as a wrk script
# ($WORK/post.lua) and a free PORT. Sets REPO, NAMESPACE, WORK and SERVER_PID (the caller's kguard, stopped
# on exit with the cluster). Argument: a name for the work directory.
REPO="$(cd "$HERE/../.." && pwd)"
NAMESPACE="kguard-bench"
WORK="$(mktemp -d "/tmp/kguard-bench-$1.XXXXXX")"
SERVER_PID=""
cleanup() {
  local rc=$?
  if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true; fi
  "$REPO/tests/e2e/cluster.sh" stop "$WORK/cluster" >/dev/null 2>&1 || true
  if [ "${KEEP_WORK:-0}" = 1 ] || [ $rc -ne 0 ]; then echo "$0: work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT

"$REPO/tests/e2e/cluster.sh" start "$WORK/cluster" >"$WORK/cluster-start.log" 2>&1
# shellcheck disable=SC1091
source "$WORK/cluster/env"
kubectl create namespace "$NAMESPACE" >/dev/null
kubectl label namespace "$NAMESPACE" pod-security.kubernetes.io/enforce=restricted >/dev/null
"$REPO/certs/gen-certs.sh" --out "$WORK/certs" --san IP:127.0.0.1 >/dev/null 2>&1
# shellcheck source=bench/webhook/review.sh
source "$HERE/review.sh"
review "6f1c2b9e-3a4d-4c8e-9f0a-1b2c3d4e5f60" '.' >"$WORK/request.json"
printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = io.open("%s", "rb"):read("*a")\n' \
  "$WORK/request.json" >"$WORK/post.lua"
read -r PORT <<<"$(source "$REPO/tests/e2e/cluster.sh"; _cl_free_ports 1)"
