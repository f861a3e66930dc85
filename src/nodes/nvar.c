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
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "lacus.h"

#define NVAR_MAX_FEATURES 10000000LL /* 10^7: 80 MB per feature row of 10^7 doubles */
#define NVAR_MAX_ORDER 64
#define NVAR_MAX_STORE 10000000LL

struct lacus_nvar {
    lacus_nvar_params p;
    int64_t n_lin;      /* d = delay * n_inputs */
    int64_t n_features; /* d + C(d + order - 1, order) */
    int64_t n_store;    /* delay * strides rows of the ring */
    int64_t head;       /* ring row of the newest input */
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
    const int64_t I = m->p.n_inputs, k = m->p.delay, s = m->p.strides;
    const int64_t ks = m->n_store, d = m->n_lin, F = m->n_features;
    /* Check everything first, so a bad input leaves the delay line as it was. */
    lacus_status st = lacus__check_finite(&m->err, "NVAR input u", u, n_steps, I, I);
    if (st) return st;
    if (reset) lacus_nvar_reset(m);
    for (int64_t t = 0; t < n_steps; t++) {
        m->head = (m->head + ks - 1) % ks;
        memcpy(m->store + m->head * I, u + t * I, (size_t)I * sizeof(double));
        double *f = features + t * F;
        /* lin = rows head, head + s, ..., head + (k-1)s of the ring. */
        for (int64_t j = 0; j < k; j++) {
            int64_t row = (m->head + j * s) % ks;
            memcpy(f + j * I, m->store + row * I, (size_t)I * sizeof(double));
        }
        monomials(f, d, m->p.order, m->idx, m->prefix, f + d);
    }
    return LACUS_OK;
}
