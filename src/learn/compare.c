/* The comparison harness behind `lacus compare`: one model, one task, the
 * same generated data and seed for every model (task definitions in
 * compare_tasks.c and include/lacus/local_learning.h). Every reservoir
 * model is a lacus_localres whose populations differ, so the ESN row and
 * the local-learning rows share W, Win and bias draws for the same n_units;
 * the readout is a centred ridge whose regularisation is chosen on the last
 * 20% of the training rows, then refitted on all of them. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/error.h"
#include "learn/compare.h"

static const char *const model_names[] = {"esn", "esn3x", "selfpred", "selfpred-rls",
                                          "selfpred-tpc", "ff", "ip", "hetero",
                                          "kalman", "tpc", "backward"};

const char *lacus_cmp_model_name(lacus_cmp_model m)
{
    return (unsigned)m < LACUS_CMP_N_MODELS ? model_names[m] : NULL;
}

lacus_status lacus_cmp_model_parse(const char *name, lacus_cmp_model *out, lacus_error *err)
{
    for (int i = 0; name && i < LACUS_CMP_N_MODELS; i++)
        if (!strcmp(name, model_names[i])) {
            *out = (lacus_cmp_model)i;
            return LACUS_OK;
        }
    return lacus__fail(err, LACUS_ERR_ARG,
                       "model '%s': unknown (one of esn, esn3x, selfpred, selfpred-rls, "
                       "selfpred-tpc, ff, ip, hetero, kalman, tpc, backward)",
                       name ? name : "(null)");
}

int lacus_cmp_applies(lacus_cmp_task t, lacus_cmp_model m)
{
    if (m == LACUS_CMP_KALMAN || m == LACUS_CMP_TPC) return t == LACUS_CMP_LGSSM;
    return (unsigned)t < LACUS_CMP_N_TASKS && (unsigned)m < LACUS_CMP_N_MODELS;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Reservoir hyperparameters per task (conventional settings for each:
 * Jaeger's MG setting of a large spectral radius, lr 1 for NARMA and memory
 * capacity, where the leak would only blur the delays). */
void lacus__cmp_task_res(const lacus_compare_params *p, lacus_cmp_task t, int64_t N, int64_t M,
                     lacus_reservoir_params *r)
{
    *r = lacus_reservoir_params_default();
    r->n_units = N;
    r->n_inputs = M;
    double sr[] = {1.25, 0.95, 0.95, 0.9, 0.9}, lr[] = {0.3, 1.0, 1.0, 0.5, 0.3};
    r->sr = p->sr > 0.0 ? p->sr : sr[t];
    r->lr = p->lr > 0.0 ? p->lr : lr[t];
    r->input_scaling = t == LACUS_CMP_MC ? 0.5 : 1.0;
    r->input_connectivity = 1.0;
    r->rc_connectivity = N > 20 ? 20.0 / (double)N : 1.0;
    r->seed = p->seed;
}

static lacus_localres_params model_params(const lacus_compare_params *p, lacus_cmp_task t,
                                          lacus_cmp_model m, int64_t M, int *with_pe)
{
    lacus_localres_params q = lacus_localres_params_default();
    int64_t N = m == LACUS_CMP_ESN3 ? 3 * p->n_units : p->n_units;
    lacus__cmp_task_res(p, t, N, M, &q.res);
    q.n_pops = 1;
    q.pops[0].n_units = 0;
    q.ff_negatives = p->ff_negatives;
    q.ff_goodness = p->ff_goodness;
    *with_pe = 0;
    switch (m) {
    case LACUS_CMP_ESN:
    case LACUS_CMP_ESN3: q.pops[0].rule = LACUS_RULE_PLAIN; break;
    case LACUS_CMP_SELFPRED_RLS: q.sp_method = LACUS_SP_RLS; /* fall through */
    case LACUS_CMP_SELFPRED: q.pops[0].rule = LACUS_RULE_SELFPRED, *with_pe = 1; break;
    case LACUS_CMP_SELFPRED_TPC:
        q.pops[0].rule = LACUS_RULE_SELFPRED, *with_pe = 1;
        q.relax = 0.1, q.w_eta = 1e-3;
        break;
    case LACUS_CMP_FF: q.pops[0].rule = LACUS_RULE_FF; break;
    case LACUS_CMP_IP: q.pops[0].rule = LACUS_RULE_IP; break;
    default: { /* hetero: the caller's populations, or a quarter of each rule */
        if (p->n_pops > 0) {
            q.n_pops = p->n_pops;
            memcpy(q.pops, p->pops, sizeof q.pops);
            for (int k = 0; k < q.n_pops; k++) *with_pe |= q.pops[k].rule == LACUS_RULE_SELFPRED;
            break;
        }
        int64_t a = N / 4;
        q.n_pops = 4;
        lacus_local_rule r[4] = {LACUS_RULE_PLAIN, LACUS_RULE_SELFPRED, LACUS_RULE_FF, LACUS_RULE_IP};
        for (int k = 0; k < 4; k++) q.pops[k].n_units = k < 3 ? a : N - 3 * a, q.pops[k].rule = r[k];
        *with_pe = 1;
    }
    }
    return q;
}

