/* Reservoir language model: token-driven reservoir, streaming ridge readout,
 * softmax temperature fitted on held-out tokens, scoring (generation:
 * rclm_gen.c). The equations are in lacus/lm.h. */
#include "lang/rclm.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "linalg/blas.h"
#include "nodes/activation.h"
#include "nodes/reservoir.h"
#include "nodes/ridge.h"

#define LM_MAX_CALIB 50000
#define LM_STREAM_EMB 101
#define LM_LN2 0.69314718055994530942

lacus_lm_params lacus_lm_params_default(void)
{
    lacus_lm_params p = {0};
    p.n_units = 1000;
    p.lr = 0.5;
    p.sr = 0.9;
    p.input_scaling = 0.5;
    p.input_connectivity = 1.0;
    p.rc_degree = 10;
    p.bias_scaling = 0.2;
    p.ridge = 1e-2;
    p.feed_token = 1;
    p.warmup = 50;
    p.chunk = 2048;
    p.seed = 42;
    p.gate_tokens = 24;
    p.gate_ridge = 1.0;
    return p;
}

lacus_status lacus_lm_params_check(const lacus_lm_params *p, lacus_error *err)
{
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "lm: params is NULL");
    if (p->vocab_size < 2 || p->vocab_size > (1 << 20))
        return lacus__fail(err, LACUS_ERR_ARG, "lm vocab_size = %lld: must be in [2, 2^20]",
                           (long long)p->vocab_size);
    if (p->n_units < 1 || p->n_units > 1000000)
        return lacus__fail(err, LACUS_ERR_ARG, "lm n_units = %lld: must be in [1, 10^6]", (long long)p->n_units);
    if (!(p->lr > 0 && p->lr <= 1)) return lacus__fail(err, LACUS_ERR_ARG, "lm lr = %g: must be in (0, 1]", p->lr);
    if (!(p->sr >= 0 && p->sr < 1e3)) return lacus__fail(err, LACUS_ERR_ARG, "lm sr = %g: must be in [0, 1000)", p->sr);
    if (!(p->input_scaling >= 0 && p->input_scaling < 1e6))
        return lacus__fail(err, LACUS_ERR_ARG, "lm input_scaling = %g: must be in [0, 1e6)", p->input_scaling);
    if (!(p->input_connectivity > 0 && p->input_connectivity <= 1))
        return lacus__fail(err, LACUS_ERR_ARG, "lm input_connectivity = %g: must be in (0, 1]",
                           p->input_connectivity);
    if (!(p->rc_degree >= 1 && p->rc_degree <= (double)p->n_units))
        return lacus__fail(err, LACUS_ERR_ARG, "lm rc_degree = %g: must be in [1, n_units = %lld]", p->rc_degree,
                           (long long)p->n_units);
    if (!(p->bias_scaling >= 0 && p->bias_scaling < 1e6))
        return lacus__fail(err, LACUS_ERR_ARG, "lm bias_scaling = %g: must be in [0, 1e6)", p->bias_scaling);
    if (!(p->ridge >= 0 && p->ridge < 1e12))
        return lacus__fail(err, LACUS_ERR_ARG, "lm ridge = %g: must be in [0, 1e12)", p->ridge);
    if (p->warmup < 0) return lacus__fail(err, LACUS_ERR_ARG, "lm warmup = %lld: must be >= 0", (long long)p->warmup);
    if (p->chunk < 1 || p->chunk > 1 << 20)
        return lacus__fail(err, LACUS_ERR_ARG, "lm chunk = %lld: must be in [1, 2^20]", (long long)p->chunk);
    if (p->gate_tokens < 0 || p->gate_tokens > p->vocab_size)
        return lacus__fail(err, LACUS_ERR_ARG, "lm gate_tokens = %lld: must be in [0, vocab_size = %lld]",
                           (long long)p->gate_tokens, (long long)p->vocab_size);
    if (!(p->gate_ridge > 0 && p->gate_ridge < 1e12))
        return lacus__fail(err, LACUS_ERR_ARG, "lm gate_ridge = %g: must be in (0, 1e12)", p->gate_ridge);
    return LACUS_OK;
}

lacus_lm_readout_params lacus_lm_readout_params_default(void)
{
    lacus_lm_readout_params r = {LACUS_LM_RIDGE, 1.0, 200000, 300, 1e-6};
    return r;
}

