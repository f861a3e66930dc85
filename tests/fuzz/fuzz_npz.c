/* libFuzzer target for the .npz reader: open an archive from memory, then
 * read every member both as an array and as raw bytes. Any failure must
 * carry a message; nothing may crash, leak or allocate more than a member's
 * compressed size can justify. */
#include <stdlib.h>
#include <string.h>

#include "lacus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lacus_npz *z;
    lacus_error err = {0};
    lacus_status st = lacus_npz_open_mem(data, size, &z, &err);
    if (st != LACUS_OK) {
        if (!err.msg[0] || z) abort();
        return 0;
    }
    int64_t n = lacus_npz_count(z);
    if (lacus_npz_name(z, n) != NULL) abort();
    for (int64_t i = 0; i < n; i++) {
        const char *name = lacus_npz_name(z, i);
        if (!name || !lacus_npz_has(z, name)) abort();
        lacus_ndarray a;
        err.msg[0] = '\0';
        if (lacus_npz_read(z, name, &a, &err) == LACUS_OK) lacus_ndarray_free(&a);
        else if (!err.msg[0] || a.data) abort();
        void *buf;
        size_t len;
        if (lacus_npz_read_bytes(z, name, &buf, &len, &err) == LACUS_OK) {
            if (((const char *)buf)[len] != '\0') abort();
            lacus_free(buf);
        }
    }
    lacus_npz_close(z);
    return 0;
}
