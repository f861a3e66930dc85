/* full-FORCE (DePasquale, Cueva, Rajan, Escola & Abbott 2018, "full-FORCE:
 * a target-based method for training recurrent networks", PLoS ONE
 * 13:e0191527): the recurrent weights themselves learn, not only the
 * readout.
 *
 * Two networks run side by side from a zero state, sharing Win, bias, leak
 * and activation:
 *
 *   target-generating ("driven") net, fixed W^D = the ESN's W, driven by the
 *   target through u_f = the feedback columns of Win (teacher forcing):
 *     c[t]    = W^D xD[t-1] + u_f y[t-1]                      (y[-1] = 0)
 *     xD[t]   = (1 - lr) xD[t-1] + lr f(c[t] + Win_u u[t] + b)
 *   task net, no feedback, recurrent weights J learned:
 *     x[t]    = (1 - lr) x[t-1] + lr f(J x[t-1] + Win_u u[t] + b)
 *     z[t]    = w^T x[t]
 *
 * At every learning step one RLS step (P(0) = I / alpha, forgetting lambda)
 * on the sample x[t-1] fits all N rows of J and the readout w at once:
 *
 *   J x[t-1] -> c[t]      (the whole recurrent current of the driven net)
 *   w^T x[t-1] -> y[t-1]  (the target)
 *
 * Every row sees the same x, so one P serves them all (the paper's shared
 * P); this is exactly lacus_online with n_features = N and n_outputs = N + O,
 * whose weight matrix is [J^T | w]. Because J is fitted to the full current
 * rather than steered only through the output error, full-FORCE learns with
 * fewer units than FORCE, which is the paper's point (and our test's).
 *
 * J x[t-1] for the task net's step is the a-priori prediction of that RLS
 * step (J before the update), so the step costs one O(N (N + O)) product
 * plus the O(N^2) RLS update. Afterwards the ESN's W is J (stored dense, as
 * CSR with every entry), the feedback columns of Win are zero (the drive is
 * now internal), and the readout is w (no bias): lacus_esn_run, save and
 * load then reproduce the task net.
 *
 * Hints (the paper's "full-FORCE with hints", its interval-timing and
 * memory tasks): extra signals h fed into the driven net only, through
 * dense random weights u_h, with the target's one-step delay:
 *   c[t] = W^D xD[t-1] + u_f y[t-1] + u_h h[t-1]
 * J is fitted to this current, so the task net learns to generate the
 * hint's contribution itself and runs without it. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "model/esn.h"
#include "nodes/activation.h"

lacus_full_force_params lacus_full_force_params_default(void)
{
    lacus_full_force_params p;
    memset(&p, 0, sizeof p);
    p.alpha = 1.0;
    p.forgetting = 1.0;
    p.init_J = LACUS_FULL_FORCE_INIT_W;
    p.hints = NULL;
    p.hint_scaling = 1.0;
    p.hint_seed = 0;
    return p;
}

/* RNG stream purpose of the hint weights; apart from the reservoir's own
 * (core/rng.h's LACUS__STREAM_* are 1..6). */
#define FF_HINT_STREAM 0x66666869ULL

lacus_status lacus_full_force_hint_weights(int64_t n_units, int64_t n_hints, double scaling,
                                           uint64_t seed, double *out)
{
    if (n_units < 1 || n_hints < 1 || !out) return LACUS_ERR_ARG;
    lacus__rng g;
    lacus__rng_stream(&g, seed, FF_HINT_STREAM, 0);
    for (int64_t i = 0; i < n_units * n_hints; i++)
        out[i] = scaling * (2.0 * lacus__rng_uniform(&g) - 1.0);
    return LACUS_OK;
}

typedef struct {
    double *x, *xD, *xn, *xDn; /* (N) task and driven states, and their next */
    double *d;                 /* (N) Win_u u[t] + b */
    double *tgt, *pred;        /* (N + O) RLS target [c, y[t-1]] and a-priori prediction */
    double *yprev;             /* (O) */
    double *uh, *hprev;        /* (N, H) hint weights and (H) h[t-1]; NULL without hints */
    double *dense;             /* (N, N + I + O) scratch for the final weights */
} ff_ws;

