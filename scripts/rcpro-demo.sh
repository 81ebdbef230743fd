#!/usr/bin/env bash
# rcpro-demo.sh prints README's "Why RCPRO" table: it writes the rcpro-demo
# preset (one ground truth, one maps folder per detector behaviour) with
# zsadbench synth, scores each folder with zsadbench score, and prints pixel
# AUROC, pixel AP, AUPRO and RCPRO (in %) as a Markdown table. With
# --plot FILE it also draws every behaviour's PRO-vs-RC curve in one figure
# with zsadbench plot (README's is docs/rcpro-demo.png; the curves are
# written thinned to 1e-4, a few hundred kB). --seed K draws another
# demonstration with the same behaviours.
#
#	./scripts/rcpro-demo.sh [--seed K] [--plot FILE]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seed=1
plot=""
while [[ $# -gt 0 ]]; do
	case "$1" in
	--seed) seed="$2"; shift 2 ;;
	--plot) plot="$2"; shift 2 ;;
	*) echo "rcpro-demo.sh: unknown argument $1 (want --seed K, --plot FILE)" >&2; exit 1 ;;
	esac
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/zsadbench" ./cmd/zsadbench
zsadbench="$tmp/zsadbench"
"$zsadbench" synth --preset rcpro-demo --seed "$seed" --data "$tmp/demo"
behaviours=(tight over-segmenting false-positives fragmented blurred)

echo "| maps | pixel AUROC | pixel AP | AUPRO | RCPRO |"
echo "|---|---:|---:|---:|---:|"
for maps in "${behaviours[@]}"; do
	"$zsadbench" score --maps "$tmp/demo/$maps" --data "$tmp/demo/gt" --metrics pixel,aupro,rcpro --format csv |
		awk -F, -v maps="$maps" '
			NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
			NR == 2 { printf "| %s | %.1f | %.1f | %.1f | %.1f |\n", maps, 100 * $col["pixel_auroc"],
				100 * $col["pixel_ap"], 100 * $col["pixel_aupro"], 100 * $col["pixel_rcpro"] }'
done

if [[ -n "$plot" ]]; then
	runs=()
	for maps in "${behaviours[@]}"; do
		"$zsadbench" score --maps "$tmp/demo/$maps" --data "$tmp/demo/gt" --metrics rcpro \
			--curves "$tmp/curves/$maps" --out "$tmp/curves/$maps.csv" --format csv
		runs+=(--run "$maps=$tmp/curves/$maps")
	done
	"$zsadbench" plot "${runs[@]}" --kind pro-rc --dpi 150 --out "$plot"
fi
