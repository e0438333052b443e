#!/usr/bin/env bash
# The in-process figures of issue #6, each beside its target and (where there is one) a
# baseline measured in the same run, from Benchmarks/Sources/HubtopFigures (release build):
# decode time vs Foundation's JSONDecoder, RSS per stored event vs a naive store of
# JSONDecoder structs, frame render and filter keystrokes at N events, journal replay.
#   Benchmarks/figures.sh [N]        (N = 1000000 by default)
set -euo pipefail
cd "$(dirname "$0")"
n=${1:-1000000}
swift build -c release --product HubtopFigures >&2
bin=.build/release/HubtopFigures
declare -A f
collect() { while IFS=$'\t' read -r name value unit; do f[$name]=$value; done < <("$@"); }
collect "$bin" decode
collect "$bin" memory hubtop "$n"
collect "$bin" memory naive "$n"
collect "$bin" render "$n"
collect "$bin" replay "$n"
fmt() { printf "%.${2:-1}f" "$1"; }
cat <<TABLE

| figure | hubtop | baseline (same run) | ratio | target |
|---|---|---|---|---|
| decode, ${f[payload_bytes]%.*} B payload | $(fmt "${f[decode_hubtop]}" 2) µs | JSONDecoder $(fmt "${f[decode_jsondecoder]}" 2) µs | $(fmt "${f[decode_ratio]}" 3)× | ≤ 0.125× |
| RSS per stored event, realistic mix, $n events | $(fmt "${f[memory_hubtop]}" 0) B | naive store $(fmt "${f[memory_naive]}" 0) B | $(fmt "$(echo "${f[memory_hubtop]} / ${f[memory_naive]}" | bc -l)" 2)× | ≤ 150 B |
| frame render, $n events (p50 / max) | $(fmt "${f[frame_render_p50]}" 2) / $(fmt "${f[frame_render_max]}" 2) ms | | | ≤ 2 ms |
| store change → re-query + frame, $n events (p50) | $(fmt "${f[store_change_frame_p50]}" 2) ms | | | |
| filter keystroke → re-query + frame, $n events (p50 / max) | $(fmt "${f[filter_key_p50]}" 2) / $(fmt "${f[filter_key_max]}" 2) ms | | | ≤ 16 ms |
| journal replay, $n events | $(fmt "${f[replay_rate]}" 0) events/s | | | ≥ 500 000 events/s |
TABLE
