# Shared by the scripts that set up a development or CI machine (services.sh, chromium.sh): sourced, not run.
# The sourcing script sets NAME (the prefix of its messages) before sourcing.

say() { echo "$NAME: $*"; }
fail() { echo "$NAME: $*" >&2; exit 1; }

# Run a command as root: directly when we are root, through sudo when there is one, else say how to run it.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        fail "this needs root or sudo: run '$*' as root"
    fi
}
