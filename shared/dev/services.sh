#!/usr/bin/env bash
# Make sure Postgres and Redis answer at DATABASE_URL and REDIS_URL.
#
#   shared/dev/services.sh          # start (default): quiet when both already answer
#   shared/dev/services.sh stop     # stop the private copies this script started
#   shared/dev/services.sh status   # say what answers and what was started here
#
# When a service does not answer and its server is installed on this machine,
# a private copy is started under ./data (./data/postgres, ./data/redis) on the
# host and port from the URL. Only those private copies are ever stopped; a
# service this script did not start is never stopped or reconfigured.
#
# If PARLEY_SERVICES_STARTED_FILE is set, the name of each service started by
# this call ("postgres", "redis") is appended to that file (run.sh uses it to
# stop on exit only what its own run started).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$(pwd -P)
DATA="$ROOT/data"

DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/parley?sslmode=disable}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}

PG_DIR="$DATA/postgres"         # private cluster (owned by postgres when run as root)
PG_SOCK="$DATA/run"             # its unix socket directory
PG_LOG="$DATA/postgres.log"
PG_PID="$DATA/postgres.pid"     # written here: we started the private Postgres
REDIS_DIR="$DATA/redis"         # private Redis append-only file and snapshots
REDIS_LOG="$DATA/redis.log"
REDIS_PID="$DATA/redis.pid"     # Redis's own pid file: we started the private Redis
WAIT_SECONDS=30

say() { printf 'services: %s\n' "$*" >&2 || true; }
die() { say "$*"; exit 1; }

# --- URL parsing -------------------------------------------------------------