lacus_status lacus_lm_set_readout(lacus_lm *m, const lacus_lm_readout_params *rp)
{
    if (!m) return LACUS_ERR_ARG;
    lacus__clear(&m->err);
    if (!rp) return lacus__fail(&m->err, LACUS_ERR_ARG, "lm readout: params is NULL");
    if (rp->kind != LACUS_LM_RIDGE && rp->kind != LACUS_LM_LOGISTIC)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm readout kind = %d: must be LACUS_LM_RIDGE or LACUS_LM_LOGISTIC",
                           rp->kind);
    if (rp->kind == LACUS_LM_LOGISTIC) {
        if (m->p.gate_tokens)
            return lacus__fail(&m->err, LACUS_ERR_ARG,
                               "lm gate_tokens = %lld: the logistic readout has no gated readouts (set 0)",
                               (long long)m->p.gate_tokens);
        if (m->xp.pair_gates)
            return lacus__fail(&m->err, LACUS_ERR_ARG,
                               "lm pair_gates = %lld: the logistic readout has no gated readouts (set 0)",
                               (long long)m->xp.pair_gates);
        if (!(rp->l2 >= 0 && rp->l2 < 1e15))
            return lacus__fail(&m->err, LACUS_ERR_ARG, "lm logistic l2 = %g: must be in [0, 1e15)", rp->l2);
        if (rp->max_rows < 1)
            return lacus__fail(&m->err, LACUS_ERR_ARG, "lm logistic max_rows = %lld: must be >= 1", (long long)rp->max_rows);
        if (rp->iters < 1 || rp->iters > 1000000)
            return lacus__fail(&m->err, LACUS_ERR_ARG, "lm logistic iters = %lld: must be in [1, 10^6]", (long long)rp->iters);
        if (!(rp->tol > 0 && rp->tol < 1))
            return lacus__fail(&m->err, LACUS_ERR_ARG, "lm logistic tol = %g: must be in (0, 1)", rp->tol);
    }
    m->ro = *rp;
    m->trained = 0;
    return LACUS_OK;
}

const lacus_lm_readout_params *lacus_lm_readout_get(const lacus_lm *m) { return &m->ro; }

void lacus_lm_free(lacus_lm *m)
{
    if (!m) return;
    lacus_reservoir_free(m->res);
    lacus__free(m->emb);
    lacus__free(m->E);
    lacus__free(m->Wout);
    lacus__free(m->b);
    lacus__free(m->gate_tok), lacus__free(m->gate_of), lacus__free(m->Wg);
    lacus__free(m->Wf), lacus__free(m->Wgf);
    lacus__free(m->lrv), lacus__free(m->pair_key), lacus__free(m->Wp);
    lacus__free(m);
}

const char *lacus_lm_errmsg(const lacus_lm *m) { return m ? m->err.msg : "lm is NULL"; }
const lacus_lm_params *lacus_lm_params_get(const lacus_lm *m) { return &m->p; }
double lacus_lm_beta(const lacus_lm *m) { return m->beta; }
double lacus_lm_eps(const lacus_lm *m) { return m->eps; }
int64_t lacus_lm_n_trainable(const lacus_lm *m)
{
    const int64_t d = m->xp.pair_units ? m->xp.pair_units : m->p.n_units;
    return (m->F + 1) * m->p.vocab_size + m->n_gate * m->p.n_units * m->p.vocab_size +
           m->n_pair * d * m->p.vocab_size + 2;
}

lacus_status lacus__lm_build_emb(lacus_lm *m)
{
    const int64_t N = m->p.n_units, V = m->p.vocab_size;
    if (!m->E) {
        /* e[v] = column v of Win. */
        double *Win = LACUS__NEW(double, N * V);
        if (!Win) return lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm: out of memory for Win");
        lacus_reservoir_get_Win(m->res, Win);
        for (int64_t i = 0; i < N; i++)
            for (int64_t v = 0; v < V; v++) m->emb[v * N + i] = Win[i * V + v];
        lacus__free(Win);
        return LACUS_OK;
    }
    /* Win_d (N, d): Bernoulli +-input_scaling at input_connectivity, from
     * its own stream of the seed. */
    const int64_t d = m->d;
    double *Wd = LACUS__NEW(double, N * d);
    if (!Wd) return lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm: out of memory for the embedding projection");
    lacus__rng r;
    lacus__rng_stream(&r, m->p.seed, LM_STREAM_EMB, 0);
    for (int64_t k = 0; k < N * d; k++) {
        double keep = lacus__rng_uniform(&r) < m->p.input_connectivity;
        Wd[k] = keep ? (lacus__rng_uniform(&r) < 0.5 ? -1.0 : 1.0) * m->p.input_scaling : 0.0;
    }
    /* emb (V, N) = E (V, d) Wd^T */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)V, (int)N, (int)d, 1.0, m->E, (int)d, Wd,
                (int)d, 0.0, m->emb, (int)N);
    lacus__free(Wd);
    return LACUS_OK;
}

