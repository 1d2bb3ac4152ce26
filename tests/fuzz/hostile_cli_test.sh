#!/usr/bin/env bash
# Issue 12: every CLI path that reads files, given the fuzz corpora's minimized hostile inputs (crash-*)
# and a few generated ones, ends in exit 0/1 (a verdict) or 2 with a message naming the file: never a
# signal, an abort or a hang, under a 2 GB address-space cap and a 10 s timeout.
#   hostile_cli_test.sh KGUARD CORPUS_DIR
set -uo pipefail
kguard=$1
corpus=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
runs=0
wrapper=()  # what kguard runs inside (the agent's own namespaces, below)

# expect_sane FILE ARGS...: runs `kguard ARGS` and checks the outcome; FILE must be named on exit 2.
expect_sane() {
  local file=$1
  shift
  runs=$((runs + 1))
  (ulimit -v 2000000 && exec timeout -s KILL 10 "${wrapper[@]}" "$kguard" "$@") >"$work/out" 2>"$work/err" </dev/null
  local rc=$?
  case $rc in
    0 | 1) ;;
    2)
      if ! grep -qF -- "$(basename "$file")" "$work/err"; then
        echo "FAIL: exit 2 without naming $(basename "$file"): kguard $*"
        head -3 "$work/err"
        failures=$((failures + 1))
      fi
      ;;
    *)
      echo "FAIL: exit $rc (signal, abort or timeout): kguard $*"
      tail -5 "$work/err"
      failures=$((failures + 1))
      ;;
  esac
}

inputs=()
for f in "$corpus"/lint/crash-* "$corpus"/kubeconfig/crash-*; do inputs+=("$f"); done
# Generated: past the byte limit, and the byte limit's worth of nodes.
head -c 34000000 /dev/zero | tr '\0' '#' >"$work/too-large.yaml"
python3 -c "import sys; sys.stdout.write('- a\n' * 8000000)" >"$work/many-nodes.yaml"
python3 -c "import sys; sys.stdout.write('---\n' * 200000)" >"$work/many-documents.yaml"
inputs+=("$work/too-large.yaml" "$work/many-nodes.yaml" "$work/many-documents.yaml")

for f in "${inputs[@]}"; do
  for format in text json sarif; do expect_sane "$f" lint -f "$f" --format "$format"; done
  expect_sane "$f" netpol matrix -f "$f"
  expect_sane "$f" netpol compile -f "$f" --pod default/web
  expect_sane "$f" rbac audit -f "$f"
  expect_sane "$f" rbac audit -f "$f" --format json
  expect_sane "$f" rbac audit -f "$f" --format sarif
  expect_sane "$f" rbac can-i get pods --as alice -f "$f"
  expect_sane "$f" rbac who-can get secrets -f "$f" --format json
  expect_sane "$f" rbac can-i get pods --as alice --kubeconfig "$f"
  expect_sane "$f" lint -f "$corpus/lint/pod.yaml" --config "$f"
done
# A file that never ends: read up to the byte limit, then refused.
expect_sane /dev/zero lint -f /dev/zero
# 300 aggregated ClusterRoles that select each other and 300 plain ones (100 KB): recomputing the
# aggregation took ~50 s while rules were compared one by one (rbac/aggregation.cpp).
python3 - "$work/aggregation.yaml" <<'EOF2'
import sys
docs = []
for i in range(300):
    docs.append("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: agg%d, labels: {x: '1'}}\n"
                "aggregationRule: {clusterRoleSelectors: [{matchLabels: {x: '1'}}]}\nrules: []\n" % i)
    docs.append("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: plain%d, labels: {x: '1'}}\n"
                "rules: [{verbs: [get], apiGroups: [''], resources: [r%d]}]\n" % (i, i))
open(sys.argv[1], "w").write("---\n".join(docs))
EOF2
expect_sane "$work/aggregation.yaml" rbac can-i get pods --as alice -f "$work/aggregation.yaml"
expect_sane "$work/aggregation.yaml" rbac who-can get secrets -f "$work/aggregation.yaml"
expect_sane "$work/aggregation.yaml" rbac audit -f "$work/aggregation.yaml"

# The node agent's watched folder: one hostile file at a time, one load (--once). Root only (the
# agent opens the kernel datapath); under CI=true not being root fails.
if [ "$(id -u)" = 0 ]; then
  # In its own network, mount and PID namespaces with an empty /run and its own /proc, the agent finds
  # no pod namespace of this machine: an input that loads cannot touch other tests' (or real) pods.
  wrapper=(unshare --net --mount --pid --fork --kill-child --mount-proc sh -c 'mount -t tmpfs tmpfs /run && exec "$@"' sh)
  for f in "${inputs[@]}"; do
    rm -rf "$work/watch" && mkdir "$work/watch" && cp "$f" "$work/watch/"
    expect_sane "$f" netpol agent --watch-dir "$work/watch" --once
  done
  wrapper=()
elif [ "${CI:-}" = true ]; then
  echo "FAIL: the agent's watch-folder cases need root"
  failures=$((failures + 1))
else
  echo "note: not root, the agent's watch-folder cases did not run"
fi

echo "hostile inputs: $runs runs, $failures failed"
[ "$failures" = 0 ]
