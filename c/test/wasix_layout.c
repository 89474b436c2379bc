/* wasix_layout.c - prints the layout of <wasix/sockets.h>'s address struct
 * as JSON, so that a test can hold it against the host's codec
 * (ts/wasi/structs.ts); the header's _Static_asserts check it at compile time. */
#include <stddef.h>
#include <stdio.h>
#include <wasix/sockets.h>

int main(void) {
    printf("{\"size\":%zu,\"port\":%zu,\"octets\":%zu,\"flowInfo\":%zu,\"scopeId\":%zu,\"inet4\":%d,\"inet6\":%d}\n",
           sizeof(wasix_addr_port), offsetof(wasix_addr_port, port), offsetof(wasix_addr_port, octets),
           offsetof(wasix_addr_port, flow_info1), offsetof(wasix_addr_port, scope_id1), WASIX_ADDRESS_FAMILY_INET4,
           WASIX_ADDRESS_FAMILY_INET6);
    return 0;
}