lacus_status lacus_lm_create(const lacus_lm_params *p, lacus_lm **out, lacus_error *err)
{
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "lm: out is NULL");
    *out = NULL;
    lacus_status s = lacus_lm_params_check(p, err);
    if (s) return s;
    lacus_lm *m = lacus__calloc(1, sizeof *m);
    if (!m) return lacus__fail(err, LACUS_ERR_NOMEM, "lm: out of memory");
    m->p = *p;
    m->ro = lacus_lm_readout_params_default();
    m->xp = lacus_lm_ext_params_default();
    m->beta = 1.0;
    m->eps = 1e-3;
    const int64_t N = p->n_units, V = p->vocab_size;
    m->F = N + (p->feed_token ? V : 0);
    lacus_reservoir_params rp = lacus_reservoir_params_default();
    rp.n_units = N;
    rp.n_inputs = V;
    rp.lr = p->lr;
    rp.sr = p->sr;
    rp.input_scaling = p->input_scaling;
    rp.input_connectivity = p->input_connectivity;
    rp.rc_connectivity = fmin(1.0, p->rc_degree / (double)N);
    rp.bias_scaling = p->bias_scaling;
    rp.W_init = LACUS_INIT_NORMAL;
    rp.Win_init = LACUS_INIT_BERNOULLI;
    rp.bias_init = LACUS_INIT_UNIFORM;
    rp.seed = p->seed;
    s = lacus_reservoir_create(&rp, &m->res, err);
    if (s) {
        lacus__prefix(err, "lm reservoir: ");
        lacus_lm_free(m);
        return s;
    }
    m->emb = LACUS__NEW(double, V * N);
    m->Wout = LACUS__ZNEW(double, m->F * V);
    m->b = LACUS__ZNEW(double, V);
    if (!m->emb || !m->Wout || !m->b) {
        lacus_lm_free(m);
        return lacus__fail(err, LACUS_ERR_NOMEM, "lm: out of memory for N = %lld, V = %lld", (long long)N,
                           (long long)V);
    }
    if ((s = lacus__gate_alloc(m, 0)) || (s = lacus__lm_build_emb(m))) {
        if (err) *err = m->err;
        lacus_lm_free(m);
        return s;
    }
    *out = m;
    return LACUS_OK;
}

lacus_status lacus_lm_set_embedding(lacus_lm *m, const double *E, int64_t d)
{
    if (!m) return LACUS_ERR_ARG;
    const int64_t V = m->p.vocab_size;
    if (!E || d < 1 || d > 100000)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm embedding: d = %lld must be in [1, 10^5]", (long long)d);
    lacus_status s = lacus__check_finite(&m->err, "embedding", E, V, d, d);
    if (s) return s;
    double *c = LACUS__NEW(double, V * d);
    if (!c) return lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm embedding: out of memory");
    memcpy(c, E, (size_t)(V * d) * sizeof *c);
    lacus__free(m->E);
    m->E = c;
    m->d = d;
    m->trained = 0;
    return lacus__lm_build_emb(m);
}

void lacus__lm_preact(const lacus_lm *m, const double *x, int32_t tok, double *tmp)
{
    const lacus_reservoir *r = m->res;
    const int64_t N = m->p.n_units;
    const double *e = m->emb + (int64_t)tok * N, *bias = r->bias;
    /* lacus__csr_matvec_rows with the input drive added in the same pass:
     * the same operations in the same order (bits unchanged), one pass
     * over tmp fewer. */
    const int64_t *p = r->W.indptr;
    const int32_t *ix = r->W.indices;
    const double *w = r->W.values;
    for (int64_t i = 0; i < N; i++) {
        double sum = 0.0;
        for (int64_t k = p[i]; k < p[i + 1]; k++) sum += w[k] * x[ix[k]];
        tmp[i] = sum + (e[i] + bias[i]);
    }
    lacus__activate(LACUS_ACT_TANH, tmp, tmp, N);
}

void lacus__lm_step(const lacus_lm *m, double *x, int32_t tok, double *tmp)
{
    const double lr = m->p.lr;
    lacus__lm_preact(m, x, tok, tmp);
    if (m->lrv) { /* slow units: per-unit leak rates */
        for (int64_t i = 0; i < m->p.n_units; i++) x[i] = (1.0 - m->lrv[i]) * x[i] + m->lrv[i] * tmp[i];
        return;
    }
    for (int64_t i = 0; i < m->p.n_units; i++) x[i] = (1.0 - lr) * x[i] + lr * tmp[i];
}

