#!/usr/bin/env bash
# kguard audit against a real kube-apiserver holding issue 15's synthetic cluster (synthetic_cluster.py:
# 10,000 pods, 2,000 NetworkPolicies, 5,000 RoleBindings), as a ratio to
# `kubectl get pods,networkpolicies,rolebindings,clusterrolebindings -A -o json` on the same server in the
# same run (median of RUNS each), and kguard's peak RSS. Results go to docs/benchmarks.md by hand.
#
#   bash bench/audit/run.sh build/kguard [PODS NETPOLS BINDINGS NAMESPACES]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../tests/e2e/cluster.sh"
e2e_kguard_argument "$1"
shift
RUNS="${RUNS:-3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/kguard-audit-bench.XXXXXX")"
trap 'cluster_stop "$WORK/cluster" >/dev/null 2>&1; rm -rf "$WORK"' EXIT
cluster_start "$WORK/cluster" >"$WORK/start.log" 2>&1 || { cat "$WORK/start.log" >&2; exit 1; }
# shellcheck disable=SC1091
source "$WORK/cluster/env"
python3 "$(dirname "${BASH_SOURCE[0]}")/synthetic_cluster.py" "$@" >"$WORK/cluster.json"
t0=$SECONDS
kubectl create -f "$WORK/cluster.json" >/dev/null
echo "loaded $(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['items']))" "$WORK/cluster.json") objects in $((SECONDS - t0)) s"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
for _ in $(seq "$RUNS"); do
  seconds kubectl get pods,networkpolicies,rolebindings,clusterrolebindings -A -o json >>"$WORK/kubectl.times"
  seconds "$KGUARD" audit --kubeconfig "$KUBECONFIG" --format json -o "$WORK/audit.json" >>"$WORK/kguard.times"
done
k=$(median <"$WORK/kubectl.times")
g=$(median <"$WORK/kguard.times")
/usr/bin/time -v "$KGUARD" audit --kubeconfig "$KUBECONFIG" --format json -o "$WORK/audit.json" 2>"$WORK/rss.txt" || true
rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$WORK/rss.txt")
findings=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['summary']['findings'])" "$WORK/audit.json")
printf 'kubectl get (median of %s): %.2f s\nkguard audit (median of %s): %.2f s, %s findings\nratio kguard/kubectl: %.2f\npeak RSS: %.0f MB\n' \
  "$RUNS" "$k" "$RUNS" "$g" "$findings" "$(echo "$g / $k" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
