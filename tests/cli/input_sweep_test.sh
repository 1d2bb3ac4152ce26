#!/usr/bin/env bash
# Bad or surprising input as users give it, through the real binary, for every command that reads it;
# one section per problem found in a user's-eye sweep, each failing on the code before its fix.
# Usage: input_sweep_test.sh KGUARD
set -uo pipefail
kguard="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pass=0 fail=0

check() {  # check NAME EXPECTED_EXIT PATTERN -- ARGS...   (PATTERN is grepped in stdout+stderr)
  local name="$1" want="$2" pattern="$3"; shift 4
  local out code
  out="$(timeout 20 "$kguard" "$@" 2>&1)"; code=$?
  if [ "$code" -eq "$want" ] && { [ -z "$pattern" ] || grep -qE -- "$pattern" <<<"$out"; }; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name: exit $code (want $want), pattern '$pattern'"; echo "$out" | head -20 | sed 's/^/    /'
  fi
}

# --- 1. a pod without containers: `spec.containers: Required value` at the API server --------------
cat > "$work/nospec.yaml" <<'YAML'
apiVersion: v1
kind: Namespace
metadata: {name: x}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x}
spec: null
YAML
cat > "$work/nokey.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x}
status: {podIP: 10.0.0.2}
YAML
cat > "$work/emptytemplate.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: x}
spec:
  template:
    spec: {containers: []}
YAML
required='spec.containers: Required value'
check "lint spec: null"        2 "nospec.yaml: document 2: line 8: $required"                      -- lint -f "$work/nospec.yaml"
check "lint no spec"           2 "nokey.yaml: document 1: line 1: $required"                       -- lint -f "$work/nokey.yaml"
check "lint empty template"    2 "emptytemplate.yaml: document 1: line 6: spec.template.$required" -- lint -f "$work/emptytemplate.yaml"
check "audit -f spec: null"    2 "nospec.yaml: document 2: line 8: $required"                      -- audit -f "$work/nospec.yaml"
check "netpol matrix no spec"  2 "nokey.yaml: document 1: line 1: $required"                       -- netpol matrix -f "$work/nokey.yaml"

# --- 4. a JSON stream: each object's findings at its own lines ---------------------------------------
python3 - "$work/stream.json" <<'PY'
import json, sys
def pod(name):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "x"},
            "spec": {"hostPID": True, "containers": [{"name": "c", "image": "i"}]}}
with open(sys.argv[1], "w") as f:
    for name in ("p1", "p2", "p3"):
        f.write(json.dumps(pod(name), separators=(",", ":")) + "\n")  # as `jq -c` writes
PY
out="$("$kguard" lint --level baseline --format json -f "$work/stream.json" 2>&1)"
if python3 -c '
import json, sys
findings = json.load(sys.stdin)
lines = {f["name"]: (f["line"], f["column"]) for f in findings if f["check"] == "hostNamespaces"}
col = open(sys.argv[1]).readline().index("\"hostPID\"") + 1
assert lines == {"p1": (1, col), "p2": (2, col), "p3": (3, col)}, lines
' "$work/stream.json" <<<"$out"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL json stream lines"; echo "$out" | head -5 | sed 's/^/    /'; fi
check "json stream text line"  1 "stream.json:3: Pod x/p3: hostNamespaces"                         -- lint --level baseline -f "$work/stream.json"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
