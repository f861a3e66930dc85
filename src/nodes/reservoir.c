/* Reservoir handle: hyperparameters, weight initialisation, and the public
 * run/get/set calls. The recurrence itself is in reservoir_step.c. */
#include "nodes/reservoir.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "linalg/eigen.h"
#include "nodes/init.h"

lacus_reservoir_params lacus_reservoir_params_default(void)
{
    lacus_reservoir_params p;
    memset(&p, 0, sizeof p);
    p.lr = 1.0;
    p.sr = 1.0;
    p.input_scaling = 1.0;
    p.input_connectivity = 0.1;
    p.rc_connectivity = 0.1;
    p.bias_scaling = 0.0;
    p.bias_connectivity = 1.0;
    p.activation = LACUS_ACT_TANH;
    p.W_init = LACUS_INIT_NORMAL;
    p.Win_init = LACUS_INIT_BERNOULLI;
    p.bias_init = LACUS_INIT_BERNOULLI;
    p.noise_type = LACUS_NOISE_GAUSSIAN;
    p.seed = 42;
    return p;
}

/* A size limit that keeps n_units^2 and every index in range: 2^31 - 1
 * columns (int32 indices) and an N x N position space that fits in 64 bits. */
#define MAX_UNITS 100000000LL
#define MAX_INPUTS 100000000LL

static lacus_status check_fraction(lacus_error *err, const char *name, double v, int zero_ok)
{
    if (!(v >= 0.0 && v <= 1.0) || (!zero_ok && v == 0.0))
        return lacus__fail(err, LACUS_ERR_ARG, "%s = %g: must be in %s1]", name, v,
                           zero_ok ? "[0, " : "(0, ");
    return LACUS_OK;
}

lacus_status lacus_reservoir_params_check(const lacus_reservoir_params *p, lacus_error *err)
{
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "reservoir parameters are NULL");
    if (p->n_units < 1 || p->n_units > MAX_UNITS)
        return lacus__fail(err, LACUS_ERR_ARG, "n_units = %lld: must be in [1, %lld]",
                           (long long)p->n_units, MAX_UNITS);
    if (p->n_inputs < 1 || p->n_inputs > MAX_INPUTS)
        return lacus__fail(err, LACUS_ERR_ARG, "n_inputs = %lld: must be in [1, %lld]",
                           (long long)p->n_inputs, MAX_INPUTS);
    lacus_status st;
    if (p->lr_per_unit) {
        for (int64_t i = 0; i < p->n_units; i++)
            if (!(p->lr_per_unit[i] > 0.0 && p->lr_per_unit[i] <= 1.0))
                return lacus__fail(err, LACUS_ERR_ARG, "lr[%lld] = %g: must be in (0, 1]",
                                   (long long)i, p->lr_per_unit[i]);
    } else if ((st = check_fraction(err, "lr", p->lr, 0))) {
        return st;
    }
    if (!(p->sr >= 0.0 && p->sr < 1e6))
        return lacus__fail(err, LACUS_ERR_ARG, "sr = %g: must be in [0, 1e6) (0 keeps W unscaled)",
                           p->sr);
    if (!isfinite(p->input_scaling))
        return lacus__fail(err, LACUS_ERR_ARG, "input_scaling = %g: must be finite",
                           p->input_scaling);
    if (p->input_scaling_per_input)
        for (int64_t j = 0; j < p->n_inputs; j++)
            if (!isfinite(p->input_scaling_per_input[j]))
                return lacus__fail(err, LACUS_ERR_ARG, "input_scaling[%lld] = %g: must be finite",
                                   (long long)j, p->input_scaling_per_input[j]);
    if ((st = check_fraction(err, "input_connectivity", p->input_connectivity, 0)) ||
        (st = check_fraction(err, "rc_connectivity", p->rc_connectivity, 0)) ||
        (st = check_fraction(err, "bias_connectivity", p->bias_connectivity, 1)))
        return st;
    if (!isfinite(p->bias_scaling))
        return lacus__fail(err, LACUS_ERR_ARG, "bias_scaling = %g: must be finite", p->bias_scaling);
    if ((unsigned)p->activation > LACUS_ACT_SOFTPLUS)
        return lacus__fail(err, LACUS_ERR_ARG, "activation = %d: unknown", (int)p->activation);
    if ((unsigned)p->W_init > LACUS_INIT_BERNOULLI || (unsigned)p->Win_init > LACUS_INIT_BERNOULLI ||
        (unsigned)p->bias_init > LACUS_INIT_BERNOULLI)
        return lacus__fail(err, LACUS_ERR_ARG, "unknown initialiser (W %d, Win %d, bias %d)",
                           (int)p->W_init, (int)p->Win_init, (int)p->bias_init);
    if (!(p->noise_rc >= 0.0 && isfinite(p->noise_rc)) || !(p->noise_in >= 0.0 && isfinite(p->noise_in)))
        return lacus__fail(err, LACUS_ERR_ARG, "noise gains (rc %g, in %g): must be finite and >= 0",
                           p->noise_rc, p->noise_in);
    if ((unsigned)p->noise_type > LACUS_NOISE_UNIFORM)
        return lacus__fail(err, LACUS_ERR_ARG, "noise_type = %d: unknown", (int)p->noise_type);
    /* Guard the memory of W before drawing it: 4e9 non-zeros is 48 GB. */
    double nnz = p->rc_connectivity * (double)p->n_units * (double)p->n_units;
    if (nnz > 4e9)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "n_units = %lld with rc_connectivity = %g gives %.3g recurrent weights: "
                           "at most 4e9 supported",
                           (long long)p->n_units, p->rc_connectivity, nnz);
    return LACUS_OK;
}

