/* The backward-tuning row of `lacus compare` (issue 6 in the harness of
 * issue 7): the reservoir-adjustment idea of the backward-tuning team
 * (Alexandre, Strock, Hinaut, Vieville, "Recurrent weights adjustment in
 * reservoir computing using backward tuning", unfinished): fit the ESN's
 * ridge readout first, then tune the recurrent weights and the readout
 * together by backward tuning on the training stretch.
 *
 * The reservoir is the ESN row's (same parameters and seed, so the same W,
 * Win and bias draws), its readout the same validated ridge; the node form
 * (lacus_tune_net_from_esn) reproduces the reservoir's states exactly
 * (bench_tune esn prints the difference, 0 to rounding). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/error.h"
#include "learn/compare.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

lacus_status lacus__cmp_backward(const lacus_compare_params *p, const lacus__cmp_data *d,
                                 lacus_compare_result *r, lacus_error *err)
{
    if (p->tune_iters < 1 || p->tune_iters > 10000)
        return lacus__fail(err, LACUS_ERR_ARG, "tune_iters = %lld: must be in 1..10000", (long long)p->tune_iters);
    const int64_t N = p->n_units, M = d->M, O = d->O, Ttr = d->n_train, Tte = d->n_test, T = Ttr + Tte;
    lacus_reservoir_params rp;
    lacus__cmp_task_res(p, d->task, N, M, &rp);
    lacus_reservoir *res = NULL;
    lacus_ridge *ro = NULL;
    lacus_tune_net *net = NULL;
    lacus_status st = lacus_reservoir_create(&rp, &res, err);
    if (st) return st;
    double *S = LACUS__NEW(double, Ttr * N), *W = LACUS__NEW(double, N * N), *Win = LACUS__NEW(double, N * M);
    double *b = LACUS__NEW(double, N), *Wout = LACUS__NEW(double, N * O), *bout = LACUS__NEW(double, O);
    double *u = LACUS__NEW(double, T * M), *x = NULL, *pred = LACUS__NEW(double, Tte * O);
    if (!S || !W || !Win || !b || !Wout || !bout || !u || !pred) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (backward row, %lld units)", (long long)N);
        goto done;
    }
    double t0 = now(), beta = 0.0;
    if ((st = lacus_reservoir_run(res, d->u_train, Ttr, 1, S))) {
        lacus__fail(err, st, "reservoir run failed");
        goto done;
    }
    if ((st = lacus__cmp_fit_readout(S, N, d->y_train, O, Ttr, LACUS__CMP_WARMUP, &ro, &beta, err))) goto done;
    lacus_reservoir_get_W(res, W);
    lacus_reservoir_get_Win(res, Win);
    lacus_reservoir_get_bias(res, b);
    lacus_ridge_get_weights(ro, Wout, bout);
    if ((st = lacus_tune_net_from_esn(N, M, O, rp.lr, W, Win, b, Wout, bout, &net, err))) goto done;
    lacus_tune_criterion c = lacus_tune_criterion_default();
    c.n_observed = O;
    c.warmup = LACUS__CMP_WARMUP;
    lacus_tune_params tp = lacus_tune_params_default();
    tp.method = LACUS_TUNE_BANK;
    tp.max_iter = p->tune_iters;
    lacus_tune_result tr;
    memset(&tr, 0, sizeof tr);
    st = lacus_tune_fit(net, d->u_train, d->y_train, Ttr, &c, &tp, &tr, err);
    int diverged = st == LACUS_ERR_NUMERIC; /* the net keeps the last good weights */
    if (st && !diverged) goto done;
    st = LACUS_OK;
    r->train_s = now() - t0;
    /* Test: the tuned net runs over train + test (the test continues from
     * the training state, as in the other rows). */
    int64_t Nn = lacus_tune_net_n_nodes(net);
    if (!(x = LACUS__NEW(double, T * Nn))) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (%lld x %lld trajectory)", (long long)T, (long long)Nn);
        goto done;
    }
    memcpy(u, d->u_train, (size_t)(Ttr * M) * sizeof *u);
    memcpy(u + Ttr * M, d->u_test, (size_t)(Tte * M) * sizeof *u);
    if ((st = lacus_tune_forward(net, u, T, x, err))) goto done;
    for (int64_t t = 0; t < Tte; t++)
        for (int64_t o = 0; o < O; o++) pred[t * O + o] = x[(Ttr + t) * Nn + o];
    r->error = lacus__cmp_score(d->task, pred, d->y_test, Tte, O);
    int64_t n_learn = 0, nw = lacus_tune_net_n_weights(net);
    for (int64_t j = 0; j < nw; j++) {
        lacus_tune_weight_info wi;
        lacus_tune_net_weight_info(net, j, &wi);
        n_learn += wi.learnable;
    }
    r->n_params = n_learn;
    r->model_kb = (double)(nw + Nn) * 8.0 / 1024.0;
    snprintf(r->note, sizeof r->note, "ridge %g, then %lld its of tuning W+readout: train NRMSE %.4g -> %.4g%s",
             beta, (long long)tr.iterations, tr.nrmse0, tr.nrmse, diverged ? " (diverged: last good weights)" : "");
done:
    lacus_reservoir_free(res);
    lacus_ridge_free(ro);
    lacus_tune_net_free(net);
    lacus__free(S), lacus__free(W), lacus__free(Win), lacus__free(b), lacus__free(Wout), lacus__free(bout);
    lacus__free(u), lacus__free(x), lacus__free(pred);
    return st;
}
