#!/usr/bin/env bash
# Bad or surprising input as users give it, through the real binary, for every command that reads it;
# one section per problem found in a user's-eye sweep, each failing on the code before its fix.
# Usage: input_sweep_test.sh KGUARD
set -uo pipefail
kguard="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/check.sh"

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

# --- 2. the same object twice: kubectl apply leaves the later one -----------------------------------
pod() {  # pod NAME LABELS IP
  printf -- '---\napiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: x, labels: %s}\nspec:\n  containers: [{name: c, image: nginx}]\nstatus: {podIP: %s}\n' "$1" "$2" "$3"
}
{ printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n'; pod a '{app: a}' 10.0.0.1; pod b '{app: b}' 10.0.0.2; } > "$work/pods.yaml"
pod b '{app: other}' 10.0.0.3 > "$work/again.yaml"
cat > "$work/only-app-b.yaml" <<'YAML'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-from-b, namespace: x}
spec:
  podSelector: {matchLabels: {app: a}}
  ingress: [{from: [{podSelector: {matchLabels: {app: b}}}]}]
YAML
repeat='Pod x/b in .*pods.yaml:12 is given again in .*again.yaml:2'
# Without the repetition b (app: b) may reach a; the later b (app: other) may not, and the matrix has one row b
# (a pod reaching its own address is always allowed: the traffic stays inside it, over lo).
check "netpol without repeat"  0 "^x/b \. \."                                                      -- netpol matrix -f "$work/pods.yaml" -f "$work/only-app-b.yaml"
check "netpol repeat warned"   0 "warning: $repeat; the later one is used"                        -- netpol matrix -f "$work/pods.yaml" -f "$work/again.yaml" -f "$work/only-app-b.yaml"
out="$("$kguard" netpol matrix -f "$work/pods.yaml" -f "$work/again.yaml" -f "$work/only-app-b.yaml" 2>/dev/null)"
if [ "$out" = "$(printf 'probe tcp 80\n- x/a x/b\nx/a . .\nx/b X .')" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL netpol repeat keeps the later"; echo "$out" | sed 's/^/    /'; fi
check "lint repeat warned"     1 "kguard lint: warning: $repeat; both are checked"                 -- lint -f "$work/pods.yaml" -f "$work/again.yaml"
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec: {containers: [{name: c, image: i}]}\n' > "$work/nons.yaml"
cp "$work/nons.yaml" "$work/nons2.yaml"; sed -i 's/{name: b}/{name: b, namespace: x}/' "$work/nons2.yaml"
check "lint repeat via -n"     1 "warning: Pod b in .*nons.yaml:1 is given again in .*nons2.yaml:1" -- lint -n x -f "$work/nons.yaml" -f "$work/nons2.yaml"
out="$("$kguard" lint -f "$work/nons.yaml" -f "$work/nons2.yaml" 2>&1)"
if ! grep -q "warning" <<<"$out"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL default and x are two namespaces: $out"; fi
cat > "$work/role.yaml" <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: x}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb, namespace: x}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
subjects: [{kind: User, name: alice}]
YAML
cat > "$work/role-again.yaml" <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: x}
rules: [{apiGroups: [""], resources: [pods], verbs: [list]}]
YAML
check "rbac first alone"       0 "^yes"                                                            -- rbac can-i get pods -n x --as alice -f "$work/role.yaml"
check "rbac later wins"        1 "warning: Role x/r in .*role.yaml:1 is given again in .*role-again.yaml:1" -- rbac can-i get pods -n x --as alice -f "$work/role.yaml" -f "$work/role-again.yaml"
check "rbac later allows"      0 "^yes"                                                            -- rbac can-i list pods -n x --as alice -f "$work/role.yaml" -f "$work/role-again.yaml"
out="$("$kguard" netpol matrix -f "$work/pods.yaml" -f "$work/only-app-b.yaml" 2>&1 >/dev/null)"
if ! grep -q "warning" <<<"$out"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL a warning without repetition: $out"; fi

