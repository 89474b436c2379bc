/* exit_now.c - a WASI program that does nothing and exits 0 at once: what the
 * benchmark runs to measure what run() costs a short-lived module (each
 * conformance test, each command-line tool built to WASI) beyond the module
 * itself, against plain node:wasi running the same module. */
int main(void) { return 0; }
