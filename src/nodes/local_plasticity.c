/* Local-plasticity reservoir: ReservoirPy 0.4.2's LocalPlasticityReservoir
 * (hebbian, anti-hebbian, oja, anti-oja, bcm on the non-zeros of W).
 *
 * A plain per-step loop: compute the next state with the current W, update
 * every stored non-zero W_ij from pre = r_j[t] and post = r_i[t+1] only,
 * optionally normalise each row, then advance the state. The sparsity
 * pattern of W never changes: only the CSR values are written. See
 * include/lacus/plasticity.h and docs/plasticity.md for the equations and
 * the one deliberate difference from ReservoirPy (its frozen fit state,
 * reproducible with rpy_frozen_state = 1). */
#include <ctype.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "linalg/csr.h"
#include "linalg/eigen.h"
#include "lacus.h"
#include "nodes/activation.h"

struct lacus_plasticity {
    lacus_plasticity_params p;
    lacus__csr W;   /* (N, N); pattern fixed once set */
    double *Win;    /* (N, I) dense row-major */
    double *bias;   /* (N) */
    double *x;      /* "out" state f(r) (N) */
    double *r;      /* "internal" state (N) */
    double *post;   /* next internal state (N) */
    double *tmp;    /* scratch (N) */
    lacus_error err;
};

static const char *const RULE_NAMES[] = {"oja", "anti-oja", "hebbian", "anti-hebbian", "bcm"};
#define N_RULES ((int)(sizeof RULE_NAMES / sizeof RULE_NAMES[0]))

const char *lacus_plasticity_rule_name(lacus_plasticity_rule rule)
{
    int k = (int)rule;
    return (k >= 0 && k < N_RULES) ? RULE_NAMES[k] : "unknown";
}

static int name_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
    return *a == *b;
}

lacus_status lacus_plasticity_rule_parse(const char *name, lacus_plasticity_rule *out)
{
    if (!name || !out) return LACUS_ERR_ARG;
    for (int k = 0; k < N_RULES; k++)
        if (name_eq(name, RULE_NAMES[k])) {
            *out = (lacus_plasticity_rule)k;
            return LACUS_OK;
        }
    return LACUS_ERR_ARG;
}

lacus_plasticity_params lacus_plasticity_params_default(void)
{
    lacus_plasticity_params p;
    memset(&p, 0, sizeof p);
    p.rule = LACUS_RULE_OJA;
    p.eta = 1e-3;
    p.bcm_theta = 0.0;
    p.synapse_normalization = 0;
    p.epochs = 1;
    p.warmup = 0;
    p.lr = 1.0;
    p.activation = LACUS_ACT_TANH;
    p.sr_after = 0.0;
    p.rpy_frozen_state = 0;
    return p;
}

static lacus_status check_params(const lacus_plasticity_params *p, lacus_error *err)
{
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "plasticity params: NULL");
    if (p->n_units < 1 || p->n_units >= INT32_MAX)
        return lacus__fail(err, LACUS_ERR_ARG, "plasticity params: n_units = %lld, must be >= 1",
                           (long long)p->n_units);
    if (p->n_inputs < 1)
        return lacus__fail(err, LACUS_ERR_ARG, "plasticity params: n_inputs = %lld, must be >= 1",
                           (long long)p->n_inputs);
    if ((int)p->rule < 0 || (int)p->rule >= N_RULES)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "plasticity params: unknown rule %d (oja, anti-oja, hebbian, "
                           "anti-hebbian, bcm are 0..4)", (int)p->rule);
    if (!isfinite(p->eta) || !(p->eta > 0.0))
        return lacus__fail(err, LACUS_ERR_ARG, "plasticity params: eta = %g, must be finite and > 0",
                           p->eta);
    if (!isfinite(p->bcm_theta))
        return lacus__fail(err, LACUS_ERR_ARG, "plasticity params: bcm_theta = %g, must be finite",
                           p->bcm_theta);
    if (p->epochs < 1)
        return lacus__fail(err, LACUS_ERR_ARG, "plasticity params: epochs = %lld, must be >= 1",
                           (long long)p->epochs);
    if (p->warmup < 0)
        return lacus__fail(err, LACUS_ERR_ARG, "plasticity params: warmup = %lld, must be >= 0",
                           (long long)p->warmup);
    if (!(p->lr > 0.0 && p->lr <= 1.0))
        return lacus__fail(err, LACUS_ERR_ARG, "plasticity params: lr = %g, must be in (0, 1]",
                           p->lr);
    if (p->activation == LACUS_ACT_SOFTMAX || (int)p->activation < 0 ||
        (int)p->activation > LACUS_ACT_SOFTPLUS)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "plasticity params: activation %d, must be an element-wise one "
                           "(tanh, sigmoid, relu, identity, softplus)", (int)p->activation);
    if (!isfinite(p->sr_after) || p->sr_after < 0.0)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "plasticity params: sr_after = %g, must be >= 0 (0 = no rescaling)",
                           p->sr_after);
    return LACUS_OK;
}

