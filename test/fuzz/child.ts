// The process one fuzzing session runs in (started by fuzz.ts): argv[2] is
// its SessionOptions as JSON, fd 3 the trace pipe. Its own process, so that
// an import that kills, stops or corrupts the process is seen from outside.

import { runSession, type SessionOptions } from './session.js';

const TRACE_FD = 3;

const options = JSON.parse(process.argv[2]!) as Omit<SessionOptions, 'traceFd'>;
const ok = await runSession({ ...options, traceFd: TRACE_FD });
process.exitCode = ok ? 0 : 1;
