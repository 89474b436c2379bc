/* preopen_cat.c - a test fixture for `wasi-evloop run --dir`: prints the
 * file named by argv[1] (a path inside a preopened directory) on stdout, then
 * creates argv[2] there if given. wasi-libc resolves the path against the
 * preopens it found by scanning fd_prestat_get from fd 3, so with a listener
 * at fd 3 this also checks that the scan steps over sockets. */
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: preopen_cat FILE [NEW-FILE]\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "r");
    if (!in) {
        perror(argv[1]);
        return 1;
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, stdout);
    fclose(in);
    if (argc > 2) {
        FILE *out = fopen(argv[2], "w");
        if (!out || fputs("written by the module\n", out) < 0 || fclose(out) != 0) {
            perror(argv[2]);
            return 1;
        }
    }
    return 0;
}
