/* Multinomial logistic regression, L2-regularised, by L-BFGS: the convex
 * readout that needs no backpropagation through the reservoir. The
 * optimiser is liblbfgs (Debian's liblbfgs, Okazaki's C port of Nocedal's
 * L-BFGS with a More-Thuente line search); here only the objective and its
 * gradient, computed chunk by chunk with two GEMMs. */
#include <lbfgs.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "lang/logistic.h"
#include "linalg/blas.h"

enum { CHUNK = 1024 };

typedef struct obj {
    lacus__rows_fn rows_fn;
    void *ctx;
    int64_t n, F, V;
    const int32_t *y;
    double l2;
    double *Fx, *S; /* (CHUNK, F), (CHUNK, V) scratch */
    int64_t iters;
} obj;

/* theta = [W (F x V, row-major), b (V)]. */
static lbfgsfloatval_t evaluate(void *inst, const lbfgsfloatval_t *theta, lbfgsfloatval_t *g, const int n_par,
                                const lbfgsfloatval_t step)
{
    (void)n_par, (void)step;
    obj *o = inst;
    const int64_t F = o->F, V = o->V;
    const double *W = theta, *b = theta + F * V;
    double *gW = g, *gb = g + F * V, f = 0;
    memset(g, 0, (size_t)(F * V + V) * sizeof *g);
    for (int64_t r0 = 0; r0 < o->n; r0 += CHUNK) {
        int64_t rows = o->n - r0 < CHUNK ? o->n - r0 : CHUNK;
        o->rows_fn(o->ctx, r0, rows, o->Fx);
        for (int64_t t = 0; t < rows; t++) memcpy(o->S + t * V, b, (size_t)V * sizeof *b);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)V, (int)F, 1.0, o->Fx, (int)F, W,
                    (int)V, 1.0, o->S, (int)V);
        /* S becomes softmax(S) - onehot(y): the gradient of the loss in s. */
        for (int64_t t = 0; t < rows; t++) {
            double *s = o->S + t * V, mx = -INFINITY, z = 0;
            for (int64_t v = 0; v < V; v++) mx = fmax(mx, s[v]);
            for (int64_t v = 0; v < V; v++) z += exp(s[v] - mx);
            const int32_t yt = o->y[r0 + t];
            f += mx + log(z) - s[yt];
            for (int64_t v = 0; v < V; v++) s[v] = exp(s[v] - mx) / z;
            s[yt] -= 1.0;
            for (int64_t v = 0; v < V; v++) gb[v] += s[v];
        }
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)F, (int)V, (int)rows, 1.0, o->Fx, (int)F, o->S,
                    (int)V, 1.0, gW, (int)V);
    }
    /* Mean loss, so that the tolerance means the same at every n. */
    const double inv = 1.0 / (double)o->n;
    double reg = 0;
    for (int64_t i = 0; i < F * V; i++) reg += W[i] * W[i], gW[i] = gW[i] * inv + o->l2 * inv * W[i];
    for (int64_t v = 0; v < V; v++) gb[v] *= inv;
    return f * inv + 0.5 * o->l2 * inv * reg;
}

static int progress(void *inst, const lbfgsfloatval_t *x, const lbfgsfloatval_t *g, const lbfgsfloatval_t fx,
                    const lbfgsfloatval_t xnorm, const lbfgsfloatval_t gnorm, const lbfgsfloatval_t step, int n, int k,
                    int ls)
{
    (void)x, (void)g, (void)fx, (void)xnorm, (void)gnorm, (void)step, (void)n, (void)ls;
    ((obj *)inst)->iters = k;
    return 0;
}

