#!/usr/bin/env bash
# test.sh runs zsadbench's whole test suite on a fresh machine: it fetches the
# ONNX Runtime library the DIVE backend loads (so its tests run instead of
# skipping) and installs the Debian packages the DIVE model's Python tests
# need where they are missing, checks formatting, vet and staticcheck, runs
# every Go test, then the Python tests of python/dive (which build zsadbench
# and run the models they export through it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

./scripts/setup-onnxruntime.sh
export ZSADBENCH_REQUIRE_ORT=1
# poppler-utils: the PDF tests render pages (pdftoppm) and list fonts (pdffonts).
./scripts/install-debian.sh poppler-utils

# The DIVE model (python/dive) runs on Debian's Python and packages: PyTorch
# 1.13 and the rest. Install only what is missing.
./scripts/install-debian.sh python3-torch python3-torchvision python3-onnx python3-numpy python3-pil \
	python3-pytest python3-regex python3-tqdm python3-scipy

# pdflatex compiles the LaTeX tables (report's TestLaTeXCompiles): Debian's
# texlive-latex-base and -recommended (booktabs), about 150 MB, a minute.
if ! command -v pdflatex >/dev/null && command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
	echo "== installing pdflatex (texlive-latex-base, texlive-latex-recommended)"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends texlive-latex-base texlive-latex-recommended >/dev/null
fi
if command -v pdflatex >/dev/null; then
	export ZSADBENCH_REQUIRE_LATEX=1
else
	echo "warning: no pdflatex: the LaTeX tables' structure is checked, not compiled" >&2
fi

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './third_party/*'))
if [[ -n "$unformatted" ]]; then
	echo "gofmt would change:" $unformatted >&2
	exit 1
fi

echo "== go vet"
go vet ./...

echo "== staticcheck"
staticcheck="$(go env GOPATH)/bin/staticcheck"
if [[ ! -x "$staticcheck" ]]; then
	go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi
"$staticcheck" ./...

# The Python package python/zsadbench, installed as a user installs it.
./scripts/test-python-zsadbench.sh

echo "== go test"
go test -count=1 ./...

echo "== python tests (python/dive)"
# pytest exits 5 when it collects no tests: here that means the suite is
# missing, which must fail the run rather than pass it.
status=0
(cd python && /usr/bin/python3 -m pytest -q -p no:cacheprovider) || status=$?
case $status in
0) ;;
5) echo "test.sh: pytest collected no tests in python/tests" >&2; exit 1 ;;
*) exit "$status" ;;
esac
