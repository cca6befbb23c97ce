#!/usr/bin/env bash
# The throughput harness (issues 6 and 15). On the same generated archive, in
# one run, it times (a) decompress-only with the scan's worker count (the
# floor, klauspost/compress), (b) `denytrail scan --format ndjson` and (d)
# the same scan built with -tags libdeflate (cgo; skipped with a message if
# libdeflate-dev is missing), alternately, in rounds, so that whatever else
# runs on the machine slows every side of a round alike; then (c) `zcat | jq`
# selecting records with an errorCode once (what a user would do by hand).
# For each round it prints the speed ratios a/b and a/d (1 would be a scan
# as fast as the floor), the CPU-time ratios and the load; then the medians,
# c/b and the peak RSS of (b) and (d). (b) and (d) must print the same
# findings. Everything goes to bench/out/ too.
#
#   bench/run.sh                      # a 2 GiB archive, 3 pairs
#   bench/run.sh -s 1400MiB -s 2GiB   # several sizes (flat memory shows here)
#   bench/run.sh -p 5 -w 2            # rounds, workers
#   bench/run.sh -f 0.0025 -s 2GiB    # failure rate (default 0.01): findings, and
#                                     # the memory they hold, grow with it
#   bench/run.sh -J                   # without (c), which takes minutes
#   bench/run.sh -L                   # without (d)
#
# Archives are generated once into bench/out/archive-SIZE and reused. Read
# the ratios of one pair together, not absolute times; CPU-time ratios are
# steadier than wall ones on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=()
pairs=3
rate=0.01
workers=$(nproc)
jq_want=1
ld_want=1
while getopts "s:p:w:f:JLh" opt; do
	case $opt in
	s) sizes+=("$OPTARG") ;;
	f) rate=$OPTARG ;;
	p) pairs=$OPTARG ;;
	w) workers=$OPTARG ;;
	J) jq_want=0 ;;
	L) ld_want=0 ;;
	*) sed -n '2,25p' "$0"; exit 2 ;;
	esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(2GiB)

out=bench/out
bin=$out/bin
mkdir -p "$bin"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
results=$out/results-$stamp.txt
exec > >(tee "$results") 2>&1

# install PKG: from Debian's apt, where it may.
install() {
	if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
		echo "installing $1"
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1"; } >/dev/null 2>&1 || true
	fi
}
# need CMD PKG: CMD, installing PKG if it is missing.
need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	install "$2"
	command -v "$1" >/dev/null 2>&1
}
if [ ! -x /usr/bin/time ]; then need time time || true; fi
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time (GNU time) is needed for peak RSS"; exit 1; }
jq_ok=$jq_want
if [ $jq_ok = 1 ]; then
	need jq jq || { jq_ok=0; echo "bench: jq is not installed and could not be: (c) is skipped"; }
fi

echo "== denytrail throughput harness, $stamp"
echo "machine: $(uname -srm), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
echo "commit:  $(git describe --always --dirty 2>/dev/null || echo unknown), $(go version | cut -d' ' -f3)"
echo "workers: $workers, pairs: $pairs, failure rate: $rate"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (before)"

go build -o "$bin/denytrail" ./cmd/denytrail
go build -o "$bin/floor" ./bench/floor
go build -o "$bin/gen" ./bench/gen
ld_ok=$ld_want
if [ $ld_ok = 1 ]; then
	build_ld() { CGO_ENABLED=1 go build -tags libdeflate -o "$bin/denytrail-libdeflate" ./cmd/denytrail 2>"$out/build-libdeflate.log"; }
	build_ld || { install libdeflate-dev; build_ld; } ||
		{ ld_ok=0; echo "bench: the libdeflate build failed (libdeflate-dev, a C compiler?): (d) is skipped; see $out/build-libdeflate.log"; }
fi

# timed CMD...: runs CMD under GNU time; sets secs (wall), cpu (user+sys)
# and rss_kb (peak resident set).
timed() {
	local tf
	tf=$(mktemp)
	/usr/bin/time -f '%e %U %S %M' -o "$tf" "$@"
	local u s
	read -r secs u s rss_kb <"$tf"
	cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
	rm -f "$tf"
}