# --- 3. numeric flags given a word -------------------------------------------------------------------
check "matrix --port abc"      2 '--port: "abc" is not a number \(expected an integer from 1 to 65535\)' -- netpol matrix -f "$work/pods.yaml" --port abc
check "matrix --port 0"        2 '--port: 0 is out of range \(expected an integer from 1 to 65535\)'  -- netpol matrix -f "$work/pods.yaml" --port 0
check "matrix --port 80x"      2 '--port: "80x" is not a number'                                  -- netpol matrix -f "$work/pods.yaml" --port 80x
check "matrix --port 99999999999999999999" 2 '--port: 99999999999999999999 is out of range'        -- netpol matrix -f "$work/pods.yaml" --port 99999999999999999999
check "matrix --port 8080"     0 "probe tcp 8080"                                                  -- netpol matrix -f "$work/pods.yaml" --port 8080
check "explain --port abc"     2 '--port: "abc" is not a number'                                  -- netpol explain -f "$work/pods.yaml" --from x/a --to x/b --port abc
check "compile --nflog-group"  2 '--nflog-group: "g" is not a number \(expected an integer from 0 to 65535\)' -- netpol compile -f "$work/pods.yaml" --pod x/a --nflog-group g
check "agent --nflog-group"    2 '--nflog-group: "-" is not a number'                             -- netpol agent --watch-dir "$work" --nflog-group -
for flag in --shutdown-grace-ms --threads --event-loops --max-connections; do
  check "webhook $flag abc"    2 "$flag: \"abc\" is not a number"                                  -- webhook --tls-cert-file x --tls-private-key-file y $flag abc
done
check "webhook --threads -1"   2 '--threads: -1 is out of range \(expected an integer from 1 to 65536\)' -- webhook --tls-cert-file x --tls-private-key-file y --threads -1

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

# --- 5. a file or level flag given an empty value (`--config "$UNSET"`): an error, not "no flag" ------
# Read as no flag, `lint --config ""` ran without the configuration's rules and exemptions and passed.
printf 'apiVersion: kguard.io/v1alpha1\nkind: KguardConfiguration\nrules: {disallowLatestTag: true}\n' >"$work/latest.yaml"
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: busybox}]}\n' >"$work/untagged.yaml"
check "lint --config file"     1 'kguard.imageLatestTag'                                          -- lint --level privileged --config "$work/latest.yaml" -f "$work/untagged.yaml"
for flag in --config --level --version; do
  check "lint $flag ''"        2 "kguard lint: $flag: empty value"                                -- lint -f "$work/untagged.yaml" $flag ""
done
check "lint json --config ''"  2 '^\[\]$'                                                          -- lint --format json -f "$work/untagged.yaml" --config ""
check "audit --config ''"      2 '--config: empty value'                                          -- audit -f "$work/untagged.yaml" --config ""
check "audit --kubeconfig ''"  2 '--kubeconfig: empty value'                                      -- audit --kubeconfig ""
check "rbac --kubeconfig ''"   2 '--kubeconfig: empty value'                                      -- rbac audit --kubeconfig ""
check "webhook --config ''"    2 '--config: empty value'                                          -- webhook --tls-cert-file x --tls-private-key-file y --config ""
check "webhook --kubeconfig ''" 2 '--kubeconfig: empty value'                                     -- webhook --tls-cert-file x --tls-private-key-file y --kubeconfig ""
check "agent --kubeconfig ''"  2 '--kubeconfig: empty value'                                      -- netpol agent --kubeconfig ""

# --- 6. audit -n naming a namespace the export does not hold: an error, not a clean audit ------------
# A mistyped -n audited nothing and exited 0 (no finding) - a CI gate passed on a typo.
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: prod}\nspec: {hostPID: true, containers: [{name: c, image: busybox}]}\n' >"$work/prod.yaml"
printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: empty}\n' >"$work/empty-ns.yaml"
check "audit -n prod"          1 'host namespaces'                                                -- audit -f "$work/prod.yaml" -n prod
check "audit -n typo"          2 '-n prdo: no such namespace in the input'                        -- audit -f "$work/prod.yaml" -n prdo
check "audit -n typo and prod" 2 '-n prdo: no such namespace'                                     -- audit -f "$work/prod.yaml" -n prod -n prdo
check "audit -n empty ns"      0 ''                                                               -- audit -f "$work/prod.yaml" -f "$work/empty-ns.yaml" -n empty

# --- 7. a word that names no command: which word, and what was expected (CLI11 said "A subcommand is
# required"); `kguard netpol lint` points at `kguard lint`, which checks NetworkPolicies ---------------
check "netpol lint"            2 'kguard netpol: unknown command "lint" \(expected one of: matrix, explain, compile, diff, agent\); did you mean `kguard lint`\?' -- netpol lint -f "$work/untagged.yaml"
check "rbac typo"              2 'kguard rbac: unknown command "can_i"'                            -- rbac can_i
check "top-level typo"         2 'kguard: unknown command "netpols" \(expected one of: .*netpol'   -- netpols matrix
check "netpol alone"           2 'A subcommand is required'                                       -- netpol
# --- 8. netpol -f / --with given an empty value: the flag is named (it said ": no such file") --------
check "netpol -f ''"           2 '--filename: empty value' -- netpol matrix -f ""
check "netpol diff --with ''"  2 '--with: empty value'                                                   -- netpol diff -f "$work/untagged.yaml" --with ""
# --- 9. ephemeralContainers in a pod template: the API server refuses it (ValidatePodTemplateSpec); a
# Pod read back from a cluster may carry them and is judged with them -------------------------------
cat > "$work/ephemeral-template.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: x}
spec:
  template:
    spec:
      containers: [{name: c, image: i}]
      ephemeralContainers: [{name: debug, image: i}]