lacus_status lacus__lm_check_ids(lacus_lm *m, const int32_t *ids, int64_t n, const char *what)
{
    for (int64_t i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= m->p.vocab_size)
            return lacus__fail(&m->err, LACUS_ERR_ARG, "lm %s: ids[%lld] = %d not in [0, %lld)", what, (long long)i,
                               (int)ids[i], (long long)m->p.vocab_size);
    return LACUS_OK;
}

void lacus__lm_chunk_scores(const lacus_lm *m, const double *Fx, const int32_t *prev, const int32_t *tok,
                            int64_t rows, double *S)
{
    const int64_t V = m->p.vocab_size;
    if (rows < 1) return;
    for (int64_t t = 0; t < rows; t++) memcpy(S + t * V, m->b, (size_t)V * sizeof *S);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)V, (int)m->F, 1.0, Fx, (int)m->F,
                m->Wout, (int)V, 1.0, S, (int)V);
    lacus__gate_scores(m, Fx, m->F, tok, rows, S);
    if (m->n_pair)
        for (int64_t t = 0; t < rows; t++) lacus__pair_score(m, Fx + t * m->F, prev[t], tok[t], S + t * V);
}

void lacus__lm_features(const lacus_lm *m, const double *x, int32_t tok, double *f)
{
    const int64_t N = m->p.n_units;
    memcpy(f, x, (size_t)N * sizeof *f);
    if (m->p.feed_token) {
        memset(f + N, 0, (size_t)m->p.vocab_size * sizeof *f);
        f[N + tok] = 1.0;
    }
}

/* log sum_v exp(beta s_v) and, optionally, the mean and variance of s under
 * softmax(beta s). */
static double lse(const double *s, int64_t V, double beta, double *mean, double *var)
{
    double mx = -INFINITY;
    for (int64_t v = 0; v < V; v++) mx = fmax(mx, beta * s[v]);
    double z = 0, m1 = 0, m2 = 0;
    for (int64_t v = 0; v < V; v++) {
        double e = exp(beta * s[v] - mx);
        z += e;
        m1 += e * s[v];
        m2 += e * s[v] * s[v];
    }
    if (mean) {
        *mean = m1 / z;
        *var = fmax(m2 / z - *mean * *mean, 0.0);
    }
    return mx + log(z);
}

/* Logits from ridge scores: log(max(s, eps)). Ridge on one-hot targets
 * estimates probabilities linearly (Bishop 2006, 4.1.3), so the log of the
 * clipped score is the natural logit; eps and beta are fitted on held-out
 * tokens. */
static void to_logits(double *S, int64_t n, double eps)
{
    if (eps <= 0) return; /* logistic readout: the scores are the logits */
    for (int64_t i = 0; i < n; i++) S[i] = log(fmax(S[i], eps));
}

/* Inverse temperature: minimise mean_t [lse(beta s_t) - beta s_t[y_t]]. The
 * objective is convex in beta (a log-sum-exp of linear functions), its
 * derivative is E_p[s] - s_y and its second derivative Var_p[s]; Newton
 * steps are halved until the objective decreases. */
static double fit_beta(const double *S, const int32_t *y, int64_t n, int64_t V, double *nll)
{
    double beta = 1.0;
    double f = 0;
    for (int64_t t = 0; t < n; t++) f += lse(S + t * V, V, beta, NULL, NULL) - beta * S[t * V + y[t]];
    for (int it = 0; it < 100; it++) {
        double g = 0, h = 0;
        for (int64_t t = 0; t < n; t++) {
            double mu, var;
            lse(S + t * V, V, beta, &mu, &var);
            g += mu - S[t * V + y[t]];
            h += var;
        }
        double step = h > 0 ? -g / h : -g;
        if (fabs(g) < 1e-10 * n) break;
        int ok = 0;
        for (int ls = 0; ls < 60; ls++, step *= 0.5) {
            double nb = beta + step;
            if (nb <= 0) continue;
            double nf = 0;
            for (int64_t t = 0; t < n; t++) nf += lse(S + t * V, V, nb, NULL, NULL) - nb * S[t * V + y[t]];
            if (nf <= f) {
                ok = fabs(nf - f) > 1e-12 * fabs(f);
                beta = nb, f = nf;
                break;
            }
        }
        if (!ok) break;
    }
    *nll = f;
    return beta;
}

/* Scores of the calibration tokens: the state x (left as the training pass
 * leaves it) runs on through ids[n_train - 1 ..], up to nc rows of S (nc,
 * V) with their next tokens yc; returns the rows written. x is advanced. */
