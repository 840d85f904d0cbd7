#!/usr/bin/env bash
# `make run`: start Parley locally with a demo firm.
#
# Ensures Postgres and Redis (shared/dev/services.sh), builds the three
# programs and the carrier simulator into ./data/bin, migrates and seeds the
# database, then runs portal, gateway, worker and simulator together with
# their output prefixed. Ctrl-C stops the programs gracefully (SIGTERM), then
# the private services this run started. If one program exits, the others are
# stopped and the script exits non-zero.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

PUBLIC_URL=${PUBLIC_URL:-http://localhost:8080}
PUBLIC_URL=${PUBLIC_URL%/}
GATEWAY_PUBLIC_URL=${GATEWAY_PUBLIC_URL:-http://localhost:8081}
GATEWAY_PUBLIC_URL=${GATEWAY_PUBLIC_URL%/}
BIN=./data/bin

log() { printf 'run: %s\n' "$*" >&2 || true; }

# How long the programs get to finish after SIGTERM: SHUTDOWN_TIMEOUT plus a margin.
grace_seconds() {
	local t=${SHUTDOWN_TIMEOUT:-25s}
	if [[ $t =~ ^([0-9]+)s$ ]]; then
		echo $((BASH_REMATCH[1] + 5))
	elif [[ $t =~ ^([0-9]+)m$ ]]; then
		echo $((BASH_REMATCH[1] * 60 + 5))
	else
		echo 30
	fi
}

# local_url ADDR: a URL on this machine for a listen address like ":8082".
local_url() {
	local host=${1%:*} port=${1##*:}
	case $host in "" | 0.0.0.0 | "[::]" | "::") host=localhost ;; esac
	echo "http://$host:$port"
}

# A terminal reads text logs better than JSON lines (production keeps JSON).
export LOG_FORMAT=${LOG_FORMAT:-text}

# Texting goes through the carrier simulator unless a carrier account is
# configured: without TWILIO_ACCOUNT_SID, every program (simulator included)
# gets the simulator's account, its API URL and a one-number pool. Anything
# already set is kept; with a real account set, none of this applies.
CARRIERSIM_URL=$(local_url "${CARRIERSIM_ADDR:-:8083}")
export CARRIERSIM_PUBLIC_URL=${CARRIERSIM_PUBLIC_URL:-$CARRIERSIM_URL}
if [[ -z ${TWILIO_ACCOUNT_SID:-} ]]; then
	TEXTING_VIA_SIMULATOR=1
	export TWILIO_ACCOUNT_SID=ACsimulator00000000000000000000000
	export TWILIO_AUTH_TOKEN=${TWILIO_AUTH_TOKEN:-simulator-auth-token}
	export TWILIO_API_URL=${TWILIO_API_URL:-$CARRIERSIM_URL}
	export TEXTING_NUMBERS=${TEXTING_NUMBERS:-twilio:+18885550100}
else
	TEXTING_VIA_SIMULATOR=0
fi

# prefix LABEL: copy stdin to stdout line by line with LABEL in front. It
# ignores INT/TERM so a Ctrl-C does not cut a program's output (and with it
# its graceful shutdown) short; it ends when the program closes its output.
prefix() {
	trap '' INT TERM
	if sed --version >/dev/null 2>&1; then
		exec sed -u "s/^/$1/"
	else
		exec sed -l "s/^/$1/" # BSD sed
	fi
}

# --- cleanup ---------------------------------------------------------------------

STARTED=$(mktemp "${TMPDIR:-/tmp}/parley-run.XXXXXX")
NAMES=()
PIDS=()

# stop_programs: SIGTERM every program still running, wait for them to exit
# (SIGKILL after the grace period).
stop_programs() {
	local i pid deadline running=0
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null && running=1
	done
	((running)) || return 0
	log "stopping portal, gateway, worker and carrier simulator (SIGTERM)…"
	deadline=$((SECONDS + $(grace_seconds)))
	for i in "${!PIDS[@]}"; do
		pid=${PIDS[$i]}
		while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
			sleep 0.2
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "${NAMES[$i]} did not exit in time; killing it"
			kill -KILL "$pid" 2>/dev/null || true
		fi
		wait "$pid" 2>/dev/null || true
	done
	sleep 0.2 # let the prefixers print the last lines
	log "stopped"
}

# stop_services: stop the private Postgres/Redis that this run started.
stop_services() {
	local started
	started=$(sort -u "$STARTED" 2>/dev/null | tr '\n' ' ')
	rm -f "$STARTED"
	if [[ -n ${started// /} ]]; then
		# shellcheck disable=SC2086 # word splitting of service names is intended
		bash shared/dev/services.sh stop $started || true
	fi
}

# On any exit (Ctrl-C, SIGTERM, an error, a program dying): programs first, then services.
cleanup() {
	trap '' INT TERM
	stop_programs
	stop_services
}
trap cleanup EXIT
trap 'echo >&2 || true; exit 130' INT
trap 'exit 143' TERM
# If whatever reads our output goes away (say `make run | tee log` and a
# Ctrl-C), keep going so the programs and services are still stopped cleanly.
trap '' PIPE

# --- services, build, database ------------------------------------------------------

PARLEY_SERVICES_STARTED_FILE=$STARTED bash shared/dev/services.sh

log "building portal, gateway, worker and carrier simulator into $BIN"
mkdir -p "$BIN"
go build -o "$BIN/" ./portal ./gateway ./worker ./gateway/carriersim

log "migrating the database"
"$BIN/portal" migrate
log "seeding the demo firm"
"$BIN/portal" seed-demo

# --- the programs --------------------------------------------------------------------

# start NAME LABEL: run $BIN/NAME in its own process group (so the terminal's
# Ctrl-C reaches only this script, which then sends SIGTERM once).
start() {
	set -m
	"$BIN/$1" > >(prefix "$2") 2>&1 &
	set +m
	NAMES+=("$1")
	PIDS+=("$!")
}
start portal "portal  | "
start gateway "gateway | "
start worker "worker  | "
start carriersim "carrier | "

# Banner, once the portal answers (or after 15s).
PORTAL_LOCAL=$(local_url "${PORTAL_ADDR:-:8080}")
if command -v curl >/dev/null 2>&1; then
	for _ in $(seq 1 60); do
		curl -fsS -o /dev/null "$PORTAL_LOCAL/healthz" 2>/dev/null && break
		kill -0 "${PIDS[0]}" 2>/dev/null || break
		sleep 0.25
	done
else
	sleep 2
fi
if ((TEXTING_VIA_SIMULATOR)); then
	FIRM_NUMBER=${TEXTING_NUMBERS%%,*}
	TEXT_NOTE="To text the firm (${FIRM_NUMBER#*:}) as the client, open the simulated phone at $CARRIERSIM_URL
  Calendar by text: as the admin, create an event at $PUBLIC_URL/staff/calendar with Casey Client and
  \"Notify via text\"; the invitation shows on the phone page, and replying Y there confirms it."
else
	TEXT_NOTE="Texting uses your carrier account (TWILIO_ACCOUNT_SID is set); the simulator at $CARRIERSIM_URL is idle."
fi
if [[ -n ${SMTP_URL:-} ]]; then
	MAIL_NOTE="The sign-in link is emailed through SMTP_URL."
else
	MAIL_NOTE="No SMTP_URL: the sign-in link is written to the worker's log and shown at $PUBLIC_URL/dev/mail"
fi
cat >&2 <<EOF

  ───────────────────────────────────────────────────────────────────────
  Parley is running.
    Portal    $PUBLIC_URL
    Gateway   $GATEWAY_PUBLIC_URL  (carrier webhooks)
    Worker    $(local_url "${WORKER_ADDR:-:8082}")/healthz  (health and metrics only)
    Phone     $CARRIERSIM_URL  (carrier simulator: text the firm as a client)

  Demo firm "Demo Law LLP": sign in at $PUBLIC_URL/login with an email, no password.
    admin    admin@demo.parley.test
    member   paralegal@demo.parley.test
    client   client@demo.parley.test  (texting number +14155550123)
  $MAIL_NOTE
  $TEXT_NOTE

  Press Ctrl-C to stop.
  ───────────────────────────────────────────────────────────────────────

EOF

# Wait until one program exits (or a signal arrives: the traps above handle it).
while :; do
	for i in "${!PIDS[@]}"; do
		if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
			status=0
			wait "${PIDS[$i]}" 2>/dev/null || status=$?
			log "${NAMES[$i]} exited (status $status)"
			unset 'PIDS[i]'
			((status != 0)) || status=1
			exit "$status"
		fi
	done
	wait -n 2>/dev/null || sleep 0.5
done