void lacus_reservoir_free(lacus_reservoir *r)
{
    if (!r) return;
    lacus__free(r->lr);
    lacus__free(r->input_scaling);
    lacus__csr_free(&r->W);
    lacus__csr_free(&r->Win);
    lacus__free(r->bias);
    lacus__free(r->state);
    lacus__free(r);
}

const char *lacus_reservoir_errmsg(const lacus_reservoir *r) { return r ? r->err.msg : "NULL reservoir"; }

/* Scales Win's columns by the input scaling (scalar or per input). */
static void scale_inputs(lacus_reservoir *r)
{
    for (int64_t k = 0; k < r->Win.nnz; k++)
        r->Win.values[k] *= r->input_scaling ? r->input_scaling[r->Win.indices[k]]
                                             : r->p.input_scaling;
}

static lacus_status draw_weights(lacus_reservoir *r, lacus_error *err)
{
    const lacus_reservoir_params *p = &r->p;
    lacus__rng rng;
    lacus_status st;
    lacus__rng_stream(&rng, p->seed, LACUS__STREAM_W, 0);
    if ((st = lacus__init_sparse(&r->W, p->n_units, p->n_units, p->rc_connectivity, p->W_init,
                                 &rng, err)))
        return st;
    if (p->sr > 0.0) {
        double rho;
        if ((st = lacus__spectral_radius(&r->W, &rho, err))) return st;
        /* ReservoirPy's guard against a nilpotent (all-zero spectrum) W. */
        if (rho < 1e-8) rho = 1e-8;
        lacus__csr_scale(&r->W, p->sr / rho);
    }
    lacus__rng_stream(&rng, p->seed, LACUS__STREAM_WIN, 0);
    if ((st = lacus__init_sparse(&r->Win, p->n_units, p->n_inputs, p->input_connectivity,
                                 p->Win_init, &rng, err)))
        return st;
    scale_inputs(r);
    lacus__rng_stream(&rng, p->seed, LACUS__STREAM_BIAS, 0);
    if (p->bias_scaling != 0.0) {
        if ((st = lacus__init_vector(r->bias, p->n_units, p->bias_connectivity, p->bias_init, &rng,
                                     err)))
            return st;
        for (int64_t n = 0; n < p->n_units; n++) r->bias[n] *= p->bias_scaling;
    }
    return LACUS_OK;
}

lacus_status lacus__reservoir_create_empty(const lacus_reservoir_params *p, lacus_reservoir **out,
                                          lacus_error *err)
{
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "out is NULL");
    *out = NULL;
    lacus_status st = lacus_reservoir_params_check(p, err);
    if (st) return st;
    lacus_reservoir *r = LACUS__ZNEW(lacus_reservoir, 1);
    if (!r) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for a reservoir");
    r->p = *p;
    r->p.lr_per_unit = NULL;
    r->p.input_scaling_per_input = NULL;
    int64_t N = p->n_units, I = p->n_inputs;
    r->lr = LACUS__NEW(double, N);
    r->bias = LACUS__ZNEW(double, N);
    r->state = LACUS__ZNEW(double, N);
    if (p->input_scaling_per_input) r->input_scaling = LACUS__NEW(double, I);
    if (!r->lr || !r->bias || !r->state || (p->input_scaling_per_input && !r->input_scaling) ||
        lacus__csr_alloc(&r->W, N, N, 0) || lacus__csr_alloc(&r->Win, N, I, 0)) {
        lacus_reservoir_free(r);
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for a reservoir of %lld units",
                           (long long)N);
    }
    for (int64_t n = 0; n < N; n++) r->lr[n] = p->lr_per_unit ? p->lr_per_unit[n] : p->lr;
    if (r->input_scaling)
        memcpy(r->input_scaling, p->input_scaling_per_input, (size_t)I * sizeof(double));
    *out = r;
    return LACUS_OK;
}

lacus_status lacus_reservoir_create(const lacus_reservoir_params *p, lacus_reservoir **out,
                                    lacus_error *err)
{
    lacus_status st = lacus__reservoir_create_empty(p, out, err);
    if (st) return st;
    lacus__csr_free(&(*out)->W);
    lacus__csr_free(&(*out)->Win);
    if ((st = draw_weights(*out, err))) {
        lacus_reservoir_free(*out);
        *out = NULL;
    }
    return st;
}

