#!/usr/bin/env bash
# Load test: requests per second of an authenticated GET /users/me (bearer
# JWT) against a bare net/http handler writing the same JSON, both served by
# one process and measured alternately with wrk under the same settings.
# Prints each round and the ratio of the totals, and beside them the
# server's CPU time per request of each handler (from /proc, Linux only),
# which other work on the machine disturbs less than requests per second.
#
#   scripts/load.sh [seconds per run, default 10] [rounds, default 3]
#   STORE=sqlite scripts/load.sh               # users in a SQLite file
#   STORE=sqlite USERS=100000 scripts/load.sh  # each request a random user of 100,000
#
# STORE is the user store (bench/loadserver -store): memory (the default);
# sqlite, a file opened through package store/sqlite, with its user cache,
# as examples/basic opens it; sqlite-uncached, the same with the cache off,
# so that every request reads the file; sqlstore, the file read through
# database/sql on every request.
#
# USERS (default 1) is the number of users. With one, every request carries
# the same token. With more, every request, to either handler, carries the
# token of a user drawn at random, through a wrk Lua script that builds the
# requests up front, so both handlers cost the client the same; the server
# makes one request per user before the measurement, as users already active
# would have.
#
# Needs wrk (Debian: apt-get install -y wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
rounds=${2:-3}
threads=${WRK_THREADS:-2}
conns=${WRK_CONNECTIONS:-16}
port=${PORT:-18089}
store=${STORE:-memory}
users=${USERS:-1}

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }
tmp=$(mktemp -d)
pid=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/loadserver" ./bench/loadserver
"$tmp/loadserver" -addr "127.0.0.1:$port" -store "$store" -users "$users" -tokens "$tmp/tokens" >"$tmp/out" &
pid=$!
# Creating 100,000 users takes a while; wait up to 10 minutes.
for _ in $(seq 6000); do
	grep -q '^TOKEN=' "$tmp/out" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
token=$(sed -n 's/^TOKEN=//p' "$tmp/out")
[ -n "$token" ] || { echo "loadserver did not start" >&2; exit 1; }

# random.lua gives each request the token of a random user, from requests
# built in init, one per token, per wrk thread.
cat >"$tmp/random.lua" <<'EOF'
local threads = 0
function setup(thread)
	threads = threads + 1
	thread:set("seed", threads)
end
local requests = {}
function init(args)
	math.randomseed(seed)
	for token in io.lines(args[1]) do
		requests[#requests + 1] = wrk.format("GET", nil, {["Authorization"] = "Bearer " .. token})
	end
end
function request()
	return requests[math.random(#requests)]
end
EOF

run_wrk() { # threads conns duration url
	if [ "$users" -gt 1 ]; then
		wrk -t"$1" -c"$2" -d"$3" -s "$tmp/random.lua" "$4" -- "$tmp/tokens"
	else
		wrk -t"$1" -c"$2" -d"$3" -H "Authorization: Bearer $token" "$4"
	fi
}
cpu_ticks() { # user + system time of the server so far, in clock ticks
	awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0
}
hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
measure() { # url: prints requests/s and the server's CPU microseconds per request
	local before after out
	before=$(cpu_ticks)
	out=$(run_wrk "$threads" "$conns" "${secs}s" "$1")
	after=$(cpu_ticks)
	echo "$out" | awk -v t="$((after - before))" -v hz="$hz" '
		/ requests in / {n = $1}
		/^Requests\/sec:/ {r = $2}
		END {printf "%s %.2f\n", r, (n > 0 ? 1e6 * t / hz / n : 0)}'
}

base="http://127.0.0.1:$port"
# Warm up both paths.
run_wrk 1 4 1s "$base/bare" >/dev/null
run_wrk 1 4 1s "$base/users/me" >/dev/null

total_bare=0
total_ua=0
cpu_bare=0
cpu_ua=0
printf "store %s, %s users, wrk -t%s -c%s -d%ss, %s rounds\n" "$store" "$users" "$threads" "$conns" "$secs" "$rounds"
printf "%-6s %14s %20s %8s %24s\n" round "bare req/s" "usersauth req/s" ratio "server CPU us/req b/u"
for i in $(seq "$rounds"); do
	read -r b bc <<<"$(measure "$base/bare")"
	read -r u uc <<<"$(measure "$base/users/me")"
	awk -v i="$i" -v b="$b" -v u="$u" -v bc="$bc" -v uc="$uc" 'BEGIN {
		printf "%-6s %14.0f %20.0f %7.1f%% %11.1f / %5.1f %5.1f%%\n", i, b, u, 100 * u / b, bc, uc, (uc > 0 ? 100 * bc / uc : 0) }'
	total_bare=$(awk -v t="$total_bare" -v b="$b" 'BEGIN { print t + b }')
	total_ua=$(awk -v t="$total_ua" -v u="$u" 'BEGIN { print t + u }')
	cpu_bare=$(awk -v t="$cpu_bare" -v c="$bc" 'BEGIN { print t + c }')
	cpu_ua=$(awk -v t="$cpu_ua" -v c="$uc" 'BEGIN { print t + c }')
done
awk -v b="$total_bare" -v u="$total_ua" -v bc="$cpu_bare" -v uc="$cpu_ua" -v n="$rounds" 'BEGIN {
	printf "total  %14.0f %20.0f %7.1f%% %11.1f / %5.1f %5.1f%%\n", b, u, 100 * u / b, bc / n, uc / n, (uc > 0 ? 100 * bc / uc : 0) }'
