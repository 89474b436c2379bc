/* grow_until.c - a test fixture for the memory ceiling: allocates (and
 * touches) 1 MiB at a time until malloc says no or 64 MiB are held, prints
 * "got N MiB" and exits 0. Under a ceiling, memory.grow answers -1 there and
 * malloc returns NULL: the program carries on, as a C program expects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (1024 * 1024)
#define MOST 64

/* Kept and read back: an allocation nobody uses is one the compiler may drop. */
static char *held[MOST];

int main(void) {
    int got = 0;
    while (got < MOST) {
        char *chunk = malloc(CHUNK);
        if (chunk == NULL) break;
        memset(chunk, got + 1, CHUNK);
        held[got++] = chunk;
    }
    long sum = 0;
    for (int i = 0; i < got; i++) sum += held[i][CHUNK - 1];
    printf("got %d MiB\n", sum == (long)got * (got + 1) / 2 ? got : -1);
    return 0;
}
