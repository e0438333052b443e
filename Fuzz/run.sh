#!/usr/bin/env bash
# Fuzz the payload decoder with libFuzzer for N seconds (default 600) from the seed corpus.
#   Fuzz/run.sh [SECONDS]
# New inputs go to a scratch corpus; crashes are written to Fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
swift build --scratch-path .build-fuzz -c release --product HubtopFuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DHUBTOP_FUZZ >&2
work=$(mktemp -d)
cp Fuzz/corpus/* "$work/"
mkdir -p Fuzz/artifacts
.build-fuzz/release/HubtopFuzz "$work" -max_total_time="$seconds" -max_len=65536 -timeout=5 \
    -rss_limit_mb=2048 -artifact_prefix=Fuzz/artifacts/ -print_final_stats=1