static void ff_ws_free(ff_ws *w)
{
    lacus__free(w->x);
    lacus__free(w->xD);
    lacus__free(w->xn);
    lacus__free(w->xDn);
    lacus__free(w->d);
    lacus__free(w->tgt);
    lacus__free(w->pred);
    lacus__free(w->yprev);
    lacus__free(w->uh);
    lacus__free(w->hprev);
    lacus__free(w->dense);
}

/* Win_u u + b, and u_f y, from the CSR Win whose columns [0, I) are the
 * inputs and [I, I + O) the feedback. */
static void input_terms(const lacus_reservoir *r, int64_t I, const double *u, const double *y,
                        double *d, double *fb)
{
    const lacus__csr *A = &r->Win;
    for (int64_t n = 0; n < r->p.n_units; n++) {
        double su = 0.0, sf = 0.0;
        for (int64_t k = A->indptr[n]; k < A->indptr[n + 1]; k++) {
            int64_t j = A->indices[k];
            if (j < I) su += A->values[k] * u[j];
            else sf += A->values[k] * y[j - I];
        }
        d[n] = su + r->bias[n];
        fb[n] = sf;
    }
}

static void leaky(const lacus_reservoir *r, const double *xprev, double *pre, double *xnext)
{
    int64_t N = r->p.n_units;
    lacus__activate(r->p.activation, pre, pre, N);
    for (int64_t n = 0; n < N; n++) xnext[n] = (1.0 - r->lr[n]) * xprev[n] + r->lr[n] * pre[n];
}

typedef struct {
    double cur_sq_first, cur_sq_last, cur_var_first, cur_var_last;
    double out_sq_last, out_var_last;
    int64_t n_first, n_last, learned, total_learn;
} ff_acc;

static lacus_status ff_sequence(lacus_esn *m, lacus_online *rls, ff_ws *w, const double *u,
                                const double *y, const double *h, int64_t H, int64_t T,
                                int64_t seq, ff_acc *acc)
{
    lacus_reservoir *r = m->res;
    int64_t N = r->p.n_units, I = m->p.reservoir.n_inputs, O = m->p.n_feedback;
    memset(w->x, 0, (size_t)N * sizeof(double));
    memset(w->xD, 0, (size_t)N * sizeof(double));
    memset(w->yprev, 0, (size_t)O * sizeof(double));
    if (h) memset(w->hprev, 0, (size_t)H * sizeof(double));
    for (int64_t t = 0; t < T; t++) {
        /* c[t] = W^D xD[t-1] + u_f y[t-1] into tgt[0, N); y[t-1] into tgt[N, N+O). */
        input_terms(r, I, u + t * I, w->yprev, w->d, w->xn);
        lacus__csr_matvec_rows(&r->W, w->xD, w->tgt, 0, N);
        for (int64_t n = 0; n < N; n++) w->tgt[n] += w->xn[n];
        if (h)
            for (int64_t n = 0; n < N; n++) {
                double s = 0.0;
                for (int64_t k = 0; k < H; k++) s += w->uh[n * H + k] * w->hprev[k];
                w->tgt[n] += s;
            }
        memcpy(w->tgt + N, w->yprev, (size_t)O * sizeof(double));
        int learn = t >= m->p.warmup && t >= 1;
        lacus_status st = learn ? lacus_online_step(rls, w->x, w->tgt, w->pred)
                                : lacus_online_predict(rls, w->x, N, 1, w->pred, N + O);
        if (st)
            return lacus__fail(&m->err, st, "full-FORCE, sequence %lld, step %lld: %s",
                               (long long)seq, (long long)t, lacus_online_errmsg(rls));
        if (learn) {
            /* A-priori errors of the first and last tenth of all learned
             * steps: the report of how far learning got. */
            int first = acc->learned < acc->total_learn / 10;
            int last = acc->learned >= acc->total_learn - acc->total_learn / 10;
            if (first || last) {
                double se = 0.0, sv = 0.0, so = 0.0, svo = 0.0;
                for (int64_t n = 0; n < N; n++) {
                    double e = w->pred[n] - w->tgt[n];
                    se += e * e;
                    sv += w->tgt[n] * w->tgt[n];
                }
                for (int64_t o = 0; o < O; o++) {
                    double e = w->pred[N + o] - w->tgt[N + o];
                    so += e * e;
                    svo += w->tgt[N + o] * w->tgt[N + o];
                }
                if (first) acc->cur_sq_first += se, acc->cur_var_first += sv, acc->n_first++;
                if (last) {
                    acc->cur_sq_last += se, acc->cur_var_last += sv, acc->n_last++;
                    acc->out_sq_last += so, acc->out_var_last += svo;
                }
            }
            acc->learned++;
        }
        /* Task net: J x[t-1] (a priori) + drive. Driven net: c[t] + drive. */
        for (int64_t n = 0; n < N; n++) {
            w->pred[n] += w->d[n];
            w->tgt[n] += w->d[n];
        }
        leaky(r, w->x, w->pred, w->xn);
        leaky(r, w->xD, w->tgt, w->xDn);
        for (int64_t n = 0; n < N; n++)
            if (!isfinite(w->xn[n]) || !isfinite(w->xDn[n]))
                return lacus__fail(&m->err, LACUS_ERR_NUMERIC,
                                   "full-FORCE diverged at sequence %lld, step %lld (%s net)",
                                   (long long)seq, (long long)t,
                                   isfinite(w->xn[n]) ? "target-generating" : "task");
        double *s = w->x;
        w->x = w->xn, w->xn = s;
        s = w->xD, w->xD = w->xDn, w->xDn = s;
        memcpy(w->yprev, y + t * O, (size_t)O * sizeof(double));
        if (h) memcpy(w->hprev, h + t * H, (size_t)H * sizeof(double));
    }
    return LACUS_OK;
}

