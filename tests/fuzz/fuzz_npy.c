/* libFuzzer target for the .npy reader. Beyond "no crash, no leak, no
 * undefined behaviour", it checks two properties: every failure carries a
 * message, and every array that reads also writes, and reads back to the
 * same bytes. */
#include <stdlib.h>
#include <string.h>

#include "lacus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_or_abort(const lacus_ndarray *a, const lacus_ndarray *b)
{
    if (a->dtype != b->dtype || a->ndim != b->ndim ||
        memcmp(a->shape, b->shape, sizeof a->shape) != 0)
        abort();
    size_t n = (size_t)lacus_ndarray_size(a) * lacus_dtype_size(a->dtype);
    if (n && memcmp(a->data, b->data, n) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lacus_ndarray a, b;
    lacus_error err = {0};
    lacus_status st = lacus_npy_read_mem(data, size, "fuzz.npy", &a, &err);
    if (st != LACUS_OK) {
        if (err.status != st || !err.msg[0] || a.data) abort();
        return 0;
    }
    void *buf;
    size_t len;
    if (lacus_npy_write_mem(&a, &buf, &len, &err) != LACUS_OK) abort();
    if (lacus_npy_read_mem(buf, len, "again.npy", &b, &err) != LACUS_OK) abort();
    same_or_abort(&a, &b);
    lacus_free(buf);
    lacus_ndarray_free(&b);
    if (lacus_ndarray_to_f64(&a, &err) != LACUS_OK) abort();
    lacus_ndarray_free(&a);
    return 0;
}