lacus_status lacus__logistic_lbfgs(lacus__rows_fn rows_fn, void *ctx, int64_t n, int64_t F, const int32_t *y,
                                   int64_t V, double l2, int64_t max_iter, double tol, double *W, double *b,
                                   int64_t *iters, double *loss, lacus_error *err)
{
    if (n < 1 || F < 1 || V < 2 || !(l2 >= 0) || max_iter < 1 || !(tol > 0))
        return lacus__fail(err, LACUS_ERR_ARG, "logistic: need n >= 1, F >= 1, V >= 2, l2 >= 0, max_iter >= 1, tol > 0");
    if ((F + 1) * V > 0x7fffffff)
        return lacus__fail(err, LACUS_ERR_ARG, "logistic: (F + 1) V = %lld parameters is too many for L-BFGS",
                           (long long)((F + 1) * V));
    obj o = {rows_fn, ctx, n, F, V, y, l2, NULL, NULL, 0};
    const int64_t P = F * V + V;
    o.Fx = LACUS__NEW(double, CHUNK * F), o.S = LACUS__NEW(double, CHUNK * V);
    lbfgsfloatval_t *theta = lbfgs_malloc((int)P);
    if (!o.Fx || !o.S || !theta) {
        lacus__free(o.Fx), lacus__free(o.S);
        if (theta) lbfgs_free(theta);
        return lacus__fail(err, LACUS_ERR_NOMEM, "logistic: out of memory (F = %lld, V = %lld)", (long long)F,
                           (long long)V);
    }
    memcpy(theta, W, (size_t)(F * V) * sizeof *theta);
    memcpy(theta + F * V, b, (size_t)V * sizeof *theta);
    lbfgs_parameter_t prm;
    lbfgs_parameter_init(&prm);
    prm.m = 10;
    prm.epsilon = tol; /* ||g|| <= tol max(1, ||theta||) */
    prm.past = 0;
    prm.max_iterations = (int)(max_iter < 1000000 ? max_iter : 1000000);
    prm.max_linesearch = 40;
    lbfgsfloatval_t fx = 0;
    int saved = lacus__blas_serial_begin();
    int ret = lbfgs((int)P, theta, &fx, evaluate, progress, &o, &prm);
    lacus__blas_serial_end(saved);
    lacus_status s = LACUS_OK;
    /* Converged, or stopped at max_iter, or the line search could not
     * improve further (the optimum to machine precision): all usable. */
    if (ret < 0 && ret != LBFGSERR_MAXIMUMITERATION && ret != LBFGSERR_ROUNDING_ERROR &&
        ret != LBFGSERR_MAXIMUMLINESEARCH && ret != LBFGSERR_MINIMUMSTEP)
        s = lacus__fail(err, LACUS_ERR_NUMERIC, "logistic: L-BFGS failed (liblbfgs status %d)", ret);
    else if (!isfinite(fx))
        s = lacus__fail(err, LACUS_ERR_NUMERIC, "logistic: the objective is not finite (features too large?)");
    else {
        memcpy(W, theta, (size_t)(F * V) * sizeof *W);
        memcpy(b, theta + F * V, (size_t)V * sizeof *b);
        if (iters) *iters = o.iters;
        if (loss) *loss = fx;
    }
    lbfgs_free(theta);
    lacus__free(o.Fx), lacus__free(o.S);
    return s;
}

/* ---- public: dense features ------------------------------------------------ */

typedef struct dense {
    const double *X;
    int64_t F;
} dense;

static void dense_rows(void *ctx, int64_t row0, int64_t rows, double *out)
{
    const dense *d = ctx;
    memcpy(out, d->X + row0 * d->F, (size_t)(rows * d->F) * sizeof *out);
}

lacus_status lacus_logistic_fit(const double *X, int64_t n, int64_t F, const int32_t *y, int64_t V, double l2,
                                int64_t max_iter, double tol, double *W, double *b, int64_t *iters,
                                lacus_error *err)
{
    lacus__clear(err);
    if (!X || !y || !W || !b) return lacus__fail(err, LACUS_ERR_ARG, "logistic: X, y, W and b are required");
    if (n < 1 || F < 1 || V < 2)
        return lacus__fail(err, LACUS_ERR_ARG, "logistic: n = %lld, F = %lld, V = %lld: need n, F >= 1 and V >= 2",
                           (long long)n, (long long)F, (long long)V);
    if (!(l2 >= 0 && l2 < 1e15)) return lacus__fail(err, LACUS_ERR_ARG, "logistic: l2 = %g must be in [0, 1e15)", l2);
    if (max_iter < 1) return lacus__fail(err, LACUS_ERR_ARG, "logistic: max_iter = %lld must be >= 1", (long long)max_iter);
    if (!(tol > 0 && tol < 1)) return lacus__fail(err, LACUS_ERR_ARG, "logistic: tol = %g must be in (0, 1)", tol);
    lacus_status s = lacus__check_finite(err, "logistic X", X, n, F, F);
    if (s) return s;
    for (int64_t t = 0; t < n; t++)
        if (y[t] < 0 || y[t] >= V)
            return lacus__fail(err, LACUS_ERR_ARG, "logistic: y[%lld] = %d not in [0, %lld)", (long long)t, (int)y[t],
                               (long long)V);
    memset(W, 0, (size_t)(F * V) * sizeof *W);
    memset(b, 0, (size_t)V * sizeof *b);
    dense d = {X, F};
    return lacus__logistic_lbfgs(dense_rows, &d, n, F, y, V, l2, max_iter, tol, W, b, iters, NULL, err);
}
