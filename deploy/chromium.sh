#!/usr/bin/env bash
# Install the Chromium that the browser tests drive: Debian's package, at /usr/bin/chromium.
#
# Playwright's own browser download is never used (`playwright install` fetches from a CDN that closed networks
# and CI machines do not reach; the tests launch Chromium by its path instead). Does nothing when the browser is
# already there; otherwise one `apt-get update`, then `apt-get install -y chromium`, as root or through sudo.
# apt-get waits for a dpkg lock held by another apt-get rather than failing on it. WILDNET_CHROMIUM names another
# binary for the tests; this script only checks that one, since apt-get cannot put a browser at a chosen path.
set -euo pipefail

DEBIAN_CHROMIUM=/usr/bin/chromium
CHROMIUM=${WILDNET_CHROMIUM:-$DEBIAN_CHROMIUM}
LOCK_WAIT=600  # seconds apt-get waits for another apt-get to release the dpkg lock

NAME=browser
# shellcheck source=deploy/machine.sh
source "$(dirname "$0")/machine.sh"

if [ -x "$CHROMIUM" ]; then
    say "Chromium already at $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
    exit 0
fi
if [ "$CHROMIUM" != "$DEBIAN_CHROMIUM" ]; then
    fail "WILDNET_CHROMIUM=$CHROMIUM is not an executable; unset it to use Debian's $DEBIAN_CHROMIUM"
fi
command -v apt-get >/dev/null 2>&1 || fail "no apt-get here: install Chromium so that $CHROMIUM exists, or set WILDNET_CHROMIUM"

say "installing chromium from Debian's packages"
as_root apt-get -o DPkg::Lock::Timeout="$LOCK_WAIT" update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$LOCK_WAIT" install -y -qq chromium >/dev/null
[ -x "$CHROMIUM" ] || fail "apt-get installed chromium but $CHROMIUM is missing"
say "Chromium at $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