lacus_status lacus_plasticity_create(const lacus_plasticity_params *p, lacus_plasticity **out,
                                     lacus_error *err)
{
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "lacus_plasticity_create: out is NULL");
    *out = NULL;
    lacus_status st = check_params(p, err);
    if (st) return st;
    int64_t N = p->n_units, I = p->n_inputs;
    lacus_plasticity *r = LACUS__ZNEW(lacus_plasticity, 1);
    if (!r) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for a plasticity reservoir");
    r->p = *p;
    r->Win = LACUS__ZNEW(double, N * I);
    r->bias = LACUS__ZNEW(double, N);
    r->x = LACUS__ZNEW(double, N);
    r->r = LACUS__ZNEW(double, N);
    r->post = LACUS__ZNEW(double, N);
    r->tmp = LACUS__ZNEW(double, N);
    if (!r->Win || !r->bias || !r->x || !r->r || !r->post || !r->tmp ||
        lacus__csr_alloc(&r->W, N, N, 0)) {
        lacus_plasticity_free(r);
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for a plasticity reservoir of %lld units",
                           (long long)N);
    }
    *out = r;
    return LACUS_OK;
}

void lacus_plasticity_free(lacus_plasticity *r)
{
    if (!r) return;
    lacus__csr_free(&r->W);
    lacus__free(r->Win);
    lacus__free(r->bias);
    lacus__free(r->x);
    lacus__free(r->r);
    lacus__free(r->post);
    lacus__free(r->tmp);
    lacus__free(r);
}

const char *lacus_plasticity_errmsg(const lacus_plasticity *r)
{
    return r ? r->err.msg : "NULL plasticity handle";
}

lacus_status lacus_plasticity_set_W(lacus_plasticity *r, const double *W)
{
    if (!r) return LACUS_ERR_ARG;
    if (!W) return lacus__fail(&r->err, LACUS_ERR_ARG, "set_W: W is NULL");
    lacus__csr A;
    lacus_status st = lacus__csr_from_dense(&A, r->p.n_units, r->p.n_units, W, &r->err);
    if (st) {
        lacus__prefix(&r->err, "set_W");
        return st;
    }
    lacus__csr_free(&r->W);
    r->W = A;
    return LACUS_OK;
}

lacus_status lacus_plasticity_set_Win(lacus_plasticity *r, const double *Win)
{
    if (!r) return LACUS_ERR_ARG;
    if (!Win) return lacus__fail(&r->err, LACUS_ERR_ARG, "set_Win: Win is NULL");
    lacus_status st = lacus__check_finite(&r->err, "Win", Win, r->p.n_units, r->p.n_inputs,
                                          r->p.n_inputs);
    if (st) return st;
    memcpy(r->Win, Win, sizeof(double) * (size_t)(r->p.n_units * r->p.n_inputs));
    return LACUS_OK;
}

lacus_status lacus_plasticity_set_bias(lacus_plasticity *r, const double *bias)
{
    if (!r) return LACUS_ERR_ARG;
    if (!bias) return lacus__fail(&r->err, LACUS_ERR_ARG, "set_bias: bias is NULL");
    lacus_status st = lacus__check_finite(&r->err, "bias", bias, 1, r->p.n_units, r->p.n_units);
    if (st) return st;
    memcpy(r->bias, bias, sizeof(double) * (size_t)r->p.n_units);
    return LACUS_OK;
}

