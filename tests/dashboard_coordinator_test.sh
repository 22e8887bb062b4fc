#!/usr/bin/env bash
# The dashboard of a running coordinator, seen by a real browser: a networked run with
# 3 site processes and [dashboard] enabled; once some rounds are done the sites are
# paused (SIGSTOP), so the page's state stands still, and headless Chromium loads the
# page. It must show the current round and charts with one point per finished round;
# /metrics and /api/rounds must agree. The screenshot is kept as <build>/coordinator-dashboard.png.
# Usage: dashboard_coordinator_test.sh <fedcloak binary> <screenshot path>
set -euo pipefail
FEDCLOAK=$1
SHOT=$2
CHROMIUM=/usr/bin/chromium
[ -x "$CHROMIUM" ] || { echo "FAIL: $CHROMIUM is missing: run scripts/install-deps"; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fedcloak-dash-test.XXXXXX")
PORT=$((20000 + RANDOM % 20000))
DPORT=$((PORT + 1))
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -5 "$WORK/coordinator.log" >&2; exit 1; }

"$FEDCLOAK" provision --sites site-1,site-2,site-3 --coordinator-host 127.0.0.1 --port "$PORT" \
  --out "$WORK/certs" > /dev/null
for i in 1 2 3; do
  awk -v k="$i" 'NR % 3 == k % 3' /usr/share/doc/liblinear-tools/examples/heart_scale \
    > "$WORK/s$i.libsvm"
done
cat > "$WORK/run.toml" <<TOML
[run]
name = "dashboard"
seed = 2
rounds = 100000
mode = "secagg"
[data]
dataset = "heart"
num_sites = 3
standardize = true
[model]
kind = "mlp"
hidden = [8]
[selection]
min_sites = 3
[store]
path = "$WORK/store.sqlite"
[dashboard]
enabled = true
port = $DPORT
[network]
sites = ["site-1", "site-2", "site-3"]
heartbeat_s = 10
stage_timeout_s = 60
TOML
"$FEDCLOAK" coordinator --config "$WORK/run.toml" --certs "$WORK/certs" \
  --listen "127.0.0.1:$PORT" --out "$WORK/out" > "$WORK/coordinator.log" 2>&1 &
pids+=($!)
sites=()
for i in 1 2 3; do
  "$FEDCLOAK" client --kit "$WORK/certs/sites/site-$i" --data "$WORK/s$i.libsvm" --threads 1 \
    > "$WORK/site-$i.log" 2>&1 &
  pids+=($!)
  sites+=($!)
done
for _ in $(seq 1 600); do
  grep -q "round   5/" "$WORK/coordinator.log" 2>/dev/null && break
  sleep 0.05
done
kill -STOP "${sites[@]}"
sleep 1
done_rounds=$(grep -c "^round " "$WORK/coordinator.log")
[ "$done_rounds" -ge 5 ] || fail "only $done_rounds rounds before the pause"

URL="http://127.0.0.1:$DPORT/"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --hide-scrollbars "--user-data-dir=$WORK/profile" --window-size=1200,900
       --virtual-time-budget=3000)
timeout 60 "$CHROMIUM" "${flags[@]}" --dump-dom "$URL" > "$WORK/dom.html" 2> /dev/null \
  || fail "chromium --dump-dom failed"
timeout 60 "$CHROMIUM" "${flags[@]}" "--screenshot=$SHOT" "$URL" > /dev/null 2>&1 \
  || fail "chromium --screenshot failed"
grep -q "id=\"chart-accuracy\" data-points=\"$done_rounds\"" "$WORK/dom.html" \
  || fail "the accuracy chart does not have $done_rounds points: $(grep -o 'data-points="[0-9]*"' "$WORK/dom.html" | head -2)"
grep -qE "id=\"current-round\">($done_rounds|$((done_rounds + 1)))</b>" "$WORK/dom.html" \
  || fail "the page does not show round $done_rounds or $((done_rounds + 1))"
curl -sf "http://127.0.0.1:$DPORT/metrics" | grep -q "^fedcloak_sites_online 3" \
  || fail "/metrics does not report 3 sites online"
[ -s "$SHOT" ] || fail "no screenshot"
echo "dashboard test passed: $done_rounds rounds on the page; screenshot $SHOT"
