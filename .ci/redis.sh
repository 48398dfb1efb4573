# Sourced by .ci/run (and by hand: `source .ci/redis.sh`): makes sure a
# throwaway Redis answers on 127.0.0.1 and exports its address for the
# integration tests. Idempotent: a second run reuses the running server.
# Bound to the loopback only, no persistence; installs redis-server from the
# distribution's packages when it is missing.

usersauth_redis_port=${USERSAUTH_REDIS_PORT:-6390}

usersauth_redis_ping() {
	redis-cli -h 127.0.0.1 -p "$usersauth_redis_port" ping 2>/dev/null | grep -q '^PONG$'
}

if ! command -v redis-server >/dev/null 2>&1; then
	echo "== installing redis-server"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi

if usersauth_redis_ping; then
	echo "== redis: reusing the server on 127.0.0.1:$usersauth_redis_port"
else
	echo "== redis: starting a server on 127.0.0.1:$usersauth_redis_port"
	usersauth_redis_dir=${TMPDIR:-/tmp}/usersauth-redis-$usersauth_redis_port
	mkdir -p "$usersauth_redis_dir"
	redis-server --bind 127.0.0.1 --port "$usersauth_redis_port" --protected-mode yes \
		--save '' --appendonly no --dir "$usersauth_redis_dir" \
		--daemonize yes --pidfile "$usersauth_redis_dir/redis.pid" \
		--logfile "$usersauth_redis_dir/redis.log"
	for _ in $(seq 1 100); do
		usersauth_redis_ping && break
		sleep 0.1
	done
	if ! usersauth_redis_ping; then
		echo "redis-server did not answer on 127.0.0.1:$usersauth_redis_port; its log:" >&2
		cat "$usersauth_redis_dir/redis.log" >&2 || true
		return 1 2>/dev/null || exit 1
	fi
fi

export USERSAUTH_TEST_REDIS=127.0.0.1:$usersauth_redis_port
