#!/usr/bin/env bash
# Install wrk, the HTTP load generator of the load benchmark (tests/benchmarks/bench_load.py): Debian's package.
#
# wrk is C with one event loop per thread: at 32 connections it spends a few microseconds of CPU a request and
# times each answer as it arrives, where a generator written in Python spent about 0.5 ms a request on the two
# cores it shares with the server and added its own interpreter's waits to the latencies it measured. Does
# nothing when wrk is on the PATH; otherwise one `apt-get update`, then `apt-get install -y wrk`, as root or
# through sudo.
set -euo pipefail

LOCK_WAIT=600  # seconds apt-get waits for another apt-get to release the dpkg lock

NAME=wrk
# shellcheck source=deploy/machine.sh
source "$(dirname "$0")/machine.sh"

if command -v wrk >/dev/null 2>&1; then
    say "wrk already at $(command -v wrk)"
    exit 0
fi
command -v apt-get >/dev/null 2>&1 || fail "no apt-get here: install wrk (https://github.com/wg/wrk) on the PATH"

say "installing wrk from Debian's packages"
as_root apt-get -o DPkg::Lock::Timeout="$LOCK_WAIT" update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$LOCK_WAIT" install -y -qq wrk >/dev/null
command -v wrk >/dev/null 2>&1 || fail "apt-get installed wrk but it is not on the PATH"
say "wrk at $(command -v wrk)"
