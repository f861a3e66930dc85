/* The step loop of the local reservoir (equations in
 * include/lacus/local_learning.h). Every unit is processed by one thread,
 * reads only x(t-1) (and the negative copy xn(t-1)), its own rows of W and
 * Win, its own predictor and running statistics, and writes only its own
 * row, predictor and state, so the units of a step are split across OpenMP
 * threads with a static schedule and the numbers do not depend on the thread
 * count. A divergence is reduced to the smallest failing unit index, which
 * is also thread-count independent. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "learn/ff_unit.h"
#include "learn/hetero.h"
#include "learn/selfpred_unit.h"
#include "nodes/activation.h"
#include "nodes/reservoir.h"

#ifdef _OPENMP
#include <omp.h>
#endif

enum { BAD_NONE = 0, BAD_THETA, BAD_WROW, BAD_FF, BAD_IP };

/* Where the caller wants the rows: states (ld_s) and, for p and e, either
 * one column per unit (compact = 0, ld_p) or one per self-predicting unit
 * (compact = 1). NULL pointers are skipped. */
typedef struct out_rows {
    double *states, *pred, *errs, *neg;
    int64_t ld_s, ld_p, ld_e;
    int compact;
} out_rows;

#define STREAM_NEG 77

/* Drives of units [i0, i1) from x(t-1) (and the negative copy), then the
 * activations of the range at once (vectorised tanh, the same numbers
 * whatever the range: lacus__activate computes every value alike). */
static void drive_range(lacus_localres *m, int64_t i0, int64_t i1, const double *xp,
                        const double *xnp, const double *u, const double *un, int neg)
{
    const lacus__csr *W = &m->W, *Win = &m->Win;
    for (int64_t i = i0; i < i1; i++) {
        int64_t a = W->indptr[i], b = W->indptr[i + 1];
        int64_t ai = Win->indptr[i], bi = Win->indptr[i + 1];
        double h = m->bias[i];
        if (m->th_off[i] >= 0) {
            /* a self-predicting unit: build z, p = theta.z and z.z in the
             * same pass over its fan-in that computes the drive */
            int64_t K = m->K[i];
            double *z = m->z + m->th_off[i];
            const double *th = m->theta + m->th_off[i];
            double xi = xp[i], pr = th[0] + th[1] * xi, zz = 1.0 + xi * xi;
            z[0] = 1.0, z[1] = xi;
            double *zf = z + 2;
            const double *tf = th + 2;
            const int32_t *ix = W->indices + a;
            const double *wv = W->values + a;
            for (int64_t k = 0; k < b - a; k++) {
                double xj = xp[ix[k]];
                h += wv[k] * xj;
                zf[k] = xj;
                pr += tf[k] * xj;
                zz += xj * xj;
            }
            for (int64_t q = 2 + b - a; q < K; q++) {
                double v = u[q - (K - m->M)];
                z[q] = v, pr += th[q] * v, zz += v * v;
            }
            m->pred[i] = pr;
            m->zzb[i] = zz;
        } else {
            for (int64_t k = a; k < b; k++) h += W->values[k] * xp[W->indices[k]];
        }
        for (int64_t k = ai; k < bi; k++) h += Win->values[k] * u[Win->indices[k]];
        m->hb[i] = h;
        m->yb[i] = m->g[i] * h + m->c[i];
        if (neg) {
            double hn = m->bias[i];
            for (int64_t k = a; k < b; k++) hn += W->values[k] * xnp[W->indices[k]];
            for (int64_t k = ai; k < bi; k++) hn += Win->values[k] * un[Win->indices[k]];
            m->hnb[i] = hn;
            m->ynb[i] = m->g[i] * hn + m->c[i];
        }
    }
    lacus__activate(LACUS_ACT_TANH, m->yb + i0, m->yb + i0, i1 - i0);
    if (neg) lacus__activate(LACUS_ACT_TANH, m->ynb + i0, m->ynb + i0, i1 - i0);
}

/* One unit's state and rule, once its drive is known. Returns BAD_*
 * (nothing of the failing rule applied). */
