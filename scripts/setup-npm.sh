#!/usr/bin/env bash
# Installs the ONNX Runtime test harness (tests/ort) from the npm registry. Idempotent: does
# nothing when node_modules already matches package-lock.json.
#
# onnxruntime-node bundles its CPU binaries; its postinstall would also fetch CUDA binaries from
# GitHub on Linux x64, which is not reachable here and not needed, so it is told to skip that
# (tests/ort/.npmrc says the same for a plain `npm ci` in that folder).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
harness="$here/tests/ort"

command -v node >/dev/null || { echo "setup-npm.sh: node is not installed (Debian: apt-get install nodejs npm)" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup-npm.sh: npm is not installed (Debian: apt-get install npm)" >&2; exit 1; }

export ONNXRUNTIME_NODE_INSTALL_CUDA=skip

cd "$harness"
want="$(node -p "require('./package.json').dependencies['onnxruntime-node']")"
have="$(node -p "try { require('./node_modules/onnxruntime-node/package.json').version } catch (e) { '' }")"
if [[ "$want" == "$have" ]] && node -e "require('onnxruntime-node')" 2>/dev/null; then
    echo "setup-npm.sh: onnxruntime-node $have already installed in $harness/node_modules"
    exit 0
fi
if [[ -f package-lock.json ]]; then
    npm ci --no-audit --no-fund
else
    npm install --no-audit --no-fund
fi
node -e "const ort=require('onnxruntime-node'); console.log('setup-npm.sh: onnxruntime-node ' + require('onnxruntime-node/package.json').version + ' ready')"
