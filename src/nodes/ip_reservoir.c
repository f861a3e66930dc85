/* IP reservoir: a leaky reservoir whose units have a learned gain a and bias
 * b inside the activation, trained by intrinsic plasticity (Triesch 2005 for
 * sigmoid units with an exponential target; Schrauwen et al. 2008 for tanh
 * units with a Gaussian target), as ReservoirPy 0.4.2's IPReservoir:
 *
 *   r[t+1] = (1 - lr) r[t] + lr (W x[t] + Win u[t+1] + bias)
 *   x[t+1] = f(a * r[t+1] + b)
 *
 * The weights live in an owned lacus_reservoir (drawn by it, or copied from a
 * caller's); the step here is a plain per-step loop (one CSR product for W,
 * one for Win), since IP changes a and b after every step.
 *
 * The gain update. KL(p_y || target) is minimised by stochastic gradient on
 * a and b; with y = f(a r + b) the gradient in a is the gradient in b times
 * the net input r that produced y, plus 1/a:
 *     da = eta / a + db * r[t+1]
 * The spec (shared/specs/learning_rules.md, 5.3) notes that ReservoirPy
 * feeds the *previous* internal state r[t] as this x. We use the current
 * net input r[t+1], as the derivation requires. Measured on ReservoirPy
 * 0.4.2 (tests/ref/make_ip_fixtures.py): its partial_fit reads
 * state["internal"] after step() has stored the new state, so it too uses
 * r[t+1] and its numbers equal this rule (max difference 9e-16); the
 * previous-state variant would differ by up to 5.5 in a after 3 epochs.
 * docs/ip.md has the details. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "linalg/csr.h"
#include "nodes/activation.h"
#include "nodes/reservoir.h"

struct lacus_ip_reservoir {
    lacus_ip_params p;    /* p.res pointer fields cleared */
    lacus_reservoir *res; /* W, Win, bias, lr (owned) */
    double *a, *b;        /* (n_units) gain and bias of the activation */
    double *r;            /* (n_units) net input after the leak (internal) */
    double *x;            /* (n_units) output state */
    double *wx, *win;     /* (n_units) scratch: W x, Win u */
    lacus_error err;
};

lacus_ip_params lacus_ip_params_default(void)
{
    lacus_ip_params p;
    memset(&p, 0, sizeof p);
    p.res = lacus_reservoir_params_default();
    p.res.W_init = LACUS_INIT_UNIFORM; /* IPReservoir: W = uniform */
    p.res.sr = 0.0;                    /* sr = None: W left unscaled */
    p.res.bias_scaling = 1.0;          /* bias = bernoulli, connectivity 1 */
    p.res.bias_connectivity = 1.0;
    p.mu = 0.0;
    p.sigma = 1.0;
    p.eta = 5e-4;
    p.epochs = 1;
    p.warmup = 0;
    return p;
}

/* The IP-specific fields (the reservoir's are checked by the reservoir). */
static lacus_status check_ip_fields(const lacus_ip_params *p, lacus_activation act,
                                    lacus_error *err)
{
    if (act != LACUS_ACT_TANH && act != LACUS_ACT_SIGMOID)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "activation = %s: intrinsic plasticity supports only tanh "
                           "(Gaussian target) and sigmoid (exponential target)",
                           lacus_activation_name(act));
    if (!(p->eta > 0.0) || !isfinite(p->eta))
        return lacus__fail(err, LACUS_ERR_ARG, "eta = %g: the learning rate must be > 0 and finite",
                           p->eta);
    if (!isfinite(p->mu))
        return lacus__fail(err, LACUS_ERR_ARG, "mu = %g: must be finite", p->mu);
    if (act == LACUS_ACT_TANH && (!(p->sigma > 0.0) || !isfinite(p->sigma)))
        return lacus__fail(err, LACUS_ERR_ARG,
                           "sigma = %g: the standard deviation of the Gaussian target must be > 0",
                           p->sigma);
    if (act == LACUS_ACT_SIGMOID && !(p->mu > 0.0))
        return lacus__fail(err, LACUS_ERR_ARG,
                           "mu = %g: the mean of the exponential target (sigmoid) must be > 0",
                           p->mu);
    if (p->epochs < 1)
        return lacus__fail(err, LACUS_ERR_ARG, "epochs = %lld: must be >= 1", (long long)p->epochs);
    if (p->warmup < 0)
        return lacus__fail(err, LACUS_ERR_ARG, "warmup = %lld: must be >= 0", (long long)p->warmup);
    return LACUS_OK;
}

