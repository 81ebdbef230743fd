#!/usr/bin/env bash
# What `zsadbench score --curves` costs (issue 17): wall time and peak memory
# of score with and without --curves, and the size of every curve file.
#
#   bench/curves.sh [--categories C] [--images N] [--size S] [--repeat R]
#                   [--seed K] [--tolerance T] [--workers W] [-- SCORE ARGS]
#
# Defaults: 1 category of 200 maps of 512x512 (the issue's case), 3 repeats,
# --curve-tolerance 1e-4. MVTec AD's size: --categories 15 --images 115.
# Builds zsadbench into bench/out/, writes the data with `zsadbench synth`
# into bench/out/data/ (reused when it exists), runs both commands R times
# round-robin under GNU time and prints a Markdown table of medians, then the
# file sizes of the last --curves run (largest file, and the sum).
# Arguments after -- go to both score commands (e.g. -- --metrics pixel,aupro).
set -euo pipefail
export LC_ALL=C

SIZE=512
IMAGES=200
CATEGORIES=1
REPEAT=3
SEED=1
TOLERANCE=1e-4
WORKERS=""

usage() {
	sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}

while [ $# -gt 0 ]; do
	case "$1" in
	--size) SIZE="$2"; shift 2 ;;
	--images) IMAGES="$2"; shift 2 ;;
	--categories) CATEGORIES="$2"; shift 2 ;;
	--repeat) REPEAT="$2"; shift 2 ;;
	--seed) SEED="$2"; shift 2 ;;
	--tolerance) TOLERANCE="$2"; shift 2 ;;
	--workers) WORKERS="$2"; shift 2 ;;
	--) shift; break ;;
	-h | --help) usage 0 ;;
	*) echo "curves.sh: unknown argument $1" >&2; usage 1 >&2 ;;
	esac
done
for v in "$SIZE" "$IMAGES" "$CATEGORIES" "$REPEAT" "$SEED"; do
	case "$v" in '' | *[!0-9]*) echo "curves.sh: $v is not a non-negative integer" >&2; exit 1 ;; esac
done
[ "$REPEAT" -ge 1 ] || { echo "curves.sh: --repeat must be at least 1" >&2; exit 1; }
if ! /usr/bin/time -f '%e %M' -o /dev/null true 2>/dev/null; then
	echo "curves.sh: GNU time is missing at /usr/bin/time (apt-get install -y time)" >&2
	exit 1
fi

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
OUT="$HERE/out"
ZSAD="$OUT/zsadbench"
mkdir -p "$OUT"
echo "building zsadbench -> $ZSAD" >&2
(cd "$ROOT" && go build -o "$ZSAD" ./cmd/zsadbench)

DATA="$OUT/data/c$CATEGORIES-n$IMAGES-s$SIZE-seed$SEED"
if [ ! -d "$DATA" ]; then
	echo "writing $DATA" >&2
	"$ZSAD" synth --data "$DATA.tmp" --num-categories "$CATEGORIES" --images-per-category "$IMAGES" \
		--image-size "$SIZE" --seed "$SEED" >&2
	mv "$DATA.tmp" "$DATA"
fi
RUN="$OUT/curves-$(date +%Y%m%d-%H%M%S)"
CURVES="$RUN/curves"
mkdir -p "$RUN"
extra=()
[ -n "$WORKERS" ] && extra=(--workers "$WORKERS")
extra+=("$@")

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

for r in $(seq "$REPEAT"); do
	for mode in plain curves; do
		args=(score --maps "$DATA" --data "$DATA" --format json "${extra[@]}")
		[ "$mode" = curves ] && { rm -rf "$CURVES"; args+=(--curves "$CURVES" --curve-tolerance "$TOLERANCE"); }
		/usr/bin/time -f '%e %M %U %S' -o "$RUN/$mode.$r.time" "$ZSAD" "${args[@]}" >"$RUN/$mode.$r.json"
		echo "$mode run $r: $(cat "$RUN/$mode.$r.time") (s, KB)" >&2
	done
	cmp -s "$RUN/plain.$r.json" "$RUN/curves.$r.json" || { echo "curves.sh: --curves changed the results" >&2; exit 1; }
done

pw=$(cat "$RUN"/plain.*.time | awk '{print $1}' | median)
cw=$(cat "$RUN"/curves.*.time | awk '{print $1}' | median)
pc=$(cat "$RUN"/plain.*.time | awk '{print $3 + $4}' | median)
cc=$(cat "$RUN"/curves.*.time | awk '{print $3 + $4}' | median)
pm=$(cat "$RUN"/plain.*.time | awk '{print $2}' | sort -n | tail -1)
cm=$(cat "$RUN"/curves.*.time | awk '{print $2}' | sort -n | tail -1)
{
	echo "$CATEGORIES x $IMAGES maps of ${SIZE}x$SIZE, median of $REPEAT runs, --curve-tolerance $TOLERANCE${*:+, score $*}:"
	echo
	echo "| run | wall s | CPU s | peak MB |"
	echo "|---|---:|---:|---:|"
	echo "| score | $pw | $pc | $((pm / 1024)) |"
	echo "| score --curves | $cw | $cc | $((cm / 1024)) |"
	awk -v p="$pw" -v c="$cw" -v pc="$pc" -v cc="$cc" 'BEGIN {printf "| added by --curves | %.2f (%+.0f%%) | %.2f (%+.0f%%) | |\n", c - p, 100 * (c - p) / p, cc - pc, 100 * (cc - pc) / pc}'
	echo
	echo "| curve kind | largest file (bytes) | all categories (bytes) |"
	echo "|---|---:|---:|"
	for k in image-roc image-pr pixel-roc pixel-pr pro-fpr pro-rc; do
		ls "$CURVES"/*_"$k".csv >/dev/null 2>&1 || continue # not computed
		stat -c '%s' "$CURVES"/*_"$k".csv | awk -v k="$k" '{s += $1; if ($1 > m) m = $1} END {printf "| %s | %d | %d |\n", k, m, s}'
	done
} | tee "$RUN/table.md"
