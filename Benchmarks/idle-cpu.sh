#!/usr/bin/env bash
# CPU used by hubtop with the dashboard open and no events, over SECONDS (default 60), from
# /proc/PID/stat (utime + stime). The baseline in the same run: `tmux` itself serving the pane
# over the same window (the terminal hubtop draws into).
#   Benchmarks/idle-cpu.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
command -v tmux >/dev/null || { apt-get update -qq && apt-get install -y -qq tmux >/dev/null; }
swift build -c release --product hubtop >&2
socket="hubtop-idle-$$"
port=$((20000 + RANDOM % 20000))
trap 'tmux -L "$socket" kill-server 2>/dev/null || true' EXIT
tmux -L "$socket" -f /dev/null new-session -d -s idle -x 160 -y 50 \
    "TERM=screen-256color $PWD/.build/release/hubtop --listen 127.0.0.1:$port --token idle-token-0123456789 2>/dev/null"
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
pid=$(pgrep -f "^[^ ]*/release/hubtop --listen 127.0.0.1:$port" | head -1)
server=$(tmux -L "$socket" display -p '#{pid}')
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
sleep 3 # let start-up settle
h0=$(ticks "$pid"); t0=$(ticks "$server")
sleep "$seconds"
h1=$(ticks "$pid"); t1=$(ticks "$server")
hz=$(getconf CLK_TCK)
pct() { echo "($1) * 100 / $hz / $seconds" | bc -l; }
printf '| figure | hubtop | tmux server (baseline) | target |\n|---|---|---|---|\n'
printf '| idle CPU over %d s | %.3f %% (%d ticks) | %.3f %% (%d ticks) | ≤ 0.1 %% |\n' "$seconds" \
    "$(pct "$h1 - $h0")" "$((h1 - h0))" "$(pct "$t1 - $t0")" "$((t1 - t0))"
