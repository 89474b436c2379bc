# wasi-evloop: the C core, built for wasm32-wasip1 (committed in wasm/) and natively.
#
#   make          wasm/echo-{select,poll,epoll}.wasm, wasm/echo-client.wasm (the load
#                 generator, a client on WASIX sockets), and for the benchmark
#                 wasm/http-mio.wasm (an HTTP server written as third parties write
#                 them) and wasm/exit-now.wasm (exits at once), with the wasi-sdk toolchain:
#                 $(WASI_SDK_PATH)/bin/clang when WASI_SDK_PATH is set, otherwise the
#                 npm package @yowasp/clang (clang + wasi-libc, run by Node), so a
#                 fresh `npm install` is all a machine needs.
#   make native   build/echo-{select,poll,epoll}, build/echo-client and build/http-mio with the host's cc.
#   make native-test  build/ev-test-{select,poll,epoll}: c/test/ev_test.c, the
#                 loop's own checks (run by test/ev-native.test.ts).
#
# The committed modules are what the default toolchain produces; CI rebuilds
# them and compares bytes, so keep the flags deterministic (no paths, no dates).

BACKENDS := select poll epoll
# CI rebuilds into another folder (make WASM_DIR=build/wasm-check) and compares.
WASM_DIR ?= wasm
CORE_SRC := c/ev.c c/ev.h c/ev_select.c c/ev_poll.c c/ev_epoll.c c/echo.c c/platform.h
WASI_SRC := $(CORE_SRC) c/platform_wasi.c c/epoll_wasix.c c/include/sys/epoll.h
NATIVE_SRC := $(CORE_SRC) c/platform_posix.c c/listen_posix.c
# The load generator: the same C natively and in wasm, where its sockets are WASIX's.
CLIENT_SRC := c/echo_client.c c/socket_wasix.c c/epoll_wasix.c c/include/sys/epoll.h c/include/wasix/sockets.h
# The HTTP server has no ev loop: only the platform's listeners (platform.h names ev_loop, no more).
HTTP_SRC := c/http_mio.c c/platform.h c/ev.h

ifdef WASI_SDK_PATH
WASI_CC := $(WASI_SDK_PATH)/bin/clang
else
WASI_CC := node scripts/wasi-cc.mjs
endif
CC ?= cc

# The stack must hold wasi-libc's poll()/select() arrays (80 bytes per fd, on
# the stack) for tens of thousands of fds; --stack-first makes an overflow
# trap instead of silently overwriting data.
WASI_BASE_CFLAGS := --target=wasm32-wasip1 -O2 -Wall -Wextra -Werror -std=c11 -D_GNU_SOURCE
WASI_CFLAGS := $(WASI_BASE_CFLAGS) -Ic/include -Wl,--stack-first -Wl,-z,stack-size=8388608
NATIVE_CFLAGS := -O2 -g -Wall -Wextra -Werror -std=c11 -D_GNU_SOURCE
# An index past a table must fail the loop's checks, not pass by luck: use the
# sanitizers when this cc has them (evaluated only when ev-test is built).
SANITIZE = $(shell echo 'int main(void){return 0;}' | $(CC) -x c -fsanitize=address,undefined -o /dev/null - 2>/dev/null \
	&& echo -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)

backend_macro = -DEV_BACKEND_$(shell echo $(1) | tr a-z A-Z)

.PHONY: all wasm native native-test clean
all: wasm
wasm: $(BACKENDS:%=$(WASM_DIR)/echo-%.wasm) $(WASM_DIR)/echo-client.wasm $(WASM_DIR)/http-mio.wasm $(WASM_DIR)/exit-now.wasm
native: $(BACKENDS:%=build/echo-%) build/echo-client build/http-mio
native-test: $(BACKENDS:%=build/ev-test-%)

$(WASM_DIR)/echo-%.wasm: $(WASI_SRC)
	@mkdir -p $(WASM_DIR)
	$(WASI_CC) $(WASI_CFLAGS) $(call backend_macro,$*) \
		c/ev.c c/echo.c c/platform_wasi.c $(if $(filter epoll,$*),c/epoll_wasix.c) -o $@

$(WASM_DIR)/echo-client.wasm: $(CLIENT_SRC)
	@mkdir -p $(WASM_DIR)
	$(WASI_CC) $(WASI_CFLAGS) c/echo_client.c c/socket_wasix.c c/epoll_wasix.c -o $@

build/echo-client: c/echo_client.c
	@mkdir -p build
	$(CC) $(NATIVE_CFLAGS) c/echo_client.c -o $@

build/echo-%: $(NATIVE_SRC)
	@mkdir -p build
	$(CC) $(NATIVE_CFLAGS) $(call backend_macro,$*) c/ev.c c/echo.c c/platform_posix.c c/listen_posix.c -o $@

$(WASM_DIR)/http-mio.wasm: $(HTTP_SRC) c/platform_wasi.c
	@mkdir -p $(WASM_DIR)
	$(WASI_CC) $(WASI_CFLAGS) c/http_mio.c c/platform_wasi.c -o $@

# A short-lived tool as a toolchain builds it by default: no sockets, the default stack.
$(WASM_DIR)/exit-now.wasm: c/exit_now.c
	@mkdir -p $(WASM_DIR)
	$(WASI_CC) $(WASI_BASE_CFLAGS) c/exit_now.c -o $@

build/http-mio: $(HTTP_SRC) c/listen_posix.c
	@mkdir -p build
	$(CC) $(NATIVE_CFLAGS) c/http_mio.c c/listen_posix.c -o $@

# --wrap=realloc lets the checks make any one of the loop's allocations fail.
build/ev-test-%: c/test/ev_test.c c/ev.c c/ev.h c/ev_select.c c/ev_poll.c c/ev_epoll.c
	@mkdir -p build
	$(CC) $(NATIVE_CFLAGS) $(SANITIZE) $(call backend_macro,$*) -Wl,--wrap=realloc \
		c/ev.c c/test/ev_test.c -o $@

clean:
	rm -rf build
