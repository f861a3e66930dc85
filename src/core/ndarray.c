/* lacus_ndarray: the n-dimensional array that .npy, .npz and CSV files load
 * into. Only the few helpers every reader and caller needs live here: sizes,
 * freeing, and conversion to double (the dtype the models compute in). */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

int64_t lacus_ndarray_size(const lacus_ndarray *a)
{
    int64_t n = 1;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] == 0) return 0;
    for (int i = 0; i < a->ndim; i++) n *= a->shape[i];
    return n;
}

size_t lacus_dtype_size(lacus_dtype t)
{
    return (t == LACUS_F64 || t == LACUS_I64) ? 8 : 4;
}

void lacus_ndarray_free(lacus_ndarray *a)
{
    if (!a) return;
    lacus__free(a->data);
    memset(a, 0, sizeof *a);
}

lacus_status lacus_ndarray_to_f64(lacus_ndarray *a, lacus_error *err)
{
    if (a->dtype == LACUS_F64) return LACUS_OK;
    int64_t n = lacus_ndarray_size(a);
    double *d = LACUS__NEW(double, n);
    if (!d)
        return lacus__fail(err, LACUS_ERR_NOMEM, "converting %lld elements to f64: out of memory",
                           (long long)n);
    /* The data came from the library's allocator (see the header), so it is
     * aligned for its dtype and typed loads are safe. */
    if (a->dtype == LACUS_F32)
        for (int64_t i = 0; i < n; i++) d[i] = ((const float *)a->data)[i];
    else if (a->dtype == LACUS_I64)
        for (int64_t i = 0; i < n; i++) d[i] = (double)((const int64_t *)a->data)[i];
    else
        for (int64_t i = 0; i < n; i++) d[i] = ((const int32_t *)a->data)[i];
    lacus__free(a->data);
    a->data = d;
    a->dtype = LACUS_F64;
    return LACUS_OK;
}