static int64_t calib_scores(const lacus_lm *m, const int32_t *ids, int64_t n, int64_t n_train, int64_t nc, double *x,
                            double *tmp, double *Fx, int32_t *tc, int32_t *yc, double *S)
{
    int32_t *pv = tc + m->p.chunk; /* tc has 2 chunk entries: current and previous tokens */
    const int64_t F = m->F, V = m->p.vocab_size, C = m->p.chunk;
    int64_t k = 0;
    int saved = lacus__blas_serial_begin();
    for (int64_t t = n_train - 1; t + 1 < n && k < nc;) {
        int64_t r = 0;
        for (; r < C && t + 1 < n && k + r < nc; r++, t++) {
            lacus__lm_step(m, x, ids[t], tmp);
            lacus__lm_features(m, x, ids[t], Fx + r * F);
            yc[k + r] = ids[t + 1];
            tc[r] = ids[t];
            pv[r] = t > 0 ? ids[t - 1] : -1;
        }
        lacus__lm_chunk_scores(m, Fx, pv, tc, r, S + k * V);
        k += r;
    }
    lacus__blas_serial_end(saved);
    return k;
}

/* eps on a log grid (1e-6 .. 1e-2, half decades; 0 for the logistic
 * readout, whose scores are logits) and beta by Newton for each, on the k
 * rows of S; the best pair goes to *eps, *beta and its mean nll (nats) to
 * *nll. L (k, V) is scratch. */
static void fit_calibration(const lacus_lm *m, const double *S, const int32_t *yc, int64_t k, double *L, double *eps,
                            double *beta, double *nll)
{
    const int64_t V = m->p.vocab_size;
    *beta = 1.0, *eps = m->ro.kind == LACUS_LM_LOGISTIC ? 0 : 1e-3, *nll = INFINITY;
    for (int g = 0; g < 9 && k > 0; g++) {
        if (m->ro.kind == LACUS_LM_LOGISTIC && g) break;
        double e = m->ro.kind == LACUS_LM_LOGISTIC ? 0 : pow(10.0, -6.0 + 0.5 * g), f;
        memcpy(L, S, (size_t)(k * V) * sizeof *L);
        to_logits(L, k * V, e);
        double b = fit_beta(L, yc, k, V, &f);
        if (f < *nll) *nll = f, *beta = b, *eps = e;
    }
    if (k > 0) *nll /= (double)k;
}

/* Mean -log2 p of the k rows of S under (eps, beta); S is overwritten. */
static double calib_bits(double *S, const int32_t *yc, int64_t k, int64_t V, double eps, double beta)
{
    to_logits(S, k * V, eps);
    double t = 0;
    for (int64_t r = 0; r < k; r++) t += lse(S + r * V, V, beta, NULL, NULL) - beta * S[r * V + yc[r]];
    return k > 0 ? t / (double)k / LM_LN2 : NAN;
}

/* The ridge grid search of lacus_lm_fit_select: for every ridge, solve,
 * fit eps and beta on the first half of the calibration tokens, and score
 * the second half. The state x0 after training is not changed. On return
 * m->p.ridge is the winner and rd holds its solution. */
static lacus_status select_ridge(lacus_lm *m, lacus_ridge *rd, const int32_t *ids, int64_t n, int64_t n_train,
                                 int64_t nc, const double *x0, const double *ridges, int64_t n_ridges,
                                 double *val_bits, double *tmp, double *Fx, int32_t *tc)
{
    const int64_t N = m->p.n_units, V = m->p.vocab_size, F = m->F;
    double *x = LACUS__NEW(double, N), *S = LACUS__NEW(double, nc * V), *L = LACUS__NEW(double, nc * V);
    /* The winner's weights are kept rather than solved for again: at large
     * N a solve (F^3 / 3) is most of a sweep cell's time. The bits are the
     * same (the solve restores the Gram matrix it factors). */
    double *Wb = LACUS__NEW(double, F * V), *bb = LACUS__NEW(double, V);
    int32_t *yc = LACUS__NEW(int32_t, nc);
    lacus_status s = LACUS_OK;
    if (!x || !S || !L || !yc || !Wb || !bb) {
        s = lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm fit: out of memory for the ridge selection");
        goto done;
    }
    double best = INFINITY, chosen = ridges[0];
    for (int64_t j = 0; j < n_ridges; j++) {
        rd->p.ridge = ridges[j];
        if ((s = lacus_ridge_solve(rd))) {
            lacus__fail(&m->err, s, "lm fit: ridge = %g: %s", ridges[j], lacus_ridge_errmsg(rd));
            goto done;
        }
        lacus_ridge_get_weights(rd, m->Wout, m->b);
        memcpy(x, x0, (size_t)N * sizeof *x);
        int64_t k = calib_scores(m, ids, n, n_train, nc, x, tmp, Fx, tc, yc, S);
        int64_t h = k / 2;
        double eps, beta, nll;
        fit_calibration(m, S, yc, h, L, &eps, &beta, &nll);
        double b = calib_bits(S + h * V, yc + h, k - h, V, eps, beta);
        if (val_bits) val_bits[j] = b;
        if (b < best) {
            best = b, chosen = ridges[j];
            memcpy(Wb, m->Wout, (size_t)(F * V) * sizeof *Wb), memcpy(bb, m->b, (size_t)V * sizeof *bb);
        }
    }
    if (!(best < INFINITY)) { /* every ridge's bits were NaN: the first, as before */
        rd->p.ridge = chosen;
        if ((s = lacus_ridge_solve(rd))) {
            lacus__fail(&m->err, s, "lm fit: %s", lacus_ridge_errmsg(rd));
            goto done;
        }
        lacus_ridge_get_weights(rd, Wb, bb);
    }
    m->p.ridge = rd->p.ridge = chosen;
    if ((s = lacus_ridge_set_weights(rd, Wb, bb))) lacus__fail(&m->err, s, "lm fit: %s", lacus_ridge_errmsg(rd));
done:
    lacus__free(x), lacus__free(S), lacus__free(L), lacus__free(yc), lacus__free(Wb), lacus__free(bb);
    return s;
}

