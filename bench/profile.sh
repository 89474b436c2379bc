#!/usr/bin/env bash
# profile.sh - one server under one load, seen by one tool: how bench/README.md
# "Where the time goes" was measured. The server runs on CPU 1 and the load
# generator on CPU 0, as in `npm run bench`; traffic stays on 127.0.0.1.
#
# usage: bench/profile.sh TOOL CASE [SERVER]
#   TOOL    cpu-prof    node --cpu-prof, every thread; summarised by dist/bench/cpuprofile-top.js
#           strace      strace -c -f: syscalls of every thread, counted
#           perf-stat   perf stat per thread: syscalls by name, context switches, CPU time
#           none        the load alone (the loadgen's JSON line)
#   CASE    rr | stream | scale-N | setup-N  (echo servers); http-N | http-idle-N  (HTTP servers)
#   SERVER  wasm-kernel (default) | wasm-node-net | native | node-echo  (all epoll: the echo core)
#           http-wasm-kernel | http-wasm-node-net | http-native  (c/http_mio.c, under `run` or native)
# Output goes to build/profile/TOOL-CASE-SERVER/. Divide counts by the loadgen's
# `requests` (rr, scale), `bytes`/1e6 (stream) or `conns` (setup) for per-unit figures.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOL=${1:?TOOL: cpu-prof, strace, perf-stat or none}
CASE=${2:?CASE: rr, stream, scale-N or setup-N}
SERVER=${3:-wasm-kernel}
OUT=build/profile/$TOOL-$CASE-$SERVER
rm -rf "$OUT" && mkdir -p "$OUT"
[ -x build/loadgen ] && [ build/loadgen -nt bench/loadgen.c ] || cc -O2 -Wall -Wextra -o build/loadgen bench/loadgen.c

NODE_FLAGS=()
[ "$TOOL" = cpu-prof ] && NODE_FLAGS=(--cpu-prof --cpu-prof-dir="$OUT")
case $SERVER in
  wasm-kernel) CMD=(node "${NODE_FLAGS[@]}" bin/wasi-evloop.js serve --backend epoll --transport kernel --port 0) ;;
  wasm-node-net) CMD=(node "${NODE_FLAGS[@]}" bin/wasi-evloop.js serve --backend epoll --transport node-net --port 0) ;;
  native) CMD=(build/echo-epoll --listen 127.0.0.1:0) ;;
  node-echo) CMD=(node "${NODE_FLAGS[@]}" dist/bench/node-echo.js --port 0) ;;
  http-wasm-kernel | http-wasm-node-net)
    CMD=(node "${NODE_FLAGS[@]}" bin/wasi-evloop.js run --transport "${SERVER#http-wasm-}" --tcplisten 127.0.0.1:0 wasm/http-mio.wasm) ;;
  http-native) CMD=(build/http-mio --listen 127.0.0.1:0) ;;
  *) echo "unknown server $SERVER" >&2; exit 2 ;;
esac
case $CASE in
  rr) LOAD=(--mode rr --conns 50 --size 64 --warmup 1 --duration 5) ;;
  stream) LOAD=(--mode stream --conns 10 --size 16384 --warmup 1 --duration 5) ;;
  scale-*) LOAD=(--mode scale --conns 10 --size 64 --idle "${CASE#scale-}" --warmup 1 --duration 5) ;;
  setup-*) LOAD=(--mode setup --conns "${CASE#setup-}") ;;
  http-idle-*) LOAD=(--mode http --conns 0 --idle "${CASE#http-idle-}" --warmup 1 --duration 5) ;;
  http-*) LOAD=(--mode http --conns "${CASE#http-}" --warmup 1 --duration 5) ;;
  *) echo "unknown case $CASE" >&2; exit 2 ;;
esac

taskset -c 1 "${CMD[@]}" >"$OUT/server.out" 2>"$OUT/server.err" &
SPID=$!
TPID=
cleanup() {
  [ -n "$TPID" ] && kill -INT "$TPID" 2>/dev/null || true
  kill -TERM "$SPID" 2>/dev/null || true
}
trap cleanup EXIT
# `wasi-evloop run` says where it listens on stderr, the others on stdout.
for _ in $(seq 1 200); do grep -q '^listening on' "$OUT/server.out" "$OUT/server.err" 2>/dev/null && break; sleep 0.05; done
PORT=$(sed -n 's/^listening on [^ ]*:\([0-9]*\).*/\1/p' "$OUT/server.out" "$OUT/server.err" | head -1)
[ -n "$PORT" ] || { echo "server did not listen: $(cat "$OUT/server.err")" >&2; exit 1; }

# The tool attaches after start-up, so it sees only the load.
case $TOOL in
  strace) strace -c -f -qq -o "$OUT/strace.txt" -p "$SPID" & TPID=$! ;;
  perf-stat)
    perf stat -x, --per-thread -p "$SPID" -o "$OUT/perf-stat.csv" -e task-clock,context-switches,page-faults,\
'syscalls:sys_enter_recvfrom,syscalls:sys_enter_sendto,syscalls:sys_enter_readv,syscalls:sys_enter_writev,syscalls:sys_enter_sendmsg,syscalls:sys_enter_recvmsg,syscalls:sys_enter_read,syscalls:sys_enter_write,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_epoll_ctl,syscalls:sys_enter_accept4,syscalls:sys_enter_futex,syscalls:sys_enter_close' &
    TPID=$! ;;
  cpu-prof | none) ;;
  *) echo "unknown tool $TOOL" >&2; exit 2 ;;
esac
sleep 0.5
# The HTTP loads check every response against the hello world of bench/http-hello.ts.
case $CASE in
  http-*) LOAD+=(--expect "$(node -e "import('./dist/bench/http-hello.js').then((m) => process.stdout.write(JSON.stringify(m.HELLO_RESPONSE).slice(1, -1)))")") ;;
esac
taskset -c 0 build/loadgen --port "$PORT" "${LOAD[@]}" --server-pid "$SPID" | tee "$OUT/loadgen.json"
if [ -n "$TPID" ]; then kill -INT "$TPID"; wait "$TPID" 2>/dev/null || true; TPID=; fi
kill -TERM "$SPID"; wait "$SPID" 2>/dev/null || true
trap - EXIT
case $TOOL in
  strace) cat "$OUT/strace.txt" ;;
  # CSV rows: thread,count,unit,event,... ; print the counted ones, one line per thread.
  perf-stat) awk -F, '$2 ~ /^[0-9.]+$/ && $2 > 0 { sub(/^syscalls:sys_enter_/, "", $4); row[$1] = row[$1] " " $4 "=" $2 }
                      END { for (t in row) print t ":" row[t] }' "$OUT/perf-stat.csv" | sort ;;
  cpu-prof) node dist/bench/cpuprofile-top.js --top 20 "$OUT"/*.cpuprofile ;;
esac