/* Fits a ridge readout on rows [warm, n) of X (n, F) -> Y (n, O), the
 * regularisation chosen on the last 20% of those rows. */
lacus_status lacus__cmp_fit_readout(const double *X, int64_t F, const double *Y, int64_t O, int64_t n,
                                int64_t warm, lacus_ridge **out, double *chosen, lacus_error *err)
{
    int64_t n_fit = warm + (n - warm) * 4 / 5;
    double best = INFINITY, bb = 1e-6;
    double *pred = LACUS__NEW(double, (n - n_fit) * O);
    if (!pred) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for the readout");
    lacus_ridge_params rp = lacus_ridge_params_default();
    rp.n_features = F, rp.n_outputs = O;
    lacus_status st = LACUS_OK;
    for (double beta = 1e-9; beta <= 10.0 && !st; beta *= 10.0) {
        lacus_ridge *r = NULL;
        rp.ridge = beta;
        if ((st = lacus_ridge_create(&rp, &r, err))) break;
        st = lacus_ridge_partial_fit(r, X + warm * F, F, Y + warm * O, O, n_fit - warm);
        if (!st) st = lacus_ridge_solve(r);
        if (!st) st = lacus_ridge_predict(r, X + n_fit * F, F, n - n_fit, pred, O);
        if (st) lacus__fail(err, st, "readout: %s", lacus_ridge_errmsg(r));
        double e = 0.0;
        for (int64_t i = 0; i < (n - n_fit) * O; i++) e += (pred[i] - Y[n_fit * O + i]) * (pred[i] - Y[n_fit * O + i]);
        if (!st && e < best) best = e, bb = beta;
        lacus_ridge_free(r);
    }
    lacus__free(pred);
    if (st) return st;
    rp.ridge = bb;
    *chosen = bb;
    lacus_ridge *r = NULL;
    if ((st = lacus_ridge_create(&rp, &r, err))) return st;
    st = lacus_ridge_partial_fit(r, X + warm * F, F, Y + warm * O, O, n - warm);
    if (!st) st = lacus_ridge_solve(r);
    if (st) {
        lacus__fail(err, st, "readout: %s", lacus_ridge_errmsg(r));
        lacus_ridge_free(r);
        return st;
    }
    *out = r;
    return LACUS_OK;
}

double lacus__cmp_score(lacus_cmp_task t, const double *pred, const double *y, int64_t n, int64_t O)
{
    if (t == LACUS_CMP_MC) {
        double mc = 0.0;
        for (int64_t k = 0; k < O; k++) {
            double mp = 0, my = 0, spp = 0, syy = 0, spy = 0;
            for (int64_t i = 0; i < n; i++) mp += pred[i * O + k], my += y[i * O + k];
            mp /= (double)n, my /= (double)n;
            for (int64_t i = 0; i < n; i++) {
                double a = pred[i * O + k] - mp, b = y[i * O + k] - my;
                spp += a * a, syy += b * b, spy += a * b;
            }
            mc += spp > 0 && syy > 0 ? spy * spy / (spp * syy) : 0.0;
        }
        return mc;
    }
    double se = 0.0, m = 0.0, v = 0.0;
    for (int64_t i = 0; i < n * O; i++) se += (pred[i] - y[i]) * (pred[i] - y[i]), m += y[i];
    if (t == LACUS_CMP_LGSSM) return se / (double)(n * O);
    m /= (double)(n * O);
    for (int64_t i = 0; i < n * O; i++) v += (y[i] - m) * (y[i] - m);
    return sqrt(se / v);
}

