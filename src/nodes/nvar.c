/* NVAR: nonlinear vector autoregression features, "next generation
 * reservoir computing" (Gauthier, Bollt, Griffith & Barbosa 2021,
 * Nat. Commun. 12:5564), computed exactly as ReservoirPy 0.4.2's NVAR node.
 *
 * For inputs u[t] in R^I, delay k, strides s and order n:
 *
 *   lin[t]      = u[t] (+) u[t-s] (+) ... (+) u[t-(k-1)s]          (d = k I values)
 *   nonlin[t]_c = prod_{j=1..n} lin[t]_{c_j}   for every c = (c_1 <= ... <= c_n),
 *                 in the order of itertools.combinations_with_replacement(range(d), n)
 *   features[t] = lin[t] (+) nonlin[t],        n_features = d + C(d + n - 1, n)
 *
 * No constant feature and no monomials of degree < n (as ReservoirPy; the
 * paper's constant is the readout's bias). Inputs before the first one seen
 * are zeros (ReservoirPy's store starts as zeros).
 *
 * The delay line is a ring of k*s rows: row `head` holds the newest input,
 * row (head + j) mod ks holds u[t - j]. ReservoirPy instead keeps an array
 * that it np.roll's each step and precomputes the (C(d+n-1, n), n) index
 * array of the monomials; here the monomials are enumerated on the fly in
 * the same lexicographic order, with prefix products, so each monomial costs
 * one multiplication and no index array of n_features * n integers is held.
 * The product of a monomial is accumulated left to right, (l_a * l_b) * l_c,
 * like np.prod, so the features are bitwise those of ReservoirPy. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "lacus.h"
#include "linalg/blas.h"

#define NVAR_MAX_FEATURES 10000000LL /* 10^7: 80 MB per feature row of 10^7 doubles */
#define NVAR_MAX_ORDER 64
#define NVAR_MAX_STORE 10000000LL

struct lacus_nvar {
    lacus_nvar_params p;
    int64_t n_lin;      /* d = delay * n_inputs */
    int64_t n_features; /* d + C(d + order - 1, order) */
    int64_t n_store;    /* delay * strides rows of the ring */
    int64_t head;       /* ring row of the newest input */
    int64_t n_seen;     /* inputs fed since the last reset, capped at n_store */
    double *store;      /* (n_store, n_inputs) */
    int64_t *idx;       /* (order) current combination */
    double *prefix;     /* (order + 1) prefix products of the combination */
    lacus_error err;
};

lacus_nvar_params lacus_nvar_params_default(void)
{
    lacus_nvar_params p;
    memset(&p, 0, sizeof p);
    p.n_inputs = 0; /* required */
    p.delay = 2;
    p.order = 2;
    p.strides = 1;
    return p;
}

/* C(d + n - 1, n) by the exact recurrence C_{j+1} = C_j (d + j) / (j + 1)
 * (each C_j = C(d - 1 + j, j) is an integer, and the division is exact);
 * returns -1 once the value passes `cap`, before anything can overflow:
 * C_j <= cap <= 10^7 and d + j <= 10^7 + 64 keep the product below 2^63. */
static int64_t n_monomials(int64_t d, int64_t n, int64_t cap)
{
    int64_t c = 1;
    for (int64_t j = 0; j < n; j++) {
        c = c * (d + j) / (j + 1);
        if (c > cap) return -1;
    }
    return c;
}

