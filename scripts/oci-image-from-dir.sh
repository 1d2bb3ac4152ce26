#!/usr/bin/env bash
# Makes an OCI image of one layer from a folder, without any registry or base image:
#   scripts/oci-image-from-dir.sh ROOTFS TAG ARCHIVE [BUILDAH-CONFIG-ARGS...]
# `buildah from scratch`, copy ROOTFS to /, `buildah config ARGS` (user, entrypoint, labels...), commit as
# TAG (kept in buildah's storage too), and push to ARCHIVE as an OCI archive named TAG — which
# `ctr images import`, `skopeo copy oci-archive:...` and `podman load -i` accept. Needs root and buildah.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 ROOTFS TAG ARCHIVE [BUILDAH-CONFIG-ARGS...]" >&2; exit 2; }
rootfs="$1" tag="$2" archive="$3"
shift 3
[ -d "$rootfs" ] || { echo "$0: no folder $rootfs" >&2; exit 1; }
command -v buildah >/dev/null || { echo "$0: buildah is not installed (scripts/install-deps.sh --test)" >&2; exit 1; }

container="$(buildah from scratch)"
trap 'buildah rm "$container" >/dev/null 2>&1 || true' EXIT
buildah copy --quiet "$container" "$rootfs" / >/dev/null
[ $# -eq 0 ] || buildah config "$@" "$container"
buildah commit --quiet --format oci "$container" "$tag" >/dev/null
mkdir -p "$(dirname "$archive")"
rm -f "$archive"
buildah push --quiet "$tag" "oci-archive:$archive:$tag" >/dev/null
