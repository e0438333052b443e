#!/usr/bin/env bash
# Ingest throughput against a baseline measured in the same run: hubtop (release build, the
# dashboard running in tmux) and nginx (1 worker, `return 204`) take the same load — wrk -t2
# -c64, the realistic mix of Benchmarks/mix.lua (~1.5 KB) — in alternating rounds, with
# keep-alive and with Connection: close. Prints req/s and the ratio beside the target, then
# hubtop's memory per stored event over HTTP.
#   Benchmarks/throughput.sh            (ROUNDS=3 DURATION=10s by default)
#   MODES=keepalive HUBTOP_ARGS='--keep-requests 0' Benchmarks/throughput.sh   (one mode; extra flags)
#   HEADLESS=1 Benchmarks/throughput.sh   (hubtop --headless, its output to /dev/null, no tmux)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-3}
modes=${MODES:-keepalive close}
extra=${HUBTOP_ARGS:-}
duration=${DURATION:-10s}
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx)
command -v tmux >/dev/null || need+=(tmux)
if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
swift build -c release --product hubtop >&2

work=$(mktemp -d)
nport=$((20000 + RANDOM % 10000))
hport=$((30000 + RANDOM % 10000))
socket="hubtop-bench-$$"
mkdir -p "$work/tmp"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/tmp;
    proxy_temp_path $work/tmp;
    fastcgi_temp_path $work/tmp;
    uwsgi_temp_path $work/tmp;
    scgi_temp_path $work/tmp;
    client_max_body_size 1m;
    server { listen 127.0.0.1:$nport; location / { return 204; } }
}
CONF
cleanup() {
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true
    tmux -L "$socket" kill-server 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
nginx -c "$work/nginx.conf" -p "$work"
flags="--listen 127.0.0.1:$hport --token bench-token-0123456789 --rate-limit 0 --max-connections 4096 \
    --max-connections-per-address 4096 --max-events 2000000 $extra"
if [ "${HEADLESS:-0}" = 1 ]; then
    # shellcheck disable=SC2086 # flags are words
    "$PWD/.build/release/hubtop" --headless $flags >/dev/null 2>"$work/hubtop.err" &
else
    tmux -L "$socket" -f /dev/null new-session -d -s bench -x 160 -y 50 \
        "TERM=screen-256color $PWD/.build/release/hubtop $flags 2>$work/hubtop.err"
fi
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$hport/healthz" >/dev/null && break; sleep 0.1; done
pid=$(pgrep -f "^[^ ]*/release/hubtop (--headless )?--listen 127.0.0.1:$hport" | head -1)
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
events() { curl -s "http://127.0.0.1:$hport/healthz" | sed -E 's/.*"events":([0-9]+).*/\1/'; }
counted() { curl -s "http://127.0.0.1:$hport/healthz" | sed -E 's/.*"store_bytes":([0-9]+).*/\1/'; }
rss_before=$(rss)
events_before=$(events)
counted_before=$(counted)

run() { # server mode -> req/s
    local url path
    if [ "$1" = nginx ]; then url="http://127.0.0.1:$nport"; path="/"; else url="http://127.0.0.1:$hport"; path="/hook/bench-token-0123456789"; fi
    wrk -t2 -c64 -d"$duration" -s Benchmarks/mix.lua "$url" -- "$path" "$2" | awk '/^RATE/ {print $2}'
}

declare -A results
for mode in $modes; do
    for round in $(seq 1 "$rounds"); do
        for server in nginx hubtop; do
            rate=$(run "$server" "$mode")
            results[$server.$mode]+="$rate "
            echo "round $round $mode $server: $rate req/s" >&2
        done
    done
done
kill -0 "$pid" || { echo "hubtop died"; cat "$work/hubtop.err"; exit 1; }
rss_after=$(rss)
events_after=$(events)
counted_after=$(counted)

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '\n| figure | hubtop | nginx (baseline) | ratio | target |\n|---|---|---|---|---|\n'
for mode in $modes; do
    h=$(echo "${results[hubtop.$mode]}" | median)
    n=$(echo "${results[nginx.$mode]}" | median)
    label=$([ "$mode" = keepalive ] && echo "req/s, keep-alive" || echo "req/s, Connection: close")
    printf '| %s | %.0f | %.0f | %.2f× | ≥ 0.45× |\n' "$label" "$h" "$n" "$(echo "$h / $n" | bc -l)"
done
stored=$((events_after - events_before))
printf '| RSS per stored event over HTTP (%d events) | %.0f B | | | ≤ 200 B |\n' "$stored" \
    "$(echo "($rss_after - $rss_before) * 1024 / $stored" | bc -l)"
# What the memory budget counts for the same events: --max-memory holds what it says when this
# follows RSS.
printf '| bytes the memory budget counts per stored event | %.0f B | | | within 10 %% of RSS |\n' \
    "$(echo "($counted_after - $counted_before) / $stored" | bc -l)"