static lacus_status fit_impl(lacus_lm *m, const int32_t *ids, int64_t n, int64_t n_calib, const double *ridges,
                             int64_t n_ridges, double *val_bits, lacus_lm_progress progress, void *user)
{
    const int64_t N = m->p.n_units, V = m->p.vocab_size, F = m->F, C = m->p.chunk;
    if (!ids || n_calib < 1 || n - n_calib < m->p.warmup + 2)
        return lacus__fail(&m->err, LACUS_ERR_ARG,
                           "lm fit: %lld tokens with n_calib = %lld leave too few to train (need n_calib >= 1 "
                           "and more than warmup + 2 = %lld training tokens)",
                           (long long)n, (long long)n_calib, (long long)(m->p.warmup + 2));
    lacus_status s = lacus__lm_check_ids(m, ids, n, "fit");
    if (s) return s;
    const int64_t n_train = n - n_calib;
    lacus_ridge_params rp = lacus_ridge_params_default();
    rp.n_features = F;
    rp.n_outputs = V;
    rp.ridge = m->p.ridge;
    lacus_ridge *rd = NULL;
    double *x = LACUS__ZNEW(double, N), *tmp = LACUS__NEW(double, N), *x0 = NULL;
    double *Fx = LACUS__NEW(double, C * F), *Y = LACUS__ZNEW(double, C * V);
    int64_t nc = n_calib < LM_MAX_CALIB ? n_calib : LM_MAX_CALIB;
    double *S = NULL;
    int32_t *yc = NULL, *tc = NULL;
    lacus__gate_acc *ga = NULL;
    if (!x || !tmp || !Fx || !Y) goto nomem;
    /* A refit starts without the previous fit's pair readouts: the ridge
     * selection and the pair pass score with the new readouts only. */
    lacus__pair_alloc(m, 0);
    if (m->ro.kind == LACUS_LM_LOGISTIC) {
        /* x is left as the ridge loop leaves it, for the calibration. */
        if ((s = lacus__lm_fit_logistic(m, ids, n_train, x, tmp))) goto done;
        goto calibrate;
    }
    if ((s = lacus_ridge_create(&rp, &rd, &m->err))) goto done;
    if ((s = lacus__gate_begin(m, ids, n_train, &ga))) goto done;
    /* Training: the state after token t predicts token t + 1. */
    int64_t rows = 0;
    for (int64_t t = 0; t + 1 < n_train; t++) {
        lacus__lm_step(m, x, ids[t], tmp);
        if (t < m->p.warmup) continue;
        lacus__lm_features(m, x, ids[t], Fx + rows * F);
        Y[rows * V + ids[t + 1]] = 1.0;
        lacus__gate_add(ga, m, x, ids[t], ids[t + 1]);
        if (++rows == C || t + 2 == n_train) {
            if ((s = lacus_ridge_partial_fit(rd, Fx, F, Y, V, rows))) {
                lacus__fail(&m->err, s, "lm fit: %s", lacus_ridge_errmsg(rd));
                goto done;
            }
            memset(Y, 0, (size_t)(rows * V) * sizeof *Y);
            rows = 0;
            if (progress) progress(0.95 * (double)t / (double)n_train, user);
        }
    }
    if (n_ridges > 1) {
        tc = LACUS__NEW(int32_t, 2 * C);
        x0 = LACUS__NEW(double, N);
        if (!tc || !x0) goto nomem;
        memcpy(x0, x, (size_t)N * sizeof *x0);
        if ((s = select_ridge(m, rd, ids, n, n_train, nc, x0, ridges, n_ridges, val_bits, tmp, Fx, tc))) goto done;
    } else {
        rd->p.ridge = m->p.ridge = ridges[0];
        if ((s = lacus_ridge_solve(rd))) {
            lacus__fail(&m->err, s, "lm fit: %s", lacus_ridge_errmsg(rd));
            goto done;
        }
    }
    lacus_ridge_get_weights(rd, m->Wout, m->b);
    s = lacus__gate_finish(ga, m);
    ga = NULL;
    if (s) goto done;
    /* The pair gates, on the residual of the readouts just solved: a
     * second pass over the training tokens, from the zero state. x, the
     * state after the first pass, is what the calibration runs on from. */
    if ((s = lacus__pair_fit(m, ids, n_train, progress, user))) goto done;
calibrate:
    /* Calibration: scores of the held-out tokens, then eps and beta. */
    S = LACUS__NEW(double, nc * V);
    yc = LACUS__NEW(int32_t, nc);
    if (!tc) tc = LACUS__NEW(int32_t, 2 * C);
    if (!S || !yc || !tc) goto nomem;
    int64_t k = calib_scores(m, ids, n, n_train, nc, x, tmp, Fx, tc, yc, S);
    double *L = LACUS__NEW(double, k * V);
    if (!L) goto nomem;
    double nll;
    fit_calibration(m, S, yc, k, L, &m->eps, &m->beta, &nll);
    lacus__free(L);
    if ((s = lacus__lm_make_f32(m))) goto done;
    m->trained = 1;
    if (progress) progress(1.0, user);
    goto done;
nomem:
    s = lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm fit: out of memory (N = %lld, V = %lld, chunk = %lld)",
                    (long long)N, (long long)V, (long long)C);