static void set_metric(lacus_cmp_task t, lacus_compare_result *r)
{
    static const char *const names[] = {"NRMSE", "NRMSE", "MC", "MSE", "error rate"};
    r->metric = names[t];
    r->higher_better = t == LACUS_CMP_MC;
}

/* Series tasks: learn on the training input, features of train and test
 * (the test continues from the training state), ridge, score. */
static lacus_status run_series(lacus_localres *m, int with_pe, int learns, const lacus__cmp_data *d,
                               lacus_compare_result *r, lacus_error *err)
{
    int64_t F = lacus_localres_n_features(m, with_pe), O = d->O;
    double *Xtr = LACUS__NEW(double, d->n_train * F), *Xte = LACUS__NEW(double, d->n_test * F);
    double *pred = LACUS__NEW(double, d->n_test * O);
    lacus_ridge *ro = NULL;
    lacus_status st = LACUS_OK;
    double beta = 0.0;
    if (!Xtr || !Xte || !pred) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for %lld x %lld features",
                         (long long)d->n_train, (long long)F);
        goto done;
    }
    double t0 = now();
    if (learns && (st = lacus_localres_run(m, d->u_train, d->n_train, 1, 1, NULL, NULL, NULL)))
        goto fail;
    if ((st = lacus_localres_features(m, d->u_train, d->n_train, 0, 1, with_pe, Xtr))) goto fail;
    if ((st = lacus__cmp_fit_readout(Xtr, F, d->y_train, O, d->n_train, LACUS__CMP_WARMUP, &ro, &beta, err)))
        goto done;
    r->train_s = now() - t0;
    if ((st = lacus_localres_features(m, d->u_test, d->n_test, 0, 0, with_pe, Xte))) goto fail;
    if ((st = lacus_ridge_predict(ro, Xte, F, d->n_test, pred, O))) {
        lacus__fail(err, st, "readout: %s", lacus_ridge_errmsg(ro));
        goto done;
    }
    r->error = lacus__cmp_score(d->task, pred, d->y_test, d->n_test, O);
    r->n_params = (F + 1) * O;
    snprintf(r->note, sizeof r->note, "ridge %g, %lld readout features", beta, (long long)F);
    goto done;
fail:
    lacus__fail(err, st, "%s", lacus_localres_errmsg(m));
done:
    lacus_ridge_free(ro);
    lacus__free(Xtr), lacus__free(Xte), lacus__free(pred);
    return st;
}

/* SEQ4: learn over the training sequences (each from a zero state), then a
 * sequence's features are the mean of its feature rows and of their squares
 * over its second half (the squares carry the amplitude and shape that the
 * mean of zero-mean oscillations loses); ridge onto one-hot labels; the
 * argmax is the class. */
static lacus_status run_classify(lacus_localres *m, int with_pe, int learns,
                                 const lacus__cmp_data *d, lacus_compare_result *r, lacus_error *err)
{
    int64_t F1 = lacus_localres_n_features(m, with_pe), F = 2 * F1, L = d->seq_len;
    int64_t ntr = d->n_seq_train, nte = d->n_seq_test, n = ntr + nte;
    double *rows = LACUS__NEW(double, L * F1), *S = LACUS__ZNEW(double, n * F);
    double *Y = LACUS__ZNEW(double, n * 4), *pred = LACUS__NEW(double, nte * 4);
    lacus_ridge *ro = NULL;
    lacus_status st = LACUS_OK;
    double beta = 0.0;
    if (!rows || !S || !Y || !pred) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for seq4 features");
        goto done;
    }
    for (int64_t s = 0; s < n; s++) Y[s * 4 + d->lab_train[s]] = 1.0;
    double t0 = now();
    for (int64_t s = 0; learns && s < ntr; s++)
        if ((st = lacus_localres_run(m, d->u_train + s * L, L, 1, 1, NULL, NULL, NULL))) goto fail;
    for (int64_t s = 0; s < n; s++) {
        if ((st = lacus_localres_features(m, d->u_train + s * L, L, 0, 1, with_pe, rows))) goto fail;
        for (int64_t t = L / 2; t < L; t++)
            for (int64_t f = 0; f < F1; f++) {
                double v = rows[t * F1 + f];
                S[s * F + f] += v / (double)(L - L / 2);
                S[s * F + F1 + f] += v * v / (double)(L - L / 2);
            }
        if (s == ntr - 1) {
            /* training ends with the readout; test features are not timed */
            if ((st = lacus__cmp_fit_readout(S, F, Y, 4, ntr, 0, &ro, &beta, err))) goto done;
            r->train_s = now() - t0;
        }
    }
    if ((st = lacus_ridge_predict(ro, S + ntr * F, F, nte, pred, 4))) {
        lacus__fail(err, st, "readout: %s", lacus_ridge_errmsg(ro));
        goto done;
    }
    int64_t wrong = 0;
    for (int64_t s = 0; s < nte; s++) {
        int best = 0;
        for (int c = 1; c < 4; c++)
            if (pred[s * 4 + c] > pred[s * 4 + best]) best = c;
        wrong += best != d->lab_train[ntr + s];
    }
    r->error = (double)wrong / (double)nte;
    r->n_params = (F + 1) * 4;
    snprintf(r->note, sizeof r->note, "ridge %g, %lld features (mean, mean square of 2nd half)", beta, (long long)F);
    goto done;