YAML
cat > "$work/ephemeral-pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: x}
spec:
  containers: [{name: c, image: i}]
  ephemeralContainers: [{name: debug, image: i, securityContext: {privileged: true}}]
YAML
check "lint ephemeral template" 2 'ephemeral-template.yaml: document 1: line 8: spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template' -- lint -f "$work/ephemeral-template.yaml"
check "lint ephemeral pod"      1 'privileged \(container "debug" must not set'                          -- lint --level baseline -f "$work/ephemeral-pod.yaml"
# --- 10. label keys and values the API server refuses (ValidateLabelSelector / ValidateLabels): errors
# naming file, object and field, in NetworkPolicies, ClusterNetworkPolicies and workload selectors ------
cat > "$work/bad-np.yaml" <<'YAML'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: x}
spec:
  podSelector:
    matchLabels: {"a b": web}
YAML
cat > "$work/bad-cnp.yaml" <<'YAML'
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: c}
spec:
  tier: Admin
  priority: 1
  subject: {namespaces: {matchExpressions: [{key: -x, operator: Exists}]}}
  ingress: [{action: Deny, from: [{namespaces: {}}]}]
YAML
long="$(printf 'v%.0s' $(seq 64))"
cat > "$work/bad-deploy.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: x}
spec:
  selector:
    matchLabels: {app: $long}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
YAML
cat > "$work/bad-rc.yaml" <<'YAML'
apiVersion: v1
kind: ReplicationController
metadata: {name: rc, namespace: x}
spec:
  selector: {"-x": web}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
YAML
check "lint np bad key"        1 'bad-np.yaml:6: NetworkPolicy x/np: netpol.invalid .*Invalid value: "a b": name part must consist' -- lint -f "$work/bad-np.yaml"
check "lint np field (json)"   1 '"field": "spec.podSelector.matchLabels\[\\"a b\\"\]"'         -- lint -f "$work/bad-np.yaml" --format json
check "lint np field (text)"   1 'netpol.invalid \[netpol\]: spec.podSelector.matchLabels\["a b"\]: Invalid value' -- lint -f "$work/bad-np.yaml"
check "lint cnp bad key"       1 'ClusterNetworkPolicy c: cnp.invalid \[netpol\]: spec.*: Invalid value: "-x": name part' -- lint -f "$work/bad-cnp.yaml"
check "lint deploy bad value"  2 'bad-deploy.yaml: document 1: line 6: spec.selector.matchLabels\["app"\]: Invalid value: "v+": must be no more than 63 characters' -- lint -f "$work/bad-deploy.yaml"
check "lint rc bad key"        2 'bad-rc.yaml: document 1: line 5: spec.selector\["-x"\]: Invalid value'   -- lint -f "$work/bad-rc.yaml"
check "netpol matrix bad key"  2 'spec.podSelector.matchLabels\["a b"\]: Invalid value'                   -- netpol matrix -f "$work/bad-np.yaml"
# A selector that does not select its own template's labels is refused too (ValidatePodTemplateSpecForReplicaSet,
# ValidatePodTemplateSpecForRC): its pods would not be its own. A selector that does select them is fine.
cat > "$work/selector-mismatch.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: x}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: website}}
    spec: {containers: [{name: c, image: nginx}]}
YAML
cat > "$work/rc-mismatch.yaml" <<'YAML'
apiVersion: v1
kind: ReplicationController
metadata: {name: rc, namespace: x}
spec:
  selector: {app: a}
  template:
    metadata: {labels: {app: b}}
    spec: {containers: [{name: c, image: nginx}]}
YAML
cat > "$work/selector-match.yaml" <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: x}
spec:
  serviceName: db
  selector: {matchExpressions: [{key: app, operator: In, values: [db]}]}
  template:
    metadata: {labels: {app: db, tier: data}}
    spec: {containers: [{name: c, image: nginx}]}
