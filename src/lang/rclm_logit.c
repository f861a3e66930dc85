/* The convex readout of the reservoir LM: multinomial logistic regression
 * of the next token on [x[t], onehot(tok_t)], fitted by L-BFGS on stored
 * states (the reservoir is fixed, so no gradient flows through it). The
 * states are kept in single precision to halve the memory, up to
 * max_rows of them: that is the memory bound, N * max_rows * 4
 * bytes. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "lang/logistic.h"
#include "lang/rclm.h"

typedef struct lm_rows {
    const float *X;     /* (n, N) states */
    const int32_t *tok; /* (n) current tokens */
    int64_t N, V;
    int feed;
} lm_rows;

static void lm_rows_fill(void *ctx, int64_t row0, int64_t rows, double *out)
{
    const lm_rows *r = ctx;
    const int64_t F = r->N + (r->feed ? r->V : 0);
    for (int64_t t = 0; t < rows; t++) {
        const float *x = r->X + (row0 + t) * r->N;
        double *f = out + t * F;
        for (int64_t i = 0; i < r->N; i++) f[i] = (double)x[i];
        if (r->feed) {
            memset(f + r->N, 0, (size_t)r->V * sizeof *f);
            f[r->N + r->tok[row0 + t]] = 1.0;
        }
    }
}

lacus_status lacus__lm_fit_logistic(lacus_lm *m, const int32_t *ids, int64_t n_train, double *x, double *tmp)
{
    const int64_t N = m->p.n_units, V = m->p.vocab_size, F = m->F;
    int64_t avail = n_train - 1 - m->p.warmup, n = avail < m->ro.max_rows ? avail : m->ro.max_rows;
    if (n < 1) return lacus__fail(&m->err, LACUS_ERR_ARG, "lm fit: no training rows after warmup");
    float *X = LACUS__NEW(float, n * N);
    int32_t *tok = LACUS__NEW(int32_t, n), *y = LACUS__NEW(int32_t, n);
    if (!X || !tok || !y) {
        lacus__free(X), lacus__free(tok), lacus__free(y);
        return lacus__fail(&m->err, LACUS_ERR_NOMEM,
                           "lm fit: out of memory for %lld logistic rows of %lld units (lower max_rows)",
                           (long long)n, (long long)N);
    }
    /* Rows: the first n after warmup; the state still runs to the end. */
    int64_t r = 0;
    for (int64_t t = 0; t + 1 < n_train; t++) {
        lacus__lm_step(m, x, ids[t], tmp);
        if (t < m->p.warmup || r >= n) continue;
        for (int64_t i = 0; i < N; i++) X[r * N + i] = (float)x[i];
        tok[r] = ids[t], y[r] = ids[t + 1];
        r++;
    }
    /* Start: W = 0, b = log of the (add-one) unigram frequencies, the
     * optimum of the bias-only model. */
    memset(m->Wout, 0, (size_t)(F * V) * sizeof *m->Wout);
    for (int64_t v = 0; v < V; v++) m->b[v] = 1.0;
    for (int64_t t = 0; t < n; t++) m->b[y[t]] += 1.0;
    for (int64_t v = 0; v < V; v++) m->b[v] = log(m->b[v] / (double)(n + V));
    lm_rows rows = {X, tok, N, V, m->p.feed_token};
    int64_t iters = 0;
    lacus_status s = lacus__logistic_lbfgs(lm_rows_fill, &rows, n, F, y, V, m->ro.l2, m->ro.iters,
                                           m->ro.tol, m->Wout, m->b, &iters, NULL, &m->err);
    lacus__free(X), lacus__free(tok), lacus__free(y);
    return s;
}