done:
    lacus_ridge_free(rd);
    lacus__gate_free(ga);
    lacus__free(x), lacus__free(x0), lacus__free(tmp), lacus__free(Fx), lacus__free(Y), lacus__free(S);
    lacus__free(yc), lacus__free(tc);
    return s;
}

lacus_status lacus_lm_fit(lacus_lm *m, const int32_t *ids, int64_t n, int64_t n_calib,
                          lacus_lm_progress progress, void *user)
{
    if (!m) return LACUS_ERR_ARG;
    lacus__clear(&m->err);
    double r = m->p.ridge;
    return fit_impl(m, ids, n, n_calib, &r, 1, NULL, progress, user);
}

lacus_status lacus_lm_fit_select(lacus_lm *m, const int32_t *ids, int64_t n, int64_t n_calib, const double *ridges,
                                 int64_t n_ridges, double *val_bits, lacus_lm_progress progress, void *user)
{
    if (!m) return LACUS_ERR_ARG;
    lacus__clear(&m->err);
    if (!ridges || n_ridges < 1 || n_ridges > 64)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm fit select: need 1 to 64 ridge values (got %lld)",
                           (long long)n_ridges);
    for (int64_t j = 0; j < n_ridges; j++)
        if (!(ridges[j] >= 0 && ridges[j] < 1e12))
            return lacus__fail(&m->err, LACUS_ERR_ARG, "lm fit select: ridge[%lld] = %g: must be in [0, 1e12)",
                               (long long)j, ridges[j]);
    if (m->ro.kind != LACUS_LM_RIDGE)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm fit select: the ridge grid needs the ridge readout");
    if (n_ridges > 1 && n_calib < 4)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm fit select: n_calib = %lld: need >= 4 held-out tokens to "
                           "split", (long long)n_calib);
    return fit_impl(m, ids, n, n_calib, ridges, n_ridges, val_bits, progress, user);
}