lacus_status lacus_nvar_params_check(const lacus_nvar_params *p, lacus_error *err)
{
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "NVAR parameters are NULL");
    if (p->n_inputs < 1)
        return lacus__fail(err, LACUS_ERR_ARG, "NVAR n_inputs = %lld: must be >= 1",
                           (long long)p->n_inputs);
    if (p->delay < 1)
        return lacus__fail(err, LACUS_ERR_ARG, "NVAR delay = %lld: must be >= 1",
                           (long long)p->delay);
    if (p->order < 1 || p->order > NVAR_MAX_ORDER)
        return lacus__fail(err, LACUS_ERR_ARG, "NVAR order = %lld: must be in [1, %d]",
                           (long long)p->order, NVAR_MAX_ORDER);
    if (p->strides < 1)
        return lacus__fail(err, LACUS_ERR_ARG, "NVAR strides = %lld: must be >= 1",
                           (long long)p->strides);
    if (p->delay > NVAR_MAX_STORE / p->strides)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "NVAR delay * strides = %lld * %lld: the delay line may hold at "
                           "most %lld steps",
                           (long long)p->delay, (long long)p->strides, NVAR_MAX_STORE);
    if (p->n_inputs > NVAR_MAX_FEATURES / p->delay)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "NVAR delay * n_inputs = %lld * %lld linear features: at most %lld",
                           (long long)p->delay, (long long)p->n_inputs, NVAR_MAX_FEATURES);
    int64_t d = p->delay * p->n_inputs;
    int64_t nl = n_monomials(d, p->order, NVAR_MAX_FEATURES);
    if (nl < 0 || nl > NVAR_MAX_FEATURES - d)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "NVAR with %lld linear features (delay %lld x n_inputs %lld) and "
                           "order %lld has more than %lld features (d + C(d + order - 1, "
                           "order)): lower the order, delay or n_inputs",
                           (long long)d, (long long)p->delay, (long long)p->n_inputs,
                           (long long)p->order, NVAR_MAX_FEATURES);
    return LACUS_OK;
}

lacus_status lacus_nvar_count_features(const lacus_nvar_params *p, int64_t *n_features,
                                       lacus_error *err)
{
    if (!n_features) return lacus__fail(err, LACUS_ERR_ARG, "n_features is NULL");
    *n_features = 0;
    lacus_status st = lacus_nvar_params_check(p, err);
    if (st) return st;
    int64_t d = p->delay * p->n_inputs;
    *n_features = d + n_monomials(d, p->order, NVAR_MAX_FEATURES);
    return LACUS_OK;
}

lacus_status lacus_nvar_create(const lacus_nvar_params *p, lacus_nvar **out, lacus_error *err)
{
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "out is NULL");
    *out = NULL;
    int64_t nf = 0;
    lacus_status st = lacus_nvar_count_features(p, &nf, err);
    if (st) return st;
    lacus_nvar *m = LACUS__ZNEW(lacus_nvar, 1);
    if (!m) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for an NVAR node");
    m->p = *p;
    m->n_lin = p->delay * p->n_inputs;
    m->n_features = nf;
    m->n_store = p->delay * p->strides;
    m->store = LACUS__ZNEW(double, m->n_store * p->n_inputs);
    m->idx = LACUS__NEW(int64_t, p->order);
    m->prefix = LACUS__NEW(double, p->order + 1);
    if (!m->store || !m->idx || !m->prefix) {
        lacus_nvar_free(m);
        return lacus__fail(err, LACUS_ERR_NOMEM,
                           "out of memory for an NVAR delay line of %lld x %lld",
                           (long long)(p->delay * p->strides), (long long)p->n_inputs);
    }
    *out = m;
    return LACUS_OK;
}

void lacus_nvar_free(lacus_nvar *m)
{
    if (!m) return;
    lacus__free(m->store);
    lacus__free(m->idx);
    lacus__free(m->prefix);
    lacus__free(m);
}

const char *lacus_nvar_errmsg(const lacus_nvar *m) { return m ? m->err.msg : "NULL NVAR node"; }
int64_t lacus_nvar_n_features(const lacus_nvar *m) { return m ? m->n_features : 0; }
int64_t lacus_nvar_n_linear(const lacus_nvar *m) { return m ? m->n_lin : 0; }

void lacus_nvar_reset(lacus_nvar *m)
{
    if (!m) return;
    memset(m->store, 0, (size_t)(m->n_store * m->p.n_inputs) * sizeof(double));
    m->head = 0;
    m->n_seen = 0;
}

/* All combinations with replacement of `order` indices out of d, in
 * itertools order: the last index advances fastest; when index j passes
 * d - 1, index j - 1 advances and every index after it restarts at its
 * value. prefix[j] = lin[idx[0]] * ... * lin[idx[j-1]], so only the
 * prefixes from the changed position on are recomputed. */