lacus_status lacus_ip_params_check(const lacus_ip_params *p, lacus_error *err)
{
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "IP reservoir parameters are NULL");
    lacus_status st = check_ip_fields(p, p->res.activation, err);
    if (st) return st;
    if (p->res.noise_rc != 0.0 || p->res.noise_in != 0.0)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "noise_rc = %g, noise_in = %g: the IP reservoir has no noise (must be 0)",
                           p->res.noise_rc, p->res.noise_in);
    return lacus_reservoir_params_check(&p->res, err);
}

void lacus_ip_free(lacus_ip_reservoir *r)
{
    if (!r) return;
    lacus_reservoir_free(r->res);
    lacus__free(r->a);
    lacus__free(r->b);
    lacus__free(r->r);
    lacus__free(r->x);
    lacus__free(r->wx);
    lacus__free(r->win);
    lacus__free(r);
}

/* Wraps an owned reservoir (taken even on failure). */
static lacus_status wrap(lacus_reservoir *res, const lacus_ip_params *p, lacus_ip_reservoir **out,
                         lacus_error *err)
{
    int64_t N = res->p.n_units;
    lacus_ip_reservoir *r = LACUS__ZNEW(lacus_ip_reservoir, 1);
    if (!r) {
        lacus_reservoir_free(res);
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for an IP reservoir");
    }
    r->res = res;
    r->p = *p;
    r->p.res = res->p;
    r->a = LACUS__NEW(double, N);
    r->b = LACUS__ZNEW(double, N);
    r->r = LACUS__ZNEW(double, N);
    r->x = LACUS__ZNEW(double, N);
    r->wx = LACUS__NEW(double, N);
    r->win = LACUS__NEW(double, N);
    if (!r->a || !r->b || !r->r || !r->x || !r->wx || !r->win) {
        lacus_ip_free(r);
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for an IP reservoir of %lld units",
                           (long long)N);
    }
    for (int64_t i = 0; i < N; i++) r->a[i] = 1.0;
    *out = r;
    return LACUS_OK;
}

lacus_status lacus_ip_create(const lacus_ip_params *p, lacus_ip_reservoir **out, lacus_error *err)
{
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "out is NULL");
    *out = NULL;
    lacus_status st = lacus_ip_params_check(p, err);
    if (st) return st;
    lacus_reservoir *res = NULL;
    if ((st = lacus_reservoir_create(&p->res, &res, err))) return st;
    return wrap(res, p, out, err);
}

static lacus_status csr_copy(lacus__csr *dst, const lacus__csr *src)
{
    lacus_status st = lacus__csr_alloc(dst, src->n_rows, src->n_cols, src->nnz);
    if (st) return st;
    memcpy(dst->indptr, src->indptr, (size_t)(src->n_rows + 1) * sizeof *src->indptr);
    if (src->nnz > 0) {
        memcpy(dst->indices, src->indices, (size_t)src->nnz * sizeof *src->indices);
        memcpy(dst->values, src->values, (size_t)src->nnz * sizeof *src->values);
    }
    return LACUS_OK;
}

lacus_status lacus_ip_create_from_reservoir(const lacus_reservoir *src, const lacus_ip_params *p,
                                            lacus_ip_reservoir **out, lacus_error *err)
{
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "out is NULL");
    *out = NULL;
    if (!src) return lacus__fail(err, LACUS_ERR_ARG, "source reservoir is NULL");
    lacus_ip_params def = lacus_ip_params_default();
    if (!p) p = &def;
    lacus_status st = check_ip_fields(p, src->p.activation, err);
    if (st) return st;
    if (src->p.noise_rc != 0.0 || src->p.noise_in != 0.0)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "source reservoir has noise (noise_rc = %g, noise_in = %g): the IP "
                           "reservoir has none", src->p.noise_rc, src->p.noise_in);
    lacus_reservoir *res = NULL;
    if ((st = lacus__reservoir_create_empty(&src->p, &res, err))) return st;
    int64_t N = src->p.n_units;
    memcpy(res->lr, src->lr, (size_t)N * sizeof *src->lr);
    memcpy(res->bias, src->bias, (size_t)N * sizeof *src->bias);
    lacus__csr_free(&res->W);
    lacus__csr_free(&res->Win);
    if (csr_copy(&res->W, &src->W) || csr_copy(&res->Win, &src->Win)) {
        lacus_reservoir_free(res);
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory copying the reservoir's weights");
    }
    return wrap(res, p, out, err);
}

const char *lacus_ip_errmsg(const lacus_ip_reservoir *r) { return r ? r->err.msg : "NULL IP reservoir"; }
int64_t lacus_ip_n_units(const lacus_ip_reservoir *r) { return r ? r->res->p.n_units : 0; }
int64_t lacus_ip_n_inputs(const lacus_ip_reservoir *r) { return r ? r->res->p.n_inputs : 0; }