/* Replaces *M with the non-zeros of a dense (rows, cols) matrix; *M is left
 * as it was on failure. */
static lacus_status replace_from_dense(lacus_reservoir *r, lacus__csr *M, int64_t rows,
                                       int64_t cols, const double *D)
{
    if (!D) return lacus__fail(&r->err, LACUS_ERR_ARG, "matrix is NULL");
    lacus__csr A;
    lacus_status st = lacus__csr_from_dense(&A, rows, cols, D, &r->err);
    if (st) return st;
    lacus__csr_free(M);
    *M = A;
    return LACUS_OK;
}

lacus_status lacus_reservoir_set_W(lacus_reservoir *r, const double *W)
{
    return replace_from_dense(r, &r->W, r->p.n_units, r->p.n_units, W);
}

lacus_status lacus_reservoir_set_W_csr(lacus_reservoir *r, int64_t nnz, const int64_t *indptr,
                                       const int64_t *indices, const double *values)
{
    if (!indptr || (nnz > 0 && (!indices || !values)))
        return lacus__fail(&r->err, LACUS_ERR_ARG, "W CSR arrays are NULL");
    lacus__csr A;
    lacus_status st = lacus__csr_from_arrays(&A, r->p.n_units, r->p.n_units, nnz, indptr, indices,
                                             values, &r->err);
    if (st) return st;
    lacus__csr_free(&r->W);
    r->W = A;
    return LACUS_OK;
}

lacus_status lacus_reservoir_set_Win(lacus_reservoir *r, const double *Win)
{
    return replace_from_dense(r, &r->Win, r->p.n_units, r->p.n_inputs, Win);
}

lacus_status lacus_reservoir_set_bias(lacus_reservoir *r, const double *bias)
{
    lacus_status st = lacus__check_finite(&r->err, "bias", bias, 1, r->p.n_units, r->p.n_units);
    if (st) return st;
    memcpy(r->bias, bias, (size_t)r->p.n_units * sizeof *bias);
    return LACUS_OK;
}

lacus_status lacus_reservoir_get_W(const lacus_reservoir *r, double *W)
{
    lacus__csr_to_dense(&r->W, W);
    return LACUS_OK;
}

lacus_status lacus_reservoir_get_Win(const lacus_reservoir *r, double *Win)
{
    lacus__csr_to_dense(&r->Win, Win);
    return LACUS_OK;
}

lacus_status lacus_reservoir_get_bias(const lacus_reservoir *r, double *bias)
{
    memcpy(bias, r->bias, (size_t)r->p.n_units * sizeof *bias);
    return LACUS_OK;
}

int64_t lacus_reservoir_n_units(const lacus_reservoir *r) { return r->p.n_units; }
int64_t lacus_reservoir_n_inputs(const lacus_reservoir *r) { return r->p.n_inputs; }
int64_t lacus_reservoir_W_nnz(const lacus_reservoir *r) { return r->W.nnz; }
const lacus_reservoir_params *lacus_reservoir_params_get(const lacus_reservoir *r) { return &r->p; }

lacus_status lacus_reservoir_get_state(const lacus_reservoir *r, double *x)
{
    memcpy(x, r->state, (size_t)r->p.n_units * sizeof *x);
    return LACUS_OK;
}

lacus_status lacus_reservoir_set_state(lacus_reservoir *r, const double *x)
{
    lacus_status st = lacus__check_finite(&r->err, "state", x, 1, r->p.n_units, r->p.n_units);
    if (st) return st;
    memcpy(r->state, x, (size_t)r->p.n_units * sizeof *x);
    return LACUS_OK;
}

lacus_status lacus_reservoir_run(lacus_reservoir *r, const double *u, int64_t n_steps, int reset,
                                 double *states)
{
    if (!u || !states) return lacus__fail(&r->err, LACUS_ERR_ARG, "u or states is NULL");
    if (n_steps < 1)
        return lacus__fail(&r->err, LACUS_ERR_SHAPE, "n_steps = %lld: the sequence is empty",
                           (long long)n_steps);
    lacus_status st = lacus__check_finite(&r->err, "u", u, n_steps, r->p.n_inputs, r->p.n_inputs);
    if (st) return st;
    lacus__run_ws ws;
    double *xi = LACUS__NEW(double, 2 * r->p.n_units);
    if (!xi || lacus__run_ws_init(&ws, r)) {
        lacus__free(xi);
        return lacus__fail(&r->err, LACUS_ERR_NOMEM, "out of memory for the run workspace");
    }
    lacus__run_ws_seed(&ws, r, r->n_runs++, 0);
    if (reset) memset(r->state, 0, (size_t)r->p.n_units * sizeof *r->state);
    lacus__lane lane = {&ws, r->state, u, r->p.n_inputs, states, r->p.n_units};
    lacus__reservoir_steps(r, &lane, 1, n_steps, xi, 1);
    lacus__run_ws_free(&ws);
    lacus__free(xi);
    return lacus__check_finite(&r->err, "states", states + (n_steps - 1) * r->p.n_units, 1,
                               r->p.n_units, r->p.n_units);
}
