#!/usr/bin/env bash
# The in-process figures of issues #6 and #17, each beside its target and (where there is one)
# a baseline measured in the same run, from Benchmarks/Sources/HubtopFigures (release build):
# decode time vs Foundation's JSONDecoder, RSS per stored event vs a naive store of
# JSONDecoder structs, frame render and filter keystrokes at N events, journal replay in the
# record format (pipelined) beside the first format (one at a time), and bytes on disk.
#   Benchmarks/figures.sh [N]        (N = 1000000 by default)
set -euo pipefail
cd "$(dirname "$0")"
n=${1:-1000000}
swift build -c release --product HubtopFigures >&2
bin=.build/release/HubtopFigures
declare -A f
collect() { while IFS=$'\t' read -r name value unit; do f[$name]=$value; done < <("$@"); }
collect "$bin" decode
collect "$bin" sources
collect "$bin" memory hubtop "$n"
collect "$bin" memory naive "$n"
collect "$bin" render "$n"
collect "$bin" replay "$n"
fmt() { printf "%.${2:-1}f" "$1"; }
cat <<TABLE

| figure | hubtop | baseline (same run) | ratio | target |
|---|---|---|---|---|
| decode, ${f[payload_bytes]%.*} B payload, as the listener does (repository cache) | $(fmt "${f[decode_hubtop_cached]}" 2) µs | JSONDecoder $(fmt "${f[decode_jsondecoder]}" 2) µs | $(fmt "${f[decode_ratio_cached]}" 3)× | ≤ 0.125× |
| decode as the listener does since other registries (format recognised, then cached decode) | $(fmt "${f[decode_recognised_cached]}" 2) µs | JSONDecoder $(fmt "${f[decode_jsondecoder]}" 2) µs | $(fmt "${f[decode_ratio_recognised]}" 3)× | no worse than the row above |
| decode, every field decoded (no cache) | $(fmt "${f[decode_hubtop]}" 2) µs | JSONDecoder $(fmt "${f[decode_jsondecoder]}" 2) µs | $(fmt "${f[decode_ratio]}" 3)× | |
| RSS per stored event, realistic mix, $n events | $(fmt "${f[memory_hubtop]}" 0) B | naive store $(fmt "${f[memory_naive]}" 0) B | $(fmt "$(echo "${f[memory_hubtop]} / ${f[memory_naive]}" | bc -l)" 2)× | ≤ 150 B |
| frame render, $n events (p50 / max) | $(fmt "${f[frame_render_p50]}" 2) / $(fmt "${f[frame_render_max]}" 2) ms | | | ≤ 2 ms |
| store change → re-query + frame, $n events (p50) | $(fmt "${f[store_change_frame_p50]}" 2) ms | | | |
| filter keystroke → re-query + frame, $n events (p50 / max) | $(fmt "${f[filter_key_p50]}" 2) / $(fmt "${f[filter_key_max]}" 2) ms | | | ≤ 16 ms |
| journal replay, $n events: record format, pipelined | $(fmt "${f[replay_rate_records]}" 0) events/s ($(fmt "${f[replay_seconds_records]}" 1) s) | first format, one at a time: $(fmt "${f[replay_rate_lines]}" 0) events/s ($(fmt "${f[replay_seconds_lines]}" 1) s) | $(fmt "$(echo "${f[replay_rate_records]} / ${f[replay_rate_lines]}" | bc -l)" 2)× | ≥ 500 000 events/s (≤ 2 s) |
| journal on disk per event | $(fmt "${f[journal_bytes_per_event_records]}" 0) B | first format: $(fmt "${f[journal_bytes_per_event_lines]}" 0) B | $(fmt "$(echo "${f[journal_bytes_per_event_records]} / ${f[journal_bytes_per_event_lines]}" | bc -l)" 2)× | |
TABLE

echo
echo "| other registry's sample | bytes | hubtop (recognise + decode) | JSONSerialization of the same bytes | ratio |"
echo "|---|---|---|---|---|"
for name in github distribution harbor quay acr cloudevents ecr gar; do
    echo "| $name | $(fmt "${f[source_${name}_bytes]}" 0) | $(fmt "${f[source_${name}_hubtop]}" 2) µs | $(fmt "${f[source_${name}_jsonserialization]}" 2) µs | $(fmt "$(echo "${f[source_${name}_hubtop]} / ${f[source_${name}_jsonserialization]}" | bc -l)" 2)× |"
done
