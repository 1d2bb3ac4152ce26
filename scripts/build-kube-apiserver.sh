#!/usr/bin/env bash
# Builds kube-apiserver from Debian's `kubernetes` source package (for kguard's end-to-end tests) and
# caches it outside the repository, keyed by the Debian source version:
#   /var/cache/kguard/kube-apiserver-<source version>/kube-apiserver
# Idempotent: if the cached binary exists, it only prints its path. The binary path is always the
# last line on stdout; progress goes to stderr. Needs root (apt), golang-go, rsync, dpkg-dev.
# See /work/shared/docs/real-kube-apiserver.md for why the build looks like this; on top of it, the
# vendored reflect2 is replaced (see patch_reflect2), or the binary panics on most write requests.
#
# Environment:
#   KGUARD_CACHE_DIR   cache root (default /var/cache/kguard)
set -euo pipefail

CACHE_ROOT="${KGUARD_CACHE_DIR:-/var/cache/kguard}"
SRC_LIST=/etc/apt/sources.list.d/kguard-src.sources
WORK=""   # temp build dir, removed by the EXIT trap

log() { echo "build-kube-apiserver: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Prints the Debian source version of `kubernetes`, or fails if apt has no deb-src index for it.
source_version() {
  apt-cache showsrc --only-source kubernetes 2>/dev/null |
    awk '/^Version:/ { print $2 }' | sort -V | tail -n 1 | grep .
}

# Prints the mirror URI of the main (non-security) stanza of debian.sources, so the deb-src entry
# uses the same mirror the machine is already allowed to reach.
mirror_uri() {
  awk -v RS= '!/debian-security/ && /Types:[^\n]*deb/ {
      if (match($0, /URIs:[ \t]*[^ \t\n]+/)) { s = substr($0, RSTART, RLENGTH); sub(/URIs:[ \t]*/, "", s); print s; exit }
    }' /etc/apt/sources.list.d/debian.sources
}

# apt-get update may collide with another apt process holding the lists lock; retry a few times.
apt_update() {
  local i
  for i in 1 2 3 4 5 6; do
    apt-get update -qq >&2 && return 0
    log "apt-get update failed (attempt $i), retrying in 10s"
    sleep 10
  done
  die "apt-get update keeps failing"
}

# Makes `apt-cache showsrc kubernetes` work: adds our own deb-src file only if no index is available.
ensure_deb_src() {
  source_version >/dev/null && return 0
  if [ ! -f "$SRC_LIST" ]; then
    local uri codename
    uri="$(mirror_uri)"; [ -n "$uri" ] || die "no mirror URI found in /etc/apt/sources.list.d/debian.sources"
    # shellcheck disable=SC1091
    codename="$(. /etc/os-release && echo "$VERSION_CODENAME")"
    log "adding deb-src entry $SRC_LIST ($uri $codename)"
    printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$uri" "$codename" >"$SRC_LIST"
  fi
  apt_update
  source_version >/dev/null || die "apt still knows no source package 'kubernetes' after adding $SRC_LIST"
}

# Downloads source package $1=$2 into $CACHE_ROOT/src (apt-get skips files already there and
# verified). Downloading as root (not _apt) because the cache dir is root's; avoids apt's warning.
download_source() {
  local pkg="$1" version="$2"
  mkdir -p "$CACHE_ROOT/src"
  log "downloading source $pkg=$version"
  (cd "$CACHE_ROOT/src" &&
    apt-get source --download-only -qq -o APT::Sandbox::User=root "$pkg=$version" >&2) ||
    die "apt-get source --download-only $pkg=$version failed"
}

# Removes temp dirs of earlier builds that were killed half-way (we hold the lock, so none is live).
clean_stale_work() {
  find "$CACHE_ROOT" -maxdepth 1 -name 'work.*' -type d -exec rm -rf {} + 2>/dev/null || true
}

# Unpacks the orig tarball (it ships vendor/) into $WORK and prints the tree's directory.
unpack_source() {
  local version="$1" upstream orig
  upstream="${version#*:}"; upstream="${upstream%-*}"
  orig="$CACHE_ROOT/src/kubernetes_${upstream}.orig.tar.gz"
  [ -f "$orig" ] || die "missing $orig"
  mkdir -p "$WORK/src"
  log "unpacking $(basename "$orig")"
  tar -xzf "$orig" -C "$WORK/src"
  local tree
  tree="$(find "$WORK/src" -mindepth 1 -maxdepth 1 -type d | head -n 1)"
  [ -f "$tree/Makefile" ] || die "unexpected layout of $orig"
  echo "$tree"
}

