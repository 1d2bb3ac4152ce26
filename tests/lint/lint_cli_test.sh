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
. "$here/../cli/check.sh"

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
check "broken yaml"  2 "broken.yaml: document 1: line [0-9]+, column [0-9]+: invalid YAML" -- lint -f "$work/broken.yaml"
# a quantity the API server cannot parse (resource.ParseQuantity) is refused like a wrong type
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec:\n  containers:\n  - name: c\n    image: i\n    resources:\n      limits: {cpu: bogus, memory: 1Gi}\n' > "$work/quantity.yaml"
check "bad quantity" 2 "quantity.yaml: document 1: line 9: spec.containers\[0\].resources.limits.cpu: invalid quantity \"bogus\"" -- lint -f "$work/quantity.yaml"
check "bad config"   2 "garbage.yaml"                              -- lint --config "$work/garbage.yaml" -f "$work/ok.yaml"

# a folder as real repositories have it (issue 13): a CI workflow, an application config, a Helm template
# and valid manifests. Foreign YAML is skipped with a note, every unreadable file is named, every valid
# object is still judged, and the exit is 2 only after the full report; JSON and SARIF stay well-formed.
repo="$work/repo"; mkdir -p "$repo/.github/workflows" "$repo/conf" "$repo/chart/templates" "$repo/deploy"
printf 'name: ci\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps: [{uses: actions/checkout@v4}]\n' > "$repo/.github/workflows/ci.yaml"
printf 'cluster_name: Test Cluster\nnum_tokens: 256\nseed_provider:\n  - class_name: org.apache.cassandra.locator.SimpleSeedProvider\n' > "$repo/conf/cassandra.yaml"
printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicas }}\n' > "$repo/chart/templates/deployment.yaml"
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  hostPID: "yes please"\n' > "$repo/deploy/bad.yaml"
cp "$work/top.yaml" "$repo/deploy/top.yaml"
cat > "$repo/deploy/web.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: team
spec:
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        securityContext:
          capabilities:
            drop: [all]
      hostNetwork: true
YAML
check "folder: all valid objects judged" 2 "Pod team/top: hostNamespaces" -- lint -f "$repo"
check "folder: every bad file named"     2 "deployment.yaml.*bad.yaml|bad.yaml" -- lint -f "$repo"
out="$("$kguard" lint -f "$repo" 2>"$work/stderr")"; code=$?
if [ "$code" -eq 2 ] && grep -q "chart/templates/deployment.yaml: .*helm template" "$work/stderr" && grep -q "deploy/bad.yaml: document 1: line 5: spec.hostPID" "$work/stderr" \
   && grep -q "skipped 2 documents that are not complete Kubernetes objects" "$work/stderr" && grep -q "ci.yaml: document 1 (line 1): no apiVersion and kind" "$work/stderr" \
   && grep -q "cassandra.yaml: document 1" "$work/stderr" && grep -q "Deployment team/web: hostNamespaces" <<<"$out" \
   && grep -q "2 inputs could not be read" <<<"$out"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL folder report"; echo "$out"; cat "$work/stderr"; fi
out="$("$kguard" lint --format json -f "$repo" 2>/dev/null)"; code=$?
if [ "$code" -eq 2 ] && python3 -c 'import json,sys; a=json.load(sys.stdin); assert {(e["kind"],e["name"]) for e in a} >= {("Pod","top"),("Deployment","web")}' <<<"$out"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL folder json"; fi
out="$("$kguard" lint --format sarif -f "$repo" 2>/dev/null)"; code=$?
if [ "$code" -eq 2 ] && python3 -c '
import json,sys
r=json.load(sys.stdin)["runs"][0]
inv=r["invocations"][0]
assert inv["executionSuccessful"] is False
notes=inv["toolExecutionNotifications"]
assert sum(n["level"]=="error" for n in notes)==2 and sum(n["level"]=="note" for n in notes)==2, notes
assert any(x["ruleId"]=="hostNamespaces" for x in r["results"])' <<<"$out"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL folder sarif"; fi
out="$("$kguard" lint --format sarif --level bogus -f "$work/top.yaml" 2>/dev/null)"; code=$?
if [ "$code" -eq 2 ] && python3 -c 'import json,sys; r=json.load(sys.stdin)["runs"][0]; assert r["invocations"][0]["executionSuccessful"] is False and r["results"]==[]' <<<"$out"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL sarif on usage error"; fi
# a file named explicitly must be a manifest: no apiVersion/kind there is an error, not a skip
check "explicit foreign file"   2 "ci.yaml: document 1.*apiVersion: required" -- lint -f "$repo/.github/workflows/ci.yaml"

