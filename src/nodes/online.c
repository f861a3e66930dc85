/* Online readouts: recursive least squares (RLS, the rule behind FORCE) and
 * least mean squares (LMS), one sample at a time, as ReservoirPy 0.4.2's RLS
 * and LMS nodes.
 *
 * For a sample x (F), target y (O), weights W (F x O) and bias b (O):
 *
 *   y_hat = W^T x + b,   e = y_hat - y            (a-priori error)
 *
 * RLS with forgetting factor lambda (Haykin, "Adaptive Filter Theory",
 * ch. 10; Sussillo & Abbott 2009, "Generating coherent patterns of activity
 * from chaotic neural networks", Neuron 63:544, for its use as FORCE;
 * forgetting as in Waegeman, Wyffels & Schrauwen 2012), P(0) = I / alpha:
 *
 *   u = P x,  d = lambda + x^T u
 *   P <- (P - u u^T / d) / lambda
 *   k = P_new x = u / d                           (the gain)
 *   W <- W - k e^T
 *   s <- lambda s + 1,  b <- b - e / s            (fit_bias; s(0) = 0)
 *
 * P is kept symmetric by construction: only its upper triangle is stored
 * and touched (dsymv, dsyr), so round-off cannot make it drift asymmetric.
 * The bias is not in P: ReservoirPy updates it as a forgetting-weighted
 * running mean of the residual, and so do we (it is therefore not the ridge
 * bias; docs/online.md has the identities that do hold).
 *
 * LMS (Widrow & Hoff 1960, "Adaptive switching circuits"), rate alpha:
 *
 *   W <- W - alpha x e^T,  b <- b - alpha e       (fit_bias)
 *
 * ReservoirPy's partial_fit returns x^T W_new + b_old (weights after the
 * update, bias before it); we hand out the a-priori y_hat, which is what
 * FORCE feeds back and what the error uses. Both are recorded in the
 * fixtures and the test checks both (tests/unit/test_online.c).
 *
 * Divergence is caught before anything is committed: u, d, the new diagonal
 * of P (which bounds every off-diagonal entry of a positive semidefinite P,
 * so checking it is O(F) instead of O(F^2)), the new W (built in a second
 * buffer, then swapped) and the new b are all checked for NaN/Inf first.
 * The BLAS calls run single-threaded so the numbers do not depend on the
 * thread count. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "linalg/blas.h"

struct lacus_online {
    lacus_online_params p;
    int64_t n_steps;
    double s;           /* RLS bias count: s <- lambda s + 1 */
    double *P;          /* (F, F), upper triangle (RLS only) */
    double *W, *W_next; /* (F, O) each; swapped after a good step */
    double *b;          /* (O) */
    double *u, *e, *b_next; /* workspaces: (F), (O), (O) */
    lacus_error err;
};

lacus_online_params lacus_online_params_default(void)
{
    lacus_online_params p;
    memset(&p, 0, sizeof p);
    p.method = LACUS_ONLINE_RLS;
    p.alpha = 1e-6;
    p.forgetting = 1.0;
    p.fit_bias = 1;
    return p;
}

lacus_status lacus_online_params_check(const lacus_online_params *p, lacus_error *err)
{
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "online readout parameters are NULL");
    if (p->n_features < 1 || p->n_outputs < 1)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "online readout sizes n_features = %lld, n_outputs = %lld: must be >= 1",
                           (long long)p->n_features, (long long)p->n_outputs);
    if ((unsigned)p->method > LACUS_ONLINE_LMS)
        return lacus__fail(err, LACUS_ERR_ARG, "online method %d: unknown (RLS = 0, LMS = 1)",
                           (int)p->method);
    if (p->method == LACUS_ONLINE_RLS && p->n_features > 100000)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "n_features = %lld: at most 100000 for RLS (P needs n_features^2 doubles)",
                           (long long)p->n_features);
    if (!(p->alpha > 0.0 && isfinite(p->alpha)))
        return lacus__fail(err, LACUS_ERR_ARG,
                           p->method == LACUS_ONLINE_RLS
                               ? "alpha = %g: must be finite and > 0 (RLS starts from P = I / alpha)"
                               : "alpha = %g: must be finite and > 0 (the LMS learning rate)",
                           p->alpha);
    if (p->method == LACUS_ONLINE_RLS && !(p->forgetting > 0.0 && p->forgetting <= 1.0))
        return lacus__fail(err, LACUS_ERR_ARG, "forgetting = %g: must be in (0, 1]",
                           p->forgetting);
    if (p->fit_bias != 0 && p->fit_bias != 1)
        return lacus__fail(err, LACUS_ERR_ARG, "fit_bias = %d: must be 0 or 1", p->fit_bias);
    return LACUS_OK;
}

