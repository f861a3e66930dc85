/* One token through a stacked reservoir LM (lm_stack.h): the fused step
 * that scoring and generation use, and the reference step it replaced,
 * kept beside it for the tests and the benchmark (bench_lm --stack).
 *
 * Shapes per layer l: state x_l (N), input u_l (V: onehot(tok) for l = 0,
 * s_{l-1} above), W_l (N, N) CSR, WinT_l (V, N) dense, Wout_l (F, V) with
 * F = N + V (feed_token) or N, b_l (V):
 *
 *   d_l = Win_l u_l                       (drive; l = 0: row tok of WinT_0)
 *   x_l <- (1 - lr) x_l + lr tanh(W_l x_l + (d_l + bias_l))
 *   s_l = b_l + Wout_l^T [x_l, u_l]        (l = 0: row N + tok of Wout_0)
 *
 * Why a separate step: the reference ran each layer through
 * lacus_reservoir_run for one step, which allocates its block workspace
 * (N x 64 doubles, half a megabyte at N = 1,000) per call, computes the
 * drive of a one-hot input as a dense product, and sums each unit's drive
 * in one dependent chain of V multiply-adds; the readout went through
 * dgemv. Here the workspace is sized once, a one-hot input costs one row
 * lookup, and the drive and the readout are register-blocked products
 * (gemv_t below).
 *
 * Bits: the state and its drive are the reference's to the last bit (the
 * same fused multiply-adds in the same order: Win's zeros and the one-hot
 * zeros add exact zeros); the readout sums in a fixed order of its own
 * where dgemv's order is OpenBLAS's, so scores differ by rounding only
 * (test_lm_stack_step bounds it and checks a generated stream is
 * byte-identical to the reference's). */
#include <math.h>
#include <string.h>
#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

#include "core/alloc.h"
#include "core/error.h"
#include "lang/lm_stack.h"
#include "linalg/blas.h"
#include "linalg/csr.h"
#include "nodes/activation.h"
#include "nodes/reservoir.h"

/* out[c] = sum_r x[r] W[r, c] over r = 0 .. rows-1 in order (then the row
 * `extra` with coefficient 1 when extra >= 0), c < cols; W row-major with
 * stride ldw. Every column is one chain of LACUS__CSR_MADD (fused where the
 * CPU has FMA), so the AVX2 path (12 vectors of 4 columns kept in
 * registers while W streams past once) and the portable path give the same
 * bits. Written here because no BLAS fixes its summation order, and the
 * drive must reproduce the reference's chain exactly. */
#if defined(__AVX2__) && defined(__FMA__)
static inline __attribute__((always_inline)) void gemv_block(const double *W, int64_t ldw, const double *x,
                                                             int64_t rows, int64_t extra, int64_t c0, const int nv,
                                                             int64_t cols, double *out)
{
    /* The last vector is masked when cols - c0 is not 4 nv. */
    const int64_t rem = cols - c0 - 4 * (nv - 1);
    const __m256i mask = _mm256_setr_epi64x(rem > 0 ? -1 : 0, rem > 1 ? -1 : 0, rem > 2 ? -1 : 0, rem > 3 ? -1 : 0);
    __m256d a[12];
    for (int b = 0; b < nv; b++) a[b] = _mm256_setzero_pd();
#define ROW(r, xr)                                                                                             \
    do {                                                                                                       \
        const __m256d xv = _mm256_set1_pd(xr);                                                                 \
        const double *w = W + (r) * ldw + c0;                                                                  \
        for (int b = 0; b < nv - 1; b++) a[b] = _mm256_fmadd_pd(xv, _mm256_loadu_pd(w + 4 * b), a[b]);      \
        a[nv - 1] = _mm256_fmadd_pd(xv, _mm256_maskload_pd(w + 4 * (nv - 1), mask), a[nv - 1]);              \
    } while (0)
    for (int64_t r = 0; r < rows; r++) ROW(r, x[r]);
    if (extra >= 0) ROW(extra, 1.0);
#undef ROW
    for (int b = 0; b < nv - 1; b++) _mm256_storeu_pd(out + c0 + 4 * b, a[b]);
    _mm256_maskstore_pd(out + c0 + 4 * (nv - 1), mask, a[nv - 1]);
}
#endif

