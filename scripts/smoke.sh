#!/usr/bin/env bash
# Smoke-tests a compiled binary the way a user would meet it: copied alone into
# an empty directory, with a fresh home. Usage: scripts/smoke.sh dist/codex-shim-linux-x64
set -euo pipefail
bin_src=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d)
trap 'CODEX_SHIM_HOME="$work/home" "$work/codex-shim" stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
cp "$bin_src" "$work/codex-shim"
cd "$work"
export CODEX_SHIM_HOME="$work/home" CODEX_HOME="$work/codex-home"
port=$(( 20000 + RANDOM % 20000 ))
mkdir -p "$CODEX_SHIM_HOME"
cat > "$CODEX_SHIM_HOME/models.json" <<JSON
{"models":[{"slug":"smoke","model":"smoke-model","provider":"ollama"}]}
JSON

echo "== --version";  ./codex-shim --version
echo "== generate";   ./codex-shim generate --port "$port"
test -s "$CODEX_SHIM_HOME/model_catalog.json"
echo "== start";      ./codex-shim start --port "$port"
echo "== status";     ./codex-shim status
echo "== /health";    curl -fsS "http://127.0.0.1:$port/health"; echo
curl -fsS "http://127.0.0.1:$port/health" | grep -q '"models":1'
# The ledger's summary runs on a worker thread, an entrypoint of its own in the binary.
echo "== /api/usage"; curl -fsS "http://127.0.0.1:$port/api/usage?since=7d&by=day"; echo
curl -fsS "http://127.0.0.1:$port/api/usage" | grep -q '"enabled":true'
if grep -q 'could not be read' "$CODEX_SHIM_HOME/codex-shim.log" 2>/dev/null; then echo "the usage summary failed:"; cat "$CODEX_SHIM_HOME/codex-shim.log"; exit 1; fi
echo "== stop";       ./codex-shim stop
if ./codex-shim status >/dev/null 2>&1; then echo "status should fail after stop"; exit 1; fi
echo "smoke: ok"
