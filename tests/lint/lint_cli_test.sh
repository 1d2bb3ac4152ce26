#!/usr/bin/env bash
# `kguard lint` as scripts use it: exit codes 0/1/2, stdin, formats, namespace labels, Lists, and hostile
# input that must end in exit 2 with a message naming the file — never a crash or a hang.
# Usage: lint_cli_test.sh KGUARD
set -uo pipefail
kguard="$1"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
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

pod() {  # pod NAME SPEC_EXTRA
  printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: team}\nspec:\n  %s\n  containers:\n  - name: app\n    image: nginx:1.25\n' "$1" "$2"
}
pod ok 'securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}' > "$work/ok.yaml"
sed -i 's/    image: nginx:1.25/    image: nginx:1.25\n    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}/' "$work/ok.yaml"
pod top 'hostPID: true' > "$work/top.yaml"

# exit codes and levels
check "compliant pod"        0 "no violations"                 -- lint -f "$work/ok.yaml"
check "hostPID pod"          1 "hostNamespaces.*hostPID=true"  -- lint -f "$work/top.yaml"
check "privileged level"     0 ""                              -- lint --level privileged -f "$work/top.yaml"
check "old version"          1 "restricted:v1.22"              -- lint --version v1.22 -f "$work/top.yaml"
check "bad level"            2 "--level: invalid level"        -- lint --level strict -f "$work/top.yaml"
check "bad version"          2 "--version: invalid version"    -- lint --version 1.22 -f "$work/top.yaml"
check "bad format"           2 ""                              -- lint --format xml -f "$work/top.yaml"
check "missing file"         2 "nope.yaml: no such file"       -- lint -f "$work/nope.yaml"
check "no -f"                2 ""                              -- lint
check "stdin"                1 "<stdin>"                       -- lint -f - < "$work/top.yaml"

# the namespace's enforce label decides when no flag does
{ printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n  labels: {pod-security.kubernetes.io/enforce: privileged}\n---\n'; cat "$work/top.yaml"; } > "$work/ns-privileged.yaml"
check "namespace label privileged" 0 "no violations"           -- lint -f "$work/ns-privileged.yaml"
sed 's/enforce: privileged/enforce: baseline, pod-security.kubernetes.io\/enforce-version: v1.25/' "$work/ns-privileged.yaml" > "$work/ns-baseline.yaml"
check "namespace label baseline"   1 "baseline:v1.25"          -- lint -f "$work/ns-baseline.yaml"
check "flag beats label"           0 ""                        -- lint --level privileged -f "$work/ns-baseline.yaml"

# a List of workloads, JSON output fields, SARIF
cat > "$work/list.yaml" <<'YAML'
apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: team}
  spec:
    template:
      spec:
        hostNetwork: true
        containers: [{name: web, image: nginx}]
YAML
check "List item"   1 "Deployment team/web: hostNamespaces" -- lint -f "$work/list.yaml"
check "json fields" 1 '"check": "hostNamespaces"'            -- lint --format json -f "$work/list.yaml"
out="$("$kguard" lint --format json -f "$work/list.yaml")"
if python3 -c 'import json,sys; a=json.load(sys.stdin); e=a[0]; assert all(k in e for k in ["file","document","apiVersion","kind","namespace","name","check","level","message"]); assert e["kind"]=="Deployment" and e["name"]=="web" and e["level"]=="restricted:latest"' <<<"$out"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL json schema"; fi
out="$("$kguard" lint --format sarif -f "$work/top.yaml")"
if python3 -c 'import json,sys; s=json.load(sys.stdin); r=s["runs"][0]; assert s["version"]=="2.1.0"; ids=[x["id"] for x in r["tool"]["driver"]["rules"]]; assert len(ids)==len(set(ids)); assert all(x["locations"][0]["physicalLocation"]["region"]["startLine"]>=1 for x in r["results"]); assert any(x["ruleId"]=="hostNamespaces" for x in r["results"])' <<<"$out"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL sarif structure"; fi

# the shipped examples and kguard's own config
check "examples"       1 "hostNamespaces"  -- lint -f "$root/examples/"
check "example config" 1 "kguard\."        -- lint --config "$root/docs/kguard-config.yaml" -f "$root/examples/compliant-deployment.yaml" -f "$root/examples/hostpid-top.yaml"

# hostile input: exit 2, the file named, no crash, no hang
python3 -c 'print("a: " + "[" * 20000)' > "$work/deep.yaml"
python3 -c 'print("[" * 20000)' > "$work/deep.json"
python3 -c 'print("- " * 20000 + "x")' > "$work/deep-block.yaml"
{ echo 'a: &a ["x","x","x","x","x","x","x","x","x"]'; prev=a; for n in b c d e f g h i j k l; do printf '%s: &%s [' "$n" "$n"; for i in 1 2 3 4 5 6 7 8 9; do printf '*%s,' "$prev"; done; printf '*%s]\n' "$prev"; prev=$n; done; } > "$work/bomb.yaml"
head -c 4096 /dev/urandom > "$work/garbage.yaml"
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  hostPID: "yes please"\n' > "$work/wrongtype.yaml"
printf 'apiVersion: v1\nkind: Pod\nspec:\n  containers: {name: x}\n' > "$work/notalist.yaml"
printf 'apiVersion: v1\nkind: Pod\nspec: [unclosed\n' > "$work/broken.yaml"
check "deep flow"    2 "deep.yaml: document 1"                    -- lint -f "$work/deep.yaml"
check "deep json"    2 "deep.json: document 1: nesting deeper"    -- lint -f "$work/deep.json"
check "deep block"   2 "deep-block.yaml"                          -- lint -f "$work/deep-block.yaml"
check "alias bomb"   2 "bomb.yaml: document 1: .*alias bomb"      -- lint -f "$work/bomb.yaml"
check "garbage"      2 "garbage.yaml"                             -- lint -f "$work/garbage.yaml"
check "wrong type"   2 "wrongtype.yaml: document 1: line 5: spec.hostPID: expected a boolean" -- lint -f "$work/wrongtype.yaml"
check "not a list"   2 "notalist.yaml: document 1: line 4: spec.containers: expected a list" -- lint -f "$work/notalist.yaml"
check "broken yaml"  2 "broken.yaml: document 1: line [0-9]+: invalid YAML" -- lint -f "$work/broken.yaml"
check "bad config"   2 "garbage.yaml"                              -- lint --config "$work/garbage.yaml" -f "$work/ok.yaml"

echo "lint cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