static void gemv_t(const double *W, int64_t ldw, const double *x, int64_t rows, int64_t extra, int64_t cols,
                   double *out)
{
#if defined(__AVX2__) && defined(__FMA__)
    int64_t c0 = 0;
    for (; c0 + 48 <= cols; c0 += 48) gemv_block(W, ldw, x, rows, extra, c0, 12, cols, out);
    if (c0 < cols) {
        switch ((int)((cols - c0 + 3) / 4)) { /* a constant vector count, so the block stays in registers */
#define CASE(k) \
    case k: gemv_block(W, ldw, x, rows, extra, c0, k, cols, out); break;
            CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8) CASE(9) CASE(10) CASE(11) CASE(12)
#undef CASE
        }
    }
#else
    for (int64_t c = 0; c < cols; c++) out[c] = 0.0;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++) out[c] = LACUS__CSR_MADD(out[c], x[r], W[r * ldw + c]);
    if (extra >= 0)
        for (int64_t c = 0; c < cols; c++) out[c] = LACUS__CSR_MADD(out[c], 1.0, W[extra * ldw + c]);
#endif
}

lacus_status lacus__lm_stack_build_winT(lacus_lm_stack *m, int64_t l)
{
    const int64_t N = m->p.n_units, V = m->p.vocab_size;
    const lacus__csr *Win = &m->res[l]->Win;
    double *T = LACUS__ZNEW(double, V * N);
    if (!T) return LACUS_ERR_NOMEM;
    for (int64_t n = 0; n < N; n++)
        for (int64_t k = Win->indptr[n]; k < Win->indptr[n + 1]; k++) T[(int64_t)Win->indices[k] * N + n] = Win->values[k];
    m->WinT[l] = T;
    return LACUS_OK;
}

void lacus__lm_stack_ws_free(lacus__lm_stack_ws *w)
{
    for (int l = 0; l < 16; l++) lacus__free(w->f[l]);
    lacus__free(w->pre), lacus__free(w->u0), lacus__free(w->xf), lacus__free(w->uf), lacus__free(w->sf);
    memset(w, 0, sizeof *w);
}

lacus_status lacus__lm_stack_ws_init(lacus__lm_stack_ws *w, const lacus_lm_stack *m)
{
    memset(w, 0, sizeof *w);
    w->pre = LACUS__NEW(double, m->p.n_units);
    w->u0 = LACUS__ZNEW(double, m->p.vocab_size);
    w->xf = LACUS__NEW(float, m->p.n_units), w->uf = LACUS__NEW(float, m->p.vocab_size);
    w->sf = LACUS__NEW(float, m->p.n_units > m->p.vocab_size ? m->p.n_units : m->p.vocab_size);
    int ok = w->pre && w->u0 && w->xf && w->uf && w->sf;
    for (int64_t l = 0; l < m->L && ok; l++) ok = (w->f[l] = LACUS__ZNEW(double, m->F)) != NULL;
    if (!ok) lacus__lm_stack_ws_free(w);
    return ok ? LACUS_OK : LACUS_ERR_NOMEM;
}

/* The state update of layer l from its drive d (N) plus bias: step_units
 * of nodes/reservoir_step.c for one lane without noise, so the same bits. */
void lacus__lm_stack_layer_state(const lacus_reservoir *r, double *x, const double *d, double *pre)
{
    const int64_t N = r->p.n_units;
    const int64_t *p = r->W.indptr;
    for (int64_t n = 0; n < N; n++)
        pre[n] = lacus__csr_row_dot(r->W.indices, r->W.values, x, p[n], p[n + 1]) + (d[n] + r->bias[n]);
    lacus__activate(r->p.activation, pre, pre, N);
    for (int64_t n = 0; n < N; n++) x[n] = lacus__leak(r, n, x[n], pre[n], NULL);
}

