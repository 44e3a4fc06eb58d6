#!/usr/bin/env bash
# Benchmarks the HTTP server with wrk on loopback.
#
#   scripts/bench-http.sh [seconds per run]       (default 10)
#
# Builds the http-bench-server product in release mode, starts it, and runs
# wrk against GET /healthz and a small JSON route (GET /v1/hello/{name}, a
# path parameter, a query item and JSONEncoder) at 1, 64 and 256 connections,
# printing requests/s and latency percentiles. wrk runs on the same machine,
# so on a 2-core box client and server share the cores.
#
# Environment: PORT (8089), SCRATCH (.build-http), CONNECTIONS ("1 64 256"),
# NICE (0; set 10 on a shared machine to yield to other work).
set -euo pipefail

seconds="${1:-10}"
port="${PORT:-8089}"
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="${SCRATCH:-$root/.build-http}"
connections="${CONNECTIONS:-1 64 256}"
niceness="${NICE:-0}"

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }

echo "building http-bench-server (release)..."
swift build -c release --scratch-path "$scratch" --product http-bench-server 2>&1 | grep -E "error|warning|Compiling|Build" || true
server="$scratch/release/http-bench-server"

log="$(mktemp)"
nice -n "$niceness" "$server" --port "$port" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 50); do grep -q listening "$log" && break; sleep 0.1; done
grep -q listening "$log" || { cat "$log"; exit 1; }

echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) cores, $(uname -srm); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk:     $(wrk --version 2>&1 | head -1)"
echo
printf "%-26s %6s %12s %10s %10s %10s %10s %8s\n" route conns "requests/s" p50 p90 p99 max errors
for path in /healthz "/v1/hello/ada?epoch=3"; do
    url="http://127.0.0.1:$port$path"
    for c in $connections; do
        threads=$(( c < 2 ? 1 : 2 ))
        out="$(nice -n "$niceness" wrk -t"$threads" -c"$c" -d"${seconds}s" --latency "$url")"
        rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
        p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
        p90=$(awk '$1 == "90%" {print $2}' <<<"$out")
        p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
        max=$(awk '$1 == "Latency" {print $4}' <<<"$out")
        errors=$(awk '/Socket errors|Non-2xx/ {printf "%s ", $0}' <<<"$out")
        printf "%-26s %6s %12s %10s %10s %10s %10s %8s\n" "$path" "$c" "$rps" "$p50" "$p90" "$p99" "$max" "${errors:-0}"
        echo "  wrk -t$threads -c$c -d${seconds}s --latency $url" >&2
    done
done
