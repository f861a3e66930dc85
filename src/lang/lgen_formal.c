/* Formal side tasks of lgen (Dyck, copy, reverse, counting), each with its
 * exact next-token distribution (see lacus/lgen.h). */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "lacus.h"

enum { F_END = 0, F_SEP = 1, F_SYM = 2 };

lacus_status lacus_formal_generate(lacus_formal_task task, int64_t k, double p, int64_t max_len, uint64_t seed,
                                   int64_t n, int32_t *ids, double *probs, int64_t *V_out, lacus_error *err)
{
    if ((unsigned)task > 3) return lacus__fail(err, LACUS_ERR_ARG, "formal task = %d: must be 0..3", (int)task);
    if (task == LACUS_FORMAL_COUNT) k = 2;
    if (k < 1 || k > 10000) return lacus__fail(err, LACUS_ERR_ARG, "formal k = %lld: must be in [1, 10000]", (long long)k);
    if (!(p > 0 && p < 1)) return lacus__fail(err, LACUS_ERR_ARG, "formal p = %g: must be in (0, 1)", p);
    if (max_len < 1 || max_len > 1000000)
        return lacus__fail(err, LACUS_ERR_ARG, "formal max_len = %lld: must be in [1, 10^6]", (long long)max_len);
    if (n < 0 || (n && !ids)) return lacus__fail(err, LACUS_ERR_ARG, "formal: n = %lld must be >= 0 with ids", (long long)n);
    const int64_t V = task == LACUS_FORMAL_DYCK ? 2 + 2 * k : task == LACUS_FORMAL_COUNT ? 4 : 2 + k;
    if (V_out) *V_out = V;
    int32_t *buf = LACUS__NEW(int32_t, max_len + 1);
    if (!buf) return lacus__fail(err, LACUS_ERR_NOMEM, "formal: out of memory");
    lacus__rng r;
    lacus__rng_stream(&r, seed, LACUS__STREAM_DATA, 7);
    /* State: phase 0 = first half (or Dyck body), 1 = second half, 2 = the
     * final "$"; len = symbols in buf; at = position in the second half. */
    int phase = 0;
    int64_t len = 0, at = 0;
    double *d = NULL;
    for (int64_t t = 0; t < n; t++) {
        if (probs) {
            d = probs + t * V;
            memset(d, 0, (size_t)V * sizeof *d);
        }
        int32_t tok;
        if (task == LACUS_FORMAL_DYCK) {
            /* Open a bracket with p (not at max depth), else close the top,
             * or end the string at depth 0. */
            double po = len < max_len ? p : 0;
            double u = lacus__rng_uniform(&r);
            if (d) {
                for (int64_t i = 0; i < k; i++) d[F_SYM + i] += po / (double)k;
                d[len ? F_SYM + k + buf[len - 1] : F_END] += 1 - po;
            }
            if (u < po) {
                int32_t b = (int32_t)lacus__rng_below(&r, (uint64_t)k);
                buf[len++] = b;
                tok = F_SYM + b;
            } else {
                tok = len ? (int32_t)(F_SYM + k + buf[--len]) : F_END;
            }
        } else if (task == LACUS_FORMAL_COUNT) {
            /* a^n b^n $, n >= 1: "a" first, then "a" with p (below max_len) or "b". */
            if (phase == 0) {
                double pa = len == 0 ? 1 : len < max_len ? p : 0;
                if (d) d[2] += pa, d[3] += 1 - pa;
                if (lacus__rng_uniform(&r) < pa) tok = 2, len++;
                else tok = 3, phase = 1, at = 1;
            } else if (phase == 1 && at < len) {
                if (d) d[3] = 1;
                tok = 3, at++;
            } else {
                if (d) d[F_END] = 1;
                tok = F_END, phase = 0, len = 0;
            }
            if (phase == 1 && at == len && tok == 3) phase = 2;
        } else {
            if (phase == 0) {
                double ps = len < max_len ? p : 0;
                if (d) {
                    for (int64_t i = 0; i < k; i++) d[F_SYM + i] += ps / (double)k;
                    d[F_SEP] += 1 - ps;
                }
                if (lacus__rng_uniform(&r) < ps) {
                    int32_t s = (int32_t)lacus__rng_below(&r, (uint64_t)k);
                    buf[len++] = s;
                    tok = F_SYM + s;
                } else {
                    tok = F_SEP, phase = 1, at = 0;
                }
            } else if (at < len) {
                int32_t s = task == LACUS_FORMAL_COPY ? buf[at] : buf[len - 1 - at];
                if (d) d[F_SYM + s] = 1;
                tok = F_SYM + s, at++;
            } else {
                if (d) d[F_END] = 1;
                tok = F_END, phase = 0, len = 0;
            }
        }
        ids[t] = tok;
    }
    lacus__free(buf);
    return LACUS_OK;
}
