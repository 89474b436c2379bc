#!/usr/bin/env bash
# callgrind-rr.sh - user-space instructions per rr request of one server,
# counted by valgrind's callgrind: repeatable where timings are not (a loaded
# machine, no PMU counters on this VM). The server starts under callgrind with
# instrumentation off; a warm-up load runs (the JIT settles), the counters are
# zeroed, then a measured load runs and the counters are dumped. Kernel time is
# not counted: this is the user part of the per-request CPU. Threads are
# counted apart: the figure is the thread that serves (the module's worker, or
# the only thread), not V8's background compiler and GC threads, whose share
# depends on how warm the JIT got under callgrind's slowdown.
#
# usage: [WARMUP=20] bench/callgrind-rr.sh [SERVER] [SECONDS]
#   SERVER  wasm-kernel (default) | native | node-echo   (all epoll)
#   SECONDS of the measured load (default 20; under callgrind ~1-2k req/s)
# Output: build/profile/callgrind-rr-SERVER/ (callgrind.out.*, loadgen.json, top.txt)
# and one line: Ir per request, requests.
set -euo pipefail
cd "$(dirname "$0")/.."
SERVER=${1:-wasm-kernel}
SECONDS_MEASURED=${2:-20}
OUT=build/profile/callgrind-rr-$SERVER
rm -rf "$OUT" && mkdir -p "$OUT"
[ -x build/loadgen ] && [ build/loadgen -nt bench/loadgen.c ] || cc -O2 -Wall -Wextra -o build/loadgen bench/loadgen.c

case $SERVER in
  # --perf-basic-prof: V8 lists its generated code in /tmp/perf-PID.map, so JIT and wasm code get names below.
  wasm-kernel) CMD=(node --perf-basic-prof dist/ts/cli.js serve --backend epoll --transport kernel --port 0) ;;
  native) CMD=(build/echo-epoll --listen 127.0.0.1:0) ;;
  node-echo) CMD=(node --perf-basic-prof dist/bench/node-echo.js --port 0) ;;
  *) echo "unknown server $SERVER" >&2; exit 2 ;;
esac

valgrind --tool=callgrind --smc-check=all-non-file --instr-atstart=no --separate-threads=yes \
  --callgrind-out-file="$OUT/callgrind.out.%p" "${CMD[@]}" >"$OUT/server.out" 2>"$OUT/server.err" &
SPID=$!
trap 'kill -TERM "$SPID" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do grep -q '^listening on' "$OUT/server.out" 2>/dev/null && break; sleep 0.5; done
PORT=$(sed -n 's/^listening on [^ ]*:\([0-9]*\).*/\1/p' "$OUT/server.out" | head -1)
[ -n "$PORT" ] || { echo "server did not listen: $(tail -5 "$OUT/server.err")" >&2; exit 1; }

LOAD=(--port "$PORT" --mode rr --conns 50 --size 64 --warmup 0)
callgrind_control -i on "$SPID" >/dev/null
build/loadgen "${LOAD[@]}" --duration "${WARMUP:-20}" >"$OUT/warmup.json"
callgrind_control -z "$SPID" >/dev/null
build/loadgen "${LOAD[@]}" --duration "$SECONDS_MEASURED" >"$OUT/loadgen.json"
callgrind_control -d "$SPID" >/dev/null
callgrind_control -i off "$SPID" >/dev/null
kill -TERM "$SPID"; wait "$SPID" 2>/dev/null || true
trap - EXIT

# The serving thread: the one whose dump has the most Ir in the socket calls (the addon's, or libc's).
DUMP=
BEST=0
for f in "$OUT"/callgrind.out.*.*-*; do
  [ -s "$f" ] || continue
  SOCKET_IR=$(callgrind_annotate --inclusive=no "$f" 2>/dev/null | awk '/:(js_recv|js_send|recv|send|recvmsg|sendmsg|recvfrom|sendto) \[/ { gsub(",", "", $1); s += $1 } END { print s + 0 }')
  if [ "$SOCKET_IR" -gt "$BEST" ]; then BEST=$SOCKET_IR; DUMP=$f; fi
done
[ -n "$DUMP" ] || { echo "no thread made socket calls: $(ls "$OUT")" >&2; exit 1; }
IR=$(sed -n 's/^totals: //p' "$DUMP")
REQUESTS=$(sed -n 's/.*"requests":\([0-9]*\).*/\1/p' "$OUT/loadgen.json")
callgrind_annotate --inclusive=no "$DUMP" 2>/dev/null | sed -n "/file:function/,\$p" | head -45 >"$OUT/top.txt" || true
# Generated code has no symbol for callgrind: name it from V8's map (the last code at each address wins).
MAP=/tmp/perf-$SPID.map
if [ -f "$MAP" ]; then
  python3 - "$MAP" "$OUT/top.txt" >"$OUT/top-named.txt" <<'PY'
import bisect, re, sys
spans = []
for line in open(sys.argv[1]):
    start, size, name = line.rstrip("\n").split(" ", 2)
    spans.append((int(start, 16), int(size, 16), name))
spans.sort()
starts = [s for s, _, _ in spans]
for line in open(sys.argv[2]):
    m = re.search(r"\?\?\?:(0x[0-9a-f]+)", line)
    who = ""
    if m:
        a = int(m.group(1), 16)
        i = bisect.bisect_right(starts, a) - 1
        while i >= 0 and not (spans[i][0] <= a < spans[i][0] + spans[i][1]):
            i -= 1
        who = spans[i][2] if i >= 0 else "?"
    print(line.rstrip("\n") + (f"  <- {who}" if m else ""))
PY
  rm -f "$MAP"
fi
echo "$SERVER: $((IR / REQUESTS)) Ir per request in the serving thread ($IR Ir, $REQUESTS requests; $(basename "$DUMP"); top functions in $OUT/top.txt)"
