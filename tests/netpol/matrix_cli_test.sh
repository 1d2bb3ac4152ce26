#!/usr/bin/env bash
# `kguard netpol matrix|explain` on input without pod IPs (issue 13): a pod without status.podIP is `?`
# (never X), explain says "not probed" and exits 2, and workloads whose pods are not in the input are named.
# Usage: matrix_cli_test.sh KGUARD
set -uo pipefail
kguard="$1"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
fail=0
cat > "$work/in.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x}
spec: {containers: [{name: c, image: i}]}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: pending, namespace: x}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: x}
spec: {template: {spec: {containers: [{name: c, image: i}]}}}
YAML
out="$("$kguard" netpol matrix -f "$work/in.yaml" 2>"$work/err")"; code=$?
want=$'probe tcp 80\n- x/a x/pending\nx/a . ?\nx/pending ? ?'
[ "$code" -eq 0 ] && [ "$out" = "$want" ] || { echo "FAIL matrix: exit $code"; echo "$out"; fail=1; }
grep -q "1 pod has no status.podIP, shown as ? (not probed): x/pending" "$work/err" || { echo "FAIL no-IP note"; cat "$work/err"; fail=1; }
grep -q "the pods of Deployment x/web are not in the input" "$work/err" || { echo "FAIL workload note"; cat "$work/err"; fail=1; }
out="$("$kguard" netpol explain -f "$work/in.yaml" --from x/a --to x/pending --port 80 2>&1)"; code=$?
[ "$code" -eq 2 ] && grep -q "not probed (x/pending has no usable pod IP" <<<"$out" || { echo "FAIL explain: exit $code: $out"; fail=1; }
# An IPv4-only and an IPv6-only pod share no family: their cells are ?, and a note names the pairs.
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: v6, namespace: x}\nspec: {containers: [{name: c, image: i}]}\nstatus: {podIP: "fd00::6"}\n' > "$work/v6.yaml"
out="$("$kguard" netpol matrix -f "$work/in.yaml" -f "$work/v6.yaml" 2>"$work/err")"; code=$?
[ "$code" -eq 0 ] && grep -q "^x/a . ? ?$" <<<"$out" || { echo "FAIL mixed-family matrix: exit $code"; echo "$out"; fail=1; }
grep -q "2 pairs are shown as ? (not probed): the two pods have no IP family in common: x/a -> x/v6, x/v6 -> x/a" "$work/err" ||
  { echo "FAIL mixed-family note"; cat "$work/err"; fail=1; }
# A terminated pod (a Completed Job's) is ? too, with a note.
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: job, namespace: x}\nspec: {containers: [{name: c, image: i}]}\nstatus: {phase: Succeeded, podIP: 10.0.0.9}\n' > "$work/job.yaml"
out="$("$kguard" netpol matrix -f "$work/in.yaml" -f "$work/job.yaml" 2>"$work/err")"; code=$?
[ "$code" -eq 0 ] && grep -q "^x/a . ? ?$" <<<"$out" || { echo "FAIL terminated matrix: exit $code"; echo "$out"; fail=1; }
grep -q "1 pod has terminated (status.phase Succeeded or Failed), shown as ? (not probed): x/job" "$work/err" ||
  { echo "FAIL terminated note"; cat "$work/err"; fail=1; }
# an ipBlock except outside its cidr: the API server refuses the policy (ValidateIPBlock), so do matrix,
# explain and compile, naming file, policy and field
{ cat "$work/in.yaml"; printf -- '---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: x}\nspec:\n  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}}]}]\n'; } > "$work/except.yaml"
for cmd in "matrix" "explain --from x/a --to x/a --port 80" "compile --pod x/a"; do
  out="$("$kguard" netpol $cmd -f "$work/except.yaml" 2>&1)"; code=$?
  [ "$code" -eq 2 ] && grep -q "except.yaml: document 4: line 22: spec.ingress\[0\].from\[0\].ipBlock.except\[0\]: NetworkPolicy x/np: except 192.168.0.0/16 must be a strict subset of cidr 10.0.0.0/8" <<<"$out" ||
    { echo "FAIL except outside cidr ($cmd): exit $code: $out"; fail=1; }
done
# Named ports resolve as Kubernetes' FindPort does: the containers' ports, then sidecars' (init containers
# with restartPolicy: Always); a plain init container's port of the same name neither shadows nor adds one.
cat > "$work/named.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x}
spec:
  initContainers:
  - {name: setup, image: i, ports: [{name: web, containerPort: 9999}]}
  - {name: proxy, image: i, restartPolicy: Always, ports: [{name: metrics, containerPort: 9090}]}
  containers: [{name: c, image: i, ports: [{name: web, containerPort: 8080}]}]
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x}
spec: {containers: [{name: c, image: i}]}
status: {podIP: 10.0.0.2}
YAML
printf 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: x}\nspec:\n  podSelector: {}\n  ingress: [{ports: [{port: web}, {port: metrics}]}]\n' > "$work/named-np.yaml"
printf 'apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: deny-web}\nspec:\n  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n  ingress: [{action: Deny, from: [{namespaces: {}}], protocols: [{destinationNamedPort: web}]}]\n' > "$work/named-cnp.yaml"
for probe in "9999 X" "8080 ." "9090 ."; do
  set -- $probe
  out="$("$kguard" netpol matrix -f "$work/named.yaml" -f "$work/named-np.yaml" --port "$1" 2>&1)"
  grep -qxF "x/b $2 ." <<<"$out" || { echo "FAIL NetworkPolicy named port, port $1 want $2: $out"; fail=1; }
done
for probe in "9999 ." "8080 X"; do
  set -- $probe
  out="$("$kguard" netpol matrix -f "$work/named.yaml" -f "$work/named-cnp.yaml" --port "$1" 2>&1)"
  grep -qxF "x/b $2 ." <<<"$out" || { echo "FAIL CNP destinationNamedPort, port $1 want $2: $out"; fail=1; }
done
[ "$fail" -eq 0 ] && echo "matrix cli: ok"
exit $fail