YAML
check "lint selector mismatch" 2 'selector-mismatch.yaml: document 1: line 7: spec.template.metadata.labels: Invalid value: map\[string\]string\{"app":"website"\}: `selector` does not match template `labels`' -- lint -f "$work/selector-mismatch.yaml"
check "lint rc mismatch"       2 'rc-mismatch.yaml: document 1: line 7: spec.template.metadata.labels: .*`selector` does not match template `labels`' -- lint -f "$work/rc-mismatch.yaml"
check "lint selector matches"  1 'StatefulSet x/db'                                                   -- lint -f "$work/selector-match.yaml"

# --- 11. the summary counts the objects judged: one that did not decode is not "no violations in 1" ---
check "lint only undecodable"  2 'no violations in 0 objects'                                       -- lint -f "$work/nokey.yaml"
check "lint one of two decodes" 2 'no violations in 1 objects'                                      -- lint -f "$work/nospec.yaml"
check "lint undecodable count" 2 '1 input could not be read or decoded'                             -- lint -f "$work/bad-deploy.yaml"

# --- 12. usage errors say which command, as its other errors do (CLI11 printed its bare message) ---------
check "lint --format xml"      2 '^kguard lint: --format: xml not in \{text,json,sarif\}'        -- lint -f "$work/pods.yaml" --format xml
check "audit --format xml"     2 '^kguard audit: --format: xml not in'                            -- audit -f "$work/pods.yaml" --format xml
check "rbac audit --format"    2 '^kguard rbac audit: --format: xml not in'                       -- rbac audit -f "$work/pods.yaml" --format xml
check "matrix --port word"     2 '^kguard netpol matrix: --port: "http" is not a number'          -- netpol matrix -f "$work/pods.yaml" --port http
check "lint unknown flag"      2 '^kguard lint: The following argument was not expected: --bogus' -- lint -f "$work/pods.yaml" --bogus
check "lint without -f"        2 '^kguard lint: --filename is required'                           -- lint

# --- 13. a single-value flag given twice: the last wins, as kubectl's flags (CLI11 refused it raw) -----
check "lint --format twice"    1 '^\[$'                  -- lint -f "$work/bad-np.yaml" --format text --format json
check "lint --level twice"     0 'no violations in 1 objects'                                     -- lint -f "$work/prod.yaml" --level restricted --level privileged
check "lint --level last wins" 1 'hostNamespaces'                                                 -- lint -f "$work/prod.yaml" --level privileged --level baseline
check "lint -f repeated"       2 'nokey.yaml'                                                     -- lint -f "$work/pods.yaml" -f "$work/nokey.yaml"

# --- 14. a kustomize source folder: its kustomization and patches are no complete objects ---------------
mkdir -p "$work/kust/base" "$work/kust/overlay"
printf 'resources: [deploy.yaml]\n' > "$work/kust/base/kustomization.yaml"
printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: x}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {hostPID: true, containers: [{name: web, image: nginx}]}\n' > "$work/kust/base/deploy.yaml"
printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../base]\npatches: [{path: limits.yaml}]\n' > "$work/kust/overlay/kustomization.yaml"
printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec: {containers: [{name: web, resources: {limits: {cpu: 1}}}]}\n' > "$work/kust/overlay/limits.yaml"
check "lint kustomize folder"  1 'Deployment x/web: hostNamespaces'                               -- lint -f "$work/kust"
check "kustomize skipped note" 1 'overlay/limits.yaml: a patch named in .*overlay/kustomization.yaml, not a complete object' -- lint -f "$work/kust"
check "kustomization note"     1 'base/kustomization.yaml: a kustomization, not a Kubernetes object \(render the folder: kubectl kustomize' -- lint -f "$work/kust"
check "kustomize summary"      1 'violations in 1 of 1 objects'                                  -- lint -f "$work/kust"

# --- 15. netpol diff --with only the changed policy: --with is a complete state, so the two states share no
# pod and nothing is compared; it said "0 newly allowed, 0 newly denied" and exit 0 ------------------------
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: db, namespace: x, labels: {app: db}}\nspec: {containers: [{name: c, image: i}]}\nstatus: {podIP: 10.0.0.3}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: api, namespace: x}\nspec: {containers: [{name: c, image: i}]}\nstatus: {podIP: 10.0.0.2}\n' > "$work/cluster.yaml"
printf 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db, namespace: x}\nspec: {podSelector: {matchLabels: {app: db}}, policyTypes: [Ingress]}\n' > "$work/deny-db.yaml"
check "diff --with change only" 2 '^kguard netpol diff: -f and --with share no pod \(2 in -f, 0 in --with\): nothing to compare; each is a complete state .* -f cluster.yaml --with cluster.yaml --with change.yaml' -- netpol diff -f "$work/cluster.yaml" --with "$work/deny-db.yaml"
check "diff -f change only"    2 'share no pod \(0 in -f, 2 in --with\)'                           -- netpol diff --with "$work/cluster.yaml" -f "$work/deny-db.yaml"
check "diff complete states"   1 'newly denied: x/api -> x/db tcp 1-65535'                       -- netpol diff -f "$work/cluster.yaml" --with "$work/cluster.yaml" --with "$work/deny-db.yaml"
# -f on both sides of --with: the later -f was meant for the changed state but would join the current one.
check "diff -f after --with"   2 '^kguard netpol diff: -f given both before and after --with: .* use --with FILE' -- netpol diff -f "$work/cluster.yaml" --with "$work/cluster.yaml" -f "$work/deny-db.yaml"