static void monomials(const double *lin, int64_t d, int64_t order, int64_t *idx,
                      double *prefix, double *out)
{
    prefix[0] = 1.0;
    for (int64_t j = 0; j < order; j++) idx[j] = 0;
    int64_t from = 0; /* first position whose prefix must be recomputed */
    int64_t last = order - 1;
    for (;;) {
        /* ReservoirPy's np.prod starts from the first factor, not from 1.0:
         * 1.0 * a == a exactly, so the prefixes are the same products. */
        for (int64_t j = from; j < last; j++) prefix[j + 1] = prefix[j] * lin[idx[j]];
        const double pre = prefix[last];
        for (int64_t i = idx[last]; i < d; i++) *out++ = pre * lin[i];
        /* Advance the rightmost index that can move (last is exhausted). */
        int64_t j = last - 1;
        while (j >= 0 && idx[j] == d - 1) j--;
        if (j < 0) return;
        idx[j]++;
        for (int64_t q = j + 1; q < order; q++) idx[q] = idx[j];
        from = j;
    }
}

/* u (n_inputs) becomes the newest row of the delay line. */
static void push(lacus_nvar *m, const double *u)
{
    const int64_t ni = m->p.n_inputs, ks = m->n_store;
    m->head = (m->head + ks - 1) % ks;
    memcpy(m->store + m->head * ni, u, (size_t)ni * sizeof(double));
    if (m->n_seen < ks) m->n_seen++;
}

/* The features (n_features) of the delay line as it is: lin = rows head,
 * head + s, ..., head + (k-1)s of the ring, then the monomials. */
static void features_now(lacus_nvar *m, double *f)
{
    const int64_t ni = m->p.n_inputs, k = m->p.delay, s = m->p.strides, ks = m->n_store;
    for (int64_t j = 0; j < k; j++) {
        int64_t row = (m->head + j * s) % ks;
        memcpy(f + j * ni, m->store + row * ni, (size_t)ni * sizeof(double));
    }
    monomials(f, m->n_lin, m->p.order, m->idx, m->prefix, f + m->n_lin);
}

lacus_status lacus_nvar_run(lacus_nvar *m, const double *u, int64_t n_steps, int reset,
                            double *features)
{
    if (!m) return LACUS_ERR_ARG;
    if (!u || !features)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "NVAR run: %s is NULL",
                           !u ? "input u" : "features");
    if (n_steps < 1)
        return lacus__fail(&m->err, LACUS_ERR_ARG,
                           "NVAR run: n_steps = %lld: the input sequence must have >= 1 step",
                           (long long)n_steps);
    const int64_t ni = m->p.n_inputs, F = m->n_features;
    /* Check everything first, so a bad input leaves the delay line as it was. */
    lacus_status st = lacus__check_finite(&m->err, "NVAR input u", u, n_steps, ni, ni);
    if (st) return st;
    if (reset) lacus_nvar_reset(m);
    for (int64_t t = 0; t < n_steps; t++) {
        push(m, u + t * ni);
        features_now(m, features + t * F);
    }
    return LACUS_OK;
}

/* Closed loop (Gauthier et al. 2021, Eq. 5 of their increment form; the
 * loop of ReservoirPy's NG-RC tutorial): with u the newest input in the
 * delay line and f(u) its features,
 *
 *   y      = f(u) Wout + b                  (one row, dgemm as lacus_ridge_predict)
 *   u_next = u + y   (INCREMENT)   or   y   (NEXT)
 *
 * and u_next is pushed into the delay line. The product goes through the
 * same single-row cblas_dgemm call as lacus_ridge_predict (on one BLAS
 * thread), so a forecast equals, bit for bit, the step-by-step loop of
 * lacus_ridge_predict + lacus_nvar_run(n_steps = 1) that it replaces; the
 * buffers are allocated once, before the loop. */