lacus_status lacus_plasticity_set_from_reservoir(lacus_plasticity *r, const lacus_reservoir *res)
{
    if (!r) return LACUS_ERR_ARG;
    if (!res) return lacus__fail(&r->err, LACUS_ERR_ARG, "set_from_reservoir: reservoir is NULL");
    int64_t N = r->p.n_units, I = r->p.n_inputs;
    if (lacus_reservoir_n_units(res) != N || lacus_reservoir_n_inputs(res) != I)
        return lacus__fail(&r->err, LACUS_ERR_SHAPE,
                           "set_from_reservoir: reservoir is %lld units x %lld inputs, "
                           "plasticity reservoir %lld x %lld",
                           (long long)lacus_reservoir_n_units(res),
                           (long long)lacus_reservoir_n_inputs(res), (long long)N, (long long)I);
    double *D = LACUS__NEW(double, N * (N > I ? N : I));
    if (!D) return lacus__fail(&r->err, LACUS_ERR_NOMEM, "set_from_reservoir: out of memory");
    lacus_status st = lacus_reservoir_get_W(res, D);
    if (!st) st = lacus_plasticity_set_W(r, D);
    if (!st) st = lacus_reservoir_get_Win(res, D);
    if (!st) st = lacus_plasticity_set_Win(r, D);
    if (!st) st = lacus_reservoir_get_bias(res, D);
    if (!st) st = lacus_plasticity_set_bias(r, D);
    lacus__free(D);
    if (st && r->err.msg[0] == '\0')
        lacus__fail(&r->err, st, "set_from_reservoir: could not read the reservoir's weights");
    return st;
}

lacus_status lacus_plasticity_get_W(const lacus_plasticity *r, double *W)
{
    if (!r || !W) return LACUS_ERR_ARG;
    lacus__csr_to_dense(&r->W, W);
    return LACUS_OK;
}

int64_t lacus_plasticity_W_nnz(const lacus_plasticity *r)
{
    return r ? r->W.nnz : -1;
}

lacus_status lacus_plasticity_get_state(const lacus_plasticity *r, double *x, double *internal)
{
    if (!r) return LACUS_ERR_ARG;
    size_t n = sizeof(double) * (size_t)r->p.n_units;
    if (x) memcpy(x, r->x, n);
    if (internal) memcpy(internal, r->r, n);
    return LACUS_OK;
}

/* ReservoirPy's _step: post = (1 - lr) x + lr (W x + Win u + bias). */
static void next_internal(const lacus_plasticity *r, const double *u, double *post)
{
    int64_t N = r->p.n_units, I = r->p.n_inputs;
    double lr = r->p.lr;
    lacus__csr_matvec_rows(&r->W, r->x, post, 0, N);
    for (int64_t i = 0; i < N; i++) {
        const double *w = r->Win + i * I;
        double s = post[i];
        for (int64_t k = 0; k < I; k++) s += w[k] * u[k];
        s += r->bias[i];
        post[i] = (1.0 - lr) * r->x[i] + lr * s;
    }
}

/* The rule for one synapse: w = W_ij, pre = r_j[t], post = r_i[t+1]. */
static inline double increment(lacus_plasticity_rule rule, double eta, double theta, double w,
                               double pre, double post)
{
    switch (rule) {
    case LACUS_RULE_OJA: return eta * post * (pre - post * w);
    case LACUS_RULE_ANTI_OJA: return -eta * post * (pre - post * w);
    case LACUS_RULE_HEBBIAN: return eta * post * pre;
    case LACUS_RULE_ANTI_HEBBIAN: return -eta * post * pre;
    case LACUS_RULE_BCM: return eta * post * (post - theta) * pre;
    }
    return 0.0;
}

/* One training step on input u: local update of the non-zeros of W. */
static void train_step(lacus_plasticity *r, const double *u)
{
    const lacus_plasticity_params *p = &r->p;
    int64_t N = p->n_units;
    next_internal(r, u, r->post); /* with W before the update */
    const int64_t *ip = r->W.indptr;
    const int32_t *ix = r->W.indices;
    double *v = r->W.values;
    for (int64_t i = 0; i < N; i++) {
        double post = r->post[i];
        for (int64_t k = ip[i]; k < ip[i + 1]; k++)
            v[k] += increment(p->rule, p->eta, p->bcm_theta, v[k], r->r[ix[k]], post);
        if (p->synapse_normalization) {
            double s = 0.0;
            for (int64_t k = ip[i]; k < ip[i + 1]; k++) s += v[k] * v[k];
            double nrm = sqrt(s);
            if (nrm > 0.0)
                for (int64_t k = ip[i]; k < ip[i + 1]; k++) v[k] /= nrm;
        }
    }
    if (!p->rpy_frozen_state) {
        memcpy(r->r, r->post, sizeof(double) * (size_t)N);
        lacus__activate(p->activation, r->post, r->x, N);
    }
}

