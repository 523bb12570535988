# Sourced by the benchmark scripts, from the repository's root.

# The release binary: MILLENNIUM_BIN when set, otherwise this checkout's, built now.
release_binary() {
    if [ -n "${MILLENNIUM_BIN:-}" ]; then
        echo "$MILLENNIUM_BIN"
        return
    fi
    cargo build --release --quiet >&2
    echo "${CARGO_TARGET_DIR:-$PWD/target}/release/millennium"
}

# The data directory: BENCH_DATA_DIR (kept between runs) or a new temporary one, which the
# script's clean-up removes when BENCH_DATA_DIR is not set.
bench_data_dir() {
    if [ -n "${BENCH_DATA_DIR:-}" ]; then
        mkdir -p "$BENCH_DATA_DIR"
        echo "$BENCH_DATA_DIR"
    else
        local dir
        dir="$(mktemp -d)"
        chmod 755 "$dir"
        echo "$dir"
    fi
}

# A free TCP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The directory of PostgreSQL's programs: POSTGRES_BIN_DIR, or the newest installed.
postgres_bin_dir() {
    if [ -n "${POSTGRES_BIN_DIR:-}" ]; then
        echo "$POSTGRES_BIN_DIR"
        return
    fi
    dirname "$(compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' | sort -V | tail -n 1)"
}

# Runs a command as the owner of the cluster directory $1 (the embedded default makes it
# `postgres`'s when run as root, as PostgreSQL refuses to run as root).
as_cluster_owner() {
    local owner
    owner="$(stat -c %U "$1")"
    shift
    if [ "$(id -un)" = "$owner" ]; then "$@"; else runuser -u "$owner" -- "$@"; fi
}

# Starts the cluster $1 (made by the embedded default: `seed demo` with DATA_DIR) on port $2
# of 127.0.0.1, logging to pg_ctl.log in it, and waits until it accepts connections.
cluster_start() {
    as_cluster_owner "$1" "$(postgres_bin_dir)/pg_ctl" -D "$1" -l "$1/pg_ctl.log" -w -s start \
        -o "-p $2 -c listen_addresses=127.0.0.1 -c unix_socket_directories="
}

# Stops the cluster $1 (fast shutdown) and waits for it.
cluster_stop() {
    as_cluster_owner "$1" "$(postgres_bin_dir)/pg_ctl" -D "$1" -m fast -w -s stop
}