fail:
    lacus__fail(err, st, "%s", lacus_localres_errmsg(m));
done:
    lacus_ridge_free(ro);
    lacus__free(rows), lacus__free(S), lacus__free(Y), lacus__free(pred);
    return st;
}

/* LGSSM with the true model: the Kalman filter (optimum) or tPC learning
 * A from 0.5 I (C, q, r known), both run over train + test and scored on
 * the test part. */
static lacus_status run_filter(const lacus__cmp_data *d, int tpc, lacus_compare_result *r,
                               lacus_error *err)
{
    int64_t n = d->n_train + d->n_test;
    double *y = LACUS__NEW(double, 2 * n), *xh = LACUS__NEW(double, 2 * n);
    lacus_status st = LACUS_OK;
    if (!y || !xh) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for the filter");
        goto done;
    }
    memcpy(y, d->u_train, (size_t)(2 * d->n_train) * sizeof *y);
    memcpy(y + 2 * d->n_train, d->u_test, (size_t)(2 * d->n_test) * sizeof *y);
    if (!tpc) {
        lacus_lgssm sys = {2, 2, 0, d->A, NULL, d->C, 1.0, 1.0};
        if ((st = lacus_kalman_filter(&sys, NULL, y, n, xh, err))) goto done;
        r->train_s = 0.0; /* nothing is trained: the model is given */
        r->n_params = 0;
        r->model_kb = (4 + 4 + 4) * 8 / 1024.0;
        snprintf(r->note, sizeof r->note, "optimum: knows A, C, q, r");
    } else {
        double A0[4] = {0.5, 0.0, 0.0, 0.5}, A[4];
        lacus_lgssm sys = {2, 2, 0, A0, NULL, d->C, 1.0, 1.0};
        lacus_tpc_params tp = lacus_tpc_params_default();
        tp.gamma = 0.2, tp.n_iter = 30, tp.eta = 2e-3;
        lacus_tpc *t = NULL;
        double t0 = now();
        if ((st = lacus_tpc_create(&sys, &tp, &t, err))) goto done;
        for (int ep = 0; ep < 3 && !st; ep++) st = lacus_tpc_run(t, NULL, y, d->n_train, NULL);
        if (st) {
            lacus__fail(err, st, "%s", lacus_tpc_errmsg(t));
            lacus_tpc_free(t);
            goto done;
        }
        r->train_s = now() - t0;
        lacus_tpc_get(t, A, NULL, NULL);
        lacus_tpc_free(t);
        sys.A = A;
        tp.eta = 0.0;
        if ((st = lacus_tpc_create(&sys, &tp, &t, err))) goto done;
        st = lacus_tpc_run(t, NULL, y, n, xh);
        if (st) lacus__fail(err, st, "%s", lacus_tpc_errmsg(t));
        lacus_tpc_free(t);
        if (st) goto done;
        r->n_params = 4;
        r->model_kb = (4 + 4) * 8 / 1024.0;
        snprintf(r->note, sizeof r->note, "learns A from 0.5 I (3 passes, Hebbian); C, q, r known");
    }
    r->error = lacus__cmp_score(LACUS_CMP_LGSSM, xh + 2 * d->n_train, d->y_test, d->n_test, 2);
