#!/usr/bin/env bash
# find() with a field lookup over N objects: the Store API against raw rusqlite running
# hand-written SQL for the same questions on the same file, in the same run.
# Usage: bench/store/find.sh [N=100000] [REPETITIONS=5]
set -euo pipefail

N=${1:-100000}
REPS=${2:-5}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cd "$ROOT"
cargo build --release -j2 --manifest-path bench/store/Cargo.toml --target-dir target >&2
"$ROOT/target/release/jfc-bench-find" "$N" "$REPS" "$WORK"
