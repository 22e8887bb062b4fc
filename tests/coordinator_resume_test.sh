#!/usr/bin/env bash
# Crash-resume of a networked run: the coordinator is killed with SIGKILL in the middle
# of the run and restarted with the same configuration; it resumes from the last
# checkpointed round (the site agents reconnect on their own) and finishes with the
# same final metrics as an uninterrupted run of the same seed (mode plain: training is
# deterministic), while the run store stays consistent.
# Usage: coordinator_resume_test.sh <fedcloak binary>
set -euo pipefail
FEDCLOAK=$1
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fedcloak-resume-test.XXXXXX")
PORT=$((20000 + RANDOM % 20000))
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$WORK"/b*.log; do
    echo "== $f"; grep -vE "^round|registered" "$f" | head -8; grep "^round" "$f" | tail -2
  done
  exit 1
}

"$FEDCLOAK" provision --sites site-1,site-2,site-3 --coordinator-host 127.0.0.1 --port "$PORT" \
  --out "$WORK/certs" > /dev/null
for i in 1 2 3; do
  awk -v k="$i" 'NR % 3 == k % 3' /usr/share/doc/liblinear-tools/examples/heart_scale \
    > "$WORK/s$i.libsvm"
done
write_config() {  # <store path>
  cat <<TOML
[run]
name = "resume"
seed = 5
rounds = 400
mode = "plain"
[data]
dataset = "heart"
num_sites = 3
standardize = true
[model]
kind = "mlp"
hidden = [8]
[train]
lr = 0.02
epochs = 1
batch_size = 16
threads = 1
[selection]
min_sites = 3
[store]
path = "$1"
[network]
sites = ["site-1", "site-2", "site-3"]
heartbeat_s = 1
TOML
}
write_config "$WORK/a.sqlite" > "$WORK/a.toml"
write_config "$WORK/b.sqlite" > "$WORK/b.toml"
for i in 1 2 3; do
  "$FEDCLOAK" client --kit "$WORK/certs/sites/site-$i" --data "$WORK/s$i.libsvm" --threads 1 \
    > "$WORK/site-$i.log" 2>&1 &
  pids+=($!)
done
coordinator() {  # <config> <log>
  "$FEDCLOAK" coordinator --config "$1" --certs "$WORK/certs" --listen "127.0.0.1:$PORT" \
    --out "$WORK/out" --wait 60 > "$2" 2>&1
}
# The uninterrupted reference run.
coordinator "$WORK/a.toml" "$WORK/a.log" || fail "reference run failed: $(tail -3 "$WORK/a.log")"
# The interrupted run: killed once round 40 is reported, then restarted.
"$FEDCLOAK" coordinator --config "$WORK/b.toml" --certs "$WORK/certs" \
  --listen "127.0.0.1:$PORT" --out "$WORK/out" --wait 60 > "$WORK/b1.log" 2>&1 &
c=$!
pids+=("$c")
for _ in $(seq 1 600); do
  grep -q "round  40/400" "$WORK/b1.log" 2>/dev/null && break
  sleep 0.05
done
kill -9 "$c" 2>/dev/null || true
wait "$c" 2>/dev/null || true
grep -q "round 400/400" "$WORK/b1.log" && fail "the run finished before it could be killed"
coordinator "$WORK/b.toml" "$WORK/b2.log" || fail "resumed run failed: $(tail -3 "$WORK/b2.log")"
grep -q "resuming run 1 of" "$WORK/b2.log" || fail "the restarted coordinator did not resume"
final_a=$(grep "round 400/400" "$WORK/a.log" | sed 's/  [0-9.]*s .*//')
final_b=$(grep "round 400/400" "$WORK/b2.log" | sed 's/  [0-9.]*s .*//')
[ -n "$final_a" ] || fail "no final round in the reference run"
[ "$final_a" = "$final_b" ] || fail "resumed run differs: '$final_b' vs '$final_a'"
"$FEDCLOAK" status --store "$WORK/b.sqlite" | grep -qE "resume +plain +completed .* 400 " \
  || fail "store does not show 400 completed rounds: $("$FEDCLOAK" status --store "$WORK/b.sqlite")"
# The metrics files carry the rounds before the restart: rounds 1..400, each once.
[ "$(tail -n +2 "$WORK/out/rounds.csv" | cut -d, -f1 | tr '\n' ' ')" = "$(seq -s ' ' 1 400) " ] \
  || fail "rounds.csv does not hold rounds 1..400 once each after the resume"
echo "resume test passed: $final_b"