done:
    lacus__free(y), lacus__free(xh);
    return st;
}

lacus_status lacus_compare_run(const lacus_compare_params *p, lacus_cmp_task task,
                               lacus_cmp_model model, lacus_compare_result *out, lacus_error *err)
{
    if (!p || !out) return lacus__fail(err, LACUS_ERR_ARG, "parameters and result must be given");
    memset(out, 0, sizeof *out);
    if ((unsigned)task >= LACUS_CMP_N_TASKS || (unsigned)model >= LACUS_CMP_N_MODELS)
        return lacus__fail(err, LACUS_ERR_ARG, "task %d / model %d: unknown", (int)task, (int)model);
    if (p->n_units < 2 || p->n_units > 100000)
        return lacus__fail(err, LACUS_ERR_ARG, "n_units = %lld: must be in 2..100000", (long long)p->n_units);
    if (p->n_train < 500 || p->n_test < 100 || p->n_train > 100000000 || p->n_test > 100000000)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "n_train = %lld, n_test = %lld: need n_train >= 500, n_test >= 100",
                           (long long)p->n_train, (long long)p->n_test);
    if (p->n_seqs < 8 || p->n_seqs > 10000000)
        return lacus__fail(err, LACUS_ERR_ARG, "n_seqs = %lld: must be >= 8", (long long)p->n_seqs);
    if (!(p->sr >= 0.0) || !isfinite(p->sr) || !(p->lr >= 0.0 && p->lr <= 1.0))
        return lacus__fail(err, LACUS_ERR_ARG, "sr = %g, lr = %g: need sr >= 0, lr in [0, 1] (0: per task)",
                           p->sr, p->lr);
    set_metric(task, out);
    if (!lacus_cmp_applies(task, model)) {
        snprintf(out->note, sizeof out->note, "only for the lgssm task");
        return LACUS_OK;
    }
    if (model == LACUS_CMP_BACKWARD && task == LACUS_CMP_SEQ4) {
        snprintf(out->note, sizeof out->note,
                 "not available on seq4: backward tuning fits one long sequence, not labelled sets");
        return LACUS_OK;
    }
    lacus__cmp_data d;
    lacus_status st = lacus__cmp_make(p, task, &d, err);
    if (st) return st;
    if (model == LACUS_CMP_BACKWARD) {
        st = lacus__cmp_backward(p, &d, out, err);
        out->available = !st;
        lacus__cmp_free(&d);
        return st;
    }
    if (model == LACUS_CMP_KALMAN || model == LACUS_CMP_TPC) {
        st = run_filter(&d, model == LACUS_CMP_TPC, out, err);
        out->available = !st;
        lacus__cmp_free(&d);
        return st;
    }
    int with_pe = 0;
    lacus_localres_params q = model_params(p, task, model, d.M, &with_pe);
    lacus_localres *m = NULL;
    if ((st = lacus_localres_create(&q, &m, err))) {
        lacus__cmp_free(&d);
        return st;
    }
    int learns = model != LACUS_CMP_ESN && model != LACUS_CMP_ESN3;
    st = d.classify ? run_classify(m, with_pe, learns, &d, out, err)
                    : run_series(m, with_pe, learns, &d, out, err);
    if (!st) {
        lacus_localres_stats s;
        lacus_localres_stats_get(m, &s);
        out->n_params += s.n_params;
        /* trained + fixed numbers, and the state */
        out->model_kb = (double)(out->n_params + s.n_fixed + lacus_localres_n_units(m)) * 8.0 / 1024.0;
        if (q.sp_method == LACUS_SP_RLS && with_pe) {
            int64_t extra = 0, k = 0;
            for (int64_t i = 0; i < lacus_localres_n_units(m); i++)
                if (!lacus_localres_get_theta(m, i, NULL, &k)) extra += k * k;
            out->model_kb += (double)extra * 8.0 / 1024.0; /* the RLS matrices */
        }
        if (s.n_quiet > 0) {
            size_t l = strlen(out->note);
            snprintf(out->note + l, sizeof out->note - l, "; %lld quiet units", (long long)s.n_quiet);
        }
        out->available = 1;
    }
    lacus_localres_free(m);
    lacus__cmp_free(&d);
    return st;
}
