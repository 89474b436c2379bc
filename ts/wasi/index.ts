// The WASI preview1 ABI (plus WASIX epoll) as data: constants, struct codecs
// and the errno table. No I/O lives here.
export * from './defs.js';
export * from './structs.js';
export { PATH_ARGS, type PathArg } from './paths.js';
export { errnoFromNodeCode, errnoName, isErrnoCode, WasiErrnoError } from './errno.js';
