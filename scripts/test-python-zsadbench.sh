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

./scripts/install-debian.sh python3-numpy python3-pytest python3-pip python3-setuptools python3-venv python3-pil

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
