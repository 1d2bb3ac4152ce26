#!/usr/bin/env bash
# Builds kguard's container image from scratch with buildah (scripts/oci-image-from-dir.sh), from files of installed Debian packages only:
# the kguard binary (stripped), the shared libraries it links (as ldd resolves them), the CA certificates
# (ca-certificates), and /etc/passwd naming a non-root user 65532 (the image's default user; the netpol
# agent's DaemonSet runs it as root by necessity). No shell, no package manager.
#
#   scripts/build-image.sh [--binary PATH] [--out FILE]
#
# Writes the image as an OCI archive (accepted by `ctr images import`, `skopeo copy oci-archive:FILE ...`
# and `podman load -i FILE`) named localhost/kguard:VERSION, and also keeps it in buildah's local storage.
# VERSION is the version and commit `kguard --version` prints (0.1.0-g7892f4ccf9f0). The last line on
# stdout is the archive's path; progress and the image's size go to stderr. Needs root, buildah.
#   --binary PATH   the kguard binary (default: build/kguard)
#   --out FILE      the archive (default: build/kguard-image.tar)
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
binary="$REPO/build/kguard"
out="$REPO/build/kguard-image.tar"
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "usage: $0 [--binary PATH] [--out FILE]" >&2; exit 2 ;;
  esac
done

log() { echo "build-image: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ -x "$binary" ] || die "no kguard binary at $binary (build it: cmake --build build --target kguard)"
command -v buildah >/dev/null || die "buildah is not installed (scripts/install-deps.sh --test)"
[ -f /etc/ssl/certs/ca-certificates.crt ] || die "/etc/ssl/certs/ca-certificates.crt missing (package ca-certificates)"

# The image's tag, from what the binary says it is: "kguard 0.1.0 (commit 7892f4ccf9f0[-dirty])".
read -r _ version _ commit < <("$binary" --version) || die "$binary --version failed"
commit="${commit%)}"
[[ "$version" =~ ^[0-9][0-9A-Za-z.+-]*$ && "$commit" =~ ^[0-9A-Za-z.-]+$ ]] ||
  die "unexpected '$binary --version' output: $("$binary" --version)"
tag="localhost/kguard:$version-g$commit"

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT

# Copies host file $1 into the image at the same path, with symlinks resolved (the image has no links).
add_file() {
  mkdir -p "$root$(dirname "$1")"
  cp -L "$1" "$root$1"
}

mkdir -p "$root/usr/local/bin" "$root/etc/ssl/certs" "$root/tmp"
chmod 1777 "$root/tmp"
strip --strip-unneeded -o "$root/usr/local/bin/kguard" "$binary"

# Shared libraries and the dynamic loader, at the paths the binary asks for. Each must belong to a Debian
# package (dpkg -S), which is recorded in the image for audits.
libs="$(ldd "$binary" | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }' | sort -u)"
[ -n "$libs" ] || die "ldd found no libraries in $binary"
: >"$root/etc/kguard-image-packages"
for lib in $libs; do
  pkg="$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -n 1 | cut -d: -f1)" ||
    true
  [ -n "$pkg" ] || pkg="$(dpkg -S "$lib" 2>/dev/null | head -n 1 | cut -d: -f1)" || true
  [ -n "$pkg" ] || die "$lib belongs to no Debian package"
  add_file "$lib"
  echo "$pkg $(dpkg-query -W -f='${Version}' "$pkg") $lib" >>"$root/etc/kguard-image-packages"
done
add_file /etc/ssl/certs/ca-certificates.crt
echo "ca-certificates $(dpkg-query -W -f='${Version}' ca-certificates) /etc/ssl/certs/ca-certificates.crt" \
  >>"$root/etc/kguard-image-packages"
printf 'root:x:0:0:root:/:/sbin/nologin\nkguard:x:65532:65532:kguard:/:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nkguard:x:65532:\n' >"$root/etc/group"

"$REPO/scripts/oci-image-from-dir.sh" "$root" "$tag" "$out" \
  --user 65532:65532 --entrypoint '["/usr/local/bin/kguard"]' --cmd '["--help"]' \
  --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
  --label org.opencontainers.image.title=kguard \
  --label "org.opencontainers.image.version=$version" \
  --label "org.opencontainers.image.revision=$commit" \
  --label "org.opencontainers.image.description=kguard from Debian 12 packages (see /etc/kguard-image-packages)"
log "$tag: archive $(du -h "$out" | cut -f1) ($(stat -c %s "$out") bytes), $(wc -l <"$root/etc/kguard-image-packages") files from Debian packages"
echo "$out"