# --- 16. a Job's selector is generated (job strategy's generateSelector) unless manualSelector: true ------
# ValidateGeneratedSelector refuses a hand-written one that does not select the generated labels; with
# manualSelector its selector must select its template's labels (ValidateJobSpec); a CronJob's jobTemplate
# may carry none (ValidateJobTemplateSpec). kubectl apply fails on each; lint judged them.
job() {  # job FILE SPEC_LINES...
  local file="$1"; shift
  { printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: j, namespace: x%s}\nspec:\n' "${uid:-}"
    printf '  %s\n' "$@"
    printf '  template:\n    metadata: {labels: {app: j}}\n    spec: {restartPolicy: Never, hostPID: true, containers: [{name: c, image: nginx}]}\n'; } > "$work/$file"
}
job job-selector.yaml 'selector: {matchLabels: {app: j}}'
job job-manual.yaml 'selector: {matchLabels: {app: j}}' 'manualSelector: true'
job job-manual-mismatch.yaml 'selector: {matchLabels: {app: k}}' 'manualSelector: true'
job job-name-selector.yaml 'selector: {matchLabels: {job-name: j}}'
uid=', uid: 0b5c' job job-exported.yaml 'selector: {matchLabels: {batch.kubernetes.io/controller-uid: 0b5c}}'
printf 'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: cj, namespace: x}\nspec:\n  schedule: "@daily"\n  jobTemplate:\n    spec:\n      selector: {matchLabels: {app: j}}\n      template:\n        spec: {restartPolicy: Never, containers: [{name: c, image: nginx}]}\n' > "$work/cronjob-selector.yaml"
check "lint job selector"      2 'job-selector.yaml: document 1: line 5: spec.selector: Invalid value: v1.LabelSelector\{MatchLabels:map\[string\]string\{"app":"j"\}, MatchExpressions:\[\]v1.LabelSelectorRequirement\(nil\)\}: `selector` not auto-generated' -- lint -f "$work/job-selector.yaml"
check "lint job manual"        1 'Job x/j: hostNamespaces'                                          -- lint -f "$work/job-manual.yaml"
check "lint job manual mismatch" 2 'job-manual-mismatch.yaml: document 1: line 8: spec.template.metadata.labels: .*`selector` does not match template `labels`' -- lint -f "$work/job-manual-mismatch.yaml"
check "lint job-name selector" 1 'Job x/j: hostNamespaces'                                          -- lint -f "$work/job-name-selector.yaml"
check "lint exported job"      1 'Job x/j: hostNamespaces'                                          -- lint -f "$work/job-exported.yaml"
check "lint cronjob selector"  2 'cronjob-selector.yaml: document 1: line 8: spec.jobTemplate.spec.selector: Invalid value: .*`selector` will be auto-generated' -- lint -f "$work/cronjob-selector.yaml"

# --- 17. RBAC objects the API server refuses (pkg/apis/rbac/validation: ValidatePolicyRule,
# ValidateClusterRoleBinding, ValidateRoleBindingSubject): lint said "no violations"; kubectl apply fails ----
cat > "$work/bad-role.yaml" <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: x}
rules:
- verbs: [get]
  resources: [pods]
- verbs: [get]
  nonResourceURLs: [/healthz]