static int unit_step(lacus_localres *m, int64_t i, const double *xp, const double *xnp, double *xc,
                     double *xnc, const double *u, const double *un, int learn, int neg,
                     double good_p, double good_n)
{
    const lacus_localres_params *p = &m->p;
    lacus__csr *W = &m->W, *Win = &m->Win;
    int64_t a = W->indptr[i], b = W->indptr[i + 1];
    int64_t ai = Win->indptr[i], bi = Win->indptr[i + 1];
    double h = m->hb[i], y = m->yb[i], gi = m->g[i], ci = m->c[i], lr = m->lr[i];
    double xi = (1.0 - lr) * xp[i] + lr * y;
    double yn = 0.0;
    if (neg) {
        yn = m->ynb[i];
        xnc[i] = (1.0 - lr) * xnp[i] + lr * yn;
    }
    int rule = m->rule[i];
    double pr = 0.0, e = 0.0;
    if (rule == LACUS_RULE_SELFPRED) {
        /* z, p = theta.z and z.z were made with the drive (drive_range) */
        int64_t K = m->K[i];
        double *z = m->z + m->th_off[i], *th = m->theta + m->th_off[i];
        double zz = m->zzb[i];
        pr = m->pred[i];
        double target = p->sp_target == LACUS_SP_STATE   ? xi
                        : p->sp_target == LACUS_SP_DRIVE ? h
                                                         : u[i % m->M];
        e = target - pr;
        if (learn) {
            int bad = p->sp_method == LACUS_SP_NLMS
                          ? lacus__sp_nlms_known(th, z, K, e, pr, zz, &m->th_n2[i], p->mu,
                                                 p->delta, p->max_norm)
                          : lacus__sp_rls(th, m->P + m->P_off[i], m->Pz + m->th_off[i], z, K, e,
                                          p->rls_lambda, p->max_norm);
            if (bad) return BAD_THETA;
        }
        if (p->relax > 0.0) xi -= p->relax * e; /* PC inference: x moves toward p */
        if (learn && p->w_eta > 0.0) {
            /* tPC coupling: the row W_i is the linear predictor of x_i(t) */
            double eps = p->w_eta * (xi - h), n2 = 0.0;
            for (int64_t k = a; k < b; k++) {
                double v = W->values[k] + eps * xp[W->indices[k]];
                n2 += v * v;
            }
            if (!(n2 <= p->max_norm * p->max_norm)) return BAD_WROW;
            for (int64_t k = a; k < b; k++) W->values[k] += eps * xp[W->indices[k]];
        }
    } else if (rule == LACUS_RULE_FF && learn) {
        double dp, dn;
        if (p->ff_goodness == LACUS_FF_GOOD_LAYER) {
            double tl = p->ff_theta * (double)m->n_ff;
            dp = lacus__ff_dh_layer(y, gi, tl, good_p, 1.0);
            dn = lacus__ff_dh_layer(yn, gi, tl, good_n, -1.0);
        } else {
            dp = lacus__ff_dh(y, gi, p->ff_theta, 1.0);
            dn = lacus__ff_dh(yn, gi, p->ff_theta, -1.0);
        }
        double eta = p->ff_eta, n2 = 0.0;
        for (int64_t k = a; k < b; k++) {
            int32_t j = W->indices[k];
            double v = W->values[k] - eta * (dp * xp[j] + dn * xnp[j]);
            n2 += v * v;
        }
        if (!(n2 <= p->max_norm * p->max_norm)) return BAD_FF;
        for (int64_t k = a; k < b; k++) {
            int32_t j = W->indices[k];
            W->values[k] -= eta * (dp * xp[j] + dn * xnp[j]);
        }
        for (int64_t k = ai; k < bi; k++) {
            int32_t j = Win->indices[k];
            Win->values[k] -= eta * (dp * u[j] + dn * un[j]);
        }
        m->bias[i] -= eta * (dp + dn);
    }
    if (m->ip_on[i] && learn) {
        /* Schrauwen et al. 2008, Gaussian target, on the unit's own y, h */
        double mu = p->ip_mu, s2 = p->ip_sigma * p->ip_sigma, eta = p->ip_eta;
        double db = -eta * (-mu / s2 + (y / s2) * (2.0 * s2 + 1.0 - y * y + mu * y));
        double ga = gi + eta / gi + db * h, cb = ci + db;
        if (!isfinite(ga) || !isfinite(cb) || fabs(ga) > p->max_norm) return BAD_IP;
        m->g[i] = ga;
        m->c[i] = cb;
    }
    xc[i] = xi;
    m->pred[i] = pr;
    m->errv[i] = e;
    if (learn) m->abs_acc[i] += fabs(e);
    double r = p->monitor_rate, d = xi - m->ema_m[i];
    m->ema_m[i] += r * d;
    m->ema_v[i] = (1.0 - r) * (m->ema_v[i] + r * d * d);
    return BAD_NONE;
}

