#!/usr/bin/env bash
# Fuzzes the HTTP request parser with libFuzzer for N seconds.
#
#   scripts/fuzz-http.sh [seconds] [extra libFuzzer flags...]     (default 60 s)
#
# Builds fuzz/http-parser/FuzzRequestParser.swift together with the parser's
# sources (swiftc -sanitize=fuzzer,address; SwiftPM executables do not link
# under libFuzzer on Linux), then runs it niced from a seed corpus of real
# requests (fuzz/http-parser/seeds). The growing corpus stays in
# .build-fuzz/http-parser/corpus, so runs add up; crashes land in
# .build-fuzz/http-parser/artifacts/ -- turn each into a regression test in
# fuzz/http-parser/seeds (replayed by FuzzCorpusTests) plus a focused test.
# The per-input timeout is 120 s: on a loaded 2-core machine a niced run was
# once starved for 51 s on a 3 ms input, and a false "timeout" ends the run.
set -euo pipefail

seconds="${1:-60}"
shift || true
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.build-fuzz/http-parser"
mkdir -p "$out/corpus" "$out/artifacts"

# The parser and what it touches; nothing that opens a socket.
sources=(
    ByteClasses HTTPError HTTPHeaders HTTPMethod HTTPRequest HTTPResponse HTTPStatus HTTPVersion
    PercentDecoding RequestParser RequestTarget ResponseSerializer Responder RoutePattern Router
)
files=()
for name in "${sources[@]}"; do files+=("$root/Sources/HTTPServer/$name.swift"); done

echo "building the fuzzer..."
nice -n 10 swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
    -module-name HTTPServerFuzz -swift-version 6 \
    "${files[@]}" "$root/fuzz/http-parser/FuzzRequestParser.swift" \
    -o "$out/http-parser-fuzzer" 2>&1 | grep -v "Cannot export local symbol" || true
[ -x "$out/http-parser-fuzzer" ] || { echo "build failed"; exit 1; }

echo "fuzzing for $seconds s (corpus: $out/corpus)..."
cd "$out"
nice -n 10 ./http-parser-fuzzer \
    -max_total_time="$seconds" \
    -max_len=2048 \
    -timeout=120 \
    -rss_limit_mb=2048 \
    -dict="$root/fuzz/http-parser/http.dict" \
    -artifact_prefix="$out/artifacts/" \
    -print_final_stats=1 \
    "$@" \
    "$out/corpus" "$root/fuzz/http-parser/seeds" 2>&1 | tee "$out/last-run.log" | grep -E "^#[0-9]+ +(INITED|DONE|pulse)|Done|stat::|ERROR|SUMMARY|crash-|timeout-|leak-" || true

crashes=$(ls "$out/artifacts" | wc -l)
echo "artifacts (crashes, timeouts, leaks): $crashes in $out/artifacts"
[ "$crashes" -eq 0 ]