lacus_status lacus__lm_stack_step(lacus_lm_stack *m, lacus__lm_stack_ws *w, int32_t tok, int reset, int64_t depth,
                                  double *S)
{
    const int64_t N = m->p.n_units, V = m->p.vocab_size, F = m->F;
    double *d = w->pre; /* the drive, then the pre-activation, in place */
    for (int64_t l = 0; l < depth; l++) {
        double *x = w->f[l], *sl = S + l * V;
        if (reset) memset(x, 0, (size_t)N * sizeof *x);
        if (l == 0) {
            memcpy(d, m->WinT[0] + (int64_t)tok * N, (size_t)N * sizeof *d);
            lacus__lm_stack_layer_state(m->res[0], x, d, d);
            gemv_t(m->Wout[0], V, x, N, F > N ? N + tok : -1, V, sl);
        } else {
            const double *u = sl - V;
            gemv_t(m->WinT[l], N, u, V, -1, N, d);
            lacus__lm_stack_layer_state(m->res[l], x, d, d);
            if (F > N) memcpy(x + N, u, (size_t)V * sizeof *x);
            gemv_t(m->Wout[l], V, x, F, -1, V, sl);
        }
        const double *b = m->b[l];
        int finite = 1;
        for (int64_t v = 0; v < V; v++) finite &= isfinite(sl[v] = b[v] + sl[v]);
        if (!finite)
            return lacus__fail(&m->err, LACUS_ERR_NUMERIC, "lm stack: layer %lld's scores are not finite "
                               "(diverging readout)", (long long)l);
    }
    return LACUS_OK;
}

lacus_status lacus__lm_stack_step_ref(lacus_lm_stack *m, lacus__lm_stack_ws *w, int32_t tok, int reset, double *S)
{
    const int64_t N = m->p.n_units, V = m->p.vocab_size, F = m->F;
    w->u0[tok] = 1;
    const double *u = w->u0;
    lacus_status s = LACUS_OK;
    for (int64_t l = 0; l < m->L && !s; l++) {
        double *f = w->f[l];
        s = lacus_reservoir_run(m->res[l], u, 1, reset, f);
        if (s) {
            lacus__fail(&m->err, s, "lm stack: layer %lld: %s", (long long)l, lacus_reservoir_errmsg(m->res[l]));
            break;
        }
        if (F > N) memcpy(f + N, u, (size_t)V * sizeof *f);
        double *sl = S + l * V;
        memcpy(sl, m->b[l], (size_t)V * sizeof *sl);
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)F, (int)V, 1.0, m->Wout[l], (int)V, f, 1, 1.0, sl, 1);
        u = sl;
    }
    w->u0[tok] = 0;
    return s;
}

/* Scoring a known sequence needs no sampling between tokens, so each layer
 * runs a chunk of C tokens at a time, as lacus_lm_score does: the
 * recurrence token by token (W is sparse, the cheap part), then the
 * readout of the whole chunk, and the next layer's drive, as two dgemm
 * calls (the weights are read once per chunk instead of once per token).
 * The states are those of the fused step bit for bit in layer 0; the
 * scores differ from it by the rounding of dgemm's order. */
#define SCORE_CHUNK 256

