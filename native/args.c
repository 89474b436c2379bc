#include "args.h"

#include <math.h>
#include <stdio.h>

static const char *type_name(napi_env env, napi_value value) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok) return "an unknown value";
  switch (type) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "a boolean";
    case napi_number: return "a number";
    case napi_string: return "a string";
    case napi_symbol: return "a symbol";
    case napi_object: return "an object";
    case napi_function: return "a function";
    case napi_external: return "an external";
    case napi_bigint: return "a bigint";
  }
  return "an unknown value";
}

static const char *array_name(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array: return "an Int8Array";
    case napi_uint8_array: return "a Uint8Array";
    case napi_uint8_clamped_array: return "a Uint8ClampedArray";
    case napi_int16_array: return "an Int16Array";
    case napi_uint16_array: return "a Uint16Array";
    case napi_int32_array: return "an Int32Array";
    case napi_uint32_array: return "a Uint32Array";
    case napi_float32_array: return "a Float32Array";
    case napi_float64_array: return "a Float64Array";
    case napi_bigint64_array: return "a BigInt64Array";
    case napi_biguint64_array: return "a BigUint64Array";
    default: return "a typed array";
  }
}

bool args_get(napi_env env, napi_callback_info info, size_t n, napi_value *argv) {
  size_t argc = n;
  return napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok;
}

bool arg_int(napi_env env, const char *fn, const char *name, napi_value value,
             int64_t min, int64_t max, int64_t *out) {
  char message[160];
  double number;
  if (napi_get_value_double(env, value, &number) != napi_ok) {
    snprintf(message, sizeof message, "%s(): %s must be a number, got %s", fn, name, type_name(env, value));
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return false;
  }
  /* In range first, so the cast that tests for a fraction is defined. */
  if (!(number >= (double)min && number <= (double)max) || (double)(int64_t)number != number) {
    char got[32];
    if (isnan(number)) snprintf(got, sizeof got, "NaN");
    else if (isinf(number)) snprintf(got, sizeof got, "%sInfinity", number < 0 ? "-" : "");
    else snprintf(got, sizeof got, "%.17g", number);
    snprintf(message, sizeof message, "%s(): %s must be an integer from %lld to %lld, got %s", fn, name,
             (long long)min, (long long)max, got);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
    return false;
  }
  *out = (int64_t)number;
  return true;
}

bool arg_fd(napi_env env, const char *fn, const char *name, napi_value value, int *out) {
  int64_t fd;
  if (!arg_int(env, fn, name, value, 0, INT32_MAX, &fd)) return false;
  *out = (int)fd;
  return true;
}

bool arg_string(napi_env env, const char *fn, const char *name, napi_value value,
                char *buffer, size_t size, size_t *length) {
  if (napi_get_value_string_utf8(env, value, buffer, size, length) == napi_ok) return true;
  char message[160];
  snprintf(message, sizeof message, "%s(): %s must be a string, got %s", fn, name, type_name(env, value));
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return false;
}

bool arg_bool(napi_env env, const char *fn, const char *name, napi_value value, bool *out) {
  if (napi_get_value_bool(env, value, out) == napi_ok) return true;
  char message[160];
  snprintf(message, sizeof message, "%s(): %s must be a boolean, got %s", fn, name, type_name(env, value));
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return false;
}

bool arg_typed_array(napi_env env, const char *fn, const char *name, napi_value value,
                     napi_typedarray_type type, void **data, size_t *length) {
  char message[160];
  bool is_typed = false;
  napi_typedarray_type actual = type;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) {
    snprintf(message, sizeof message, "%s(): %s must be %s, got %s", fn, name, array_name(type), type_name(env, value));
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return false;
  }
  if (napi_get_typedarray_info(env, value, &actual, length, data, NULL, NULL) != napi_ok || actual != type) {
    snprintf(message, sizeof message, "%s(): %s must be %s, got %s", fn, name, array_name(type), array_name(actual));
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return false;
  }
  return true;
}

napi_value ret_int(napi_env env, int64_t value) {
  napi_value result = NULL;
  if (value >= INT32_MIN && value <= INT32_MAX) napi_create_int32(env, (int32_t)value, &result);
  else napi_create_int64(env, value, &result);
  return result;
}
