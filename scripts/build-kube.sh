#!/usr/bin/env bash
# Builds Kubernetes binaries (kube-apiserver, kubelet, kube-scheduler, kube-controller-manager, ...) from
# Debian's `kubernetes` source package, for kguard's end-to-end tests and scripts/local-cluster.sh, and
# caches each outside the repository, keyed by the Debian source version:
#   /var/cache/kguard/<component>-<source version>/<component>
#
#   scripts/build-kube.sh COMPONENT...     e.g. scripts/build-kube.sh kubelet kube-scheduler
#
# Idempotent: cached binaries are only printed. Prints one binary path per argument, in argument order, on
# stdout (so the last component's path is the last line); progress goes to stderr. The missing components
# are built together in one `make` (they share most packages). Needs root (apt), golang-go, rsync, dpkg-dev.
# See /work/shared/docs/real-kube-apiserver.md for why the build looks like this; on top of it, the
# vendored reflect2 is replaced (see patch_reflect2), or the binaries panic on most write requests.
#
# Environment:
#   KGUARD_CACHE_DIR   cache root (default /var/cache/kguard)
set -euo pipefail

CACHE_ROOT="${KGUARD_CACHE_DIR:-/var/cache/kguard}"
SRC_LIST=/etc/apt/sources.list.d/kguard-src.sources
WORK=""   # temp build dir, removed by the EXIT trap

log() { echo "build-kube: $*" >&2; }
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

# Builds cmd/<component> for each of $3... in GOPATH mode (module mode fails with go 1.19 on this go.mod);
# the GOPATH symlink must be cd'ed through so the tree sees itself as k8s.io/kubernetes. The orig tarball is
# a `git archive` with the version baked into hack/lib/version.sh, so no .git is needed. `nice`: the
# machine's other work (tests, other builds) should not wait for this one.
go_build() {
  local tree="$1" logfile="$2"; shift 2
  local gopath="$WORK/gopath" what="" c
  for c in "$@"; do what="$what cmd/$c"; done
  mkdir -p "$gopath/src/k8s.io" "$WORK/home"
  ln -s "$tree" "$gopath/src/k8s.io/kubernetes"
  log "building$what (kube-apiserver or kubelet alone: about 8-10 minutes on 2 cores), log: $logfile"
  local start=$SECONDS
  if ! (cd "$gopath/src/k8s.io/kubernetes" &&
        env HOME="$WORK/home" GOPATH="$gopath" CGO_ENABLED=0 nice -n 10 make WHAT="${what# }") \
        >"$logfile" 2>&1; then
    log "go build FAILED after $((SECONDS - start))s; last lines of $logfile:"
    tail -n 30 "$logfile" >&2
    exit 1
  fi
  log "build took $((SECONDS - start))s"
  for c in "$@"; do
    [ -x "$tree/_output/bin/$c" ] || die "build succeeded but _output/bin/$c is missing"
  done
}

# Moves binary $2 into place atomically: a complete directory is renamed to its final name, so a reader
# never sees a half-written binary.
install_binary() {
  local tree="$1" component="$2" final_dir="$3" logfile="$4"
  local stage="$WORK/final-$component"
  [ ! -e "$final_dir" ] || rm -rf "$final_dir"   # incomplete leftovers (should not happen with rename)
  mkdir -p "$stage"
  cp "$tree/_output/bin/$component" "$stage/$component"
  cp "$logfile" "$stage/build.log"
  "$stage/$component" --version >"$stage/VERSION" 2>&1 || true
  mv -T "$stage" "$final_dir"
}

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() { [ -z "$WORK" ] || rm -rf "$WORK"; }

# Prints the cached path of component $2 at source version $1 (it may not exist yet).
cached_path() { echo "$CACHE_ROOT/$2-$1/$2"; }

# Succeeds when every component in $2... is cached for source version $1.
all_cached() {
  local version="$1" c; shift
  for c in "$@"; do [ -x "$(cached_path "$version" "$c")" ] || return 1; done
}

print_paths() {
  local version="$1" c; shift
  for c in "$@"; do cached_path "$version" "$c"; done
}

main() {
  [ "$#" -gt 0 ] || die "usage: $0 COMPONENT... (e.g. kube-apiserver kubelet kube-scheduler kube-controller-manager)"
  local c
  for c in "$@"; do
    [[ "$c" =~ ^kube[a-z-]*$ ]] || die "not a Kubernetes command under cmd/: '$c'"
  done
  # Fast path without the lock (and without root): final directories only ever appear complete.
  local version
  if version="$(source_version)" && all_cached "$version" "$@"; then
    print_paths "$version" "$@"
    return 0
  fi
  [ "$(id -u)" = 0 ] || die "$* not cached yet; building needs root (apt-get)"
  mkdir -p "$CACHE_ROOT"

  # Serialise concurrent runs (they share $CACHE_ROOT/src and clean up each other's stale work dirs); a
  # second caller waits for the first build and then reuses it. The lock keeps the name it had when this
  # script built only kube-apiserver, so older copies of the script still exclude newer ones.
  exec 9>"$CACHE_ROOT/build-kube-apiserver.lock"
  if ! flock -n 9; then
    log "another build is running; waiting for its lock"
    flock 9
  fi

  ensure_deb_src
  version="$(source_version)"
  local missing=()
  for c in "$@"; do [ -x "$(cached_path "$version" "$c")" ] || missing+=("$c"); done
  if [ "${#missing[@]}" -eq 0 ]; then
    print_paths "$version" "$@"
    return 0
  fi

  clean_stale_work
  WORK="$(mktemp -d "$CACHE_ROOT/work.XXXXXX")"
  trap cleanup EXIT
  download_source kubernetes "$version"
  local tree logfile
  logfile="$CACHE_ROOT/build-$(IFS=+; echo "${missing[*]}")-$version.log"
  tree="$(unpack_source "$version")"
  patch_reflect2 "$tree"
  go_build "$tree" "$logfile" "${missing[@]}"
  for c in "${missing[@]}"; do
    install_binary "$tree" "$c" "$(dirname "$(cached_path "$version" "$c")")" "$logfile"
    log "cached $(cached_path "$version" "$c")"
  done
  print_paths "$version" "$@"
}

# On one line so bash has read it before running: editing this file during a build cannot break it.
main "$@"; exit $?
