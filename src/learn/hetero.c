/* The local reservoir: one leaky tanh reservoir whose units are split into
 * populations, each with its own local learning rule (plain, self-predicting,
 * Forward-Forward, intrinsic plasticity). This file builds the handle: it
 * draws the weights through lacus_reservoir_create (so a plain population
 * is exactly an ESN with the same seed), copies them into mutable CSR
 * matrices the rules may change row by row, and sizes every per-unit
 * workspace up front. The step loop is in hetero_run.c; the equations are
 * in include/lacus/local_learning.h. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "learn/hetero.h"
#include "nodes/reservoir.h"

static const char *const rule_names[] = {"plain", "selfpred", "ff", "ip"};
static const char *const target_names[] = {"state", "drive", "input"};
static const char *const method_names[] = {"nlms", "rls"};

static lacus_status parse_name(const char *name, const char *const *names, int n, int *out,
                               const char *what, lacus_error *err)
{
    for (int i = 0; name && i < n; i++)
        if (!strcmp(name, names[i])) {
            *out = i;
            return LACUS_OK;
        }
    char list[128] = "";
    for (int i = 0; i < n; i++) {
        strcat(list, i ? ", " : "");
        strcat(list, names[i]);
    }
    return lacus__fail(err, LACUS_ERR_ARG, "%s '%s': unknown (one of %s)", what,
                       name ? name : "(null)", list);
}

const char *lacus_local_rule_name(lacus_local_rule r)
{
    return (unsigned)r < 4 ? rule_names[r] : NULL;
}
lacus_status lacus_local_rule_parse(const char *name, lacus_local_rule *out, lacus_error *err)
{
    int v = 0;
    lacus_status st = parse_name(name, rule_names, 4, &v, "rule", err);
    if (!st) *out = (lacus_local_rule)v;
    return st;
}
const char *lacus_sp_target_name(lacus_sp_target t)
{
    return (unsigned)t < 3 ? target_names[t] : NULL;
}
lacus_status lacus_sp_target_parse(const char *name, lacus_sp_target *out, lacus_error *err)
{
    int v = 0;
    lacus_status st = parse_name(name, target_names, 3, &v, "prediction target", err);
    if (!st) *out = (lacus_sp_target)v;
    return st;
}
const char *lacus_sp_method_name(lacus_sp_method m)
{
    return (unsigned)m < 2 ? method_names[m] : NULL;
}
lacus_status lacus_sp_method_parse(const char *name, lacus_sp_method *out, lacus_error *err)
{
    int v = 0;
    lacus_status st = parse_name(name, method_names, 2, &v, "predictor method", err);
    if (!st) *out = (lacus_sp_method)v;
    return st;
}

lacus_localres_params lacus_localres_params_default(void)
{
    lacus_localres_params p;
    memset(&p, 0, sizeof p);
    p.res = lacus_reservoir_params_default();
    p.n_pops = 1;
    p.pops[0].n_units = 0; /* all */
    p.pops[0].rule = LACUS_RULE_SELFPRED;
    p.sp_target = LACUS_SP_STATE;
    p.sp_method = LACUS_SP_NLMS;
    p.see_input = 1;
    p.mu = 0.5;
    p.delta = 1e-6;
    p.rls_alpha = 1.0;
    p.rls_lambda = 0.999;
    p.relax = 0.0;
    p.w_eta = 0.0;
    p.ff_eta = 1e-3;
    p.ff_theta = 0.25;
    p.ff_negatives = LACUS_FF_NEG_SHUFFLE;
    p.ff_goodness = LACUS_FF_GOOD_UNIT;
    p.ff_gen_mu = 0.5;
    p.ip_eta = 5e-4;
    p.ip_mu = 0.0;
    p.ip_sigma = 0.5;
    p.guard_ip = 0;
    p.monitor_rate = 0.01;
    p.quiet_var = 1e-6;
    p.max_norm = 1e4;
    return p;
}

#define FINITE_POS(v) (isfinite(v) && (v) > 0.0)