void lacus_online_free(lacus_online *m)
{
    if (!m) return;
    lacus__free(m->P);
    lacus__free(m->W);
    lacus__free(m->W_next);
    lacus__free(m->b);
    lacus__free(m->u);
    lacus__free(m->e);
    lacus__free(m->b_next);
    lacus__free(m);
}

void lacus_online_reset(lacus_online *m)
{
    if (!m) return;
    int64_t F = m->p.n_features, O = m->p.n_outputs;
    m->n_steps = 0;
    m->s = 0.0;
    memset(m->W, 0, (size_t)(F * O) * sizeof(double));
    memset(m->b, 0, (size_t)O * sizeof(double));
    if (m->P) {
        memset(m->P, 0, (size_t)(F * F) * sizeof(double));
        for (int64_t i = 0; i < F; i++) m->P[i * F + i] = 1.0 / m->p.alpha;
    }
    lacus__clear(&m->err);
}

lacus_status lacus_online_create(const lacus_online_params *p, lacus_online **out,
                                 lacus_error *err)
{
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "out is NULL");
    *out = NULL;
    lacus_status st = lacus_online_params_check(p, err);
    if (st) return st;
    int64_t F = p->n_features, O = p->n_outputs;
    lacus_online *m = LACUS__ZNEW(lacus_online, 1);
    if (!m) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for an online readout");
    m->p = *p;
    m->W = LACUS__ZNEW(double, F * O);
    m->W_next = LACUS__ZNEW(double, F * O);
    m->b = LACUS__ZNEW(double, O);
    m->u = LACUS__ZNEW(double, F);
    m->e = LACUS__ZNEW(double, O);
    m->b_next = LACUS__ZNEW(double, O);
    if (p->method == LACUS_ONLINE_RLS) m->P = LACUS__ZNEW(double, F * F);
    if (!m->W || !m->W_next || !m->b || !m->u || !m->e || !m->b_next ||
        (p->method == LACUS_ONLINE_RLS && !m->P)) {
        lacus_online_free(m);
        return lacus__fail(err, LACUS_ERR_NOMEM,
                           "out of memory for a %lld x %lld online readout (%s)", (long long)F,
                           (long long)O,
                           p->method == LACUS_ONLINE_RLS ? "RLS keeps an n_features^2 matrix P"
                                                         : "LMS");
    }
    lacus_online_reset(m);
    *out = m;
    return LACUS_OK;
}

const char *lacus_online_errmsg(const lacus_online *m)
{
    return m ? m->err.msg : "NULL online readout";
}

int64_t lacus_online_n_steps(const lacus_online *m) { return m ? m->n_steps : 0; }

static int all_finite(const double *v, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(v[i])) return 0;
    return 1;
}

/* One step on checked data; `row` only names the step in messages. Nothing
 * is changed unless the whole update is finite. */
