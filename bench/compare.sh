#!/usr/bin/env bash
# Side-by-side benchmark of zsadbench against the published evaluation
# algorithms (issue 4). See bench/README.md.
#
#   bench/compare.sh [--size S] [--images N] [--categories C] [--repeat R]
#                    [--seed K] [--workers W] [--zsadbench-only] [--python-synth]
#                    [--peers-only]
#
# Builds zsadbench into bench/out/, writes synthetic data with `zsadbench synth`
# into bench/out/data/ (reused when it exists), then runs every tool R times,
# round-robin, each in its own process under GNU time, and prints a table of
# median wall time, peak resident memory, values, ratios and value agreement.
# --zsadbench-only skips the Python peers (for the full MVTec-size run);
# --peers-only skips zsadbench and writes the data with `peers.py synth`;
# --python-synth writes the data with `peers.py synth` instead.
set -euo pipefail
export LC_ALL=C
if [ -z "${EPOCHREALTIME:-}" ]; then
	echo "compare.sh: needs bash 5 or later (EPOCHREALTIME)" >&2
	exit 1
fi

SIZE=256
IMAGES=100
CATEGORIES=1
REPEAT=3
SEED=1
WORKERS=""
ZONLY=0
PONLY=0
PYSYNTH=0
BUILT="(not built)"
TOL=1e-6

usage() {
	sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}

while [ $# -gt 0 ]; do
	case "$1" in
	--size) SIZE="$2"; shift 2 ;;
	--images) IMAGES="$2"; shift 2 ;;
	--categories) CATEGORIES="$2"; shift 2 ;;
	--repeat) REPEAT="$2"; shift 2 ;;
	--seed) SEED="$2"; shift 2 ;;
	--workers) WORKERS="$2"; shift 2 ;;
	--zsadbench-only) ZONLY=1; shift ;;
	--python-synth) PYSYNTH=1; shift ;;
	--peers-only) PONLY=1; PYSYNTH=1; shift ;;
	-h | --help) usage 0 ;;
	*) echo "compare.sh: unknown argument $1" >&2; usage 1 >&2 ;;
	esac
done
for v in "$SIZE" "$IMAGES" "$CATEGORIES" "$REPEAT" "$SEED"; do
	case "$v" in '' | *[!0-9]*) echo "compare.sh: $v is not a non-negative integer" >&2; exit 1 ;; esac
done
[ "$REPEAT" -ge 1 ] || { echo "compare.sh: --repeat must be at least 1" >&2; exit 1; }

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
OUT="$HERE/out"
PY=/usr/bin/python3
ZSAD="$OUT/zsadbench"

if ! /usr/bin/time -f '%e %M' -o /dev/null true 2>/dev/null; then
	echo "compare.sh: GNU time is missing at /usr/bin/time (it measures peak memory)." >&2
	echo "            Install it with: apt-get install -y time" >&2
	exit 1
fi
if ! "$PY" -c 'import numpy, scipy, sklearn, skimage, PIL' 2>/dev/null; then
	echo "compare.sh: $PY lacks numpy/scipy/scikit-learn/scikit-image/PIL" >&2
	echo "            (Debian: apt-get install -y python3-numpy python3-scipy python3-sklearn python3-skimage python3-pil)" >&2
	exit 1
fi

[ "$ZONLY$PONLY" = 11 ] && { echo "compare.sh: --zsadbench-only and --peers-only exclude each other" >&2; exit 1; }
mkdir -p "$OUT"
if [ "$PONLY" = 0 ]; then
	echo "building zsadbench -> $ZSAD" >&2
	(cd "$ROOT" && go build -o "$ZSAD" ./cmd/zsadbench)
	BUILT="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
fi

DATA="$OUT/data/c${CATEGORIES}-n${IMAGES}-s${SIZE}-seed${SEED}"
if [ "$PYSYNTH" = 1 ]; then
	DATA="$DATA-py"