/* The learned [J^T | w] becomes the ESN: W = J, feedback columns of Win
 * zeroed, readout w. Done only when everything succeeded, so a failed run
 * leaves the model as it was. */
static lacus_status adopt(lacus_esn *m, lacus_online *rls, ff_ws *w)
{
    lacus_reservoir *r = m->res;
    int64_t N = r->p.n_units, I = m->p.reservoir.n_inputs, O = m->p.n_feedback;
    double *Wl = LACUS__NEW(double, N * (N + O)), *J = LACUS__NEW(double, N * N);
    double *Wout = LACUS__NEW(double, N * O), *b = LACUS__ZNEW(double, O);
    lacus_ridge *readout = NULL;
    lacus_status st = LACUS_OK;
    if (!Wl || !J || !Wout || !b) {
        st = lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory for the full-FORCE weights");
        goto done;
    }
    lacus_online_get_weights(rls, Wl, NULL);
    for (int64_t k = 0; k < N; k++) {
        for (int64_t n = 0; n < N; n++) J[n * N + k] = Wl[k * (N + O) + n];
        for (int64_t o = 0; o < O; o++) Wout[k * O + o] = Wl[k * (N + O) + N + o];
    }
    lacus_ridge_params rp = m->p.readout;
    rp.n_features = N;
    rp.n_outputs = O;
    rp.keep_samples = 0;
    if (rp.solver == LACUS_SOLVER_DUAL) rp.solver = LACUS_SOLVER_AUTO;
    if ((st = lacus_ridge_create(&rp, &readout, &m->err))) goto done;
    if ((st = lacus_ridge_set_weights(readout, Wout, b))) {
        m->err = readout->err;
        goto done;
    }
    /* Win without its feedback columns; then W = J (both only now). */
    lacus_reservoir_get_Win(r, w->dense);
    for (int64_t n = 0; n < N; n++)
        for (int64_t o = 0; o < O; o++) w->dense[n * (I + O) + I + o] = 0.0;
    if ((st = lacus_reservoir_set_Win(r, w->dense)) || (st = lacus_reservoir_set_W(r, J))) {
        m->err = r->err;
        goto done;
    }
    lacus_ridge_free(m->readout);
    lacus__esn_stream_free(m);
    m->readout = readout;
    m->n_outputs = O;
    readout = NULL;
done:
    lacus_ridge_free(readout);
    lacus__free(Wl);
    lacus__free(J);
    lacus__free(Wout);
    lacus__free(b);
    return st;
}