lacus_status lacus_lm_score(lacus_lm *m, const int32_t *ids, int64_t n, int64_t start, double *bits)
{
    if (!m) return LACUS_ERR_ARG;
    lacus__clear(&m->err);
    if (!ids || !bits || start < 1 || start > n)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm score: start = %lld must be in [1, n = %lld]",
                           (long long)start, (long long)n);
    if (!m->trained) return lacus__fail(&m->err, LACUS_ERR_STATE, "lm score: the model is not trained");
    lacus_status s = lacus__lm_check_ids(m, ids, n, "score");
    if (s) return s;
    const int64_t N = m->p.n_units, V = m->p.vocab_size, F = m->F, C = 512;
    double *x = LACUS__ZNEW(double, N), *tmp = LACUS__NEW(double, N);
    double *Fx = LACUS__NEW(double, C * F), *S = LACUS__NEW(double, C * V);
    int32_t *y = LACUS__NEW(int32_t, C), *tc = LACUS__NEW(int32_t, C), *pv = LACUS__NEW(int32_t, C);
    double total = 0;
    if (!x || !tmp || !Fx || !S || !y || !tc || !pv) {
        s = lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm score: out of memory");
        goto done;
    }
    /* One thread for the small per-chunk and per-row BLAS calls: OpenMP
     * BLAS would pay a team barrier per call, milliseconds each when the
     * machine is loaded. */
    int saved = lacus__blas_serial_begin();
    int64_t t = 0;
    for (; t < start - 1; t++) lacus__lm_step(m, x, ids[t], tmp);
    while (t + 1 < n) {
        int64_t r = 0;
        for (; r < C && t + 1 < n; r++, t++) {
            lacus__lm_step(m, x, ids[t], tmp);
            lacus__lm_features(m, x, ids[t], Fx + r * F);
            y[r] = ids[t + 1];
            tc[r] = ids[t];
            pv[r] = t > 0 ? ids[t - 1] : -1;
        }
        lacus__lm_chunk_scores(m, Fx, pv, tc, r, S);
        to_logits(S, r * V, m->eps);
        for (int64_t q = 0; q < r; q++)
            total += (lse(S + q * V, V, m->beta, NULL, NULL) - m->beta * S[q * V + y[q]]) / LM_LN2;
    }
    lacus__blas_serial_end(saved);
    *bits = total;
done:
    lacus__free(x), lacus__free(tmp), lacus__free(Fx), lacus__free(S), lacus__free(y), lacus__free(tc);
    lacus__free(pv);
    return s;
}

/* probs (V) = softmax(beta log max(s, eps) / temperature) from scores s (in place). */
void lacus__lm_scores_to_probs(const lacus_lm *m, double temperature, double *probs)
{
    const int64_t V = m->p.vocab_size;
    double bt = m->beta / temperature, mx = -INFINITY, z = 0;
    to_logits(probs, V, m->eps);
    for (int64_t v = 0; v < V; v++) mx = fmax(mx, bt * probs[v]);
    for (int64_t v = 0; v < V; v++) z += probs[v] = exp(bt * probs[v] - mx);
    for (int64_t v = 0; v < V; v++) probs[v] /= z;
}

/* probs (V) = softmax(beta s / temperature) for state x after token tok
 * (after prev, or -1). */
static void next_probs(const lacus_lm *m, const double *x, int32_t prev, int32_t tok, double temperature,
                       double *probs)
{
    const int64_t N = m->p.n_units, V = m->p.vocab_size;
    memcpy(probs, m->b, (size_t)V * sizeof *probs);
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)N, (int)V, 1.0, m->Wout, (int)V, x, 1, 1.0, probs, 1);
    if (m->p.feed_token)
        for (int64_t v = 0; v < V; v++) probs[v] += m->Wout[(N + tok) * V + v];
    if (m->n_gate && m->gate_of[tok] >= 0)
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)N, (int)V, 1.0, m->Wg + (int64_t)m->gate_of[tok] * N * V, (int)V, x,
                    1, 1.0, probs, 1);
    lacus__pair_score(m, x, prev, tok, probs);
    lacus__lm_scores_to_probs(m, temperature, probs);
}

void lacus__lm_next_probs(const lacus_lm *m, const double *x, int32_t prev, int32_t tok, double *probs)
{
    next_probs(m, x, prev, tok, 1.0, probs);
}

lacus_status lacus_lm_probs(lacus_lm *m, const int32_t *ids, int64_t n, double *probs)
{
    if (!m) return LACUS_ERR_ARG;
    lacus__clear(&m->err);
    if (!ids || n < 1 || !probs) return lacus__fail(&m->err, LACUS_ERR_ARG, "lm probs: need n >= 1 context tokens");
    if (!m->trained) return lacus__fail(&m->err, LACUS_ERR_STATE, "lm probs: the model is not trained");
    lacus_status s = lacus__lm_check_ids(m, ids, n, "probs");
    if (s) return s;
    double *x = LACUS__ZNEW(double, m->p.n_units), *tmp = LACUS__NEW(double, m->p.n_units);
    if (!x || !tmp) s = lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm probs: out of memory");
    else {
        int saved = lacus__blas_serial_begin();
        for (int64_t t = 0; t < n; t++) lacus__lm_step(m, x, ids[t], tmp);
        next_probs(m, x, n > 1 ? ids[n - 2] : -1, ids[n - 1], 1.0, probs);
        lacus__blas_serial_end(saved);
    }
    lacus__free(x), lacus__free(tmp);
    return s;
}