lacus_status lacus_localres_params_check(const lacus_localres_params *p, lacus_error *err)
{
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "local reservoir parameters are NULL");
    if (p->n_pops < 1 || p->n_pops > LACUS_LOCAL_MAX_POPS)
        return lacus__fail(err, LACUS_ERR_ARG, "n_pops = %d: must be in 1..%d", p->n_pops,
                           LACUS_LOCAL_MAX_POPS);
    int64_t total = 0;
    int uses_sp = 0, uses_ff = 0, uses_ip = p->guard_ip;
    for (int k = 0; k < p->n_pops; k++) {
        const lacus_local_pop *q = &p->pops[k];
        if ((unsigned)q->rule > LACUS_RULE_IP)
            return lacus__fail(err, LACUS_ERR_ARG, "pops[%d].rule = %d: unknown rule", k,
                               (int)q->rule);
        if (q->n_units < 0 || (q->n_units == 0 && !(k == 0 && p->n_pops == 1)))
            return lacus__fail(err, LACUS_ERR_ARG,
                               "pops[%d].n_units = %lld: must be >= 1 (0 = all units only for a "
                               "single population)", k, (long long)q->n_units);
        total += q->n_units;
        uses_sp |= q->rule == LACUS_RULE_SELFPRED;
        uses_ff |= q->rule == LACUS_RULE_FF;
        uses_ip |= q->rule == LACUS_RULE_IP;
    }
    if (total != 0 && total != p->res.n_units)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "populations cover %lld units but the reservoir has n_units = %lld",
                           (long long)total, (long long)p->res.n_units);
    lacus_status st = lacus_reservoir_params_check(&p->res, err);
    if (st) return st;
    if (p->res.activation != LACUS_ACT_TANH && (uses_sp || uses_ff || uses_ip))
        return lacus__fail(err, LACUS_ERR_ARG,
                           "activation = %s: the selfpred, ff and ip rules are written for tanh "
                           "units (their derivatives and IP target assume tanh)",
                           lacus_activation_name(p->res.activation));
    if (p->res.noise_rc != 0.0 || p->res.noise_in != 0.0)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "noise_rc = %g, noise_in = %g: local rules run without state noise",
                           p->res.noise_rc, p->res.noise_in);
    if ((unsigned)p->sp_target > LACUS_SP_INPUT)
        return lacus__fail(err, LACUS_ERR_ARG, "sp_target = %d: unknown", (int)p->sp_target);
    if ((unsigned)p->sp_method > LACUS_SP_RLS)
        return lacus__fail(err, LACUS_ERR_ARG, "sp_method = %d: unknown", (int)p->sp_method);
    if (!(p->mu > 0.0 && p->mu < 2.0))
        return lacus__fail(err, LACUS_ERR_ARG,
                           "mu = %g: the NLMS step must be in (0, 2) (NLMS diverges at 2 and above)",
                           p->mu);
    if (!FINITE_POS(p->delta))
        return lacus__fail(err, LACUS_ERR_ARG, "delta = %g: must be > 0", p->delta);
    if (!FINITE_POS(p->rls_alpha))
        return lacus__fail(err, LACUS_ERR_ARG, "rls_alpha = %g: must be > 0", p->rls_alpha);
    if (!(p->rls_lambda > 0.0 && p->rls_lambda <= 1.0))
        return lacus__fail(err, LACUS_ERR_ARG, "rls_lambda = %g: must be in (0, 1]", p->rls_lambda);
    if (!(p->relax >= 0.0 && p->relax < 1.0))
        return lacus__fail(err, LACUS_ERR_ARG, "relax = %g: must be in [0, 1)", p->relax);
    if (p->relax > 0.0 && p->sp_target != LACUS_SP_STATE)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "relax = %g with sp_target = %s: the inference step corrects the state, "
                           "so it needs sp_target = state", p->relax,
                           lacus_sp_target_name(p->sp_target));
    if (!(p->w_eta >= 0.0 && isfinite(p->w_eta)))
        return lacus__fail(err, LACUS_ERR_ARG, "w_eta = %g: must be >= 0", p->w_eta);
    if ((p->relax > 0.0 || p->w_eta > 0.0) && !uses_sp)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "relax/w_eta set but no population uses the selfpred rule");
    if (!FINITE_POS(p->ff_eta))
        return lacus__fail(err, LACUS_ERR_ARG, "ff_eta = %g: must be > 0", p->ff_eta);
    if (!(p->ff_theta > 0.0 && p->ff_theta < 1.0))
        return lacus__fail(err, LACUS_ERR_ARG,
                           "ff_theta = %g: the per-unit goodness tanh(h)^2 lies in [0, 1), so the "
                           "threshold must be in (0, 1)", p->ff_theta);
    if (!FINITE_POS(p->ip_eta))
        return lacus__fail(err, LACUS_ERR_ARG, "ip_eta = %g: must be > 0", p->ip_eta);
    if (!isfinite(p->ip_mu) || !FINITE_POS(p->ip_sigma))
        return lacus__fail(err, LACUS_ERR_ARG, "ip_mu = %g, ip_sigma = %g: need finite mu, sigma > 0",
                           p->ip_mu, p->ip_sigma);
    if (!(p->monitor_rate > 0.0 && p->monitor_rate <= 1.0))
        return lacus__fail(err, LACUS_ERR_ARG, "monitor_rate = %g: must be in (0, 1]",
                           p->monitor_rate);
    if (!(p->quiet_var >= 0.0 && isfinite(p->quiet_var)))
        return lacus__fail(err, LACUS_ERR_ARG, "quiet_var = %g: must be >= 0", p->quiet_var);
    if (!FINITE_POS(p->max_norm))
        return lacus__fail(err, LACUS_ERR_ARG, "max_norm = %g: must be > 0", p->max_norm);
    if (p->ff_negatives != LACUS_FF_NEG_SHUFFLE && p->ff_negatives != LACUS_FF_NEG_FREE)
        return lacus__fail(err, LACUS_ERR_ARG, "ff_negatives = %d: must be shuffle (0) or free (1)",
                           p->ff_negatives);
    if (p->ff_goodness != LACUS_FF_GOOD_UNIT && p->ff_goodness != LACUS_FF_GOOD_LAYER)
        return lacus__fail(err, LACUS_ERR_ARG, "ff_goodness = %d: must be unit (0) or layer (1)",
                           p->ff_goodness);
    if (!(p->ff_gen_mu > 0.0 && p->ff_gen_mu < 2.0))
        return lacus__fail(err, LACUS_ERR_ARG, "ff_gen_mu = %g: the NLMS step must be in (0, 2)",
                           p->ff_gen_mu);
    return LACUS_OK;
}

