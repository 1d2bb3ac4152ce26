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

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
