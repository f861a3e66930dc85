/* Double-precision generation of stacked LMs with packed weights
 * (lm_stack.h: lacus__lm_stack_make_packed, lacus__lm_stack_step_packed):
 * the arithmetic of lacus__lm_stack_step (lm_stack_step.c), every fused
 * multiply-add with the same operands in the same order, so the same bits,
 * on weights laid out for the one pass a token makes over them.
 *
 * Why: generation reads every weight of the stepped layers once per token
 * and cannot reuse them across tokens (each token is sampled before the
 * next step), so a token costs what its bytes cost to stream. The unpacked
 * step read, per layer above the first, the dense V x N transposed Win
 * (672 KB at N = 1,000, V = 84) in 21 passes of 48 columns whose rows sit
 * 8 KB apart (84 rows per pass: a new page every second row, too short a
 * run for the hardware prefetcher), and each readout (F x V) in two passes
 * of 48 and 36 columns over rows 672 bytes apart. Here:
 *
 *  - the readout Wout_l is stored as column panels (the 48 or fewer
 *    columns of a register block, F rows of them contiguous), so a readout
 *    is one sequential stream;
 *  - Win of the stacked layers is Bernoulli (+-input_scaling, 0 where
 *    input_connectivity < 1; lacus__lm_stack_layer_params), so its entries
 *    take at most 3 distinct values: the drive's weights are kept as one
 *    2-byte code per 4 columns, the offset of a 4-double vector in a table
 *    of the 3^4 = 81 patterns (2.6 KB, resident in L1). The FMA then reads
 *    exactly the double the dense matrix held, from the table: 42 KB per
 *    layer instead of 672 KB. Layer 0 decodes its token's row from 0.5 KB
 *    of codes instead of reading 8 KB of the 672 KB WinT, whose rows,
 *    cycling through L2 token after token, evicted the readout. A Win
 *    with more than 3 distinct values (never drawn by this library; kept
 *    general) falls back to WinT's rows (layer 0) and dense panels.
 *
 * Bytes streamed per token and layer at N = 1,000, V = 84: unpacked 800 KB
 * (layer 0) and 1.5 MB (above); packed 800 KB and 890 KB. */
#include <string.h>
#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

#include "core/alloc.h"
#include "core/error.h"
#include "lang/lm_stack.h"
#include "linalg/csr.h"

#define PANEL 48 /* columns per register block: 12 AVX2 vectors, as gemv_t */

/* Vectors of 4 in the panel of columns [c0, cols): 12, or fewer in the last. */
static int nv_at(int64_t cols, int64_t c0)
{
    const int64_t r = cols - c0;
    return r >= PANEL ? 12 : (int)((r + 3) / 4);
}

/* W (rows, cols), row stride ldw, into panels: the panel of columns
 * [c0, c0 + 4 nv) is rows x 4 nv doubles at P + rows c0 (every earlier
 * panel is 48 wide); columns past cols are zero. P: rows 4 ceil(cols / 4). */
static void pack_panels(const double *W, int64_t ldw, int64_t rows, int64_t cols, double *P)
{
    for (int64_t c0 = 0; c0 < cols; c0 += PANEL) {
        const int64_t w = 4 * nv_at(cols, c0);
        double *Q = P + rows * c0;
        for (int64_t r = 0; r < rows; r++)
            for (int64_t j = 0; j < w; j++) Q[r * w + j] = c0 + j < cols ? W[r * ldw + c0 + j] : 0.0;
    }
}

#if defined(__AVX2__) && defined(__FMA__)
/* The panel's partial sums: a[b] over rows r in order (then the row
 * `extra` with coefficient 1 when extra >= 0), each lane one chain of
 * fmadd(x[r], w, acc) as in gemv_block. WV(r, b) is the weight vector of
 * row r, vector b. Stores the first ncols columns of the panel. */