/* Passes a reservoir call's status and message through to the IP handle. */
static lacus_status relay(lacus_ip_reservoir *r, lacus_status st)
{
    if (st) r->err = r->res->err;
    return st;
}

lacus_status lacus_ip_set_W(lacus_ip_reservoir *r, const double *W)
{
    if (!r) return LACUS_ERR_ARG;
    return relay(r, lacus_reservoir_set_W(r->res, W));
}

lacus_status lacus_ip_set_Win(lacus_ip_reservoir *r, const double *Win)
{
    if (!r) return LACUS_ERR_ARG;
    return relay(r, lacus_reservoir_set_Win(r->res, Win));
}

lacus_status lacus_ip_set_bias(lacus_ip_reservoir *r, const double *bias)
{
    if (!r) return LACUS_ERR_ARG;
    if (!bias) return lacus__fail(&r->err, LACUS_ERR_ARG, "bias is NULL");
    return relay(r, lacus_reservoir_set_bias(r->res, bias));
}

void lacus_ip_reset(lacus_ip_reservoir *r)
{
    if (!r) return;
    size_t n = (size_t)r->res->p.n_units * sizeof(double);
    memset(r->r, 0, n);
    memset(r->x, 0, n);
}

/* One step: r <- (1 - lr) r + lr (W x + Win u + bias); x <- f(a r + b). */
static void ip_step(lacus_ip_reservoir *r, const double *u)
{
    const lacus_reservoir *res = r->res;
    int64_t N = res->p.n_units;
    lacus__csr_matvec_rows(&res->W, r->x, r->wx, 0, N);
    lacus__csr_matvec_rows(&res->Win, u, r->win, 0, N);
    const int sig = res->p.activation == LACUS_ACT_SIGMOID;
    for (int64_t i = 0; i < N; i++) {
        double lr = res->lr[i];
        r->r[i] = (1.0 - lr) * r->r[i] + lr * (r->wx[i] + r->win[i] + res->bias[i]);
        double v = r->a[i] * r->r[i] + r->b[i];
        r->x[i] = sig ? 1.0 / (1.0 + exp(-v)) : tanh(v);
    }
}

/* The IP update after a step, with y = x[t+1] and the net input r[t+1]. */
static void ip_update(lacus_ip_reservoir *r)
{
    int64_t N = r->res->p.n_units;
    const double eta = r->p.eta, mu = r->p.mu;
    if (r->res->p.activation == LACUS_ACT_TANH) {
        /* Schrauwen et al. 2008, target N(mu, sigma^2). */
        const double s2 = r->p.sigma * r->p.sigma;
        for (int64_t i = 0; i < N; i++) {
            double y = r->x[i];
            double db = -(-(mu / s2) + (y / s2) * (2.0 * s2 + 1.0 - y * y + mu * y));
            double da = 1.0 / r->a[i] + db * r->r[i]; /* current net input r[t+1] */
            r->a[i] += eta * da;
            r->b[i] += eta * db;
        }
    } else {
        /* Triesch 2005, exponential target of mean mu. */
        for (int64_t i = 0; i < N; i++) {
            double y = r->x[i];
            double db = 1.0 - (2.0 + 1.0 / mu) * y + y * y / mu;
            double da = 1.0 / r->a[i] + db * r->r[i]; /* current net input r[t+1] */
            r->a[i] += eta * da;
            r->b[i] += eta * db;
        }
    }
}

static lacus_status check_seq(lacus_ip_reservoir *r, const double *u, int64_t n_steps,
                              const char *what)
{
    if (n_steps < 0)
        return lacus__fail(&r->err, LACUS_ERR_SHAPE, "%s: n_steps = %lld: must be >= 0", what,
                           (long long)n_steps);
    if (n_steps > 0 && !u) return lacus__fail(&r->err, LACUS_ERR_ARG, "%s is NULL", what);
    if (n_steps == 0) return LACUS_OK;
    int64_t I = r->res->p.n_inputs;
    return lacus__check_finite(&r->err, what, u, n_steps, I, I);
}

