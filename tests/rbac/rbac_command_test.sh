#!/usr/bin/env bash
# `kguard rbac` on the command line: answers, exit codes (0 yes / 1 no / 2 bad input or usage), error
# messages naming the file, output formats, and the --batch mode the e2e test relies on.
#   tests/rbac/rbac_command_test.sh PATH/TO/kguard
set -uo pipefail
KGUARD="$1"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
W="$HERE/data/world.yaml"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
failures=0

# expect EXIT_CODE STDOUT_SUBSTRING STDERR_SUBSTRING -- ARGS...
expect() {
  local code="$1" out="$2" err="$3"
  shift 4
  "$KGUARD" "$@" >"$TMP/out" 2>"$TMP/err"
  local rc=$?
  if [ "$rc" != "$code" ] || { [ -n "$out" ] && ! grep -qF -- "$out" "$TMP/out"; } ||
     { [ -n "$err" ] && ! grep -qF -- "$err" "$TMP/err"; }; then
    echo "FAIL: kguard $* -> exit $rc (want $code)"
    echo "  stdout: $(head -c 400 "$TMP/out")"
    echo "  stderr: $(head -c 400 "$TMP/err")"
    failures=$((failures + 1))
  fi
}

expect 0 yes "" -- rbac can-i get pods --as alice -n dev -f "$W"
expect 1 no "" -- rbac can-i get pods --as alice -n prod -f "$W"
expect 1 no "" -- rbac can-i get pods --as alice -f "$W"                 # namespace "default"
expect 0 yes "" -- rbac can-i list pods -A --as bob -f "$W"
expect 0 yes "" -- rbac can-i -f "$W" --as-group ops update deployments/scale web --as carol -n dev   # flags first
expect 0 yes "" -- rbac can-i get pods --as bob -f "$W" -f "$HERE/data/world.yaml"
expect 0 yes "" -- rbac can-i create pods/exec web --as system:serviceaccount:dev:ci -n dev -f "$W"
expect 1 no "" -- rbac can-i create pods/exec web --as system:serviceaccount:prod:ci -n dev -f "$W"
expect 0 yes "" -- rbac can-i update deployments/scale web --as carol --as-group ops -n dev -f "$W"
expect 0 yes "" -- rbac can-i update deployments.apps/scale web --as carol --as-group ops -n dev -f "$W"
expect 1 no "" -- rbac can-i update deployments.extensions/scale web --as carol --as-group ops -n dev -f "$W"
expect 0 yes "" -- rbac can-i get --non-resource-url /logs/kubelet --as bob -f "$W"
expect 0 yes "" -- rbac can-i get /healthz --as bob -f "$W"
expect 1 no "" -- rbac can-i get --non-resource-url /healthz --as alice -f "$W"   # a RoleBinding grants no URLs
expect 0 yes "" -- rbac can-i delete nodes --as x --as-group system:masters -f "$W"
expect 0 yes "RBAC: allowed by ClusterRoleBinding \"bob\" of ClusterRole \"pod-reader\" to User \"bob\"" -- \
  rbac can-i get pods --as bob -f "$W" --explain
expect 2 "" "nope.yaml" -- rbac can-i get pods --as bob -f nope.yaml
printf 'kind: ClusterRole\napiVersion: rbac.authorization.k8s.io/v1\nmetadata: {name: x}\nrules: [{verbs: 3}]\n' >"$TMP/bad.yaml"
expect 2 "" "bad.yaml: document 1: line 4: rules[0].verbs: expected a list" -- rbac can-i get pods --as bob -f "$TMP/bad.yaml"
expect 2 "" "cannot read kubeconfig" -- rbac can-i get pods --as bob --kubeconfig /dev/null
expect 2 "" "--as USER is required" -- rbac can-i get pods -f "$W"
expect 2 "" "expected VERB RESOURCE" -- rbac can-i get pods a b --as bob -f "$W"

expect 0 "User bob" "" -- rbac who-can get pods -n prod -f "$W"
expect 0 "\"name\": \"ci\"" "" -- rbac who-can create pods/exec -n dev -f "$W" --format json
expect 1 "rbac.escalation.podExec" "" -- rbac audit -f "$W"
expect 1 "\"version\": \"2.1.0\"" "" -- rbac audit -f "$W" --format sarif
expect 1 "\"leadsTo\"" "" -- rbac audit -f "$W" --format json

printf '%s\n' '["get","pods","-n","dev","--as","alice"]' '["get","pods","-n","prod","--as","alice"]' \
  '["get","pods.","-A","--as","u","--as-group","system:masters","--groups-exact"]' >"$TMP/batch"
expect 0 "yes" "" -- rbac can-i -f "$W" --batch "$TMP/batch"
if [ "$(tr '\n' ' ' <"$TMP/out")" != "yes no yes " ]; then echo "FAIL: batch answers: $(cat "$TMP/out")"; failures=$((failures + 1)); fi
printf '%s\n' '["get","pods","-n","dev","--as","alice"]' 'not json' >"$TMP/batch"
expect 2 "error" "line 2" -- rbac can-i -f "$W" --batch "$TMP/batch"

if [ "$failures" != 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all rbac command tests passed"