# findings point at the field (SARIF line and column, text line), say what was found, and the summary
out="$("$kguard" lint --format sarif -f "$repo/deploy/web.yaml")"
if python3 -c '
import json,sys
r=json.load(sys.stdin)["runs"][0]
at={x["ruleId"]:x["locations"][0]["physicalLocation"]["region"] for x in r["results"]}
assert at["hostNamespaces"]=={"startLine":17,"startColumn":7}, at
assert at["capabilities_restricted"]["startLine"]==16, at
assert at["runAsNonRoot"]["startLine"]==14 and at["allowPrivilegeEscalation"]["startLine"]==14, at
d=r["tool"]["driver"]; assert d["version"] and d["properties"]["gitCommit"]
rule={x["id"]:x for x in d["rules"]}["hostNamespaces"]
assert rule["helpUri"].endswith("/docs/rules.md#hostNamespaces"), rule["helpUri"]
assert "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline" in rule["help"]["markdown"]
assert "hostNetwork: false" in rule["help"]["markdown"]
' <<<"$out"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL sarif field positions/help"; echo "$out" | head -60; fi
check "text line of the field" 1 "web.yaml:17: Deployment team/web: hostNamespaces" -- lint -f "$repo/deploy/web.yaml"
check "drop: [all] explained"  1 'found drop: \[all\] in container "web": capability names are case-sensitive, expected "ALL"' -- lint -f "$repo/deploy/web.yaml"
check "summary by check"       1 "by check: .*hostNamespaces 1" -- lint -f "$repo/deploy/web.yaml"
check "summary top objects"    1 "most findings: Deployment team/web [0-9]+ " -- lint -f "$repo/deploy/web.yaml"
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: nons}\nspec: {hostIPC: true, containers: [{name: c, image: i}]}\n' > "$work/nons.yaml"
check "-n shown"               1 "Pod nons \(namespace team from -n\): hostNamespaces" -- lint -n team -f "$work/nons.yaml"
check "no -n, unchanged"       1 "nons.yaml:4: Pod nons: hostNamespaces" -- lint -f "$work/nons.yaml"
{ cat "$work/top.yaml"; printf -- '---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x.example.com}\n---\napiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: m}\n---\napiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: psp}\n'; } > "$work/mixed.yaml"
check "kinds not evaluated"    1 "in 1 of 1 objects" -- lint -f "$work/mixed.yaml"
check "kinds not evaluated listed" 1 "read but not evaluated \(no check applies\): 1 CustomResourceDefinition, 1 ServiceMonitor \(monitoring.coreos.com/v1, custom resource\), 1 PodSecurityPolicy \(policy/v1beta1, removed in Kubernetes 1.25\)" -- lint -f "$work/mixed.yaml"
# A v1alpha1 AdminNetworkPolicy is judged (cnp.invalid refuses it), so it counts among the objects
printf 'apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: old}\nspec: {priority: 1}\n' > "$work/anp.yaml"
check "retired ANP counted"    1 "1 violation in 1 of 1 objects" -- lint -f "$work/anp.yaml"
out="$("$kguard" lint -f "$work/anp.yaml" 2>&1)"
if grep -q "cnp.invalid" <<<"$out" && ! grep -q "read but not evaluated" <<<"$out"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL ANP listed as not evaluated"; echo "$out"; fi
printf 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: star}\nrules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]\n' > "$work/star.yaml"
out="$("$kguard" lint -f "$work/star.yaml" 2>&1)"
if grep -q "rbac.wildcardGrant \[rbac\]: ClusterRole star grants" <<<"$out" && ! grep -q "rbac.wildcardGrant \[rbac\]: rbac.wildcardGrant" <<<"$out"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL doubled id"; echo "$out"; fi

# config podSecurity.exemptions apply as in the webhook: namespaces (Pod Security and kguard rules) and
# runtimeClasses (Pod Security only); usernames cannot apply offline
printf 'apiVersion: kguard.io/v1alpha1\nkind: KguardConfiguration\npodSecurity:\n  exemptions: {namespaces: [team], runtimeClasses: [kata]}\n' > "$work/exempt.yaml"
check "exempt namespace"       0 "exempt as at admission \(config podSecurity.exemptions\): Pod team/top \(namespace team\)" -- lint --config "$work/exempt.yaml" -f "$work/top.yaml"
sed 's/namespace: team/namespace: other/; s/  hostPID: true/  hostPID: true\n  runtimeClassName: kata/' "$work/top.yaml" > "$work/kata.yaml"
check "exempt runtimeClass"    0 "Pod other/top \(runtimeClass kata, Pod Security only\)" -- lint --config "$work/exempt.yaml" -f "$work/kata.yaml"
check "not exempt elsewhere"   1 "hostNamespaces" -- lint --config "$work/exempt.yaml" -f "$work/nons.yaml"

# version and git commit
check "--version"  0 "^kguard [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)$" -- --version
check "version"    0 "^kguard [0-9]+\.[0-9]+\.[0-9]+ \(commit " -- version
check "lint --version still the PSS version" 1 "restricted:v1.22" -- lint --version v1.22 -f "$work/top.yaml"

echo "lint cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