#define PANEL_SUMS(WV)                                                                                   \
    do {                                                                                                 \
        __m256d a[12];                                                                                   \
        for (int b = 0; b < nv; b++) a[b] = _mm256_setzero_pd();                                         \
        for (int64_t r = 0; r < rows; r++) {                                                             \
            const __m256d xv = _mm256_set1_pd(x[r]);                                                     \
            for (int b = 0; b < nv; b++) a[b] = _mm256_fmadd_pd(xv, WV(r, b), a[b]);                     \
        }                                                                                                \
        if (extra >= 0) {                                                                                \
            const __m256d one = _mm256_set1_pd(1.0);                                                     \
            for (int b = 0; b < nv; b++) a[b] = _mm256_fmadd_pd(one, WV(extra, b), a[b]);                \
        }                                                                                                \
        for (int b = 0; b < nv - 1; b++) _mm256_storeu_pd(out + 4 * b, a[b]);                            \
        const int64_t rem = ncols - 4 * (nv - 1);                                                        \
        if (rem >= 4) _mm256_storeu_pd(out + 4 * (nv - 1), a[nv - 1]);                                   \
        else _mm256_maskstore_pd(out + 4 * (nv - 1), lacus__lanes_mask((int)rem), a[nv - 1]);           \
    } while (0)

static inline __attribute__((always_inline)) void panel_dense(const double *P, const double *x, int64_t rows,
                                                              int64_t extra, const int nv, int64_t ncols, double *out)
{
#define WV(r, b) _mm256_loadu_pd(P + (r) * (4 * nv) + 4 * (b))
    PANEL_SUMS(WV);
#undef WV
}

/* The same with row r's weights the table vectors T + C[r nv + b]. */
static inline __attribute__((always_inline)) void panel_coded(const uint16_t *C, const double *T, const double *x,
                                                              int64_t rows, const int nv, int64_t ncols, double *out)
{
    const int64_t extra = -1;
#define WV(r, b) _mm256_loadu_pd(T + C[(r) * nv + (b)])
    PANEL_SUMS(WV);
#undef WV
}
#undef PANEL_SUMS
#endif

/* out (cols) = sum_r x[r] P[r, :] over r < rows (+ row extra) of the
 * panels of P, which hold prows >= rows rows; C != NULL: the weights are
 * the table T's vectors of the codes C instead (laid out as P with one
 * code per 4 columns, prows = rows). */
static void panels_gemv(const double *P, int64_t prows, const uint16_t *C, const double *T, const double *x,
                        int64_t rows, int64_t extra, int64_t cols, double *out)
{
    for (int64_t c0 = 0; c0 < cols; c0 += PANEL) {
        const int nv = nv_at(cols, c0);
        const int64_t ncols = cols - c0 < PANEL ? cols - c0 : PANEL;
#if defined(__AVX2__) && defined(__FMA__)
        /* A constant vector count per case, so the sums stay in registers. */
        switch (nv) {
#define CASE(k)                                                                                      \
    case k:                                                                                          \
        if (C) panel_coded(C + rows * (c0 / 4), T, x, rows, k, ncols, out + c0);                     \
        else panel_dense(P + prows * c0, x, rows, extra, k, ncols, out + c0);                         \
        break;
            CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8) CASE(9) CASE(10) CASE(11) CASE(12)
#undef CASE
        }
#else
        const int64_t w = 4 * nv;
        for (int64_t c = 0; c < ncols; c++) {
            double a = 0.0;
            for (int64_t r = 0; r < rows; r++) {
                const double wr = C ? T[C[rows * (c0 / 4) + r * nv + c / 4] + c % 4] : P[prows * c0 + r * w + c];
                a = LACUS__CSR_MADD(a, x[r], wr);
            }
            if (extra >= 0) a = LACUS__CSR_MADD(a, 1.0, P[prows * c0 + extra * w + c]);
            out[c0 + c] = a;
        }
#endif
    }
}

/* Codes of WinT_l (V, N) when its entries take at most 3 distinct values
 * (as bit patterns, so +0 and -0 are two): D[] the values, then per panel
 * and row one code per 4 columns, 4 (sum_i e_i 3^i) for the lanes' value
 * indices e_i (0 past N). Returns 0 when there are more than 3 values. */
static int code_drive(const double *WT, int64_t V, int64_t N, uint16_t *C, double *T)
{
    uint64_t D[3];
    int K = 0;
    for (int64_t i = 0; i < V * N; i++) {
        uint64_t bits;
        memcpy(&bits, WT + i, sizeof bits);
        int k = 0;
        while (k < K && D[k] != bits) k++;
        if (k == K) {
            if (K == 3) return 0;
            D[K++] = bits;
        }
    }
    for (int p = 0; p < 81; p++)
        for (int i = 0, q = p; i < 4; i++, q /= 3) memcpy(T + 4 * p + i, D + (q % 3 < K ? q % 3 : 0), sizeof *T);
    for (int64_t c0 = 0; c0 < N; c0 += PANEL) {
        const int nv = nv_at(N, c0);
        uint16_t *Cp = C + V * (c0 / 4);
        for (int64_t r = 0; r < V; r++)
            for (int b = 0; b < nv; b++) {
                int code = 0;
                for (int i = 3; i >= 0; i--) {
                    const int64_t c = c0 + 4 * b + i;
                    int e = 0;
                    if (c < N) {
                        uint64_t bits;
                        memcpy(&bits, WT + r * N + c, sizeof bits);
                        while (D[e] != bits) e++;
                    }
                    code = 3 * code + e;
                }
                Cp[r * nv + b] = (uint16_t)(4 * code);
            }
    }
    return 1;
}