static lacus_status check_args(lacus_esn *m, const lacus_seqs *inputs, const lacus_seqs *targets,
                               const lacus_full_force_params *fp)
{
    lacus_reservoir *r = m->res;
    int64_t I = m->p.reservoir.n_inputs, O = m->p.n_feedback;
    if (O == 0)
        return lacus__fail(&m->err, LACUS_ERR_STATE,
                           "full-FORCE drives its target-generating net through the feedback "
                           "weights: create the ESN with n_feedback > 0");
    if (r->p.activation == LACUS_ACT_SOFTMAX)
        return lacus__fail(&m->err, LACUS_ERR_UNSUPPORTED,
                           "full-FORCE: the softmax activation is not supported (element-wise only)");
    if (r->p.noise_rc != 0.0 || r->p.noise_in != 0.0)
        return lacus__fail(&m->err, LACUS_ERR_UNSUPPORTED,
                           "full-FORCE: reservoir noise is not supported (noise_rc = %g, noise_in = %g)",
                           r->p.noise_rc, r->p.noise_in);
    if (!(fp->alpha > 0.0) || !isfinite(fp->alpha))
        return lacus__fail(&m->err, LACUS_ERR_ARG, "full-FORCE alpha = %g: must be finite and > 0",
                           fp->alpha);
    if (!(fp->forgetting > 0.0 && fp->forgetting <= 1.0))
        return lacus__fail(&m->err, LACUS_ERR_ARG, "full-FORCE forgetting = %g: must be in (0, 1]",
                           fp->forgetting);
    if (fp->init_J != LACUS_FULL_FORCE_INIT_W && fp->init_J != LACUS_FULL_FORCE_INIT_ZERO)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "full-FORCE init_J = %d: unknown", fp->init_J);
    if (r->p.n_units > 20000)
        return lacus__fail(&m->err, LACUS_ERR_ARG,
                           "full-FORCE: n_units = %lld is too many (P and J are dense N x N; "
                           "at most 20000)", (long long)r->p.n_units);
    lacus_status st;
    if ((st = lacus__esn_check_pairs(&m->err, inputs, I, targets, O))) return st;
    if (fp->hints) {
        const lacus_seqs *hs = fp->hints;
        if (!(fp->hint_scaling >= 0.0) || !isfinite(fp->hint_scaling))
            return lacus__fail(&m->err, LACUS_ERR_ARG,
                               "full-FORCE hint_scaling = %g: must be finite and >= 0",
                               fp->hint_scaling);
        if (hs->n_features < 1)
            return lacus__fail(&m->err, LACUS_ERR_SHAPE, "full-FORCE hints: %lld features; need >= 1",
                               (long long)hs->n_features);
        if ((st = lacus__esn_check_seqs(&m->err, "hints", hs, hs->n_features))) return st;
        if (hs->n_seqs != inputs->n_seqs)
            return lacus__fail(&m->err, LACUS_ERR_SHAPE,
                               "full-FORCE: %lld input sequences but %lld hint sequences",
                               (long long)inputs->n_seqs, (long long)hs->n_seqs);
        for (int64_t i = 0; i < hs->n_seqs; i++)
            if (hs->n_steps[i] != inputs->n_steps[i])
                return lacus__fail(&m->err, LACUS_ERR_SHAPE,
                                   "full-FORCE: sequence %lld has %lld input steps but %lld hint "
                                   "steps", (long long)i, (long long)inputs->n_steps[i],
                                   (long long)hs->n_steps[i]);
    }
    return LACUS_OK;
}

