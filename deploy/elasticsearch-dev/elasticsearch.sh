#!/usr/bin/env bash
# Start, stop or inspect the development Elasticsearch: one real node on 127.0.0.1:9200.
#
#   deploy/elasticsearch-dev/elasticsearch.sh start   build it when needed (Maven), start it, wait for green
#   deploy/elasticsearch-dev/elasticsearch.sh stop
#   deploy/elasticsearch-dev/elasticsearch.sh status
#
# The node is Elastic's own distribution and launcher (see pom.xml for how it is assembled) on Java 17, which
# still has the SecurityManager Elasticsearch 8 relies on. Its data, logs and configuration live under
# var/elasticsearch/. Elasticsearch refuses to run as root: when started by root it runs as the system user
# wildnet-es, created on first use. Settings: ELASTICSEARCH_HEAP (default 768m), ELASTICSEARCH_PORT (9200).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
version=$(sed -n 's:.*<es.version>\(.*\)</es.version>.*:\1:p' "$here/pom.xml")
var=${WILDNET_VAR_DIR:-$root/var}
build_dir=$var/elasticsearch-dev
home=$build_dir/elasticsearch-$version
state=$var/elasticsearch
port=${ELASTICSEARCH_PORT:-9200}
heap=${ELASTICSEARCH_HEAP:-768m}
url=http://127.0.0.1:$port
run_user=wildnet-es

say() { echo "elasticsearch: $*"; }
fail() { echo "elasticsearch: $*" >&2; exit 1; }

java17() {
    # Elasticsearch 8 needs the SecurityManager, which newer JDKs removed: pick a Java 17 explicitly.
    local candidate
    for candidate in "${ES_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/java-17-openjdk-amd64 \
        /usr/lib/jvm/java-17-openjdk-arm64 /usr/lib/jvm/java-17-openjdk /usr/lib/jvm/temurin-17-jdk-amd64; do
        if [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] &&
            "$candidate/bin/java" -version 2>&1 | grep 'version "17' >/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

answers() { curl -fsS -m 2 "$url/" >/dev/null 2>&1; }

build() {
    command -v mvn >/dev/null 2>&1 || fail "Maven (mvn) is missing: install it (Debian: apt-get install maven)"
    local stamp=$home/.wildnet-built
    if [ -f "$stamp" ] && [ -z "$(find "$here" -type f \( -name pom.xml -o -name '*.properties' \
        -o -name maven.config \) -newer "$stamp" -print)" ]; then
        return 0
    fi
    say "building Elasticsearch $version from Maven Central (first time: a few minutes)"
    mkdir -p "$build_dir"
    # A download that stalls (Maven Central or the module proxy) fails one try, not the build: what the first
    # try fetched whole stays in ~/.m2 (and the plugin's cache there), so a second try does not fetch it again.
    local attempt
    for attempt in 1 2 3; do
        if JAVA_HOME=$java_home mvn -q -f "$here/pom.xml" -Des.build.dir="$(cd "$build_dir" && pwd)" package; then
            touch "$stamp"
            return 0
        fi
        if [ "$attempt" -lt 3 ]; then
            say "build try $attempt failed; trying again in $((attempt * 15)) s"
            sleep $((attempt * 15))
        fi
    done
    fail "could not build Elasticsearch $version (see Maven's messages above)"
}

node_user() {
    if [ "$(id -u)" -ne 0 ]; then
        id -un
        return
    fi
    id "$run_user" >/dev/null 2>&1 ||
        useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$run_user"
    echo "$run_user"
}

start() {
    if answers; then
        say "already answers on $url"
        return 0
    fi
    java_home=$(java17) || fail "Java 17 is missing (Elasticsearch 8 needs it): install openjdk-17-jdk-headless"
    build
    local user
    user=$(node_user)
    mkdir -p "$state/data" "$state/logs" "$state/tmp"
    rm -rf "$state/config"
    cp -r "$home/config" "$state/config"
    cat >> "$state/config/elasticsearch.yml" <<EOF

# WildNet development node
cluster.name: wildnet-dev
node.name: wildnet-dev-1
discovery.type: single-node
network.host: 127.0.0.1
http.port: $port
transport.port: $((port + 100))
path.data: $state/data
path.logs: $state/logs
xpack.security.enabled: false
# A development machine's disk is often nearly full; a read-only index would look like a WildNet bug.
cluster.routing.allocation.disk.threshold_enabled: false
EOF
    printf -- '-Xms%s\n-Xmx%s\n' "$heap" "$heap" > "$state/config/jvm.options.d/heap.options"
    if [ "$user" != "$(id -un)" ]; then
        chown -R "$user" "$state"
    fi
    say "starting Elasticsearch $version on $url (heap $heap, data in $state)"
    local launch=(env ES_JAVA_HOME="$java_home" ES_PATH_CONF="$state/config" ES_TMPDIR="$state/tmp"
        "$home/bin/elasticsearch" -d -p "$state/elasticsearch.pid")
    if [ "$user" != "$(id -un)" ]; then
        runuser -u "$user" -- "${launch[@]}" >"$state/logs/launcher.log" 2>&1
    else
        "${launch[@]}" >"$state/logs/launcher.log" 2>&1
    fi
    # Green on a fresh node. Every primary active is what matters: an index that asks for replicas (the
    # production setting) stays yellow on a single node, and waiting for green would never end.
    local health
    for _ in $(seq 1 120); do
        if health=$(curl -fsS -m 5 "$url/_cluster/health?wait_for_status=yellow&timeout=1s" 2>/dev/null); then
            case $health in
                *'"status":"green"'*) say "green on $url" ;;
                *) say "all primaries active on $url (yellow: some index asks for replicas one node cannot hold)" ;;
            esac
            return 0
        fi
        sleep 1
    done
    tail -n 40 "$state/logs/wildnet-dev.log" >&2 2>/dev/null || true
    fail "no green cluster on $url within 120 s (logs in $state/logs)"
}

stop() {
    local pid_file=$state/elasticsearch.pid
    if [ ! -f "$pid_file" ]; then
        say "not running (no $pid_file)"
        return 0
    fi
    local pid
    pid=$(cat "$pid_file")
    if kill "$pid" 2>/dev/null; then
        for _ in $(seq 1 60); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pid_file"
    say "stopped"
}

case ${1:-} in
    start) start ;;
    stop) stop ;;
    status)
        if answers; then
            curl -fsS "$url/_cluster/health?pretty"
        else
            say "not answering on $url"
            exit 1
        fi
        ;;
    *) fail "usage: $0 start|stop|status" ;;
esac
