#!/usr/bin/env bash
# CI for editors/: the VS Code extension's grammar and unit tests, type check and .vsix package;
# with JFC=path/to/jfc also a real LSP session between the extension's server command and jfc.
set -euo pipefail
jfc=""
if [ -n "${JFC:-}" ]; then
    jfc=$(realpath -e "$JFC") || { echo "editors/ci.sh: JFC=$JFC does not exist" >&2; exit 1; }
fi
cd "$(dirname "$0")/vscode"

# Node 20 or newer (@vscode/vsce needs it); CI runs as root on Debian. Debian 12's own nodejs
# is 18: then node 20 comes from the npm registry's `node` package, which carries the binary,
# installed once into a directory of its own that goes first on PATH.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    apt-get update
    apt-get install -y --no-install-recommends nodejs npm
fi
node_major() { node -p 'process.versions.node.split(".")[0]'; }
if [ "$(node_major)" -lt 20 ]; then
    node20="${XDG_CACHE_HOME:-$HOME/.cache}/jfc/node20"
    if [ ! -x "$node20/node_modules/.bin/node" ]; then
        echo "editors/ci.sh: node $(node --version) is too old; installing node 20 into $node20"
        npm install --prefix "$node20" --no-audit --no-fund node@20
    fi
    export PATH="$node20/node_modules/.bin:$PATH"
fi
if [ "$(node_major)" -lt 20 ]; then
    echo "editors/ci.sh: node $(node --version) is too old; the extension's tools need node 20 or newer" >&2
    exit 1
fi

npm ci --no-audit --no-fund
npm test
npm run package
echo "editors/ci.sh: built $(pwd)/jobflow.vsix"

if [ -n "$jfc" ]; then
    JFC="$jfc" npm run test:server
else
    echo "editors/ci.sh: LSP session test not run: set JFC to a built jfc (e.g. JFC=target/debug/jfc)"
fi