lacus_status lacus_esn_full_force(lacus_esn *m, const lacus_seqs *inputs, const lacus_seqs *targets,
                                  const lacus_full_force_params *fp, lacus_full_force_report *report)
{
    lacus_full_force_params def = lacus_full_force_params_default();
    if (!fp) fp = &def;
    if (report) memset(report, 0, sizeof *report);
    lacus_status st = check_args(m, inputs, targets, fp);
    if (st) return st;
    lacus_reservoir *r = m->res;
    int64_t N = r->p.n_units, I = m->p.reservoir.n_inputs, O = m->p.n_feedback;
    lacus_online_params op = lacus_online_params_default();
    op.n_features = N;
    op.n_outputs = N + O;
    op.method = LACUS_ONLINE_RLS;
    op.alpha = fp->alpha;
    op.forgetting = fp->forgetting;
    op.fit_bias = 0;
    lacus_online *rls = NULL;
    if ((st = lacus_online_create(&op, &rls, &m->err))) return st;
    ff_ws w = {0};
    w.x = LACUS__NEW(double, N);
    w.xD = LACUS__NEW(double, N);
    w.xn = LACUS__NEW(double, N);
    w.xDn = LACUS__NEW(double, N);
    w.d = LACUS__NEW(double, N);
    w.tgt = LACUS__NEW(double, N + O);
    w.pred = LACUS__NEW(double, N + O);
    w.yprev = LACUS__NEW(double, O);
    int64_t H = fp->hints ? fp->hints->n_features : 0;
    if (H) {
        w.uh = LACUS__NEW(double, N * H);
        w.hprev = LACUS__NEW(double, H);
        if (!w.uh || !w.hprev) {
            st = lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory for the full-FORCE hints");
            goto done;
        }
        lacus_full_force_hint_weights(N, H, fp->hint_scaling, fp->hint_seed, w.uh);
    }
    w.dense = LACUS__NEW(double, N * (N > I + O ? N : I + O) + N * (N + O));
    if (!w.x || !w.xD || !w.xn || !w.xDn || !w.d || !w.tgt || !w.pred || !w.yprev || !w.dense) {
        st = lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory for full-FORCE (N = %lld)",
                         (long long)N);
        goto done;
    }
    if (fp->init_J == LACUS_FULL_FORCE_INIT_W) {
        /* J(0) = W^D: the task net starts as the driven net without its
         * drive, so J only has to learn the difference u_f y. */
        double *Wd = w.dense, *Wl = w.dense + N * (N > I + O ? N : I + O);
        lacus_reservoir_get_W(r, Wd);
        memset(Wl, 0, (size_t)(N * (N + O)) * sizeof(double));
        for (int64_t n = 0; n < N; n++)
            for (int64_t k = 0; k < N; k++) Wl[k * (N + O) + n] = Wd[n * N + k];
        if ((st = lacus_online_set_weights(rls, Wl, NULL))) {
            st = lacus__fail(&m->err, st, "full-FORCE: J(0) = W: %s", lacus_online_errmsg(rls));
            goto done;
        }
    }
    ff_acc acc = {0};
    for (int64_t i = 0; i < inputs->n_seqs; i++) {
        int64_t T = inputs->n_steps[i], skip = m->p.warmup > 1 ? m->p.warmup : 1;
        acc.total_learn += T > skip ? T - skip : 0;
    }
    for (int64_t i = 0; i < inputs->n_seqs && !st; i++) {
        st = ff_sequence(m, rls, &w, inputs->data[i], targets->data[i],
                         H ? fp->hints->data[i] : NULL, H, inputs->n_steps[i], i, &acc);
        if (m->p.progress) m->p.progress((double)(i + 1) / (double)inputs->n_seqs, m->p.progress_user);
    }
    if (!st && acc.learned == 0)
        st = lacus__fail(&m->err, LACUS_ERR_ARG,
                         "full-FORCE: nothing to learn (every sequence is within warmup = %lld + 1 "
                         "steps)", (long long)m->p.warmup);
    if (!st) st = adopt(m, rls, &w);
    if (!st && report) {
        report->n_learned = acc.learned;
        report->current_nrmse_first =
            acc.cur_var_first > 0 ? sqrt(acc.cur_sq_first / acc.cur_var_first) : 0.0;
        report->current_nrmse_last =
            acc.cur_var_last > 0 ? sqrt(acc.cur_sq_last / acc.cur_var_last) : 0.0;
        report->output_nrmse_last =
            acc.out_var_last > 0 ? sqrt(acc.out_sq_last / acc.out_var_last) : 0.0;
    }
done:
    ff_ws_free(&w);
    lacus_online_free(rls);
    return st;
}