/* Row r of the coded WinT (code_drive's layout) into d (N): layer 0's
 * drive, the row of its one-hot token, the same doubles as WinT's row. */
static void decode_row(const uint16_t *C, const double *T, int64_t V, int64_t N, int64_t r, double *d)
{
    for (int64_t c0 = 0; c0 < N; c0 += PANEL) {
        const int nv = nv_at(N, c0);
        const uint16_t *c = C + V * (c0 / 4) + r * nv;
        for (int b = 0; b < nv; b++) {
            const int64_t k = c0 + 4 * b;
            if (N - k >= 4) memcpy(d + k, T + c[b], 4 * sizeof *d);
            else memcpy(d + k, T + c[b], (size_t)(N - k) * sizeof *d);
        }
    }
}

lacus_status lacus__lm_stack_make_packed(lacus_lm_stack *m)
{
    const int64_t N = m->p.n_units, V = m->p.vocab_size, F = m->F, V4 = (V + 3) / 4 * 4, N4 = (N + 3) / 4 * 4;
    for (int64_t l = 0; l < m->L; l++) {
        if (m->Wp[l]) continue;
        double *Wp = LACUS__NEW(double, F * V4), *Dp = NULL, *Dt = LACUS__NEW(double, 81 * 4);
        uint16_t *Dc = LACUS__NEW(uint16_t, V * (N4 / 4));
        int ok = Wp && Dt && Dc;
        if (ok && !code_drive(m->WinT[l], V, N, Dc, Dt)) {
            /* Not coded: layer 0 looks its rows up in WinT, the layers
             * above read WinT in panels. */
            lacus__free(Dc), lacus__free(Dt), Dc = NULL, Dt = NULL;
            if (l > 0 && (ok = (Dp = LACUS__NEW(double, V * N4)) != NULL)) pack_panels(m->WinT[l], N, V, N, Dp);
        }
        if (!ok) {
            lacus__free(Wp), lacus__free(Dp), lacus__free(Dc), lacus__free(Dt);
            return LACUS_ERR_NOMEM;
        }
        pack_panels(m->Wout[l], V, F, V, Wp);
        m->Wp[l] = Wp, m->Dp[l] = Dp, m->Dc[l] = Dc, m->Dt[l] = Dt;
    }
    return LACUS_OK;
}

lacus_status lacus__lm_stack_step_packed(lacus_lm_stack *m, lacus__lm_stack_ws *w, int32_t tok, int reset,
                                         int64_t depth, double *S)
{
    const int64_t N = m->p.n_units, V = m->p.vocab_size, F = m->F;
    double *d = w->pre; /* the drive, then the pre-activation, in place */
    for (int64_t l = 0; l < depth; l++) {
        double *x = w->f[l], *sl = S + l * V;
        if (reset) memset(x, 0, (size_t)N * sizeof *x);
        if (l == 0) {
            if (m->Dc[0]) decode_row(m->Dc[0], m->Dt[0], V, N, tok, d);
            else memcpy(d, m->WinT[0] + (int64_t)tok * N, (size_t)N * sizeof *d);
            lacus__lm_stack_layer_state(m->res[0], x, d, d);
            panels_gemv(m->Wp[0], F, NULL, NULL, x, N, F > N ? N + tok : -1, V, sl);
        } else {
            const double *u = sl - V;
            panels_gemv(m->Dp[l], V, m->Dc[l], m->Dt[l], u, V, -1, N, d);
            lacus__lm_stack_layer_state(m->res[l], x, d, d);
            if (F > N) memcpy(x + N, u, (size_t)V * sizeof *x);
            panels_gemv(m->Wp[l], F, NULL, NULL, x, F, -1, V, sl);
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