lacus_status lacus__lm_stack_score_chunked(lacus_lm_stack *m, const int32_t *ids, int64_t n, int64_t start,
                                           double *bits)
{
    const int64_t N = m->p.n_units, V = m->p.vocab_size, F = m->F, L = m->L, C = SCORE_CHUNK;
    lacus__lm_stack_ws w;
    double *X = LACUS__ZNEW(double, C * F), *D = LACUS__NEW(double, C * N), *S = LACUS__NEW(double, L * C * V);
    double *g = LACUS__NEW(double, V);
    lacus_status s = LACUS_OK;
    if (!X || !D || !S || !g || lacus__lm_stack_ws_init(&w, m)) {
        lacus__free(X), lacus__free(D), lacus__free(S), lacus__free(g);
        return lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm stack score: out of memory for chunks of %lld tokens",
                           (long long)C);
    }
    for (int64_t l = 0; l < L; l++) bits[l] = 0;
    int saved = lacus__blas_serial_begin(); /* small dgemm calls: no team barriers */
    for (int64_t t0 = 0; t0 + 1 < n && !s; t0 += C) {
        const int64_t r = n - 1 - t0 < C ? n - 1 - t0 : C; /* rows: tokens t0 .. t0 + r - 1 */
        for (int64_t l = 0; l < L && !s; l++) {
            double *x = w.f[l], *Sl = S + l * C * V;
            const double *U = Sl - C * V; /* layer l-1's scores (l > 0) */
            if (l > 0)
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)r, (int)N, (int)V, 1.0, U, (int)V,
                            m->WinT[l], (int)N, 0.0, D, (int)N);
            for (int64_t q = 0; q < r; q++) {
                double *d = D + q * N, *row = X + q * F;
                if (l == 0) memcpy(d, m->WinT[0] + (int64_t)ids[t0 + q] * N, (size_t)N * sizeof *d);
                lacus__lm_stack_layer_state(m->res[l], x, d, d);
                memcpy(row, x, (size_t)N * sizeof *row);
                if (F > N) {
                    if (l == 0) memset(row + N, 0, (size_t)V * sizeof *row), row[N + ids[t0 + q]] = 1.0;
                    else memcpy(row + N, U + q * V, (size_t)V * sizeof *row);
                }
                memcpy(Sl + q * V, m->b[l], (size_t)V * sizeof *Sl);
            }
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)r, (int)V, (int)F, 1.0, X, (int)F, m->Wout[l],
                        (int)V, 1.0, Sl, (int)V);
            for (int64_t i = 0; i < r * V; i++)
                if (!isfinite(Sl[i])) {
                    s = lacus__fail(&m->err, LACUS_ERR_NUMERIC, "lm stack: layer %lld's scores are not finite at "
                                    "token %lld (diverging readout)", (long long)l, (long long)(t0 + i / V));
                    break;
                }
        }
        for (int64_t q = 0; q < r && !s; q++) {
            if (t0 + q + 1 < start) continue;
            const int32_t y = ids[t0 + q + 1];
            for (int64_t l = 0; l < L; l++) {
                const double *sv = S + (l * C + q) * V, eps = m->eps[l], beta = m->beta[l];
                double mx = -INFINITY, z = 0;
                for (int64_t v = 0; v < V; v++) g[v] = beta * log(fmax(sv[v], eps)), mx = fmax(mx, g[v]);
                for (int64_t v = 0; v < V; v++) z += exp(g[v] - mx);
                bits[l] += (mx + log(z) - g[y]) / log(2.0);
            }
        }
    }
    lacus__blas_serial_end(saved);
    lacus__lm_stack_ws_free(&w);
    lacus__free(X), lacus__free(D), lacus__free(S), lacus__free(g);
    return s;
}

/* ---- generation in single precision ------------------------------------ */

/* out[c] = sum_r x[r] W[r, c] in float, the order of gemv_t (one chain of
 * fused multiply-adds per column, the same bits on both paths): 12 vectors
 * of 8 columns in registers. */
#if defined(__AVX2__) && defined(__FMA__)
static inline __attribute__((always_inline)) void gemv_block_f32(const float *W, int64_t ldw, const float *x,
                                                                 int64_t rows, int64_t c0, const int nv, int64_t cols,
                                                                 float *out)
{
    const int64_t rem = cols - c0 - 8 * (nv - 1);
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(rem < 8 ? rem : 8)),
                                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256 a[12];
    for (int b = 0; b < nv; b++) a[b] = _mm256_setzero_ps();
    for (int64_t r = 0; r < rows; r++) {
        const __m256 xv = _mm256_set1_ps(x[r]);
        const float *w = W + r * ldw + c0;
        for (int b = 0; b < nv - 1; b++) a[b] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w + 8 * b), a[b]);
        a[nv - 1] = _mm256_fmadd_ps(xv, _mm256_maskload_ps(w + 8 * (nv - 1), mask), a[nv - 1]);
    }
    for (int b = 0; b < nv - 1; b++) _mm256_storeu_ps(out + c0 + 8 * b, a[b]);
    _mm256_maskstore_ps(out + c0 + 8 * (nv - 1), mask, a[nv - 1]);
}
#endif