static const char *bad_text(int kind)
{
    switch (kind) {
    case BAD_THETA: return "the predictor theta left its bound (lower mu, or use nlms)";
    case BAD_WROW: return "the recurrent row W_i (tPC coupling) left its bound: lower w_eta";
    case BAD_FF: return "the Forward-Forward row W_i left its bound: lower ff_eta";
    default: return "the intrinsic-plasticity gain diverged: lower ip_eta";
    }
}

/* FREE negatives (lacus_ff_negatives): the generator's prediction of the
 * input from a state, un = G [1; x]. */
static void gen_predict(const lacus_localres *m, const double *x, double *un)
{
    const int64_t N = m->N;
    for (int64_t k = 0; k < m->M; k++) {
        const double *g = m->gen + k * (N + 1);
        double s = g[0];
        for (int64_t j = 0; j < N; j++) s += g[1 + j] * x[j];
        un[k] = s;
    }
}

/* NLMS step of the generator on the positive copy: predict u(t) from
 * x(t-1). A readout-like global learner, not a unit rule: it only makes the
 * negative data. */
static void gen_learn(lacus_localres *m, const double *xprev, const double *ut)
{
    const int64_t N = m->N;
    double zz = 1.0;
    for (int64_t j = 0; j < N; j++) zz += xprev[j] * xprev[j];
    for (int64_t k = 0; k < m->M; k++) {
        double *g = m->gen + k * (N + 1);
        double pr = g[0];
        for (int64_t j = 0; j < N; j++) pr += g[1 + j] * xprev[j];
        double c = m->p.ff_gen_mu * (ut[k] - pr) / (m->p.delta + zz);
        g[0] += c;
        for (int64_t j = 0; j < N; j++) g[1 + j] += c * xprev[j];
    }
}

/* A unit's work in a step, for the partition: its fan-ins and predictor. */
static double unit_work(const lacus_localres *m, int64_t i)
{
    double w = 4.0 + (double)(m->W.indptr[i + 1] - m->W.indptr[i]) +
               (double)(m->Win.indptr[i + 1] - m->Win.indptr[i]);
    if (m->th_off[i] >= 0) w += 2.0 * (double)m->K[i];
    return w;
}

static lacus_status run_rows(lacus_localres *m, const double *u, int64_t n_steps, int learn,
                             int reset, const out_rows *o)
{
    int64_t N = m->N, M = m->M;
    lacus_status st = lacus__check_finite(&m->err, "input u", u, n_steps, M, M);
    if (st) return st;
    if (reset) {
        memset(m->x, 0, (size_t)N * sizeof *m->x);
        memset(m->xn, 0, (size_t)N * sizeof *m->xn);
    }
    int neg = learn && m->has_ff;
    if (neg && n_steps > m->perm_cap) {
        lacus__free(m->perm);
        m->perm = LACUS__NEW(int64_t, n_steps);
        m->perm_cap = m->perm ? n_steps : 0;
        if (!m->perm)
            return lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory for %lld negative steps",
                               (long long)n_steps);
    }
    int free_neg = neg && m->gen != NULL;
    int layer = neg && m->p.ff_goodness == LACUS_FF_GOOD_LAYER;
    if (neg && !free_neg) {
        /* negatives: the same input with its time steps shuffled */
        lacus__rng rng;
        lacus__rng_stream(&rng, m->p.res.seed, STREAM_NEG, m->n_calls);
        for (int64_t t = 0; t < n_steps; t++) m->perm[t] = t;
        for (int64_t t = n_steps - 1; t > 0; t--) {
            int64_t j = (int64_t)lacus__rng_below(&rng, (uint64_t)t + 1);
            int64_t tmp = m->perm[t];
            m->perm[t] = m->perm[j];
            m->perm[j] = tmp;
        }
    }
    m->n_calls++;
    memset(m->abs_acc, 0, (size_t)N * sizeof *m->abs_acc);
    int64_t stop_t = -1, stop_i = -1;
    int stop_kind = 0;
    int par = m->W.nnz + m->sum_K * 2 >= LACUS__PARALLEL_WORK_MIN;
