#!/usr/bin/env bash
# The throughput harness (issue 6). On the same generated archive, in one run,
# it times (a) decompress-only with the scan's worker count (the floor), (b)
# `denytrail scan --format ndjson`, (c) `zcat | jq` selecting records with an
# errorCode (what a user would do by hand); it prints b/a, c/b and the peak
# RSS of (b), and writes everything to bench/out/.
#
#   bench/run.sh                      # a 2 GiB archive, each configuration twice
#   bench/run.sh -s 512MiB -s 2GiB    # several sizes (flat memory shows here)
#   bench/run.sh -r 3 -t 5 -w 2       # repeats, tries per repeat, workers
#   bench/run.sh -f 0.0025 -s 2GiB    # failure rate (default 0.01): findings, and
#                                     # the memory they hold, grow with it
#
# Archives are generated once into bench/out/archive-SIZE and reused. Each
# repeat runs (a) and (b) alternately -t times and keeps the fastest of each,
# then (c) once. The CPU may be shared: read the ratios of one repeat
# together, not absolute times; CPU-time ratios are steadier than wall ones.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=()
repeat=2
tries=3
rate=0.01
workers=$(nproc)
while getopts "s:r:t:w:f:h" opt; do
	case $opt in
	s) sizes+=("$OPTARG") ;;
	f) rate=$OPTARG ;;
	r) repeat=$OPTARG ;;
	t) tries=$OPTARG ;;
	w) workers=$OPTARG ;;
	*) sed -n '2,19p' "$0"; exit 2 ;;
	esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(2GiB)

out=bench/out
bin=$out/bin
mkdir -p "$bin"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
results=$out/results-$stamp.txt
exec > >(tee "$results") 2>&1

need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
		echo "installing $2"
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2"; } >/dev/null 2>&1 || true
	fi
	command -v "$1" >/dev/null 2>&1
}
if [ ! -x /usr/bin/time ]; then need time time || true; fi
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time (GNU time) is needed for peak RSS"; exit 1; }
jq_ok=1
need jq jq || { jq_ok=0; echo "bench: jq is not installed and could not be: (c) is skipped"; }

echo "== denytrail throughput harness, $stamp"
echo "machine: $(uname -srm), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
echo "commit:  $(git describe --always --dirty 2>/dev/null || echo unknown), $(go version | cut -d' ' -f3)"
echo "workers: $workers, repeats: $repeat, tries: $tries, failure rate: $rate"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (before)"

go build -o "$bin/denytrail" ./cmd/denytrail
go build -o "$bin/floor" ./bench/floor
go build -o "$bin/gen" ./bench/gen

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
	for ((i = 1; i <= repeat; i++)); do
		# (a) and (b) alternate $tries times; the fastest run of each counts,
		# the one least disturbed by whatever else runs on the machine.
		a=999999 a_cpu=999999 b=999999 b_cpu=999999 b_rss=0
		for ((k = 1; k <= tries; k++)); do
			timed "$bin/floor" -workers "$workers" "$arc" >"$out/floor-$tag.txt"
			a=$(awk -v x="$a" -v y="$secs" 'BEGIN { print (y < x ? y : x) }')
			a_cpu=$(awk -v x="$a_cpu" -v y="$cpu" 'BEGIN { print (y < x ? y : x) }')
			set +e
			timed "$bin/denytrail" scan --format ndjson --progress never --workers "$workers" "$arc" \
				>"$out/scan-$tag.ndjson" 2>"$out/scan-$tag.stderr"
			code=$?
			set -e
			if [ $code -ne 0 ] && [ $code -ne 3 ]; then
				echo "scan exited $code:"; tail -5 "$out/scan-$tag.stderr"; exit 1
			fi
			b=$(awk -v x="$b" -v y="$secs" 'BEGIN { print (y < x ? y : x) }')
			b_cpu=$(awk -v x="$b_cpu" -v y="$cpu" 'BEGIN { print (y < x ? y : x) }')
			b_rss=$((rss_kb > b_rss ? rss_kb : b_rss))
		done
		plain=$(sed -E 's/.* ([0-9]+) bytes decompressed.*/\1/' "$out/floor-$tag.txt")
		findings=$(wc -l <"$out/scan-$tag.ndjson")
		c=""
		if [ $jq_ok = 1 ]; then
			timed bash -c "find '$arc' -name '*.json.gz' -print0 | sort -z | xargs -0 zcat | jq -c '.Records[]? | select(.errorCode)' >'$out/jq-$tag.ndjson'"
			c=$secs
			failed=$(wc -l <"$out/jq-$tag.ndjson")
		fi
		echo "-- repeat $i, load $(cut -d' ' -f1 /proc/loadavg); (a), (b): fastest of $tries"
		awk -v p="$plain" -v a="$a" -v ac="$a_cpu" -v b="$b" -v bc="$b_cpu" -v c="$c" -v rss="$b_rss" -v f="$findings" -v fl="${failed:-}" 'BEGIN {
			printf "   (a) floor, decompress only   %7.2fs  %6.2f GB/s  cpu %6.2fs\n", a, p/a/1e9, ac
			printf "   (b) denytrail scan --ndjson  %7.2fs  %6.2f GB/s  cpu %6.2fs  peak RSS %.0f MiB  %d findings\n", b, p/b/1e9, bc, rss/1024, f
			if (c != "") printf "   (c) zcat | jq errorCode      %7.2fs  %6.2f GB/s  %d records with an errorCode\n", c, p/c/1e9, fl
			printf "   b/a = %.2f: scan runs at %.2f of the floor speed (cpu time b/a = %.2f)", b/a, a/b, bc/ac
			if (c != "") printf "; c/b = %.1f", c/b
			printf "\n"
		}'
	done
done
echo
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (after)"
echo "results: $results"
