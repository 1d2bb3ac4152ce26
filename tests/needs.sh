#!/bin/sh
# The one home of the rule "a test that cannot run here fails under CI=true": checks what a test needs,
# then runs it.
#   tests/needs.sh REQUIREMENT... [-- COMMAND [ARG...]]
# REQUIREMENT: `root`; `netns` (a network namespace can be created: root and CAP_SYS_ADMIN, iproute2);
# `mountns` (`unshare -m` works); any other word is a program that must be on PATH.
# All met: runs COMMAND and exits with its status (0 without a COMMAND). One not met: says which, then
# exits 77 (ctest's SKIP_RETURN_CODE: skipped) on a developer's machine, or 1 (failed) when CI=true,
# where a test that cannot run must not pass as green. Register such tests with kguard_add_test_needing
# (tests/CMakeLists.txt).
set -u

missing=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  case "$1" in
    root) [ "$(id -u)" = 0 ] || missing="needs root (uid $(id -u))" ;;
    netns)
      probe="kguard-needs-$$"
      if err=$(ip netns add "$probe" 2>&1); then
        ip netns delete "$probe"
      else
        missing="cannot create a network namespace: $err"
      fi ;;
    mountns) err=$(unshare -m true 2>&1) || missing="cannot create a mount namespace (unshare -m): $err" ;;
    *) command -v "$1" >/dev/null 2>&1 || missing="$1 is not installed" ;;
  esac
  [ -n "$missing" ] && break
  shift
done

if [ -n "$missing" ]; then
  case "${CI:-}" in
    true|TRUE|True|1)
      echo "FAIL: this test cannot run here: $missing. Under CI=true every test must run (see tests/needs.sh)."
      exit 1 ;;
  esac
  echo "SKIP: $missing (under CI=true this fails)"
  exit 77
fi

[ "${1:-}" = "--" ] && shift
[ $# -eq 0 ] && exit 0
exec "$@"
