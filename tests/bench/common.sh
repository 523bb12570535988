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
