#!/usr/bin/env bash
# CI for editors/: the VS Code extension's grammar tests, type check and .vsix package.
set -euo pipefail
cd "$(dirname "$0")/vscode"

# Node 20 or newer (@vscode/vsce needs it); CI runs as root on Debian, where apt provides it.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    apt-get update
    apt-get install -y --no-install-recommends nodejs npm
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
    echo "editors/ci.sh: node $(node --version) is too old; the extension's tools need node 20 or newer" >&2
    exit 1
fi

npm ci --no-audit --no-fund
npm test
npm run package
echo "editors/ci.sh: built $(pwd)/jobflow.vsix"
