#!/usr/bin/env bash
# Channel send+receive throughput: the Store API (Store::send, Store::receive) against
# raw rusqlite doing the same INSERT/DELETE on the same schema, in the same run.
# Usage: bench/store/run.sh [N=10000] [REPETITIONS=3]
set -euo pipefail

N=${1:-10000}
REPS=${2:-3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cd "$ROOT"
cargo build --release -j2 --manifest-path bench/store/Cargo.toml --target-dir target >&2
"$ROOT/target/release/jfc-bench-store" "$N" "$REPS" "$WORK"