void lacus_localres_free(lacus_localres *m)
{
    if (!m) return;
    lacus__csr_free(&m->W);
    lacus__csr_free(&m->Win);
    void *bufs[] = {m->W0, m->bias, m->lr, m->rule, m->ip_on, m->g, m->c, m->th_off, m->K,
                    m->P_off, m->theta, m->z, m->Pz, m->P, m->sp_col, m->x, m->xprev,
                    m->xn, m->xnprev, m->pred, m->errv, m->ema_m, m->ema_v, m->perm, m->abs_acc, m->bad, m->hb, m->hnb, m->yb, m->ynb, m->zzb, m->th_n2, m->gen, m->gen_u};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) lacus__free(bufs[i]);
    lacus__free(m);
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

static lacus_status oom(lacus_localres *m, lacus_error *err)
{
    lacus_localres_free(m);
    return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for a local reservoir");
}

lacus_status lacus_localres_create(const lacus_localres_params *p, lacus_localres **out,
                                   lacus_error *err)
{
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "out is NULL");
    *out = NULL;
    lacus_status st = lacus_localres_params_check(p, err);
    if (st) return st;
    lacus_reservoir *res = NULL;
    if ((st = lacus_reservoir_create(&p->res, &res, err))) return st;
    lacus_localres *m = LACUS__ZNEW(lacus_localres, 1);
    if (!m) {
        lacus_reservoir_free(res);
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for a local reservoir");
    }
    m->p = *p;
    m->p.res.lr_per_unit = NULL;
    m->p.res.input_scaling_per_input = NULL;
    int64_t N = m->N = res->p.n_units, M = m->M = res->p.n_inputs;
    if (m->p.n_pops == 1) m->p.pops[0].n_units = N;
    int bad = csr_copy(&m->W, &res->W) || csr_copy(&m->Win, &res->Win);
    m->bias = LACUS__NEW(double, N);
    m->lr = LACUS__NEW(double, N);
    if (bad || !m->bias || !m->lr) {
        lacus_reservoir_free(res);
        return oom(m, err);
    }
    memcpy(m->bias, res->bias, (size_t)N * sizeof *m->bias);
    memcpy(m->lr, res->lr, (size_t)N * sizeof *m->lr);
    lacus_reservoir_free(res);

    m->W0 = LACUS__NEW(double, m->W.nnz > 0 ? m->W.nnz : 1);
    m->rule = LACUS__ZNEW(uint8_t, N);
    m->ip_on = LACUS__ZNEW(uint8_t, N);
    m->g = LACUS__NEW(double, N);
    m->c = LACUS__ZNEW(double, N);
    m->th_off = LACUS__NEW(int64_t, N);
    m->K = LACUS__ZNEW(int64_t, N);
    m->P_off = LACUS__NEW(int64_t, N);
    m->sp_col = LACUS__NEW(int64_t, N);
    m->x = LACUS__ZNEW(double, N);
    m->xprev = LACUS__ZNEW(double, N);
    m->xn = LACUS__ZNEW(double, N);
    m->xnprev = LACUS__ZNEW(double, N);
    m->pred = LACUS__ZNEW(double, N);
    m->errv = LACUS__ZNEW(double, N);
    m->ema_m = LACUS__ZNEW(double, N);
    m->ema_v = LACUS__ZNEW(double, N);
    m->abs_acc = LACUS__ZNEW(double, N);
    m->hb = LACUS__ZNEW(double, N);
    m->hnb = LACUS__ZNEW(double, N);
    m->yb = LACUS__ZNEW(double, N);
    m->ynb = LACUS__ZNEW(double, N);
    m->zzb = LACUS__ZNEW(double, N);
    m->th_n2 = LACUS__ZNEW(double, N);
    m->bad = LACUS__ZNEW(uint8_t, N);
    if (!m->W0 || !m->rule || !m->ip_on || !m->g || !m->c || !m->th_off || !m->K || !m->P_off ||
        !m->sp_col || !m->x || !m->xprev || !m->xn || !m->xnprev || !m->pred || !m->errv ||
        !m->ema_m || !m->ema_v || !m->abs_acc || !m->bad || !m->hb || !m->hnb || !m->yb || !m->ynb || !m->zzb || !m->th_n2)
        return oom(m, err);
    if (m->W.nnz > 0) memcpy(m->W0, m->W.values, (size_t)m->W.nnz * sizeof *m->W0);

    /* Rules per unit, and the predictor sizes K_i of the self-predicting
     * units: [1, x_i, fan-in, (u)]. */
    int64_t i0 = 0;
    for (int k = 0; k < m->p.n_pops; k++) {
        for (int64_t i = i0; i < i0 + m->p.pops[k].n_units; i++) m->rule[i] = (uint8_t)m->p.pops[k].rule;
        i0 += m->p.pops[k].n_units;
    }
    int with_u = m->p.see_input && m->p.sp_target != LACUS_SP_INPUT;
    for (int64_t i = 0; i < N; i++) {
        m->g[i] = 1.0;
        m->th_off[i] = m->P_off[i] = m->sp_col[i] = -1;
        uint8_t r = m->rule[i];
        m->ip_on[i] = r == LACUS_RULE_IP || (m->p.guard_ip && r != LACUS_RULE_PLAIN);
        m->has_ff |= r == LACUS_RULE_FF;
        m->n_ff += r == LACUS_RULE_FF;
        if (r != LACUS_RULE_SELFPRED) continue;
        int64_t Ki = 2 + (m->W.indptr[i + 1] - m->W.indptr[i]) + (with_u ? M : 0);
        m->K[i] = Ki;
        m->th_off[i] = m->sum_K;
        m->sp_col[i] = m->n_sp++;
        m->sum_K += Ki;
        if (m->p.sp_method == LACUS_SP_RLS) {
            m->P_off[i] = m->sum_K2;
            m->sum_K2 += Ki * Ki;
        }
    }
    if (m->sum_K > 0) {
        m->theta = LACUS__ZNEW(double, m->sum_K);
        m->z = LACUS__ZNEW(double, m->sum_K);
        m->Pz = LACUS__ZNEW(double, m->sum_K);
        if (!m->theta || !m->z || !m->Pz) return oom(m, err);
    }
    if (m->sum_K2 > 0) {
        m->P = LACUS__ZNEW(double, m->sum_K2);
        if (!m->P) return oom(m, err);
        for (int64_t i = 0; i < N; i++) {
            if (m->P_off[i] < 0) continue;
            double *Pi = m->P + m->P_off[i];
            for (int64_t a = 0; a < m->K[i]; a++) Pi[a * m->K[i] + a] = 1.0 / m->p.rls_alpha;
        }
    }
    if (m->has_ff && m->p.ff_negatives == LACUS_FF_NEG_FREE) {
        m->gen = LACUS__ZNEW(double, M * (N + 1));
        m->gen_u = LACUS__ZNEW(double, M);
        if (!m->gen || !m->gen_u) return oom(m, err);
    }
    *out = m;
    return LACUS_OK;
}