lacus_status lacus_plasticity_fit(lacus_plasticity *r, const lacus_seqs *u, int64_t epochs)
{
    if (!r) return LACUS_ERR_ARG;
    lacus__clear(&r->err);
    const lacus_plasticity_params *p = &r->p;
    int64_t N = p->n_units, I = p->n_inputs;
    if (epochs == 0) epochs = p->epochs;
    if (epochs < 1)
        return lacus__fail(&r->err, LACUS_ERR_ARG, "fit: epochs = %lld, must be >= 1 (0 = params)",
                           (long long)epochs);
    if (!u || u->n_seqs < 1 || !u->data || !u->n_steps)
        return lacus__fail(&r->err, LACUS_ERR_ARG, "fit: empty input (no sequences)");
    if (u->n_features != I)
        return lacus__fail(&r->err, LACUS_ERR_SHAPE, "fit: input has %lld features, expected %lld",
                           (long long)u->n_features, (long long)I);
    for (int64_t s = 0; s < u->n_seqs; s++) {
        if (u->n_steps[s] < 1 || !u->data[s])
            return lacus__fail(&r->err, LACUS_ERR_ARG, "fit: sequence %lld is empty (%lld steps)",
                               (long long)s, (long long)u->n_steps[s]);
        lacus_status st = lacus__check_finite(&r->err, "input", u->data[s], u->n_steps[s], I, I);
        if (st) {
            lacus__prefix(&r->err, "fit: sequence %lld", (long long)s);
            return st;
        }
    }
    /* Keep W and the state to restore them if training blows up. */
    double *keep = LACUS__NEW(double, r->W.nnz + 2 * N);
    if (!keep) return lacus__fail(&r->err, LACUS_ERR_NOMEM, "fit: out of memory");
    memcpy(keep, r->W.values, sizeof(double) * (size_t)r->W.nnz);
    memcpy(keep + r->W.nnz, r->x, sizeof(double) * (size_t)N);
    memcpy(keep + r->W.nnz + N, r->r, sizeof(double) * (size_t)N);

    lacus_status st = LACUS_OK;
    for (int64_t e = 0; e < epochs && !st; e++) {
        for (int64_t s = 0; s < u->n_seqs; s++) {
            for (int64_t t = p->warmup; t < u->n_steps[s]; t++) train_step(r, u->data[s] + t * I);
            if (lacus__check_finite(NULL, "W", r->W.values, 1, r->W.nnz, r->W.nnz)) {
                st = lacus__fail(&r->err, LACUS_ERR_NUMERIC,
                                 "fit: W diverged (NaN/Inf) in epoch %lld, sequence %lld; "
                                 "lower eta (%g) or use synapse_normalization or oja",
                                 (long long)e, (long long)s, p->eta);
                break;
            }
        }
    }
    if (!st && p->sr_after > 0.0) {
        double rho = 0.0;
        st = lacus__spectral_radius(&r->W, &rho, &r->err);
        if (st)
            lacus__prefix(&r->err, "fit: spectral radius after training");
        else if (!(rho > 0.0) || !isfinite(rho))
            st = lacus__fail(&r->err, LACUS_ERR_NUMERIC,
                             "fit: W has spectral radius %g after training: cannot rescale to %g",
                             rho, p->sr_after);
        else
            lacus__csr_scale(&r->W, p->sr_after / rho);
    }
    if (st) {
        memcpy(r->W.values, keep, sizeof(double) * (size_t)r->W.nnz);
        memcpy(r->x, keep + r->W.nnz, sizeof(double) * (size_t)N);
        memcpy(r->r, keep + r->W.nnz + N, sizeof(double) * (size_t)N);
    }
    lacus__free(keep);
    return st;
}

lacus_status lacus_plasticity_run(lacus_plasticity *r, const double *u, int64_t n_steps, int reset,
                                  double *states)
{
    if (!r) return LACUS_ERR_ARG;
    lacus__clear(&r->err);
    int64_t N = r->p.n_units, I = r->p.n_inputs;
    if (n_steps < 1 || !u)
        return lacus__fail(&r->err, LACUS_ERR_ARG, "run: empty input (%lld steps)",
                           (long long)n_steps);
    if (!states) return lacus__fail(&r->err, LACUS_ERR_ARG, "run: states is NULL");
    lacus_status st = lacus__check_finite(&r->err, "input", u, n_steps, I, I);
    if (st) {
        lacus__prefix(&r->err, "run");
        return st;
    }
    if (reset) {
        memset(r->x, 0, sizeof(double) * (size_t)N);
        memset(r->r, 0, sizeof(double) * (size_t)N);
    }
    for (int64_t t = 0; t < n_steps; t++) {
        next_internal(r, u + t * I, r->r);
        lacus__activate(r->p.activation, r->r, r->x, N);
        memcpy(states + t * N, r->x, sizeof(double) * (size_t)N);
    }
    return LACUS_OK;
}
