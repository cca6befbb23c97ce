#!/usr/bin/env bash
# The storm and memory benchmark (issue 11). It times the built binary and
# measures its peak RSS (GNU time) on
#   - denial storms (bench/storm: one upload retried, each retry leaving the
#     PutObject and the GenerateDataKey denial, 3000 a minute) of 5k, 10k,
#     20k and 40k retries (-S), in every format and `report`, and a storm of
#     500k retries (1M records, -N) in the table and NDJSON formats;
#   - with -m, an archive of many patterns (bench/gen, -f failure rate,
#     -s size, -a accounts), in `report` and the table format, -p pairs
#     of (this binary, baseline) run back to back, each pair's time and
#     RSS ratios printed with the load;
# and runs the same commands with a baseline binary built from -b REV
# (default: the commit before the storm work) on the sizes it can finish
# (-B, default 5000 10000), for ratios measured in the same run.
#
#   bench/storm.sh                       # storms, baseline at 5k and 10k
#   bench/storm.sh -m -s 1GiB -f 0.5     # and the many-patterns archive
#   bench/storm.sh -n                    # no baseline
#   bench/storm.sh -F "table ndjson" -N 0  # two formats, no 1M-record storm
#   bench/storm.sh -S "5000 40000" -B 40000 -b cdb5f76   # every format, against main before the window held keys
#   bench/storm.sh -F "" -N 0 -m -p 2    # failure-heavy speed only, 2 pairs
#   bench/storm.sh -F "" -N 0 -m -s 1200MiB -f 1 -a 12   # 526k failed records, 466k findings in 8,981 patterns
set -euo pipefail
cd "$(dirname "$0")/.."

base_rev=47e2d35
base_sizes="5000 10000"
sizes="5000 10000 20000 40000"
mem=0; msize=1GiB; mrate=0.5; maccounts=3; pairs=1; big=500000
formats="table json ndjson csv markdown report"
while getopts "b:B:S:ms:f:a:p:nN:F:h" opt; do
	case $opt in
	b) base_rev=$OPTARG ;;
	B) base_sizes=$OPTARG ;;
	S) sizes=$OPTARG ;;
	m) mem=1 ;;
	s) msize=$OPTARG ;;
	f) mrate=$OPTARG ;;
	a) maccounts=$OPTARG ;;
	p) pairs=$OPTARG ;;
	n) base_rev= ;;
	N) big=$OPTARG ;; # 0: no big storm
	F) formats=$OPTARG ;;
	*) sed -n '2,23p' "$0"; exit 2 ;;
	esac
done
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time (GNU time) is needed for peak RSS"; exit 1; }

out=bench/out/storm
mkdir -p "$out"
echo "== denytrail storm benchmark, $(date -u +%FT%TZ), $(git describe --always --dirty), $(nproc) CPUs"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
go build -o "$out/denytrail" ./cmd/denytrail
if [ -n "$base_rev" ]; then
	rm -rf "$out/base-src" && mkdir -p "$out/base-src"
	git archive "$base_rev" | tar -x -C "$out/base-src"
	(cd "$out/base-src" && go build -o ../denytrail-base ./cmd/denytrail)
fi

archive() { # retries → dir
	local d=$out/archive-$1
	[ -d "$d" ] || go run ./bench/storm -retries "$1" -out "$d" >/dev/null
	echo "$d"
}

# measure BIN ARGS...: prints "seconds peak-MiB" of one run.
measure() {
	local t; t=$(mktemp)
	/usr/bin/time -f "%e %M" -o "$t" "$@" >/dev/null 2>&1 || true
	awk '{printf "%s %.0f", $1, $2/1024}' "$t"
	rm -f "$t"
}

run() { # bin format dir
	local bin=$1 f=$2 d=$3
	if [ "$f" = report ]; then
		local h; h=$(mktemp -d)
		measure "$bin" report --day 2026-11-26 --history "$h" "$d"
		rm -rf "$h"
	else
		measure "$bin" scan --format "$f" "$d"
	fi
}

printf "%-8s %-9s %-8s %9s %12s %9s %s\n" retries format binary seconds "ms/retry" "peak MiB" "per-retry vs 5k"
declare -A first
for n in $sizes; do
	d=$(archive "$n")
	for f in $formats; do
		for b in denytrail denytrail-base; do
			[ -x "$out/$b" ] || continue
			if [ "$b" = denytrail-base ] && ! grep -qw "$n" <<<"$base_sizes"; then continue; fi
			read -r s m <<<"$(run "$out/$b" "$f" "$d")"
			per=$(awk -v s="$s" -v n="$n" 'BEGIN{printf "%.3f", 1000*s/n}')
			key=$b-$f
			[ -n "${first[$key]:-}" ] || first[$key]=$per
			printf "%-8s %-9s %-8s %9s %12s %9s %s\n" "$n" "$f" "${b#denytrail-}" "$s" "$per" "$m" \
				"$(awk -v a="$per" -v b="${first[$key]}" 'BEGIN{printf "%.2f", a/b}')"
		done
	done
done
[ "$big" -gt 0 ] && d=$(archive "$big")
[ "$big" -gt 0 ] && for f in table ndjson; do
	read -r s m <<<"$(run "$out/denytrail" $f "$d")"
	printf "%-8s %-9s %-8s %9s %12s %9s\n" "$big" $f denytrail "$s" "$(awk -v s="$s" -v n="$big" 'BEGIN{printf "%.3f", 1000*s/n}')" "$m"
done

if [ "$mem" = 1 ]; then
	d=$out/many-$msize-$mrate-$maccounts
	[ -d "$d" ] || go run ./bench/gen -size "$msize" -failure-rate "$mrate" -accounts "$maccounts" -out "$d"
	n=$("$out/denytrail" scan --format ndjson "$d" 2>/dev/null | wc -l)
	p=$("$out/denytrail" scan --format json "$d" 2>/dev/null | grep -c '"id": ' || true)
	echo "many patterns: $d: $n findings in $p patterns"
	printf "%-4s %-7s %9s %9s %9s %9s %7s %7s %s\n" pair format "s" "base s" "MiB" "base MiB" "s/base" "MiB/base" load
	for i in $(seq "$pairs"); do
		for f in table report; do
			read -r s m <<<"$(run "$out/denytrail" "$f" "$d")"
			bs=- bm=-
			[ -x "$out/denytrail-base" ] && read -r bs bm <<<"$(run "$out/denytrail-base" "$f" "$d")"
			printf "%-4s %-7s %9s %9s %9s %9s %7s %7s %s\n" "$i" "$f" "$s" "$bs" "$m" "$bm" \
				"$(awk -v a="$s" -v b="$bs" 'BEGIN{if (b+0) printf "%.2f", a/b; else print "-"}')" \
				"$(awk -v a="$m" -v b="$bm" 'BEGIN{if (b+0) printf "%.3f", a/b; else print "-"}')" \
				"$(cut -d' ' -f1-3 /proc/loadavg)"
		done
	done
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
