#!/usr/bin/env bash
# Load test: requests per second of an authenticated GET /users/me (bearer
# JWT; memory store, or the user read from a SQLite file on every request
# with STORE=sqlite, through package store/sqlite, or STORE=sqlstore, through
# database/sql) against a bare net/http handler writing the same JSON, both
# served by one process and measured alternately with wrk under the same
# settings. Prints each round and the ratio of the totals.
#
#   scripts/load.sh [seconds per run, default 10] [rounds, default 3]
#   STORE=sqlite scripts/load.sh
#
# Needs wrk (Debian: apt-get install -y wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
rounds=${2:-3}
threads=${WRK_THREADS:-2}
conns=${WRK_CONNECTIONS:-16}
port=${PORT:-18089}

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/loadserver" ./bench/loadserver
"$tmp/loadserver" -addr "127.0.0.1:$port" -store "${STORE:-memory}" >"$tmp/out" &
pid=$!
for _ in $(seq 100); do
	grep -q '^TOKEN=' "$tmp/out" 2>/dev/null && break
	sleep 0.1
done
token=$(sed -n 's/^TOKEN=//p' "$tmp/out")
[ -n "$token" ] || { echo "loadserver did not start" >&2; exit 1; }

rps() { # url [header]
	local out
	if [ $# -gt 1 ]; then
		out=$(wrk -t"$threads" -c"$conns" -d"${secs}s" -H "$2" "$1")
	else
		out=$(wrk -t"$threads" -c"$conns" -d"${secs}s" "$1")
	fi
	echo "$out" | awk '/^Requests\/sec:/ {print $2}'
}

base="http://127.0.0.1:$port"
# Warm up both paths.
wrk -t1 -c4 -d1s "$base/bare" >/dev/null
wrk -t1 -c4 -d1s -H "Authorization: Bearer $token" "$base/users/me" >/dev/null

total_bare=0
total_ua=0
printf "store %s, wrk -t%s -c%s -d%ss, %s rounds\n" "${STORE:-memory}" "$threads" "$conns" "$secs" "$rounds"
printf "%-6s %14s %20s %8s\n" round "bare req/s" "usersauth req/s" ratio
for i in $(seq "$rounds"); do
	b=$(rps "$base/bare")
	u=$(rps "$base/users/me" "Authorization: Bearer $token")
	awk -v i="$i" -v b="$b" -v u="$u" 'BEGIN { printf "%-6s %14.0f %20.0f %7.1f%%\n", i, b, u, 100 * u / b }'
	total_bare=$(awk -v t="$total_bare" -v b="$b" 'BEGIN { print t + b }')
	total_ua=$(awk -v t="$total_ua" -v u="$u" 'BEGIN { print t + u }')
done
awk -v b="$total_bare" -v u="$total_ua" 'BEGIN { printf "total  %14.0f %20.0f %7.1f%%\n", b, u, 100 * u / b }'
