#!/usr/bin/env bash
# Fuzz with libFuzzer for N seconds (default 600) from a seed corpus:
#   Fuzz/run.sh [SECONDS] [decoder|journal|journal-damage]
# decoder: request bodies (Fuzz/corpus); journal: journal files read back at start
# (Fuzz/corpus-journal); journal-damage: records with bytes flipped, every intact record must
# come back (starts from an empty corpus: every input is a valid recipe). New inputs go to a scratch corpus; crashes to Fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
target=${2:-decoder}
case "$target" in
decoder) corpus=Fuzz/corpus ;;
journal) corpus=Fuzz/corpus-journal ;;
journal-damage) corpus= ;;
*) echo "usage: Fuzz/run.sh [SECONDS] [decoder|journal|journal-damage]" >&2; exit 2 ;;
esac
swift build --scratch-path .build-fuzz -c release --product HubtopFuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DHUBTOP_FUZZ >&2
work=$(mktemp -d)
[ -z "$corpus" ] || cp "$corpus"/* "$work/"
mkdir -p Fuzz/artifacts
HUBTOP_FUZZ_TARGET=$target .build-fuzz/release/HubtopFuzz "$work" -max_total_time="$seconds" \
    -max_len=65536 -timeout=5 -rss_limit_mb=2048 -artifact_prefix="Fuzz/artifacts/$target-" \
    -print_final_stats=1