fi
if [ ! -f "$DATA.complete" ]; then
	rm -rf "$DATA"
	mkdir -p "$DATA"
	echo "writing $CATEGORIES x $IMAGES maps of ${SIZE}x${SIZE} to $DATA" >&2
	if [ "$PYSYNTH" = 1 ]; then
		"$PY" "$HERE/peers.py" synth --out "$DATA" --categories "$CATEGORIES" \
			--images "$IMAGES" --size "$SIZE" --seed "$SEED"
	else
		"$ZSAD" synth --data "$DATA" --num-categories "$CATEGORIES" \
			--images-per-category "$IMAGES" --image-size "$SIZE" --seed "$SEED"
	fi
	touch "$DATA.complete"
fi

LOAD0="$(cut -d' ' -f1-3 /proc/loadavg)"
RUN="$OUT/run-$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$RUN"
RUNS="$RUN/runs.tsv"
: >"$RUNS"

wflag=()
[ -n "$WORKERS" ] && wflag=(--workers "$WORKERS")

# Tools: "name|command". Each runs in its own process; reading the files is
# part of every tool's time.
tools=()
if [ "$PONLY" = 0 ]; then
	tools+=(
		"zsadbench exact|$ZSAD score --maps $DATA --data $DATA --format json ${wflag[*]:-}"
		"zsadbench exact aupro-only|$ZSAD score --maps $DATA --data $DATA --format json --metrics aupro ${wflag[*]:-}"
		"zsadbench steps:200|$ZSAD score --maps $DATA --data $DATA --format json --thresholds steps:200 ${wflag[*]:-}"
	)
fi
if [ "$ZONLY" = 0 ]; then
	for p in mvtec-aupro loop-aupro loop-rcpro sklearn-pixel; do
		tools+=("$p|$PY $HERE/peers.py $p --data $DATA")
	done
fi

for ((r = 1; r <= REPEAT; r++)); do
	for i in "${!tools[@]}"; do
		name="${tools[$i]%%|*}"
		cmd="${tools[$i]#*|}"
		js="$RUN/t$i-r$r.json"
		tf="$RUN/t$i-r$r.time"
		echo "[$r/$REPEAT] $name" >&2
		# shellcheck disable=SC2086 # cmd is split on purpose; paths have no spaces
		t0=$EPOCHREALTIME
		if ! /usr/bin/time -f '%e %U %S %M' -o "$tf" $cmd >"$js" 2>"$RUN/t$i-r$r.err"; then
			echo "compare.sh: $name failed (exit status non-zero); stderr:" >&2
			cat "$RUN/t$i-r$r.err" >&2
			exit 1
		fi
		t1=$EPOCHREALTIME
		# GNU time's %e has 10 ms resolution; the wall time is taken from
		# bash's microsecond clock around it; %U + %S give the CPU time (less
		# sensitive to other load on the machine), %M the peak RSS in KB.
		wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
		read -r _ usr sys kb < <(tail -n 1 "$tf")
		cpu=$(awk -v a="$usr" -v b="$sys" 'BEGIN { printf "%.2f", a + b }')
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$r" "$wall" "$cpu" "$kb" "$js" >>"$RUNS"
	done
done

{
	echo "data: $DATA ($CATEGORIES categories x $IMAGES maps of ${SIZE}x${SIZE}, seed $SEED)"
	rev="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
		rev="$rev + uncommitted changes"
	fi
	echo "zsadbench: built from $rev at $BUILT"
	echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GB"
	echo "repeats: $REPEAT (median wall, max peak RSS); load average before: $LOAD0; $(go version | cut -d' ' -f3); $("$PY" -c 'import numpy, scipy, sklearn, skimage; print("numpy", numpy.__version__, "scipy", scipy.__version__, "scikit-learn", sklearn.__version__, "scikit-image", skimage.__version__)')"
	echo
	"$PY" "$HERE/peers.py" report --runs "$RUNS" --tol "$TOL" --data "$DATA"
} | tee "$RUN/table.md"
echo "(raw runs and this table: $RUN)" >&2
