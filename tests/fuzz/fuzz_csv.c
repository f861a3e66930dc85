/* libFuzzer target for the CSV parser. The first byte picks the delimiter
 * (detected, or one of those lacus_csv_read accepts), the rest is the text.
 * A success must be a non-empty 2-D matrix; a failure must carry a message. */
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char delims[] = {0, ',', ';', '\t', ' ', '|', ':', 'x'};
    if (size < 1) return 0;
    char delim = delims[data[0] % sizeof delims];
    lacus_ndarray a;
    lacus_error err = {0};
    lacus_status st = lacus__csv_parse_mem((const char *)data + 1, size - 1, delim, "fuzz.csv",
                                           &a, &err);
    if (st != LACUS_OK) {
        if (!err.msg[0] || a.data) abort();
        return 0;
    }
    if (a.ndim != 2 || a.shape[0] < 1 || a.shape[1] < 1 || !a.data) abort();
    volatile double sink = ((double *)a.data)[a.shape[0] * a.shape[1] - 1];
    (void)sink;
    lacus_ndarray_free(&a);
    return 0;
}
