#!/usr/bin/env bash
# setup-onnxruntime.sh fetches the ONNX Runtime shared library that the DIVE
# backend (package dive) loads at run time, from the npm package
# onnxruntime-node, and installs it as
#
#     third_party/onnxruntime/libonnxruntime.so.1
#
# under the repository root (the path dive.DefaultLibraryPath looks for; it is
# git-ignored and never committed). The library's SHA-256 is checked against the
# value recorded below. Running the script again is a no-op when the library is
# already there with the right checksum.
#
# Requirements: bash, npm (to reach the npm registry), tar, sha256sum.
# Platform: linux x64 only (the library bundled for that platform; it has the
# CPU execution provider; CUDA needs an ONNX Runtime build with the CUDA
# provider, selected with ZSADBENCH_ORT_LIB or --ort-lib instead).
#
# onnxruntime_go v1.27.0 (go.mod) is compiled against the C API headers of
# ONNX Runtime 1.24 (ORT_API_VERSION 24); ONNX Runtime 1.30 serves every API
# version up to 30, so it answers that request.
set -euo pipefail

ORT_VERSION="1.30.0"
ORT_MEMBER="package/bin/napi-v6/linux/x64/libonnxruntime.so.1"
ORT_SHA256="ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23"

die() {
	echo "setup-onnxruntime: $*" >&2
	exit 1
}

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest_dir="${repo_root}/third_party/onnxruntime"
dest="${dest_dir}/libonnxruntime.so.1"

case "$(uname -s)/$(uname -m)" in
Linux/x86_64) ;;
*) die "only linux x86_64 is supported (this is $(uname -s)/$(uname -m)); install ONNX Runtime ${ORT_VERSION} yourself and point ZSADBENCH_ORT_LIB at libonnxruntime" ;;
esac

for tool in sha256sum tar npm; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is required but not found on PATH"
done

sha_of() {
	sha256sum "$1" | cut -d' ' -f1
}

if [[ -f "$dest" ]]; then
	have="$(sha_of "$dest")"
	if [[ "$have" == "$ORT_SHA256" ]]; then
		echo "setup-onnxruntime: ${dest} is already ONNX Runtime ${ORT_VERSION} (sha256 ok)"
		exit 0
	fi
	echo "setup-onnxruntime: ${dest} has sha256 ${have}, want ${ORT_SHA256}; replacing it" >&2
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "setup-onnxruntime: fetching onnxruntime-node@${ORT_VERSION} from npm" >&2
(cd "$tmp" && npm pack --silent "onnxruntime-node@${ORT_VERSION}" >"$tmp/pack.out") ||
	die "npm pack onnxruntime-node@${ORT_VERSION} failed (is the npm registry reachable?)"
tarball="$tmp/$(tail -n 1 "$tmp/pack.out")"
[[ -f "$tarball" ]] || die "npm pack did not produce a tarball (got: $(cat "$tmp/pack.out"))"

tar -xzf "$tarball" -C "$tmp" "$ORT_MEMBER" ||
	die "${tarball##*/} has no ${ORT_MEMBER}"
got="$(sha_of "$tmp/$ORT_MEMBER")"
[[ "$got" == "$ORT_SHA256" ]] ||
	die "checksum mismatch for ${ORT_MEMBER} in onnxruntime-node@${ORT_VERSION}: sha256 ${got}, want ${ORT_SHA256}"

mkdir -p "$dest_dir"
# Install atomically: copy next to the target, then rename.
cp "$tmp/$ORT_MEMBER" "$dest.tmp.$$"
chmod 0644 "$dest.tmp.$$"
mv -f "$dest.tmp.$$" "$dest"
echo "setup-onnxruntime: installed ONNX Runtime ${ORT_VERSION} at ${dest}"
