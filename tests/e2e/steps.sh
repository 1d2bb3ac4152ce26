# shellcheck shell=bash
# Step reporting shared by the e2e scripts: `step` names what runs now (with seconds since start),
# `ok` reports a passed check, `fail` stops the test naming the step it failed in.
CURRENT_STEP="setup"
T0=$SECONDS

step() { CURRENT_STEP="$*"; echo "[$((SECONDS - T0))s] $*"; }
ok() { echo "      ok: $*"; }
fail() {
  echo "FAIL [$CURRENT_STEP]: $*" >&2
  exit 1
}

# Starts the cluster of tests/e2e/cluster.sh in $CLUSTER (its log in $WORK) and loads its environment
# (KUBECONFIG, tokens); fails the step with the start log when it does not come up.
start_e2e_cluster() {
  step "starting cluster in $CLUSTER"
  cluster_start "$CLUSTER" >"$WORK/cluster-start.log" 2>&1 || { cat "$WORK/cluster-start.log" >&2; fail "cluster start"; }
  # shellcheck disable=SC1091
  source "$CLUSTER/env"
}
