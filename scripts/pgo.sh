#!/usr/bin/env bash
# pgo.sh regenerates cmd/zsadbench/default.pgo, the CPU profile that
# `go build` and `go run` use for profile-guided optimisation of the zsadbench
# binary (Go's -pgo=auto): the hot calls of the sweep are inlined, which makes
# `zsadbench score` about 4% faster. The profile comes from `score` runs on
# synthetic data: the exact grid (whole suite and AUPRO alone) and the steps
# grid, on 256x256 and 512x512 maps. Run it after changing hot code; a stale
# profile still builds, it only helps less.
#
#   scripts/pgo.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
bin="$tmp/zsadbench"
go build -pgo=off -o "$bin" ./cmd/zsadbench
"$bin" synth --data "$tmp/s256" --num-categories 1 --images-per-category 100 --image-size 256 --seed 1
"$bin" synth --data "$tmp/s512" --num-categories 2 --images-per-category 115 --image-size 512 --seed 1

profiles=()
run() { # run NAME DATA ARGS...: one profiled score run
	local name="$1" data="$2"
	shift 2
	"$bin" --cpuprofile "$tmp/$name.prof" score --maps "$data" --data "$data" --format json "$@" >/dev/null
	profiles+=("$tmp/$name.prof")
}
for i in 1 2 3 4 5 6 7 8; do
	run "exact256-$i" "$tmp/s256"
done
for i in 1 2; do
	run "aupro256-$i" "$tmp/s256" --metrics aupro
	run "steps256-$i" "$tmp/s256" --thresholds steps:200
done
run exact512 "$tmp/s512"
run steps512 "$tmp/s512" --thresholds steps:200

go tool pprof -proto "$bin" "${profiles[@]}" >"$tmp/default.pgo"
mv "$tmp/default.pgo" cmd/zsadbench/default.pgo
echo "wrote cmd/zsadbench/default.pgo from ${#profiles[@]} profiles" >&2
