/* Reading JavaScript arguments and answering the caller.
 *
 * The rule of the whole addon: a wrong argument *kind* (not a number, not the
 * expected typed array, not an integer in range) is the caller's bug and throws
 * a TypeError or RangeError that names the function, the argument and what it
 * got. Everything the kernel (or a guest's iovec) can get wrong is an answer:
 * minus a Linux errno, never an exception. Each helper returns false once it
 * has thrown; the binding then returns NULL at once. */
#ifndef WASI_EVLOOP_ARGS_H
#define WASI_EVLOOP_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <node_api.h>

/* Up to `n` arguments into argv; missing ones read as undefined, so the type
 * checks below also report a missing argument. */
bool args_get(napi_env env, napi_callback_info info, size_t n, napi_value *argv);

bool arg_int(napi_env env, const char *fn, const char *name, napi_value value,
             int64_t min, int64_t max, int64_t *out);

/* A file descriptor: an integer from 0 to INT_MAX. */
bool arg_fd(napi_env env, const char *fn, const char *name, napi_value value, int *out);

/* A string, up to size - 1 bytes of UTF-8 into `buffer`; `length` says how
 * many were written (size - 1 when it was cut). */
bool arg_string(napi_env env, const char *fn, const char *name, napi_value value,
                char *buffer, size_t size, size_t *length);

bool arg_bool(napi_env env, const char *fn, const char *name, napi_value value, bool *out);

/* A typed array of exactly `type`; `data` points at its first element (the
 * view's byte offset included) and `length` counts elements. Both are read
 * afresh on every call: memory.grow detaches a module's old buffer, and a
 * detached view reports length 0. */
bool arg_typed_array(napi_env env, const char *fn, const char *name, napi_value value,
                     napi_typedarray_type type, void **data, size_t *length);

/* The result of a call (a count, an fd, or minus an errno). */
napi_value ret_int(napi_env env, int64_t value);

#endif
