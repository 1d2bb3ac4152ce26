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