# The vendored github.com/modern-go/reflect2 v1.0.1 reads Go runtime internals that changed in Go 1.18:
# built with Debian's go 1.19, kube-apiserver compiles and answers /readyz, but panics (nil pointer in
# reflect2.Type2) on the first request body with a map, e.g. creating a pod. v1.0.2 fixes it and is
# API-compatible with the vendored json-iterator v1.1.10, so swap in Debian's golang-github-modern-go-reflect2
# source (downloaded like the kubernetes source; no package gets installed).
patch_reflect2() {
  local tree="$1" version orig vendor="$1/vendor/github.com/modern-go/reflect2"
  version="$(apt-cache showsrc --only-source golang-github-modern-go-reflect2 2>/dev/null |
    awk '/^Version:/ { print $2 }' | sort -V | tail -n 1)"
  [ -n "$version" ] || die "apt knows no source package golang-github-modern-go-reflect2"
  dpkg --compare-versions "$version" ge 1.0.2 || die "golang-github-modern-go-reflect2 $version < 1.0.2"
  download_source golang-github-modern-go-reflect2 "$version"
  orig="$(ls "$CACHE_ROOT/src/golang-github-modern-go-reflect2_${version%-*}".orig.tar.*)"
  [ -d "$vendor" ] || die "unexpected layout: no $vendor"
  log "replacing vendored reflect2 with $(basename "$orig")"
  mkdir -p "$WORK/reflect2"
  tar -xf "$orig" -C "$WORK/reflect2" --strip-components=1
  rm -rf "$vendor"; mkdir -p "$vendor"
  find "$WORK/reflect2" -maxdepth 1 -type f \( -name '*.go' -o -name '*.s' -o -name LICENSE \) \
    ! -name '*_test.go' -exec cp {} "$vendor/" \;
}

# Builds cmd/kube-apiserver in GOPATH mode (module mode fails with go 1.19 on this go.mod); the
# GOPATH symlink must be cd'ed through so the tree sees itself as k8s.io/kubernetes. The orig
# tarball is a `git archive` with the version baked into hack/lib/version.sh, so no .git is needed.
go_build() {
  local tree="$1" logfile="$2"
  local gopath="$WORK/gopath"
  mkdir -p "$gopath/src/k8s.io" "$WORK/home"
  ln -s "$tree" "$gopath/src/k8s.io/kubernetes"
  log "building cmd/kube-apiserver (about 8 minutes on 2 cores), log: $logfile"
  local start=$SECONDS
  if ! (cd "$gopath/src/k8s.io/kubernetes" &&
        env HOME="$WORK/home" GOPATH="$gopath" CGO_ENABLED=0 make WHAT=cmd/kube-apiserver) \
        >"$logfile" 2>&1; then
    log "go build FAILED after $((SECONDS - start))s; last lines of $logfile:"
    tail -n 30 "$logfile" >&2
    exit 1
  fi
  log "build took $((SECONDS - start))s"
  [ -x "$tree/_output/bin/kube-apiserver" ] || die "build succeeded but _output/bin/kube-apiserver is missing"
}

# Moves the binary into place atomically: a complete directory is renamed to its final name, so a
# reader never sees a half-written binary.
install_binary() {
  local tree="$1" final_dir="$2" logfile="$3"
  local stage="$WORK/final"
  mkdir -p "$stage"
  cp "$tree/_output/bin/kube-apiserver" "$stage/kube-apiserver"
  cp "$logfile" "$stage/build.log"
  "$stage/kube-apiserver" --version >"$stage/VERSION" 2>&1 || true
  mv -T "$stage" "$final_dir"
}

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() { [ -z "$WORK" ] || rm -rf "$WORK"; }

main() {
  # Fast path without the lock (and without root): the final directory only ever appears complete.
  local version
  if version="$(source_version)" && [ -x "$CACHE_ROOT/kube-apiserver-$version/kube-apiserver" ]; then
    echo "$CACHE_ROOT/kube-apiserver-$version/kube-apiserver"
    return 0
  fi
  [ "$(id -u)" = 0 ] || die "kube-apiserver is not cached yet; building it needs root (apt-get)"
  mkdir -p "$CACHE_ROOT"

  # Serialise concurrent runs; a second caller waits for the first build and then reuses it.
  exec 9>"$CACHE_ROOT/build-kube-apiserver.lock"
  if ! flock -n 9; then
    log "another build is running; waiting for its lock"
    flock 9
  fi

  ensure_deb_src
  version="$(source_version)"
  local final_dir="$CACHE_ROOT/kube-apiserver-$version"
  if [ -x "$final_dir/kube-apiserver" ]; then
    echo "$final_dir/kube-apiserver"
    return 0
  fi
  [ ! -e "$final_dir" ] || rm -rf "$final_dir"   # incomplete leftovers (should not happen with rename)

  clean_stale_work
  WORK="$(mktemp -d "$CACHE_ROOT/work.XXXXXX")"
  trap cleanup EXIT
  download_source kubernetes "$version"
  local tree logfile="$CACHE_ROOT/build-kube-apiserver-$version.log"
  tree="$(unpack_source "$version")"
  patch_reflect2 "$tree"
  go_build "$tree" "$logfile"
  install_binary "$tree" "$final_dir" "$logfile"
  log "cached $final_dir/kube-apiserver"
  echo "$final_dir/kube-apiserver"
}

# On one line so bash has read it before running: editing this file during a build cannot break it.
main "$@"; exit $?