static void gemv_t_f32(const float *W, int64_t ldw, const float *x, int64_t rows, int64_t cols, float *out)
{
#if defined(__AVX2__) && defined(__FMA__)
    int64_t c0 = 0;
    for (; c0 + 96 <= cols; c0 += 96) gemv_block_f32(W, ldw, x, rows, c0, 12, cols, out);
    if (c0 < cols) {
        switch ((int)((cols - c0 + 7) / 8)) {
#define CASE(k) \
    case k: gemv_block_f32(W, ldw, x, rows, c0, k, cols, out); break;
            CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8) CASE(9) CASE(10) CASE(11) CASE(12)
#undef CASE
        }
    }
#else
    for (int64_t c = 0; c < cols; c++) out[c] = 0.0f;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++) out[c] = fmaf(x[r], W[r * ldw + c], out[c]);
#endif
}

lacus_status lacus__lm_stack_make_f32(lacus_lm_stack *m)
{
    const int64_t N = m->p.n_units, V = m->p.vocab_size;
    for (int64_t l = 0; l < m->L; l++) {
        if (m->Woutf[l]) continue;
        float *Wf = LACUS__NEW(float, N * V), *Tf = l ? LACUS__NEW(float, V * N) : NULL;
        if (!Wf || (l && !Tf)) {
            lacus__free(Wf), lacus__free(Tf);
            return LACUS_ERR_NOMEM;
        }
        for (int64_t i = 0; i < N * V; i++) Wf[i] = (float)m->Wout[l][i];
        for (int64_t i = 0; l && i < V * N; i++) Tf[i] = (float)m->WinT[l][i];
        m->Woutf[l] = Wf, m->WinTf[l] = Tf;
    }
    return LACUS_OK;
}

lacus_status lacus__lm_stack_step_f32(lacus_lm_stack *m, lacus__lm_stack_ws *w, int32_t tok, int reset, int64_t depth,
                                      double *S)
{
    const int64_t N = m->p.n_units, V = m->p.vocab_size, F = m->F;
    double *d = w->pre;
    float *xf = w->xf, *uf = w->uf, *sf = w->sf;
    for (int64_t l = 0; l < depth; l++) {
        double *x = w->f[l], *sl = S + l * V;
        const double *u = sl - V, *b = m->b[l], *Wu = m->Wout[l] + N * V; /* the input rows of Wout */
        if (reset) memset(x, 0, (size_t)N * sizeof *x);
        if (l == 0) {
            memcpy(d, m->WinT[0] + (int64_t)tok * N, (size_t)N * sizeof *d);
        } else {
            for (int64_t v = 0; v < V; v++) uf[v] = (float)u[v];
            gemv_t_f32(m->WinTf[l], N, uf, V, N, sf);
            for (int64_t n = 0; n < N; n++) d[n] = (double)sf[n];
        }
        lacus__lm_stack_layer_state(m->res[l], x, d, d);
        for (int64_t n = 0; n < N; n++) xf[n] = (float)x[n];
        gemv_t_f32(m->Woutf[l], V, xf, N, V, sf);
        for (int64_t v = 0; v < V; v++) sl[v] = b[v] + (double)sf[v];
        if (F > N) { /* the input's rows in double: V x V, small beside N x V */
            if (l == 0)
                for (int64_t v = 0; v < V; v++) sl[v] += Wu[(int64_t)tok * V + v];
            else
                for (int64_t k = 0; k < V; k++)
                    for (int64_t v = 0; v < V; v++) sl[v] += u[k] * Wu[k * V + v];
        }
        int finite = 1;
        for (int64_t v = 0; v < V; v++) finite &= isfinite(sl[v]);
        if (!finite)
            return lacus__fail(&m->err, LACUS_ERR_NUMERIC, "lm stack: layer %lld's scores are not finite "
                               "(diverging readout)", (long long)l);
    }
    return LACUS_OK;
}