lacus_status lacus_localres_generator(const lacus_localres *m, double *G)
{
    if (!m || !G) return LACUS_ERR_ARG;
    if (!m->gen) return LACUS_ERR_ARG;
    memcpy(G, m->gen, (size_t)(m->M * (m->N + 1)) * sizeof *G);
    return LACUS_OK;
}

static lacus_status parse2(const char *name, const char *a, const char *b, const char *what, int *out,
                           lacus_error *err)
{
    if (name && !strcmp(name, a)) return *out = 0, LACUS_OK;
    if (name && !strcmp(name, b)) return *out = 1, LACUS_OK;
    return lacus__fail(err, LACUS_ERR_ARG, "%s \"%s\": must be %s or %s", what, name ? name : "(null)", a, b);
}

lacus_status lacus_ff_negatives_parse(const char *name, lacus_ff_negatives *out, lacus_error *err)
{
    int v = 0;
    lacus_status st = parse2(name, "shuffle", "free", "ff_negatives", &v, err);
    if (!st) *out = (lacus_ff_negatives)v;
    return st;
}

lacus_status lacus_ff_goodness_kind_parse(const char *name, lacus_ff_goodness_kind *out, lacus_error *err)
{
    int v = 0;
    lacus_status st = parse2(name, "unit", "layer", "ff_goodness", &v, err);
    if (!st) *out = (lacus_ff_goodness_kind)v;
    return st;
}

