#!/usr/bin/env bash
# test.sh runs zsadbench's whole test suite on a fresh machine: it fetches the
# ONNX Runtime library the DIVE backend loads (so its tests run instead of
# skipping), checks formatting, vet and staticcheck, then runs every test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

./scripts/setup-onnxruntime.sh
export ZSADBENCH_REQUIRE_ORT=1

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