lacus_status lacus_ip_fit(lacus_ip_reservoir *r, const lacus_seqs *u, int64_t epochs)
{
    if (!r) return LACUS_ERR_ARG;
    lacus__clear(&r->err);
    if (!u || (u->n_seqs > 0 && (!u->data || !u->n_steps)))
        return lacus__fail(&r->err, LACUS_ERR_ARG, "training sequences are NULL");
    if (u->n_seqs < 1)
        return lacus__fail(&r->err, LACUS_ERR_ARG, "n_seqs = %lld: IP needs at least one sequence",
                           (long long)u->n_seqs);
    if (u->n_features != r->res->p.n_inputs)
        return lacus__fail(&r->err, LACUS_ERR_SHAPE,
                           "training sequences have %lld features, the reservoir %lld inputs",
                           (long long)u->n_features, (long long)r->res->p.n_inputs);
    if (epochs < 0)
        return lacus__fail(&r->err, LACUS_ERR_ARG, "epochs = %lld: must be >= 0 (0 = params)",
                           (long long)epochs);
    if (epochs == 0) epochs = r->p.epochs;
    for (int64_t s = 0; s < u->n_seqs; s++) {
        lacus_status st = check_seq(r, u->data[s], u->n_steps[s], "training sequence");
        if (st) {
            lacus__prefix(&r->err, "sequence %lld: ", (long long)s);
            return st;
        }
    }
    int64_t N = r->res->p.n_units, I = r->res->p.n_inputs;
    for (int64_t e = 0; e < epochs; e++) {
        for (int64_t s = 0; s < u->n_seqs; s++) {
            const double *seq = u->data[s];
            for (int64_t t = r->p.warmup; t < u->n_steps[s]; t++) {
                ip_step(r, seq + t * I);
                ip_update(r);
            }
            for (int64_t i = 0; i < N; i++)
                if (!isfinite(r->a[i]) || !isfinite(r->b[i]) || !isfinite(r->x[i]))
                    return lacus__fail(&r->err, LACUS_ERR_NUMERIC,
                                       "IP diverged at epoch %lld, sequence %lld: unit %lld has "
                                       "a = %g, b = %g (try a smaller eta)",
                                       (long long)e, (long long)s, (long long)i, r->a[i], r->b[i]);
        }
    }
    return LACUS_OK;
}

lacus_status lacus_ip_run(lacus_ip_reservoir *r, const double *u, int64_t n_steps, int reset,
                          double *states)
{
    if (!r) return LACUS_ERR_ARG;
    lacus__clear(&r->err);
    lacus_status st = check_seq(r, u, n_steps, "input");
    if (st) return st;
    if (n_steps > 0 && !states) return lacus__fail(&r->err, LACUS_ERR_ARG, "states is NULL");
    if (reset) lacus_ip_reset(r);
    int64_t N = r->res->p.n_units, I = r->res->p.n_inputs;
    for (int64_t t = 0; t < n_steps; t++) {
        ip_step(r, u + t * I);
        memcpy(states + t * N, r->x, (size_t)N * sizeof(double));
    }
    return LACUS_OK;
}

lacus_status lacus_ip_get_a(const lacus_ip_reservoir *r, double *a)
{
    if (!r || !a) return LACUS_ERR_ARG;
    memcpy(a, r->a, (size_t)r->res->p.n_units * sizeof(double));
    return LACUS_OK;
}

lacus_status lacus_ip_get_b(const lacus_ip_reservoir *r, double *b)
{
    if (!r || !b) return LACUS_ERR_ARG;
    memcpy(b, r->b, (size_t)r->res->p.n_units * sizeof(double));
    return LACUS_OK;
}

lacus_status lacus_ip_get_state(const lacus_ip_reservoir *r, double *x)
{
    if (!r || !x) return LACUS_ERR_ARG;
    memcpy(x, r->x, (size_t)r->res->p.n_units * sizeof(double));
    return LACUS_OK;
}

lacus_status lacus_ip_set_a(lacus_ip_reservoir *r, const double *a)
{
    if (!r) return LACUS_ERR_ARG;
    if (!a) return lacus__fail(&r->err, LACUS_ERR_ARG, "a is NULL");
    int64_t N = r->res->p.n_units;
    lacus_status st = lacus__check_finite(&r->err, "a", a, 1, N, N);
    if (st) return st;
    for (int64_t i = 0; i < N; i++)
        if (a[i] == 0.0)
            return lacus__fail(&r->err, LACUS_ERR_ARG, "a[%lld] = 0: the gain must be non-zero "
                               "(the rule divides by it)", (long long)i);
    memcpy(r->a, a, (size_t)N * sizeof(double));
    return LACUS_OK;
}

lacus_status lacus_ip_set_b(lacus_ip_reservoir *r, const double *b)
{
    if (!r) return LACUS_ERR_ARG;
    if (!b) return lacus__fail(&r->err, LACUS_ERR_ARG, "b is NULL");
    int64_t N = r->res->p.n_units;
    lacus_status st = lacus__check_finite(&r->err, "b", b, 1, N, N);
    if (st) return st;
    memcpy(r->b, b, (size_t)N * sizeof(double));
    return LACUS_OK;
}
