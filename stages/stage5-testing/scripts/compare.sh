#!/usr/bin/env bash
# Stage 5 — book chapter 5, "Measured: stage 3, stage 4 and the optimised server".
#
# Puts the stage 3, stage 4 and stage 5 servers under the same loads with the stress tool and
# writes the results as a Markdown table (the book includes book/src/generated/stage5-compare.md).
# Each server is pinned to CPU 0 with `taskset`; the load generator is not pinned, and the system
# schedules it mostly on the other core. Takes about four minutes.
#
#   bash stages/stage5-testing/scripts/compare.sh [OUTPUT.md]
#   RATES="10 100" bash stages/stage5-testing/scripts/compare.sh /tmp/quick.md   # fewer rows
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=${1:-book/src/generated/stage5-compare.md}
clients=1000
read -r -a rates <<< "${RATES:-10 100 300 1000}"
cargo build --release --quiet -p stage3-websockets -p stage4-architecture -p stage5-testing
bin=target/release
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null' EXIT

# Starts a server in the background on CPU 0. Not through a shell function run with `&`: then `$!`
# would be a subshell's process id, and stopping it would leave the server running.
start_server() { # binary log
    if command -v taskset > /dev/null; then
        taskset -c 0 "$bin/$1" 127.0.0.1:0 > "$2" 2>/dev/null &
    else
        "$bin/$1" 127.0.0.1:0 > "$2" 2>/dev/null &
    fi
    server_pid=$!
}

row() { # server-binary rate
    local log; log=$(mktemp)
    start_server "$1" "$log"
    local pid=$server_pid
    for _ in $(seq 50); do grep -q 'ws://' "$log" && break; sleep 0.1; done
    local url; url=$(grep -o 'ws://[0-9.:]*' "$log" | head -1)
    local json; json=$(timeout 120 "$bin/stress" --url "$url" --clients "$clients" --senders 10 \
        --rate "$2" --duration 10 --json --quiet 2>/dev/null || true)
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    server_pid=""
    rm -f "$log"
    python3 - "$1" "$2" "$json" <<'PY'
import json, sys
server, rate, raw = sys.argv[1], int(sys.argv[2]), sys.argv[3]
r = json.loads(raw)
l = r["latency"]
ms = lambda us: f"{us / 1000:.1f}"
print(f"| {server} | {rate * 1000:,} | {r['delivered_per_sec']:,.0f} | {r['lost']:,} | {r['disconnected']} "
      f"| {ms(l['p50_us'])} | {ms(l['p99_us'])} | {ms(l['p999_us'])} | {ms(l['max_us'])} |")
PY
}

{
    echo "| server | deliveries/s asked | delivered/s | lost | disconnected | p50 ms | p99 ms | p99.9 ms | max ms |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    for rate in "${rates[@]}"; do
        for server in stage3-server stage4-server stage5-server; do
            row "$server" "$rate"
        done
    done
} > "$out.tmp"
mv "$out.tmp" "$out"
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//' || echo unknown)
echo "$clients clients, 10 senders, 10 s per run, 100-byte messages; $(nproc) cores ($cpu); $(date -u +%Y-%m-%d)." > "${out%.md}-machine.md"
cat "$out"
