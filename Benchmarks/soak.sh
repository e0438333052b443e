#!/usr/bin/env bash
# Soak: drive at least REQUESTS (default 1,000,000) requests, valid and invalid mixed, at a
# release build of hubtop on loopback, then check that it is alive, that memory stayed flat
# under --max-events, that accepted = stored + folded + evicted, and that nothing got a 5xx.
#   Benchmarks/soak.sh [REQUESTS] [MAX_EVENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-1000000}
max_events=${2:-50000}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
swift build -c release --product hubtop >&2
port=$((20000 + RANDOM % 20000))
log=$(mktemp)
.build/release/hubtop --headless --listen 127.0.0.1:$port --token soak-token-0123456789 --max-events "$max_events" \
    --rate-limit 0 --max-connections 4096 --max-connections-per-address 4096 >/dev/null 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2}' /proc/$pid/status; }
echo "hubtop pid $pid on port $port; RSS at start: $(rss) kB"
samples=()
total=0
ok200=0
round=0
# Rounds of 15 s until the request count is reached (bounded: at most 40 rounds).
while [ "$total" -lt "$requests" ] && [ "$round" -lt 40 ]; do
    round=$((round + 1))
    out=$(wrk -t2 -c32 -d15s -s Benchmarks/soak.lua "http://127.0.0.1:$port" -- soak-token-0123456789)
    done_now=$(echo "$out" | awk '/requests in/ {print $1}')
    total=$((total + done_now))
    statuses=$(echo "$out" | grep '^STATUSES' || true)
    samples+=("$(rss)")
    ok200=$((ok200 + $(echo "$statuses" | tr ' ' '\n' | awk -F= '$1 == 200 {print $2}' | grep . || echo 0)))
    echo "round $round: $done_now requests ($(echo "$out" | awk '/Requests\/sec/ {print $2}') req/s), RSS $(rss) kB, $statuses"
    if echo "$statuses" | grep -Eq ' 5[0-9][0-9]='; then echo "FAIL: 5xx answers"; exit 1; fi
    if echo "$out" | grep -q 'Socket errors'; then echo "$out" | grep 'Socket errors'; fi
done
kill -0 $pid || { echo "FAIL: hubtop died"; cat "$log"; exit 1; }
[ "$total" -ge "$requests" ] || { echo "FAIL: only $total of $requests requests in 40 rounds"; exit 1; }
health=$(curl -s "http://127.0.0.1:$port/healthz")
echo "healthz: $health"
python3 - "$health" "$max_events" "$ok200" "$total" "${samples[@]}" <<'PY'
import json, sys
health = json.loads(sys.argv[1]); cap = int(sys.argv[2]); ok200 = int(sys.argv[3]); total = int(sys.argv[4])
rss = [int(x) for x in sys.argv[5:]]
stored, evicted, folded, accepted = health["events"], health["evicted"], health["folded"], health["accepted"]
print(f"{total} requests; {ok200} answered 200; accepted {accepted} = stored {stored} + evicted {evicted}"
      f" + folded {folded} ({stored + evicted + folded}); rejected {health['rejected']} {health['rejections']}")
# Deliveries still in flight when a wrk round ends are accepted without wrk counting the 200:
# at most one per connection per round.
in_flight = 32 * len(rss)
ok = stored <= cap and accepted == stored + evicted + folded and ok200 <= accepted <= ok200 + in_flight
# Flat memory: once the store is full, RSS may not keep growing (allow 10% over the first full sample).
full = [r for i, r in enumerate(rss) if i >= 1]
growth = (max(full) - full[0]) / full[0] if len(full) > 1 else 0
print(f"RSS samples (kB): {rss}; growth after the first round: {growth:.1%}")
ok = ok and growth <= 0.10
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