static lacus_status learn(lacus_online *m, const double *x, const double *y, double *y_hat,
                          int64_t row)
{
    const int F = (int)m->p.n_features, O = (int)m->p.n_outputs;
    const double lambda = m->p.forgetting;
    double *e = m->e;
    int64_t step = m->n_steps;

    /* e = W^T x + b - y */
    memcpy(e, m->b, (size_t)O * sizeof(double));
    cblas_dgemv(CblasRowMajor, CblasTrans, F, O, 1.0, m->W, O, x, 1, 1.0, e, 1);
    if (y_hat) memcpy(y_hat, e, (size_t)O * sizeof(double));
    for (int j = 0; j < O; j++) e[j] -= y[j];
    if (!all_finite(e, O))
        return lacus__fail(&m->err, LACUS_ERR_NUMERIC,
                           "%s diverged at row %lld (step %lld): the prediction W^T x + b is "
                           "not finite%s; weights kept from the previous step",
                           m->p.method == LACUS_ONLINE_RLS ? "RLS" : "LMS", (long long)row,
                           (long long)step,
                           m->p.method == LACUS_ONLINE_LMS ? " (learning rate alpha too large?)"
                                                           : "");

    memcpy(m->W_next, m->W, (size_t)F * (size_t)O * sizeof(double));
    double d = 0.0, s_next = m->s;
    if (m->p.method == LACUS_ONLINE_RLS) {
        double *u = m->u;
        cblas_dsymv(CblasRowMajor, CblasUpper, F, 1.0, m->P, F, x, 1, 0.0, u, 1);
        d = lambda + cblas_ddot(F, x, 1, u, 1);
        if (!all_finite(u, F) || !isfinite(d) || !(d > 0.0))
            return lacus__fail(&m->err, LACUS_ERR_NUMERIC,
                               "RLS diverged at row %lld (step %lld): lambda + x^T P x = %g "
                               "(must be finite and > 0; P is no longer positive definite or "
                               "has overflowed); weights and P kept from the previous step",
                               (long long)row, (long long)step, d);
        /* The new diagonal bounds the whole new P (|P_ij| <= sqrt(P_ii P_jj)). */
        for (int i = 0; i < F; i++) {
            double pii = (m->P[(int64_t)i * F + i] - u[i] * u[i] / d) / lambda;
            if (!isfinite(pii))
                return lacus__fail(&m->err, LACUS_ERR_NUMERIC,
                                   "RLS diverged at row %lld (step %lld): P[%d, %d] would "
                                   "overflow (forgetting = %g lets P grow when inputs carry "
                                   "no new information); weights and P kept from the previous "
                                   "step",
                                   (long long)row, (long long)step, i, i, lambda);
        }
        /* W_next = W - (u / d) e^T */
        cblas_dger(CblasRowMajor, F, O, -1.0 / d, u, 1, e, 1, m->W_next, O);
        s_next = lambda * m->s + 1.0;
        for (int j = 0; j < O; j++) m->b_next[j] = m->p.fit_bias ? m->b[j] - e[j] / s_next : m->b[j];
    } else {
        const double a = m->p.alpha;
        cblas_dger(CblasRowMajor, F, O, -a, x, 1, e, 1, m->W_next, O);
        for (int j = 0; j < O; j++) m->b_next[j] = m->p.fit_bias ? m->b[j] - a * e[j] : m->b[j];
    }
    if (!all_finite(m->W_next, (int64_t)F * O) || !all_finite(m->b_next, O))
        return lacus__fail(&m->err, LACUS_ERR_NUMERIC,
                           "%s diverged at row %lld (step %lld): the updated weights are not "
                           "finite%s; weights kept from the previous step",
                           m->p.method == LACUS_ONLINE_RLS ? "RLS" : "LMS", (long long)row,
                           (long long)step,
                           m->p.method == LACUS_ONLINE_LMS ? " (learning rate alpha too large?)"
                                                           : "");

    /* Commit. */
    if (m->p.method == LACUS_ONLINE_RLS) {
        cblas_dsyr(CblasRowMajor, CblasUpper, F, -1.0 / d, m->u, 1, m->P, F);
        if (lambda != 1.0)
            for (int i = 0; i < F; i++) {
                double *row_i = m->P + (int64_t)i * F;
                for (int j = i; j < F; j++) row_i[j] /= lambda;
            }
        m->s = s_next;
    }
    double *t = m->W;
    m->W = m->W_next;
    m->W_next = t;
    memcpy(m->b, m->b_next, (size_t)O * sizeof(double));
    m->n_steps++;
    return LACUS_OK;
}

lacus_status lacus_online_partial_fit(lacus_online *m, const double *x, int64_t ldx,
                                      const double *y, int64_t ldy, int64_t n_rows,
                                      double *y_hat)
{
    if (!m) return LACUS_ERR_ARG;
    if (!x || !y) return lacus__fail(&m->err, LACUS_ERR_ARG, "x or y is NULL");
    if (n_rows < 0)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "n_rows = %lld: must be >= 0",
                           (long long)n_rows);
    int64_t F = m->p.n_features, O = m->p.n_outputs;
    if (ldx < F || ldy < O)
        return lacus__fail(&m->err, LACUS_ERR_SHAPE,
                           "row strides ldx = %lld, ldy = %lld are smaller than the widths "
                           "n_features = %lld, n_outputs = %lld",
                           (long long)ldx, (long long)ldy, (long long)F, (long long)O);
    lacus_status st;
    if ((st = lacus__check_finite(&m->err, "x", x, n_rows, F, ldx)) ||
        (st = lacus__check_finite(&m->err, "y", y, n_rows, O, ldy)))
        return st;
    int saved = lacus__blas_serial_begin();
    for (int64_t t = 0; t < n_rows && !st; t++)
        st = learn(m, x + t * ldx, y + t * ldy, y_hat ? y_hat + t * O : NULL, t);
    lacus__blas_serial_end(saved);
    return st;
}

lacus_status lacus_online_step(lacus_online *m, const double *x, const double *y, double *y_hat)
{
    return lacus_online_partial_fit(m, x, m ? m->p.n_features : 0, y, m ? m->p.n_outputs : 0, 1,
                                    y_hat);
}

