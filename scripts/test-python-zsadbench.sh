#!/usr/bin/env bash
# test-python-zsadbench.sh tests the Python package python/zsadbench as a
# user gets it: it installs the Debian packages the tests need where they
# are missing, builds zsadbench (for the tests that compare with the CLI),
# installs the package into a fresh virtual environment with Debian's pip
# and setuptools and no package index (the install builds the Go library),
# and runs the package's tests from another folder, against the installed
# copy. scripts/test.sh calls it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD

packages=(python3-numpy python3-pytest python3-pip python3-setuptools python3-venv python3-pil)
missing=()
for pkg in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$pkg")
	fi
done
if ((${#missing[@]})); then
	echo "== apt-get install ${missing[*]}"
	command -v apt-get >/dev/null 2>&1 || { echo "test-python-zsadbench.sh: apt-get not found; install ${missing[*]} (Debian 12 packages)" >&2; exit 1; }
	sudo=()
	if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
	"${sudo[@]}" apt-get update
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== python/zsadbench: install into a fresh virtual environment"
go build -o "$tmp/zsadbench" ./cmd/zsadbench
/usr/bin/python3 -m venv --system-site-packages "$tmp/venv"
# A stale build/ would put files deleted since into the wheel.
rm -rf python/build
"$tmp/venv/bin/python" -m pip install --quiet --no-build-isolation --no-index ./python

echo "== python/zsadbench: tests"
# pytest exits 5 when it collects no tests: here that means the suite is
# missing, which must fail the run rather than pass it.
status=0
(cd "$tmp" && ZSADBENCH_REPO="$repo" ZSADBENCH_CLI="$tmp/zsadbench" ZSADBENCH_REQUIRE_REPO=1 \
	"$tmp/venv/bin/python" -m pytest -q -p no:cacheprovider --rootdir "$tmp" --pyargs zsadbench.tests) || status=$?
case $status in
0) ;;
5) echo "test-python-zsadbench.sh: pytest collected no tests in zsadbench.tests" >&2; exit 1 ;;
*) exit "$status" ;;
esac
