#!/usr/bin/env bash
# cmake/version.cmake: the git commit in a checkout, "unknown" in a tarball (also one unpacked inside some
# other git repository), and -DKGUARD_GIT_COMMIT when a packager gives it.
# Usage: version_script_test.sh SOURCE_DIR CMAKE
set -uo pipefail
src="$1" cmake="$2"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
fail=0
commit_of() {  # commit_of SOURCE_DIR [-DKGUARD_GIT_COMMIT=...]
  "$cmake" -DSOURCE_DIR="$1" -DVERSION=9.9.9 "${@:2}" -DOUT="$work/version.cpp" -P "$src/cmake/version.cmake" || return 1
  grep -q 'kVersion = "9.9.9"' "$work/version.cpp" || return 1
  sed -n 's/.*kGitCommit = "\(.*\)";/\1/p' "$work/version.cpp"
}
expect() {  # expect NAME GOT WANT_REGEX
  if [[ "$2" =~ $3 ]]; then echo "ok $1: $2"; else echo "FAIL $1: got '$2', want /$3/"; fail=1; fi
}
mkdir -p "$work/tarball" "$work/repo"
tar -C "$src" --exclude=./build -cf - cmake | tar -C "$work/tarball" -xf -
expect "tarball" "$(commit_of "$work/tarball")" '^unknown$'
expect "packager" "$(commit_of "$work/tarball" -DKGUARD_GIT_COMMIT=abc1234)" '^abc1234$'
git -C "$work/repo" init -q && mkdir -p "$work/repo/src" && cp -r "$work/tarball/cmake" "$work/repo/src/"
expect "tarball inside another repository" "$(commit_of "$work/repo/src")" '^unknown$'
git -C "$work/repo" -c user.email=t@t -c user.name=t add -A && git -C "$work/repo" -c user.email=t@t -c user.name=t commit -qm x
want="$(git -C "$work/repo" rev-parse --short=12 HEAD)"
expect "checkout" "$(commit_of "$work/repo")" "^$want\$"
echo change >> "$work/repo/src/cmake/version.cmake"
expect "checkout with changes" "$(commit_of "$work/repo")" "^$want-dirty\$"
exit $fail
