#!/usr/bin/env bash
# Stage 5 — book chapter 5, "Benchmarks". Runs the criterion benchmarks (benches/choices.rs) and
# writes their central estimates as a Markdown table: book/src/generated/stage5-benches.md.
# Takes about two minutes. For criterion's full statistics, run `cargo bench -p stage5-testing`.
#
#   bash stages/stage5-testing/scripts/bench-table.sh [OUTPUT.md]
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=${1:-book/src/generated/stage5-benches.md}
raw=$(cargo bench --quiet -p stage5-testing --bench choices -- --warm-up-time 1 --measurement-time 3 2>/dev/null)
python3 - "$raw" > "$out.tmp" <<'PY'
import re, sys
print("| benchmark | time per iteration | per element |")
print("|---|---:|---:|")
name = None
for line in sys.argv[1].splitlines():
    line = line.strip()
    head = re.match(r"^([a-z_]+/[^\s].*?)\s*(time:.*)?$", line)
    if head and "/" in head.group(1) and not line.startswith(("time:", "thrpt:", "change:", "Found", "Performance", "No change")):
        name = head.group(1).strip()
    t = re.search(r"time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", line)
    if t and name:
        print(f"| {name} | {t.group(1)} {t.group(2)} |", end="")
    p = re.search(r"thrpt:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", line)
    if p and name:
        value, unit = float(p.group(1)), p.group(2)
        scale = {"Kelem/s": 1e3, "Melem/s": 1e6, "Gelem/s": 1e9, "elem/s": 1.0}[unit]
        print(f" {1e9 / (value * scale):.1f} ns |")
        name = None
PY
mv "$out.tmp" "$out"
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//' || echo unknown)
echo "criterion, 1 s warm-up and 3 s of measurement per benchmark; $(nproc) cores ($cpu); $(date -u +%Y-%m-%d)." > "${out%.md}-machine.md"
cat "$out"
