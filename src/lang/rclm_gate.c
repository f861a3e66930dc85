/* Token-gated readouts of the reservoir LM (equations in lacus/lm.h): per
 * gated token c, ridge on the residual of the shared readout over the rows
 * whose current token is c, from sums gathered in the training pass. */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "lang/rclm.h"
#include "linalg/blas.h"

#define GATE_ROWS 256 /* rows buffered per token between X^T X updates */

struct lacus__gate_acc {
    int64_t K, N, V;
    double *A;     /* (K, N, N) upper triangles of X_c^T X_c */
    double *B;     /* (K, N, V) X_c^T Y_c */
    double *sx;    /* (K, N) sums of x */
    double *buf;   /* (K, GATE_ROWS, N) rows waiting for their dsyrk */
    int64_t *fill; /* (K) */
};

void lacus__gate_free(lacus__gate_acc *g)
{
    if (!g) return;
    lacus__free(g->A), lacus__free(g->B), lacus__free(g->sx), lacus__free(g->buf), lacus__free(g->fill);
    lacus__free(g);
}

lacus_status lacus__gate_alloc(lacus_lm *m, int64_t K)
{
    const int64_t N = m->p.n_units, V = m->p.vocab_size;
    lacus__free(m->gate_tok), lacus__free(m->gate_of), lacus__free(m->Wg);
    m->n_gate = K;
    m->gate_tok = LACUS__NEW(int32_t, K ? K : 1);
    m->gate_of = LACUS__NEW(int32_t, V);
    m->Wg = LACUS__ZNEW(double, K ? K * N * V : 1);
    if (!m->gate_tok || !m->gate_of || !m->Wg)
        return lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm: out of memory for %lld gated readouts", (long long)K);
    for (int64_t v = 0; v < V; v++) m->gate_of[v] = -1;
    return LACUS_OK;
}

lacus_status lacus__gate_begin(lacus_lm *m, const int32_t *ids, int64_t n, lacus__gate_acc **out)
{
    *out = NULL;
    const int64_t N = m->p.n_units, V = m->p.vocab_size;
    int64_t K = m->p.gate_tokens < V ? m->p.gate_tokens : V;
    int64_t *cnt = LACUS__ZNEW(int64_t, V);
    if (!cnt) return lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm: out of memory");
    for (int64_t i = 0; i < n; i++) cnt[ids[i]]++;
    int64_t seen = 0;
    for (int64_t v = 0; v < V; v++) seen += cnt[v] > 0;
    if (K > seen) K = seen;
    lacus_status s = lacus__gate_alloc(m, K);
    if (s) {
        lacus__free(cnt);
        return s;
    }
    /* The K most frequent tokens (ties: the smaller id). */
    for (int64_t k = 0; k < K; k++) {
        int64_t best = -1;
        for (int64_t v = 0; v < V; v++)
            if (m->gate_of[v] < 0 && cnt[v] > 0 && (best < 0 || cnt[v] > cnt[best])) best = v;
        m->gate_tok[k] = (int32_t)best;
        m->gate_of[best] = (int32_t)k;
    }
    lacus__free(cnt);
    if (K == 0) return LACUS_OK;
    lacus__gate_acc *g = lacus__calloc(1, sizeof *g);
    if (!g) return lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm: out of memory");
    g->K = K, g->N = N, g->V = V;
    g->A = LACUS__ZNEW(double, K * N * N);
    g->B = LACUS__ZNEW(double, K * N * V);
    g->sx = LACUS__ZNEW(double, K * N);
    g->buf = LACUS__NEW(double, K * GATE_ROWS * N);
    g->fill = LACUS__ZNEW(int64_t, K);
    if (!g->A || !g->B || !g->sx || !g->buf || !g->fill) {
        lacus__gate_free(g);
        return lacus__fail(&m->err, LACUS_ERR_NOMEM,
                           "lm: out of memory for %lld gated readouts of %lld units (%.1f GB; lower gate_tokens)",
                           (long long)K, (long long)N, (double)K * (double)N * (double)(N + V) * 8e-9);
    }
    *out = g;
    return LACUS_OK;
}

static void flush(lacus__gate_acc *g, int64_t k)
{
    const int64_t N = g->N;
    if (!g->fill[k]) return;
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)N, (int)g->fill[k], 1.0, g->buf + k * GATE_ROWS * N,
                (int)N, 1.0, g->A + k * N * N, (int)N);
    g->fill[k] = 0;
}

void lacus__gate_add(lacus__gate_acc *g, const lacus_lm *m, const double *x, int32_t tok, int32_t y)
{
    if (!g) return;
    int32_t k = m->gate_of[tok];
    if (k < 0) return;
    const int64_t N = g->N, V = g->V;
    double *b = g->B + (int64_t)k * N * V + y, *sx = g->sx + (int64_t)k * N;
    for (int64_t i = 0; i < N; i++) {
        b[i * V] += x[i];
        sx[i] += x[i];
    }
    memcpy(g->buf + ((int64_t)k * GATE_ROWS + g->fill[k]) * N, x, (size_t)N * sizeof *x);
    if (++g->fill[k] == GATE_ROWS) flush(g, k);
}

lacus_status lacus__gate_finish(lacus__gate_acc *g, lacus_lm *m)
{
    if (!g) return LACUS_OK;
    const int64_t N = g->N, V = g->V;
    lacus_status s = LACUS_OK;
    for (int64_t k = 0; k < g->K && !s; k++) {
        flush(g, k);
        double *A = g->A + k * N * N, *R = g->B + k * N * V, *sx = g->sx + k * N;
        const int32_t c = m->gate_tok[k];
        lacus__symmetrize_upper(N, A, N);
        /* R = X_c^T Y_c - A_c W0x - sx (W0[N + c] + b0)^T */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)N, (int)V, (int)N, -1.0, A, (int)N, m->Wout,
                    (int)V, 1.0, R, (int)V);
        for (int64_t i = 0; i < N; i++)
            for (int64_t v = 0; v < V; v++)
                R[i * V + v] -= sx[i] * ((m->p.feed_token ? m->Wout[(N + c) * V + v] : 0.0) + m->b[v]);
        for (int64_t i = 0; i < N; i++) A[i * N + i] += m->p.gate_ridge;
        int saved = lacus__blas_serial_begin();
        lapack_int info = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (lapack_int)N, (lapack_int)V, A, (lapack_int)N, R,
                                        (lapack_int)V);
        lacus__blas_serial_end(saved);
        if (info != 0)
            s = lacus__fail(&m->err, LACUS_ERR_NUMERIC,
                            "lm fit: gated readout of token %d is not positive definite (info %d); raise gate_ridge",
                            (int)c, (int)info);
        else
            memcpy(m->Wg + k * N * V, R, (size_t)(N * V) * sizeof *R);
    }
    lacus__gate_free(g);
    return s;
}

void lacus__gate_scores(const lacus_lm *m, const double *X, int64_t ldx, const int32_t *tok, int64_t rows, double *S)
{
    const int64_t N = m->p.n_units, V = m->p.vocab_size;
    if (!m->n_gate) return;
    for (int64_t r = 0; r < rows; r++) {
        int32_t k = m->gate_of[tok[r]];
        if (k < 0) continue;
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)N, (int)V, 1.0, m->Wg + (int64_t)k * N * V, (int)V, X + r * ldx,
                    1, 1.0, S + r * V, 1);
    }
}