const char *lacus_localres_errmsg(const lacus_localres *m)
{
    return m ? m->err.msg : "NULL local reservoir";
}
int64_t lacus_localres_n_units(const lacus_localres *m) { return m ? m->N : 0; }
int64_t lacus_localres_n_inputs(const lacus_localres *m) { return m ? m->M : 0; }
lacus_local_rule lacus_localres_unit_rule(const lacus_localres *m, int64_t i)
{
    return (m && i >= 0 && i < m->N) ? (lacus_local_rule)m->rule[i] : LACUS_RULE_PLAIN;
}
int64_t lacus_localres_n_features(const lacus_localres *m, int with_pe)
{
    return m ? m->N + (with_pe ? 2 * m->n_sp : 0) : 0;
}

lacus_status lacus_localres_get_theta(const lacus_localres *m, int64_t i, double *theta, int64_t *k)
{
    if (!m) return LACUS_ERR_ARG;
    lacus_error *err = (lacus_error *)&m->err;
    if (i < 0 || i >= m->N)
        return lacus__fail(err, LACUS_ERR_ARG, "unit %lld: out of range 0..%lld", (long long)i,
                           (long long)m->N - 1);
    if (m->th_off[i] < 0)
        return lacus__fail(err, LACUS_ERR_ARG, "unit %lld has rule %s: it has no predictor",
                           (long long)i, lacus_local_rule_name((lacus_local_rule)m->rule[i]));
    if (k) *k = m->K[i];
    if (theta) memcpy(theta, m->theta + m->th_off[i], (size_t)m->K[i] * sizeof *theta);
    return LACUS_OK;
}