lacus_status lacus_nvar_forecast(lacus_nvar *m, const double *Wout, int64_t n_rows_w,
                                 int64_t n_cols_w, const double *bias, lacus_nvar_predicts what,
                                 int64_t n_steps, double *out, int64_t *n_done)
{
    if (n_done) *n_done = 0;
    if (!m) return LACUS_ERR_ARG;
    const int64_t ni = m->p.n_inputs, F = m->n_features;
    if (n_steps < 1)
        return lacus__fail(&m->err, LACUS_ERR_ARG,
                           "NVAR forecast: n_steps = %lld: must be >= 1", (long long)n_steps);
    if (!Wout || !out)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "NVAR forecast: %s is NULL",
                           !Wout ? "Wout" : "out");
    if (what != LACUS_NVAR_PREDICT_NEXT && what != LACUS_NVAR_PREDICT_INCREMENT)
        return lacus__fail(&m->err, LACUS_ERR_ARG,
                           "NVAR forecast: the readout predicts %d: expected "
                           "LACUS_NVAR_PREDICT_NEXT (0) or LACUS_NVAR_PREDICT_INCREMENT (1)",
                           (int)what);
    if (n_rows_w != F || n_cols_w != ni)
        return lacus__fail(&m->err, LACUS_ERR_SHAPE,
                           "NVAR forecast: Wout is (%lld, %lld); the closed loop needs "
                           "(n_features, n_inputs) = (%lld, %lld): one row per NVAR feature, "
                           "one column per input fed back",
                           (long long)n_rows_w, (long long)n_cols_w, (long long)F, (long long)ni);
    lacus_status st = lacus__check_finite(&m->err, "NVAR forecast: Wout", Wout, F, ni, ni);
    if (!st && bias) st = lacus__check_finite(&m->err, "NVAR forecast: bias", bias, 1, ni, ni);
    if (st) return st;
    /* A delay line that is not full yet holds zeros in place of the inputs
     * before the first: features no trained readout has seen (the first
     * (k-1)s rows are dropped as warm-up), so the loop would start from a
     * point off the attractor. */
    const int64_t need = (m->p.delay - 1) * m->p.strides + 1;
    if (m->n_seen < need)
        return lacus__fail(&m->err, LACUS_ERR_STATE,
                           "NVAR forecast: the delay line has seen %lld input(s) since its reset; "
                           "warm it up first with lacus_nvar_run on at least (delay - 1) * "
                           "strides + 1 = %lld steps of history",
                           (long long)m->n_seen, (long long)need);
    double *f = LACUS__NEW(double, F), *y = LACUS__NEW(double, ni);
    if (!f || !y) {
        lacus__free(f);
        lacus__free(y);
        return lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory for the NVAR forecast");
    }
    int saved = lacus__blas_serial_begin();
    for (int64_t t = 0; t < n_steps && !st; t++) {
        const double *u = m->store + m->head * ni; /* the newest input */
        features_now(m, f);
        if (bias) memcpy(y, bias, (size_t)ni * sizeof(double));
        else memset(y, 0, (size_t)ni * sizeof(double));
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1, (int)ni, (int)F, 1.0, f, (int)F,
                    Wout, (int)ni, 1.0, y, (int)ni);
        if (what == LACUS_NVAR_PREDICT_INCREMENT)
            for (int64_t i = 0; i < ni; i++) y[i] = u[i] + y[i];
        for (int64_t i = 0; i < ni; i++)
            if (!isfinite(y[i])) {
                st = lacus__fail(&m->err, LACUS_ERR_NUMERIC,
                                 "NVAR forecast diverged at step %lld of %lld: output %lld is %g "
                                 "(the %lld step(s) before it are written; lower the horizon or "
                                 "regularise the readout more)",
                                 (long long)t, (long long)n_steps, (long long)i, y[i],
                                 (long long)t);
                break;
            }
        if (st) break;
        memcpy(out + t * ni, y, (size_t)ni * sizeof(double));
        push(m, y);
        if (n_done) *n_done = t + 1;
    }
    lacus__blas_serial_end(saved);
    lacus__free(f);
    lacus__free(y);
    return st;
}

const char *lacus_nvar_predicts_name(lacus_nvar_predicts w)
{
    return w == LACUS_NVAR_PREDICT_INCREMENT ? "increment" : w == LACUS_NVAR_PREDICT_NEXT ? "next"
         : w == LACUS_NVAR_PREDICT_TARGET ? "target" : "?";
}

lacus_status lacus_nvar_predicts_parse(const char *name, lacus_nvar_predicts *out)
{
    if (!name || !out) return LACUS_ERR_ARG;
    if (!strcmp(name, "next")) *out = LACUS_NVAR_PREDICT_NEXT;
    else if (!strcmp(name, "increment")) *out = LACUS_NVAR_PREDICT_INCREMENT;
    else if (!strcmp(name, "target")) *out = LACUS_NVAR_PREDICT_TARGET;
    else return LACUS_ERR_ARG;
    return LACUS_OK;
}