YAML
cat > "$work/bad-crb.yaml" <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
subjects:
- {kind: ServiceAccount, name: sa}
YAML
cat > "$work/defaulted-rb.yaml" <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b, namespace: x}
roleRef: {kind: ClusterRole, name: view}
subjects:
- {kind: ServiceAccount, name: sa}
- {kind: User, name: alice}
YAML
check "lint role no apiGroups"  1 'bad-role.yaml:5: Role x/r: rbac.invalid \[rbac\]: rules\[0\].apiGroups: Required value: resource rules must supply at least one api group' -- lint -f "$work/bad-role.yaml"
check "lint role nonResource"   1 'bad-role.yaml:8: Role x/r: rbac.invalid \[rbac\]: rules\[1\].nonResourceURLs: Invalid value: \[\]string\{"/healthz"\}: namespaced rules cannot apply to non-resource URLs' -- lint -f "$work/bad-role.yaml"
check "lint crb to a Role"      1 'bad-crb.yaml:4: ClusterRoleBinding b: rbac.invalid \[rbac\]: roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"' -- lint -f "$work/bad-crb.yaml"
check "lint crb sa namespace"   1 'bad-crb.yaml:6: ClusterRoleBinding b: rbac.invalid \[rbac\]: subjects\[0\].namespace: Required value' -- lint -f "$work/bad-crb.yaml"
check "lint rbac field (json)"  1 '"field": "subjects\[0\].namespace"'                                -- lint -f "$work/bad-crb.yaml" --format json
check "lint defaulted apiGroup" 0 'no violations'                                                     -- lint -f "$work/defaulted-rb.yaml"
# rbac reads them as the authorizer would if they were stored: the rule and the binding grant nothing.
check "rbac can-i refused rule" 1 '^no$'    -- rbac can-i get pods --as system:serviceaccount:x:sa -n x -f "$work/bad-role.yaml" -f "$work/bad-crb.yaml"

# --- 18. a NetworkPolicy with several invalid fields: the API server returns every one (field.ErrorList);
# lint reported the first only, so each fix met the next refusal at kubectl apply ----------------------------
cat > "$work/np-many.yaml" <<'YAML'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: x}
spec:
  podSelector: {matchLabels: {"a b": x}}
  ingress:
  - from:
    - ipBlock: {cidr: 10.0.0.0/33}
    - {}
    ports:
    - {protocol: tcp, port: 80}
    - {port: 70000}
  policyTypes: [Ingress, Sideways]
YAML
check "np: selector"        1 'np-many.yaml:5: NetworkPolicy x/np: netpol.invalid \[netpol\]: spec.podSelector.matchLabels\["a b"\]: Invalid value' -- lint -f "$work/np-many.yaml"
check "np: cidr"            1 'netpol.invalid \[netpol\]: spec.ingress\[0\].from\[0\].ipBlock.cidr: not a CIDR: "10.0.0.0/33"' -- lint -f "$work/np-many.yaml"
check "np: empty peer"      1 'netpol.invalid \[netpol\]: spec.ingress\[0\].from\[1\]: must specify a peer'                    -- lint -f "$work/np-many.yaml"
check "np: protocol"        1 'netpol.invalid \[netpol\]: spec.ingress\[0\].ports\[0\].protocol: unsupported protocol "tcp"'  -- lint -f "$work/np-many.yaml"
check "np: port"            1 'netpol.invalid \[netpol\]: spec.ingress\[0\].ports\[1\].port: port must be between 1 and 65535' -- lint -f "$work/np-many.yaml"
check "np: policyTypes"     1 'netpol.invalid \[netpol\]: spec.policyTypes\[1\]: unknown policy type "Sideways"'              -- lint -f "$work/np-many.yaml"
out="$("$kguard" lint --format json -f "$work/np-many.yaml" 2>/dev/null)"
if python3 -c '
import json,sys
fields=[f["field"] for f in json.load(sys.stdin) if f["check"]=="netpol.invalid"]
assert fields==["spec.podSelector.matchLabels[\"a b\"]","spec.ingress[0].from[0].ipBlock.cidr","spec.ingress[0].from[1]","spec.ingress[0].ports[0].protocol","spec.ingress[0].ports[1].port","spec.policyTypes[1]"], fields' <<<"$out"
then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL np: every field in JSON"; echo "$out" | head -40; fi
out="$("$kguard" lint --format sarif -f "$work/np-many.yaml" 2>/dev/null)"
if python3 -c '
import json,sys
r=json.load(sys.stdin)["runs"][0]["results"]
lines=sorted(x["locations"][0]["physicalLocation"]["region"]["startLine"] for x in r if x["ruleId"]=="netpol.invalid")
assert lines==[5,8,9,11,12,13], lines' <<<"$out"
then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL np: every field in SARIF"; fi
# More than two policyTypes: upstream says so and judges none of them.
printf 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: x}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress, Bogus]\n' > "$work/np-types.yaml"
out="$("$kguard" lint --format json -f "$work/np-types.yaml" 2>/dev/null)"
if python3 -c 'import json,sys; f=[x["field"] for x in json.load(sys.stdin)]; assert f==["spec.policyTypes"], f' <<<"$out"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL np: >2 policyTypes alone"; echo "$out"; fi
# The compiler still refuses at the first.
check "netpol matrix first" 2 'np-many.yaml: document 1: line 5: spec.podSelector.matchLabels\["a b"\]: Invalid value' -- netpol matrix -f "$work/np-many.yaml"

