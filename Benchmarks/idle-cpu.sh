#!/usr/bin/env bash
# CPU used by hubtop with the dashboard open and no new events, over SECONDS (default 60), with
# EVENTS events held (default 0; they are replayed from a journal written first). CPU time is
# read from /proc/PID/task/*/schedstat (nanoseconds, every thread), not the 10 ms ticks of
# /proc/PID/stat. The baseline in the same run: `tmux` itself serving the pane over the same
# window (the terminal hubtop draws into).
#   Benchmarks/idle-cpu.sh [SECONDS]            EVENTS=1000000 Benchmarks/idle-cpu.sh 120
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
events=${EVENTS:-0}
command -v tmux >/dev/null || { apt-get update -qq && apt-get install -y -qq tmux >/dev/null; }
swift build -c release --product hubtop >&2
work=$(mktemp -d)
socket="hubtop-idle-$$"
port=$((20000 + RANDOM % 20000))
trap 'tmux -L "$socket" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
extra=""
if [ "$events" -gt 0 ]; then
    swift build -c release --package-path Benchmarks --product HubtopFigures >&2
    Benchmarks/.build/release/HubtopFigures write-journal "$events" "$work/journal" >&2
    extra="--journal $work/journal --max-events $events --max-memory 4GiB"
fi
tmux -L "$socket" -f /dev/null new-session -d -s idle -x 160 -y 50 \
    "TERM=screen-256color $PWD/.build/release/hubtop --listen 127.0.0.1:$port --token idle-token-0123456789 $extra 2>/dev/null"
for _ in $(seq 1 1200); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
pid=$(pgrep -f "^[^ ]*/release/hubtop --listen 127.0.0.1:$port" | head -1)
server=$(tmux -L "$socket" display -p '#{pid}')
cpu() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{sum += $1} END {print sum}'; }
sleep 5 # let start-up settle
h0=$(cpu "$pid"); t0=$(cpu "$server")
sleep "$seconds"
h1=$(cpu "$pid"); t1=$(cpu "$server")
pct() { echo "($1) * 100 / 1000000000 / $seconds" | bc -l; }
printf '| figure | hubtop | tmux server (baseline) | target |\n|---|---|---|---|\n'
printf '| idle CPU over %d s, %d events held | %.4f %% | %.4f %% | ≤ 0.05 %% |\n' "$seconds" "$events" \
    "$(pct "$h1 - $h0")" "$(pct "$t1 - $t0")"