#ifdef _OPENMP
    int max_th = par ? omp_get_max_threads() : 1;
#else
    int max_th = 1;
#endif
    /* Each thread's first failing unit, per step parity (two rows, so a
     * fast thread writing step t+1's row never races a slow one still
     * reading step t's), one cache line per thread (no false sharing of
     * the line every thread writes each step). */
    enum { PAD = 8 };
    int64_t *bad_thr = LACUS__NEW(int64_t, 2 * (size_t)max_th * PAD);
    if (!bad_thr) return lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory");
    /* Contiguous unit ranges of about equal work (fan-in + input fan-in +
     * predictor length + 1 per unit), fixed for the whole run. The
     * numbers do not depend on the partition: each unit is computed alone. */
    int64_t *bounds = LACUS__NEW(int64_t, (size_t)max_th + 1);
    if (!bounds) {
        lacus__free(bad_thr);
        return lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory");
    }
    {
        double total = 0.0;
        for (int64_t i = 0; i < N; i++) total += unit_work(m, i);
        bounds[0] = 0;
        double acc = 0.0;
        int64_t i = 0;
        for (int k = 1; k < max_th; k++) {
            double want = total * k / max_th;
            while (i < N && acc + 0.5 * unit_work(m, i) < want) acc += unit_work(m, i++);
            bounds[k] = i;
        }
        bounds[max_th] = N;
    }
    /* x(t-1) and x(t) alternate between the two buffers: at step t the
     * state before is xa when t is even, xb when odd (no shared swap, so
     * no barrier for it). */
    double *xa = m->x, *xb = m->xprev, *xna = m->xn, *xnb = m->xnprev;
    /* One barrier per step in the common case: after every unit's step t
     * (step t+1 reads every x(t)). The layer goodness adds one (every y of
     * the step before the sums), the free-running generator one (its
     * update and next prediction, a `single`). */