# --- 19. RBAC names and aggregation (ValidateRBACName = path.IsValidPathSegmentName; ValidateClusterRole;
# ValidateRoleBindingSubject's ValidateServiceAccountName): lint said "no violations", kubectl apply fails ---
cat > "$work/rbac-names.yaml" <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "team/reader"}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: aggregated}
aggregationRule: {clusterRoleSelectors: []}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: "..", namespace: x}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: "100%", namespace: x}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "view/all"}
subjects:
- {kind: ServiceAccount, name: "system:serviceaccount:x:app"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ok-binding}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:aggregate-to-view"}
subjects:
- {kind: ServiceAccount, name: app, namespace: x}
- {kind: User, name: "alice@example.com"}
YAML
check "rbac: name with /"     1 "ClusterRole team/reader: rbac.invalid \[rbac\]: metadata.name: Invalid value: \"team/reader\": may not contain '/'" -- lint -f "$work/rbac-names.yaml"
check "rbac: no selectors"    1 'ClusterRole aggregated: rbac.invalid \[rbac\]: aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil' -- lint -f "$work/rbac-names.yaml"
check "rbac: name .."         1 "Role x/\.\.: rbac.invalid \[rbac\]: metadata.name: Invalid value: \"\.\.\": may not be '\.\.'" -- lint -f "$work/rbac-names.yaml"
check "rbac: name with %"     1 "RoleBinding x/100%: rbac.invalid \[rbac\]: metadata.name: Invalid value: \"100%\": may not contain '%'" -- lint -f "$work/rbac-names.yaml"
check "rbac: roleRef.name"    1 "RoleBinding x/100%: rbac.invalid \[rbac\]: roleRef.name: Invalid value: \"view/all\": may not contain '/'" -- lint -f "$work/rbac-names.yaml"
check "rbac: sa subject name" 1 'RoleBinding x/100%: rbac.invalid \[rbac\]: subjects\[0\].name: Invalid value: "system:serviceaccount:x:app": a lowercase RFC 1123 subdomain' -- lint -f "$work/rbac-names.yaml"
out="$("$kguard" lint --format json -f "$work/rbac-names.yaml" 2>/dev/null)"
if python3 -c '
import json,sys
a=json.load(sys.stdin)
inv=[(f["name"],f["field"]) for f in a if f["check"]=="rbac.invalid"]
assert inv==[("team/reader","metadata.name"),("aggregated","aggregationRule.clusterRoleSelectors"),("..","metadata.name"),("100%","metadata.name"),("100%","roleRef.name"),("100%","subjects[0].name")], inv
assert not any(f["name"]=="ok-binding" and f["check"]=="rbac.invalid" for f in a)' <<<"$out"
then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL rbac: every refusal, nothing on the valid binding"; echo "$out" | head -60; fi

