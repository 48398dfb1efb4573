# shellcheck shell=bash
# Sourced by the CI script (as root, on Debian): installs PostgreSQL if needed,
# runs a cluster that listens on 127.0.0.1 only, creates the test role and
# database, and exports USERSAUTH_TEST_POSTGRES for the integration tests.
# Idempotent: sourcing it again reuses what is there.
#
#   . .ci/postgres.sh
#
# USERSAUTH_PG_PORT (default 5432) is the port of a cluster this script
# creates; an existing cluster keeps its own port.

usersauth_postgres_setup() {
	local cluster=main role=usersauth password=usersauth db=usersauth_test
	local version port conf

	if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
		echo "postgres.sh: installing PostgreSQL" >&2
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || return 1
	fi
	version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"

	if ! pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { f = 1 } END { exit !f }'; then
		pg_createcluster "$version" "$cluster" --port "${USERSAUTH_PG_PORT:-5432}" >/dev/null || return 1
	fi
	port="$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { print $3 }')"

	# Loopback only: the test cluster must not be reachable from the network.
	conf="/etc/postgresql/$version/$cluster/conf.d/usersauth.conf"
	local want="listen_addresses = '127.0.0.1'"
	local changed=0
	if [ "$(cat "$conf" 2>/dev/null)" != "$want" ]; then
		mkdir -p "$(dirname "$conf")" && printf '%s\n' "$want" >"$conf" || return 1
		changed=1
	fi

	if pg_ctlcluster "$version" "$cluster" status >/dev/null 2>&1; then
		if [ "$changed" = 1 ]; then
			pg_ctlcluster "$version" "$cluster" restart || return 1
		fi
	else
		pg_ctlcluster "$version" "$cluster" start || return 1
	fi

	local i
	for i in $(seq 1 60); do
		pg_isready -q -h 127.0.0.1 -p "$port" && break
		sleep 0.5
	done
	pg_isready -q -h 127.0.0.1 -p "$port" || {
		echo "postgres.sh: PostgreSQL did not start on 127.0.0.1:$port" >&2
		return 1
	}

	local psql=(runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres)
	if [ "$("${psql[@]}" -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" != 1 ]; then
		"${psql[@]}" -c "CREATE ROLE $role LOGIN CREATEDB PASSWORD '$password'" || return 1
	fi
	if [ "$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
		"${psql[@]}" -c "CREATE DATABASE $db OWNER $role" || return 1
	fi

	export USERSAUTH_TEST_POSTGRES="postgres://$role:$password@127.0.0.1:$port/$db?sslmode=disable"
}

usersauth_postgres_setup
