// The process one fuzzing session runs in (started by fuzz.ts): argv[2] is
// its SessionOptions as JSON, fd 3 the trace pipe. Its own process, so that
// an import that kills, stops or corrupts the process is seen from outside.

import { runSession, type SessionOptions } from './session.js';

const TRACE_FD = 3;

const options = JSON.parse(process.argv[2]!) as Omit<SessionOptions, 'traceFd'>;
const ok = await runSession({ ...options, traceFd: TRACE_FD });
// After a failure the module's thread may be stuck in native code, and Node
// would wait for it forever on the way out: the trace is written (synchronously),
// so the process ends at once. fuzz.ts reports the failure, not the kill.
if (!ok) process.kill(process.pid, 'SIGKILL');