# --- 20. a Job's template labels the API server generates, a CronJob's manualSelector (ValidateGeneratedSelector's
# ValidateHasLabel; ValidateJobTemplateSpec): kubectl apply fails; lint judged them --------------------------
job job-name-label.yaml 'completions: 1'
sed -i 's/labels: {app: j}/labels: {app: j, job-name: other}/' "$work/job-name-label.yaml"
job job-uid-label.yaml 'completions: 1'
sed -i 's/labels: {app: j}/labels: {app: j, batch.kubernetes.io\/controller-uid: abc-123}/' "$work/job-uid-label.yaml"
job job-own-name.yaml 'completions: 1'
sed -i 's/labels: {app: j}/labels: {app: j, job-name: j, batch.kubernetes.io\/job-name: j}/' "$work/job-own-name.yaml"
uid=', uid: 0b5c' job job-exported-labels.yaml 'selector: {matchLabels: {batch.kubernetes.io/controller-uid: 0b5c}}'
sed -i 's/labels: {app: j}/labels: {app: j, controller-uid: 0b5c, batch.kubernetes.io\/controller-uid: 0b5c, job-name: j}/' "$work/job-exported-labels.yaml"
job job-manual-labels.yaml 'selector: {matchLabels: {job-name: other}}' 'manualSelector: true'
sed -i 's/labels: {app: j}/labels: {app: j, job-name: other}/' "$work/job-manual-labels.yaml"
check "job-name of another Job"  2 "job-name-label.yaml: document 1: line 7: spec.template.metadata.labels\[\"job-name\"\]: Invalid value: .*: must be 'j'" -- lint -f "$work/job-name-label.yaml"
check "controller-uid written"   2 "job-uid-label.yaml: document 1: line 7: spec.template.metadata.labels\[\"batch.kubernetes.io/controller-uid\"\]: Invalid value: .*must be '<uid assigned at create>'" -- lint -f "$work/job-uid-label.yaml"
check "its own job-name"         1 'Job x/j: hostNamespaces' -- lint -f "$work/job-own-name.yaml"
check "exported job labels"      1 'Job x/j: hostNamespaces' -- lint -f "$work/job-exported-labels.yaml"
check "manualSelector: any label" 1 'Job x/j: hostNamespaces' -- lint -f "$work/job-manual-labels.yaml"
cronjob() {  # cronjob FILE JOB_SPEC_LINE
  printf 'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: cj, namespace: x}\nspec:\n  schedule: "@daily"\n  jobTemplate:\n    spec:\n      %s\n      template:\n        metadata: {labels: {job-name: anything}}\n        spec: {restartPolicy: Never, hostPID: true, containers: [{name: c, image: nginx}]}\n' "$2" > "$work/$1"
}
cronjob cronjob-manual.yaml 'manualSelector: true'
cronjob cronjob-manual-false.yaml 'manualSelector: false'
check "cronjob manualSelector"   2 'cronjob-manual.yaml: document 1: line 8: spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: "nil", "false"' -- lint -f "$work/cronjob-manual.yaml"
# A CronJob's template labels are not validated at its creation (only each Job's, later).
check "cronjob manualSelector false" 1 'CronJob x/cj: hostNamespaces' -- lint -f "$work/cronjob-manual-false.yaml"

# --- 21. a UTF-16 manifest with its byte order mark (Windows PowerShell 5's `kubectl get -o yaml > f.yaml`):
# kubectl reads it (cli-runtime FileVisitor: unicode.BOMOverride); kguard said "binary data (NUL byte)" ------
python3 - "$work" <<'PY'
import sys
t = "apiVersion: v1\r\nkind: Pod\r\nmetadata: {name: win, namespace: x}\r\nspec:\r\n  hostPID: true\r\n  containers: [{name: c, image: nginx}]\r\n"
open(sys.argv[1] + "/utf16le.yaml", "wb").write(b"\xff\xfe" + t.encode("utf-16-le"))
open(sys.argv[1] + "/utf16be.yaml", "wb").write(b"\xfe\xff" + t.encode("utf-16-be"))
PY
check "lint utf-16 le"         1 'utf16le.yaml:5: Pod x/win: hostNamespaces'   -- lint -f "$work/utf16le.yaml"
check "lint utf-16 be"         1 'utf16be.yaml:5: Pod x/win: hostNamespaces'   -- lint -f "$work/utf16be.yaml"
check "audit utf-16"           1 'Pod x/win'                                   -- audit -f "$work/utf16le.yaml"
out="$("$kguard" lint -f - < "$work/utf16le.yaml" 2>&1)"; code=$?
if [ "$code" -eq 1 ] && grep -q '<stdin>:5: Pod x/win: hostNamespaces' <<<"$out"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL lint utf-16 stdin: exit $code"; echo "$out" | head; fi

# --- 22. a Helm chart's folder: Chart.yaml (apiVersion v2, no kind) said only "kind: required string field is
# missing"; it now says what the file is and what to lint instead, as the templates' errors do -------------
mkdir -p "$work/chart/templates"
printf 'apiVersion: v2\nname: web\nversion: 0.1.0\n' > "$work/chart/Chart.yaml"
printf 'replicas: 2\n' > "$work/chart/values.yaml"
check "lint chart folder"      2 "chart/Chart.yaml: document 1 \(line 1\): kind: required string field is missing \(a Helm chart's Chart.yaml: lint the chart's rendered output, .helm template" -- lint -f "$work/chart"
check "audit chart folder"     2 "chart/Chart.yaml: .*a Helm chart's Chart.yaml"                    -- audit -f "$work/chart"

# --- 23. a JSON field given twice: refused in YAML (strict field validation), silently the last one in JSON
# (`"name": "a", "name": "b"` was judged as Pod b) ------------------------------------------------------------
printf '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","name":"b","namespace":"x"},"spec":{"hostPID":true,"containers":[{"name":"c","image":"i"}]}}\n' > "$work/dup.json"
check "lint json duplicate"    2 'dup.json: document 1: metadata.name: duplicate field'              -- lint -f "$work/dup.json"
check "audit json duplicate"   2 'dup.json: document 1: metadata.name: duplicate field'              -- audit -f "$work/dup.json"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
