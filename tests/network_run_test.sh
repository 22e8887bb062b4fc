#!/usr/bin/env bash
# End-to-end test of a networked run: a provisioned CA, a coordinator and 5 site agents
# as separate processes over gRPC with mutual TLS, on loopback. One site is killed with
# SIGKILL during the run; the run must still complete all rounds (the remaining 4 sites
# are above the threshold of 3). Also checks that a site whose certificate comes from
# another CA never gets in.
# Usage: network_run_test.sh <fedcloak binary> <mode: he|secagg>
set -euo pipefail
FEDCLOAK=$1
MODE=$2
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fedcloak-net-test.XXXXXX")
PORT=$((20000 + RANDOM % 20000))
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

sites=site-1,site-2,site-3,site-4,site-5
"$FEDCLOAK" provision --sites "$sites" --coordinator-host 127.0.0.1 --port "$PORT" \
  --out "$WORK/certs" > /dev/null
# A second, unrelated federation: its kit must be rejected by our coordinator.
"$FEDCLOAK" provision --sites site-1 --coordinator-host 127.0.0.1 --port "$PORT" \
  --out "$WORK/rogue" --federation rogue > /dev/null

cat > "$WORK/run.toml" <<TOML
[run]
name = "net-test"
seed = 3
rounds = 40
mode = "$MODE"
[data]
dataset = "heart"
num_sites = 5
standardize = true
[model]
kind = "mlp"
hidden = [8]
[train]
lr = 0.05
epochs = 1
batch_size = 16
[selection]
min_sites = 3
[secure]
threshold = 3
scale_bits = 16
[network]
sites = ["site-1", "site-2", "site-3", "site-4", "site-5"]
stage_timeout_s = 20
heartbeat_s = 1
TOML

DATA=/usr/share/doc/liblinear-tools/examples/heart_scale
for i in 1 2 3 4 5; do awk -v k="$i" 'NR % 5 == k % 5' "$DATA" > "$WORK/site-$i.libsvm"; done

"$FEDCLOAK" coordinator --config "$WORK/run.toml" --certs "$WORK/certs" \
  --listen "127.0.0.1:$PORT" --out "$WORK/out" --wait 60 > "$WORK/coordinator.log" 2>&1 &
coordinator=$!
pids+=("$coordinator")
"$FEDCLOAK" client --kit "$WORK/rogue/sites/site-1" --data "$WORK/site-1.libsvm" --threads 1 \
  > "$WORK/rogue.log" 2>&1 &
pids+=($!)
for i in 1 2 3 4 5; do
  "$FEDCLOAK" client --kit "$WORK/certs/sites/site-$i" --data "$WORK/site-$i.libsvm" \
    --threads 1 > "$WORK/site-$i.log" 2>&1 &
  pids+=($!)
  eval "site_$i=$!"
done

# Kill site-5 once the second round has finished.
for _ in $(seq 1 600); do
  if grep -q "round   2/40" "$WORK/coordinator.log"; then break; fi
  if ! kill -0 "$coordinator" 2>/dev/null; then break; fi
  sleep 0.1
done
kill -9 "$site_5" 2>/dev/null || true
status=0
wait "$coordinator" || status=$?
cat "$WORK/coordinator.log"
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$status" -eq 0 ] || fail "coordinator exited with $status"
grep -q "round  40/40" "$WORK/coordinator.log" || fail "the run did not reach round 40"
grep -q "round   1/40  sites 5/5" "$WORK/coordinator.log" || fail "round 1 did not have all 5 sites"
grep -qE "round  ?[0-9]+/40  sites 4/" "$WORK/coordinator.log" || fail "no round ran without the killed site"
grep -q "done: " "$WORK/coordinator.log" || fail "no final summary"
if grep -q "registered" "$WORK/rogue.log" 2>/dev/null; then fail "the rogue site registered"; fi
echo "network run test ($MODE) passed"