# parse_url URL DEFAULT_PORT: sets U_USER U_PASS U_HOST U_PORT for
# scheme://[user[:pass]@]host[:port][/path][?query].
parse_url() {
	local rest=${1#*://} auth=
	rest=${rest%%\?*}
	rest=${rest%%/*}
	if [[ $rest == *@* ]]; then
		auth=${rest%@*}
		rest=${rest##*@}
	fi
	U_USER=${auth%%:*}
	U_PASS=
	[[ $auth == *:* ]] && U_PASS=${auth#*:}
	if [[ $rest == \[* ]]; then # [ipv6]:port
		U_HOST=${rest%%]*}
		U_HOST=${U_HOST#[}
		rest=${rest#*]}
		U_PORT=${rest#:}
	elif [[ $rest == *:* ]]; then
		U_HOST=${rest%:*}
		U_PORT=${rest##*:}
	else
		U_HOST=$rest
		U_PORT=
	fi
	[[ -n $U_HOST ]] || U_HOST=127.0.0.1
	[[ -n $U_PORT ]] || U_PORT=$2
	[[ $U_PORT =~ ^[0-9]+$ ]] || die "cannot read a port from URL: $1"
}

is_local() {
	case $1 in 127.* | localhost | ::1) return 0 ;; esac
	return 1
}

# tcp_open HOST PORT: something listens there (fallback when clients are missing).
tcp_open() {
	(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# --- probes ------------------------------------------------------------------

pg_up() {
	if command -v pg_isready >/dev/null 2>&1; then
		pg_isready -q -t 2 -d "$DATABASE_URL" >/dev/null 2>&1
	else
		parse_url "$DATABASE_URL" 5432
		tcp_open "$U_HOST" "$U_PORT"
	fi
}

redis_up() {
	if command -v redis-cli >/dev/null 2>&1; then
		[[ $(redis-cli -u "$REDIS_URL" --no-auth-warning ping 2>/dev/null) == PONG ]]
	else
		parse_url "$REDIS_URL" 6379
		tcp_open "$U_HOST" "$U_PORT"
	fi
}

# wait_for NAME PROBE: poll PROBE until it succeeds or WAIT_SECONDS pass.
wait_for() {
	local i
	for ((i = 0; i < WAIT_SECONDS * 4; i++)); do
		"$2" && return 0
		sleep 0.25
	done
	return 1
}

# --- private Postgres ----------------------------------------------------------

pg_bindir() {
	local d
	d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
	if [[ -n $d && -x $d/initdb && -x $d/pg_ctl ]]; then
		echo "$d"
	elif command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
		dirname "$(command -v pg_ctl)"
	fi
}

# as_pg CMD...: run as the postgres user when we are root (postgres refuses root).
as_pg() {
	if [[ $(id -u) == 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

start_postgres() {
	local bin
	parse_url "$DATABASE_URL" 5432
	is_local "$U_HOST" || die "Postgres does not answer at $U_HOST:$U_PORT (DATABASE_URL), and that host is not this machine, so no private copy can be started there."
	bin=$(pg_bindir)
	[[ -n $bin ]] || missing "Postgres" postgresql
	local user=${U_USER:-postgres} host=$U_HOST port=$U_PORT
	[[ $host == localhost ]] && host=127.0.0.1

	mkdir -p "$DATA" "$PG_SOCK"
	chmod 755 "$DATA"
	touch "$PG_LOG"
	if [[ $(id -u) == 0 ]]; then
		id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user to run Postgres as (install the postgresql package, or run as a normal user)"
		mkdir -p "$PG_DIR"
		chown -R postgres: "$PG_DIR" "$PG_SOCK" "$PG_LOG"
		runuser -u postgres -- test -x "$DATA" ||
			die "user postgres cannot reach $DATA: make its parent directories traversable (chmod o+x), or run as a normal user"
	fi
	if [[ ! -s $PG_DIR/PG_VERSION ]]; then
		say "creating a private Postgres cluster in ./data/postgres (superuser '$user', trust auth)"
		chmod 700 "$PG_DIR" 2>/dev/null || true
		as_pg "$bin/initdb" -D "$PG_DIR" -U "$user" --auth=trust -E UTF8 --locale=C.UTF-8 >>"$PG_LOG" 2>&1 ||
			as_pg "$bin/initdb" -D "$PG_DIR" -U "$user" --auth=trust -E UTF8 --no-locale >>"$PG_LOG" 2>&1 ||
			{ tail -n 20 "$PG_LOG" >&2; die "initdb failed (log: $PG_LOG)"; }
	fi
	say "starting a private Postgres on $host:$port (data in ./data/postgres, log in ./data/postgres.log)"
	if ! as_pg "$bin/pg_ctl" -D "$PG_DIR" -l "$PG_LOG" -w -t "$WAIT_SECONDS" start \
		-o "-c listen_addresses=$host -p $port -k $PG_SOCK" >/dev/null 2>&1; then
		tail -n 20 "$PG_LOG" >&2
		die "the private Postgres did not start (log: $PG_LOG)"
	fi
	head -n 1 "$PG_DIR/postmaster.pid" >"$PG_PID"
	record postgres
}

stop_postgres() {
	[[ -f $PG_PID ]] || return 0
	local bin
	bin=$(pg_bindir)
	if [[ -n $bin && -f $PG_DIR/postmaster.pid ]]; then
		say "stopping the private Postgres (pid $(cat "$PG_PID"))"
		as_pg "$bin/pg_ctl" -D "$PG_DIR" -m fast -w -t "$WAIT_SECONDS" stop >/dev/null 2>&1 ||
			say "pg_ctl stop failed; see $PG_LOG"
	fi
	rm -f "$PG_PID"
}

# --- private Redis -------------------------------------------------------------

# redis_pid: the pid of the Redis this script started, if it still runs.
redis_pid() {
	local pid
	[[ -f $REDIS_PID ]] || return 1
	pid=$(cat "$REDIS_PID" 2>/dev/null) || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	if [[ -r /proc/$pid/cmdline ]]; then
		tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q redis || return 1
	fi
	echo "$pid"
}

start_redis() {
	parse_url "$REDIS_URL" 6379
	is_local "$U_HOST" || die "Redis does not answer at $U_HOST:$U_PORT (REDIS_URL), and that host is not this machine, so no private copy can be started there."
	command -v redis-server >/dev/null 2>&1 || missing "Redis" redis-server
	local host=$U_HOST port=$U_PORT
	[[ $host == localhost ]] && host=127.0.0.1
	local args=(--bind "$host" --port "$port"
		--appendonly yes --appendfsync everysec
		--dir "$REDIS_DIR" --daemonize yes
		--pidfile "$REDIS_PID" --logfile "$REDIS_LOG")
	[[ -n $U_PASS ]] && args+=(--requirepass "$U_PASS")
	mkdir -p "$REDIS_DIR"
	say "starting a private Redis on $host:$port (append-only file in ./data/redis, log in ./data/redis.log)"
	redis-server "${args[@]}" >>"$REDIS_LOG" 2>&1 || {
		tail -n 20 "$REDIS_LOG" >&2
		die "the private Redis did not start (log: $REDIS_LOG)"
	}
	record redis
}

stop_redis() {
	local pid i
	pid=$(redis_pid) || { rm -f "$REDIS_PID"; return 0; }
	say "stopping the private Redis (pid $pid)"
	kill -TERM "$pid" 2>/dev/null || true # Redis flushes its append-only file on SIGTERM
	for ((i = 0; i < WAIT_SECONDS * 4; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.25
	done
	kill -0 "$pid" 2>/dev/null && say "Redis (pid $pid) is still running after ${WAIT_SECONDS}s"
	rm -f "$REDIS_PID"
}

# --- helpers ---------------------------------------------------------------------

record() {
	if [[ -n ${PARLEY_SERVICES_STARTED_FILE:-} ]]; then
		echo "$1" >>"$PARLEY_SERVICES_STARTED_FILE"
	fi
}

missing() {
	cat >&2 <<EOF
services: $1 does not answer and its server is not installed here.
Install Postgres and Redis (this script then starts private copies under ./data):

    sudo apt-get install -y postgresql redis-server

or point DATABASE_URL / REDIS_URL at running servers, or run everything in
containers instead:

    docker compose up
EOF
	exit 1
}

# --- commands --------------------------------------------------------------------

cmd_start() {
	if ! pg_up; then
		start_postgres
		wait_for Postgres pg_up || { tail -n 20 "$PG_LOG" >&2; die "Postgres does not answer at DATABASE_URL after ${WAIT_SECONDS}s"; }
	fi
	if ! redis_up; then
		start_redis
		wait_for Redis redis_up || { tail -n 20 "$REDIS_LOG" >&2; die "Redis does not answer at REDIS_URL after ${WAIT_SECONDS}s"; }
	fi
}

cmd_stop() {
	local what=("$@")
	[[ ${#what[@]} -gt 0 ]] || what=(postgres redis)
	for s in "${what[@]}"; do
		case $s in
		postgres) stop_postgres ;;
		redis) stop_redis ;;
		*) die "unknown service: $s (postgres or redis)" ;;
		esac
	done
}

cmd_status() {
	if pg_up; then echo "postgres: answers at DATABASE_URL"; else echo "postgres: does not answer at DATABASE_URL"; fi
	if redis_up; then echo "redis:    answers at REDIS_URL"; else echo "redis:    does not answer at REDIS_URL"; fi
	[[ -f $PG_PID ]] && echo "private Postgres started here: pid $(cat "$PG_PID"), data in ./data/postgres"
	redis_pid >/dev/null && echo "private Redis started here: pid $(redis_pid), data in ./data/redis"
	return 0
}

case ${1:-start} in
start) cmd_start ;;
stop) shift; cmd_stop "$@" ;;
status) cmd_status ;;
-h | --help | help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
*) die "usage: $0 [start|stop [postgres|redis]|status]" ;;
esac
