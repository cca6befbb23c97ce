#!/usr/bin/env bash
# The libdeflate build (-tags libdeflate) against the default build, end to
# end: both scan one small generated archive in which some log files are
# damaged the ways gzip files get damaged (cut short, a byte changed,
# garbage after the end, two files in one), and must print the same
# findings, the same errors and notes (in any order), and exit alike. Needs libdeflate-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/default" ./cmd/denytrail
CGO_ENABLED=1 go build -tags libdeflate -o "$tmp/libdeflate" ./cmd/denytrail
go version -m "$tmp/libdeflate" | grep -q -- '-tags=libdeflate'
# Each says which decompressor it has: a build that fell back to
# klauspost/compress everywhere would show here, not only in the timings.
"$tmp/default" version | grep -q '^gunzip:  internal/inflate'
"$tmp/libdeflate" version | grep -q '^gunzip:  libdeflate [0-9]'
go run ./bench/gen -size 24MiB -out "$tmp/arc" >/dev/null

mapfile -t logs < <(find "$tmp/arc" -name '*_CloudTrail_*.json.gz' | sort)
cut=${logs[0]} flipped=${logs[1]} garbage=${logs[2]} two=${logs[3]}
head -c "$(($(stat -c %s "$cut") / 2))" "$cut" >"$tmp/cut" && mv "$tmp/cut" "$cut"
printf '\125' | dd of="$flipped" bs=1 seek=$(($(stat -c %s "$flipped") / 3)) conv=notrunc status=none
printf 'garbage' >>"$garbage"
cat "${logs[4]}" >>"$two"

for b in default libdeflate; do
	code=0
	"$tmp/$b" scan --format ndjson --progress never "$tmp/arc" >"$tmp/$b.out" 2>"$tmp/$b.err" || code=$?
	echo "$code" >"$tmp/$b.code"
done
diff "$tmp/default.code" "$tmp/libdeflate.code"
diff <(sort "$tmp/default.err") <(sort "$tmp/libdeflate.err") # workers finish in any order
diff "$tmp/default.out" "$tmp/libdeflate.out"
# Not a comparison of nothing: findings were printed, the damage was seen.
[ "$(cat "$tmp/default.code")" = 2 ] && [ -s "$tmp/default.out" ]
for f in "$cut" "$flipped" "$garbage"; do grep -q "$(basename "$f")" "$tmp/default.err"; done
echo "default and libdeflate builds agree: $(wc -l <"$tmp/default.out") findings, $(wc -l <"$tmp/default.err") lines on stderr, exit 2"