lacus_status lacus_online_predict(const lacus_online *m, const double *x, int64_t ldx,
                                  int64_t n_rows, double *y, int64_t ldy)
{
    if (!m || !x || !y || n_rows < 0) return LACUS_ERR_ARG;
    int64_t F = m->p.n_features, O = m->p.n_outputs;
    if (ldx < F || ldy < O) return LACUS_ERR_SHAPE;
    int saved = lacus__blas_serial_begin();
    for (int64_t t = 0; t < n_rows; t++) {
        memcpy(y + t * ldy, m->b, (size_t)O * sizeof(double));
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)F, (int)O, 1.0, m->W, (int)O, x + t * ldx, 1,
                    1.0, y + t * ldy, 1);
    }
    lacus__blas_serial_end(saved);
    return LACUS_OK;
}

lacus_status lacus_online_get_weights(const lacus_online *m, double *Wout, double *b)
{
    if (!m || !Wout) return LACUS_ERR_ARG;
    int64_t F = m->p.n_features, O = m->p.n_outputs;
    memcpy(Wout, m->W, (size_t)(F * O) * sizeof(double));
    if (b) memcpy(b, m->b, (size_t)O * sizeof(double));
    return LACUS_OK;
}

lacus_status lacus_online_set_weights(lacus_online *m, const double *Wout, const double *b)
{
    if (!m) return LACUS_ERR_ARG;
    if (!Wout) return lacus__fail(&m->err, LACUS_ERR_ARG, "Wout is NULL");
    int64_t F = m->p.n_features, O = m->p.n_outputs;
    lacus_status st;
    if ((st = lacus__check_finite(&m->err, "Wout", Wout, F, O, O)) ||
        (b && (st = lacus__check_finite(&m->err, "bias", b, 1, O, O))))
        return st;
    memcpy(m->W, Wout, (size_t)(F * O) * sizeof(double));
    if (b) memcpy(m->b, b, (size_t)O * sizeof(double));
    return LACUS_OK;
}

/* Training state beyond W and b (src/nodes/online_state.h): what a model
 * file must carry so that online training resumes exactly where it
 * stopped. P is exported as a full symmetric matrix (readers of the file
 * expect one); only its upper triangle is used, and only that is read back. */
lacus_status lacus__online_get_state(const lacus_online *m, double *P, double *s, int64_t *n_steps)
{
    if (!m) return LACUS_ERR_ARG;
    const int64_t F = m->p.n_features;
    if (P && m->P)
        for (int64_t i = 0; i < F; i++)
            for (int64_t j = i; j < F; j++) P[i * F + j] = P[j * F + i] = m->P[i * F + j];
    if (s) *s = m->s;
    if (n_steps) *n_steps = m->n_steps;
    return LACUS_OK;
}

lacus_status lacus__online_set_state(lacus_online *m, const double *P, double s, int64_t n_steps,
                                     lacus_error *err)
{
    if (!m) return lacus__fail(err, LACUS_ERR_ARG, "online readout is NULL");
    const int64_t F = m->p.n_features;
    if (n_steps < 0) return lacus__fail(err, LACUS_ERR_ARG, "n_steps = %lld: must be >= 0", (long long)n_steps);
    if (m->P) {
        if (!P) return lacus__fail(err, LACUS_ERR_ARG, "an RLS readout needs P");
        if (!isfinite(s) || s < 0.0)
            return lacus__fail(err, LACUS_ERR_ARG, "RLS bias count s = %g: must be finite and >= 0", s);
        /* A P that is not symmetric, or has a non-positive diagonal, cannot
         * come from the RLS recursion: refuse it rather than learn from it. */
        for (int64_t i = 0; i < F; i++) {
            if (!(P[i * F + i] > 0.0) || !isfinite(P[i * F + i]))
                return lacus__fail(err, LACUS_ERR_ARG, "P[%lld, %lld] = %g: the diagonal of P must "
                                   "be finite and > 0", (long long)i, (long long)i, P[i * F + i]);
            for (int64_t j = i + 1; j < F; j++)
                if (!isfinite(P[i * F + j]) || P[i * F + j] != P[j * F + i])
                    return lacus__fail(err, LACUS_ERR_ARG, "P[%lld, %lld] = %g, P[%lld, %lld] = %g: "
                                       "P must be finite and symmetric", (long long)i, (long long)j,
                                       P[i * F + j], (long long)j, (long long)i, P[j * F + i]);
        }
        for (int64_t i = 0; i < F; i++)
            for (int64_t j = 0; j < F; j++) m->P[i * F + j] = j >= i ? P[i * F + j] : 0.0;
        m->s = s;
    }
    m->n_steps = n_steps;
    return LACUS_OK;
}
