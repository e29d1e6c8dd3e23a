# Sourced by the bench scripts: ROOT (the repository), WORK (a scratch directory removed
# on exit) and JFC (the release jfc, built here unless JFC names one already).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cd "$ROOT"
if [ -z "${JFC:-}" ]; then
    cargo build --release -j2 --bin jfc >&2
    JFC="$TARGET/release/jfc"
fi