for size in "${sizes[@]}"; do
	tag=$size
	[ "$rate" = 0.01 ] || tag=$size-f$rate
	arc=$out/archive-$tag/
	if [ ! -f "$arc/.done" ]; then
		rm -rf "${arc%/}"
		"$bin/gen" -size "$size" -failure-rate "$rate" -out "$arc"
		touch "$arc/.done"
	fi
	stored=$(du -sb --exclude=.done "$arc" | cut -f1)
	files=$(find "$arc" -name '*.json.gz' | wc -l)
	# Read every file once so that all three read from the page cache.
	find "$arc" -name '*.json.gz' -print0 | xargs -0 cat >/dev/null
	echo
	echo "== archive $arc: $files files, $((stored >> 20)) MiB stored"
	ratios=() cpus=() b_rss=0 ld_ratios=() ld_cpus=() d_rss=0
	for ((i = 1; i <= pairs; i++)); do
		load=$(cut -d' ' -f1 /proc/loadavg)
		timed "$bin/floor" -workers "$workers" "$arc" >"$out/floor-$tag.txt"
		a=$secs a_cpu=$cpu
		set +e
		timed "$bin/denytrail" scan --format ndjson --progress never --workers "$workers" "$arc" \
			>"$out/scan-$tag.ndjson" 2>"$out/scan-$tag.stderr"
		code=$?
		set -e
		if [ $code -ne 0 ] && [ $code -ne 3 ]; then
			echo "scan exited $code:"; tail -5 "$out/scan-$tag.stderr"; exit 1
		fi
		b=$secs b_cpu=$cpu
		b_rss=$((rss_kb > b_rss ? rss_kb : b_rss))
		plain=$(sed -E 's/.* ([0-9]+) bytes decompressed.*/\1/' "$out/floor-$tag.txt")
		r=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a/b }')
		rc=$(awk -v a="$a_cpu" -v b="$b_cpu" 'BEGIN { printf "%.2f", a/b }')
		ratios+=("$r") cpus+=("$rc")
		awk -v i="$i" -v l="$load" -v p="$plain" -v a="$a" -v ac="$a_cpu" -v b="$b" -v bc="$b_cpu" -v r="$r" -v rc="$rc" -v rss="$rss_kb" 'BEGIN {
			printf "-- round %d, load %s: (a) floor %.2fs %.2f GB/s cpu %.2fs; (b) scan %.2fs %.2f GB/s cpu %.2fs, peak RSS %.0f MiB: a/b = %s (cpu %s)\n", i, l, a, p/a/1e9, ac, b, p/b/1e9, bc, rss/1024, r, rc
		}'
		[ $ld_ok = 1 ] || continue
		set +e
		timed "$bin/denytrail-libdeflate" scan --format ndjson --progress never --workers "$workers" "$arc" \
			>"$out/scan-ld-$tag.ndjson" 2>"$out/scan-ld-$tag.stderr"
		ld_code=$?
		set -e
		if [ $ld_code -ne $code ] || ! cmp -s "$out/scan-$tag.ndjson" "$out/scan-ld-$tag.ndjson"; then
			echo "the libdeflate build's scan differs from the default build's (exit $ld_code, not $code):"
			diff "$out/scan-$tag.ndjson" "$out/scan-ld-$tag.ndjson" | head -5; exit 1
		fi
		d=$secs d_cpu=$cpu
		d_rss=$((rss_kb > d_rss ? rss_kb : d_rss))
		r=$(awk -v a="$a" -v d="$d" 'BEGIN { printf "%.2f", a/d }')
		rc=$(awk -v a="$a_cpu" -v d="$d_cpu" 'BEGIN { printf "%.2f", a/d }')
		ld_ratios+=("$r") ld_cpus+=("$rc")
		awk -v p="$plain" -v d="$d" -v dc="$d_cpu" -v r="$r" -v rc="$rc" -v rss="$rss_kb" -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
			printf "   load %s: (d) scan, libdeflate build %.2fs %.2f GB/s cpu %.2fs, peak RSS %.0f MiB: a/d = %s (cpu %s)\n", l, d, p/d/1e9, dc, rss/1024, r, rc
		}'
	done
	median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
	findings=$(wc -l <"$out/scan-$tag.ndjson")
	echo "   scan speed / floor speed (a/b): ${ratios[*]}, median $(median "${ratios[@]}"); CPU time a/b: ${cpus[*]}, median $(median "${cpus[@]}")"
	echo "   scan: $findings findings, peak RSS $((b_rss / 1024)) MiB"
	if [ $ld_ok = 1 ]; then
		echo "   libdeflate build, scan speed / floor speed (a/d): ${ld_ratios[*]}, median $(median "${ld_ratios[@]}"); CPU time a/d: ${ld_cpus[*]}, median $(median "${ld_cpus[@]}")"
		echo "   libdeflate build: the same findings, peak RSS $((d_rss / 1024)) MiB"
	fi
	if [ $jq_ok = 1 ]; then
		timed bash -c "find '$arc' -name '*.json.gz' -print0 | sort -z | xargs -0 zcat | jq -c '.Records[]? | select(.errorCode)' >'$out/jq-$tag.ndjson'"
		failed=$(wc -l <"$out/jq-$tag.ndjson")
		awk -v c="$secs" -v b="$b" -v f="$failed" 'BEGIN { printf "   (c) zcat | jq errorCode %.2fs, %d records with an errorCode: c/b = %.1f (b of the last pair)\n", c, f, c/b }'
	fi
done
echo
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (after)"
echo "results: $results"
