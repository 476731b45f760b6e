#!/usr/bin/env bash
# Bring up the PostgreSQL and Redis that the second test pass, the benchmarks and a production-like run use.
#
# Installs them from Debian's packages when they are missing (one `apt-get update`, then one install), starts
# them on loopback, waits until each answers, and does nothing to a service that already answers. PostgreSQL
# trusts the `postgres` user on 127.0.0.1:5432 (what the test settings and the benchmarks connect as); Redis
# listens on 127.0.0.1:6379 without persistence. Meant for development and CI machines, never for production:
# trust authentication is only acceptable on a machine nobody else reaches.
set -euo pipefail

PG_PORT=5432
REDIS_PORT=6379
REDIS_DIR=${WILDNET_VAR_DIR:-$(pwd)/var}/redis

NAME=services
# shellcheck source=deploy/machine.sh
source "$(dirname "$0")/machine.sh"

wait_for() {  # wait_for <what> <command...>: up to 60 s
    local what=$1
    shift
    for _ in $(seq 1 60); do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        sleep 1
    done
    fail "$what did not answer within 60 s"
}

pg_up() { pg_isready -h 127.0.0.1 -p "$PG_PORT" -q; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; }

missing=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ] && ! { pg_up 2>/dev/null && redis_up; }; then
    say "installing ${missing[*]} from Debian's packages"
    # Services must not be started by the package scripts (no init system here); we start them below.
    as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        postgresql redis-server >/dev/null
    as_root rm -f /usr/sbin/policy-rc.d
fi

if pg_up; then
    say "PostgreSQL already answers on 127.0.0.1:$PG_PORT"
else
    version=$(ls /usr/lib/postgresql | sort -n | tail -1)
    if ! pg_lsclusters -h 2>/dev/null | awk '{print $1, $2}' | grep -qx "$version main"; then
        as_root pg_createcluster "$version" main >/dev/null
    fi
    hba=/etc/postgresql/$version/main/pg_hba.conf
    if ! as_root grep -q '^# wildnet: trust on loopback' "$hba"; then
        # Prepended, because the first matching line wins.
        rules='# wildnet: trust on loopback (development and CI only)\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n'
        as_root sh -c "{ printf '$rules'; cat '$hba'; } > '$hba.new' && chown postgres:postgres '$hba.new' && mv '$hba.new' '$hba'"
    fi
    say "starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start \
        || as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
    wait_for PostgreSQL pg_up
fi
wait_for "PostgreSQL (trust for postgres on 127.0.0.1)" \
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc 'SELECT 1'

if redis_up; then
    say "Redis already answers on 127.0.0.1:$REDIS_PORT"
else
    say "starting Redis"
    mkdir -p "$REDIS_DIR"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
        --dir "$REDIS_DIR" --logfile "$REDIS_DIR/redis.log"
    wait_for Redis redis_up
fi
say "PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT"
