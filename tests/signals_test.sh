#!/usr/bin/env bash
# SIGTERM/SIGINT stop the long-running commands cleanly with meaningful exit codes:
# a coordinator waiting for its sites exits 143 (128 + SIGTERM) at once; a site agent
# trying to reach an absent coordinator exits 0 on SIGINT.
# Usage: signals_test.sh <fedcloak binary>
set -euo pipefail
FEDCLOAK=$1
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fedcloak-signals-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
PORT=$((20000 + RANDOM % 20000))
"$FEDCLOAK" provision --sites site-1 --coordinator-host 127.0.0.1 --port "$PORT" \
  --out "$WORK/certs" > /dev/null
cat > "$WORK/run.toml" <<TOML
[run]
rounds = 1
mode = "plain"
[data]
dataset = "heart"
num_sites = 1
[model]
kind = "mlp"
[store]
path = "$WORK/store.sqlite"
[network]
sites = ["site-1"]
TOML
"$FEDCLOAK" coordinator --config "$WORK/run.toml" --certs "$WORK/certs" \
  --listen "127.0.0.1:$PORT" --out "$WORK/out" --wait 600 > "$WORK/c.log" 2>&1 &
c=$!
# Signals are handled from the moment the coordinator says it is listening.
for _ in $(seq 300); do grep -q "listening on port" "$WORK/c.log" && break; sleep 0.1; done
start=$(date +%s)
kill -TERM "$c"
status=0
wait "$c" || status=$?
[ "$status" -eq 143 ] || { cat "$WORK/c.log"; echo "FAIL: coordinator exit $status, expected 143"; exit 1; }
[ $(( $(date +%s) - start )) -le 5 ] || { echo "FAIL: coordinator took too long to stop"; exit 1; }
grep -q "stopped by signal 15" "$WORK/c.log" || { echo "FAIL: no stop message"; exit 1; }
"$FEDCLOAK" client --kit "$WORK/certs/sites/site-1" --data /dev/null > "$WORK/s.log" 2>&1 &
s=$!
for _ in $(seq 300); do grep -q "connecting to the coordinator" "$WORK/s.log" && break; sleep 0.1; done
kill -INT "$s"
status=0
wait "$s" || status=$?
[ "$status" -eq 0 ] || { cat "$WORK/s.log"; echo "FAIL: client exit $status, expected 0"; exit 1; }
grep -q "stopped by signal" "$WORK/s.log" || { echo "FAIL: no stop message from the client"; exit 1; }
echo "signals test passed"