lacus_status lacus_localres_get_fan_in(const lacus_localres *m, int64_t i, int64_t *fan_in,
                                       int64_t *n_fan)
{
    if (!m) return LACUS_ERR_ARG;
    if (i < 0 || i >= m->N)
        return lacus__fail((lacus_error *)&m->err, LACUS_ERR_ARG, "unit %lld: out of range 0..%lld",
                           (long long)i, (long long)m->N - 1);
    int64_t a = m->W.indptr[i], b = m->W.indptr[i + 1];
    if (n_fan) *n_fan = b - a;
    if (fan_in)
        for (int64_t k = a; k < b; k++) fan_in[k - a] = m->W.indices[k];
    return LACUS_OK;
}

lacus_status lacus_localres_get_W(const lacus_localres *m, double *W)
{
    if (!m || !W) return LACUS_ERR_ARG;
    lacus__csr_to_dense(&m->W, W);
    return LACUS_OK;
}

lacus_status lacus_localres_stats_get(const lacus_localres *m, lacus_localres_stats *s)
{
    if (!m || !s) return LACUS_ERR_ARG;
    memset(s, 0, sizeof *s);
    s->n_learn_steps = m->n_learn_steps;
    s->min_var = INFINITY;
    for (int64_t i = 0; i < m->N; i++) {
        double v = m->ema_v[i];
        s->min_var = v < s->min_var ? v : s->min_var;
        s->mean_var += v / (double)m->N;
        s->n_quiet += v < m->p.quiet_var;
    }
    s->mean_abs_err = m->last_mean_abs_err;
    double d2 = 0.0, n2 = 0.0;
    for (int64_t k = 0; k < m->W.nnz; k++) {
        double d = m->W.values[k] - m->W0[k];
        d2 += d * d;
        n2 += m->W0[k] * m->W0[k];
    }
    s->w_rho_change = n2 > 0.0 ? sqrt(d2 / n2) : 0.0;
    int64_t np = m->sum_K;
    for (int64_t i = 0; i < m->N; i++) {
        int64_t fan = m->W.indptr[i + 1] - m->W.indptr[i];
        if (m->rule[i] == LACUS_RULE_FF)
            np += fan + (m->Win.indptr[i + 1] - m->Win.indptr[i]) + 1;
        if (m->rule[i] == LACUS_RULE_SELFPRED && m->p.w_eta > 0.0) np += fan;
        if (m->ip_on[i]) np += 2;
    }
    if (m->gen) np += m->M * (m->N + 1); /* the FREE negatives' generator */
    s->n_params = np;
    s->n_fixed = m->W.nnz + m->Win.nnz + m->N;
    for (int64_t i = 0; i < m->N; i++)
        if (m->rule[i] == LACUS_RULE_FF)
            s->n_fixed -= (m->W.indptr[i + 1] - m->W.indptr[i]) +
                          (m->Win.indptr[i + 1] - m->Win.indptr[i]) + 1;
        else if (m->rule[i] == LACUS_RULE_SELFPRED && m->p.w_eta > 0.0)
            s->n_fixed -= m->W.indptr[i + 1] - m->W.indptr[i];
    return LACUS_OK;
}