#pragma omp parallel if (par) num_threads(max_th)
    {
        int nth = 1, tid = 0;
#ifdef _OPENMP
        nth = omp_get_num_threads(), tid = omp_get_thread_num();
#endif
        int64_t i0 = nth == max_th ? bounds[tid] : N * tid / nth;
        int64_t i1 = nth == max_th ? bounds[tid + 1] : N * (tid + 1) / nth;
        if (free_neg) {
            /* step 0's negative input, from the state before the run */
#pragma omp single
            gen_predict(m, xna, m->gen_u);
        }
        for (int64_t t = 0; t < n_steps; t++) {
            double *xp = (t & 1) ? xb : xa, *xc = (t & 1) ? xa : xb;
            double *xnp = (t & 1) ? xnb : xna, *xnc = (t & 1) ? xna : xnb;
            const double *ut = u + t * M;
            const double *un = !neg ? NULL : free_neg ? m->gen_u : u + m->perm[t] * M;
            drive_range(m, i0, i1, xp, xnp, ut, un, neg);
            double gp = 0.0, gn = 0.0;
            if (layer) {
                /* The layer goodness of each copy: every thread sums all
                 * units itself, in unit order, so all get the same numbers
                 * whatever the partition, and no second barrier (a
                 * `single`) is needed to hand one thread's sum to the
                 * others. Nothing reads yb/ynb's writers before the step's
                 * last barrier. */
#pragma omp barrier
                for (int64_t i = 0; i < N; i++)
                    if (m->rule[i] == LACUS_RULE_FF) gp += m->yb[i] * m->yb[i], gn += m->ynb[i] * m->ynb[i];
                if (tid == 0) m->good_p = gp, m->good_n = gn;
            }
            int64_t bad = N;
            for (int64_t i = i0; i < i1; i++) {
                int k = unit_step(m, i, xp, xnp, xc, xnc, ut, un, learn, neg, gp, gn);
                if (k) {
                    m->bad[i] = (uint8_t)k;
                    if (i < bad) bad = i;
                }
                if (o->states) o->states[t * o->ld_s + i] = xc[i];
                if (o->neg && neg) o->neg[t * N + i] = xnc[i];
                int64_t col = o->compact ? m->sp_col[i] : i;
                if (col < 0) continue;
                if (o->pred) o->pred[t * o->ld_p + col] = m->pred[i];
                if (o->errs) o->errs[t * o->ld_e + col] = m->errv[i];
            }
            int64_t *row = bad_thr + (t & 1) * (int64_t)max_th * PAD;
            row[tid * PAD] = bad;
#pragma omp barrier
            /* every thread reads the same row: they agree on stopping */
            int64_t first = N;
            for (int k = 0; k < nth; k++) first = row[k * PAD] < first ? row[k * PAD] : first;
            if (first < N) {
                if (tid == 0) stop_t = t, stop_i = first, stop_kind = m->bad[first];
                break;
            }
            if (tid == 0 && learn) m->n_learn_steps++;
            if (free_neg) {
                /* The generator learns from step t and predicts step t+1's
                 * negative input in one `single` (its barrier publishes
                 * gen_u before anyone drives step t+1). */
#pragma omp single
                {
                    gen_learn(m, xp, ut);
                    if (t + 1 < n_steps) gen_predict(m, xnc, m->gen_u);
                }
            }
        }
    }
    lacus__free(bad_thr);
    lacus__free(bounds);
    /* The handle holds the last complete state in x and the one before in
     * xprev; after a divergence at step t, x(t-1) (the step is undone). */
    int64_t last = stop_t >= 0 ? stop_t - 1 : n_steps - 1;
    if (last >= 0 && (last & 1) == 0) {
        m->x = xb, m->xprev = xa, m->xn = xnb, m->xnprev = xna;
    } else {
        m->x = xa, m->xprev = xb, m->xn = xna, m->xnprev = xnb;
    }
    if (stop_t >= 0) {
        return lacus__fail(&m->err, LACUS_ERR_NUMERIC,
                           "diverged at step %lld, unit %lld (rule %s): %s; learning stopped, "
                           "weights kept from before this unit's update",
                           (long long)stop_t, (long long)stop_i,
                           lacus_local_rule_name((lacus_local_rule)m->rule[stop_i]),
                           bad_text(stop_kind));
    }
    if (learn && m->n_sp > 0 && n_steps > 0) {
        double s = 0.0;
        for (int64_t i = 0; i < N; i++) s += m->abs_acc[i];
        m->last_mean_abs_err = s / ((double)m->n_sp * (double)n_steps);
    }
    return LACUS_OK;
}

lacus_status lacus_localres_run(lacus_localres *m, const double *u, int64_t n_steps, int learn,
                                int reset, double *states, double *pred, double *errs)
{
    if (!m) return LACUS_ERR_ARG;
    if (!u || n_steps < 1)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "input: %s",
                           !u ? "u is NULL" : "n_steps must be >= 1");
    out_rows o = {states, pred, errs, NULL, m->N, m->N, m->N, 0};
    /* units without a predictor read 0 in pred and errs */
    if (pred) memset(pred, 0, (size_t)(n_steps * m->N) * sizeof *pred);
    if (errs) memset(errs, 0, (size_t)(n_steps * m->N) * sizeof *errs);
    return run_rows(m, u, n_steps, learn, reset, &o);
}

lacus_status lacus_localres_features(lacus_localres *m, const double *u, int64_t n_steps,
                                     int learn, int reset, int with_pe, double *feats)
{
    if (!m) return LACUS_ERR_ARG;
    if (!u || !feats || n_steps < 1)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "features: u and feats must be given, n_steps >= 1");
    int64_t F = lacus_localres_n_features(m, with_pe);
    out_rows o = {feats, with_pe ? feats + m->N : NULL, with_pe ? feats + m->N + m->n_sp : NULL,
                  NULL, F, F, F, 1};
    return run_rows(m, u, n_steps, learn, reset, &o);
}

lacus_status lacus_localres_run_neg(lacus_localres *m, const double *u, int64_t n_steps, int reset,
                                    double *states, double *neg_states)
{
    if (!m) return LACUS_ERR_ARG;
    if (!u || n_steps < 1)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "input: %s",
                           !u ? "u is NULL" : "n_steps must be >= 1");
    if (neg_states) memset(neg_states, 0, (size_t)(n_steps * m->N) * sizeof *neg_states);
    out_rows o = {states, NULL, NULL, neg_states, m->N, m->N, m->N, 0};
    return run_rows(m, u, n_steps, 1, reset, &o);
}
