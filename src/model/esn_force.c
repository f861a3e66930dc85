/* FORCE learning (Sussillo & Abbott 2009): an RLS readout learns online
 * while the reservoir runs on its own fed-back output z, so the network
 * learns to produce the target in closed loop, the way it will be used:
 *
 *   x[t] = step(x[t-1], [u[t], z[t-1]]),   z[t] = W^T x[t] + b  (a priori),
 *   then RLS (P(0) = I / alpha, forgetting lambda) on the error z[t] - y[t].
 *
 * Keeping the error small from the first steps on (RLS's fast convergence)
 * is what lets the loop stay near the target while it is being learned.
 * The learned weights become the ESN's readout. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "model/esn.h"

typedef struct {
    double *row, *x, *state, *xi, *z;
    lacus__run_ws ws;
    int ws_ok;
} force_ws;

static void ws_free(force_ws *w)
{
    if (w->ws_ok) lacus__run_ws_free(&w->ws);
    lacus__free(w->row);
    lacus__free(w->x);
    lacus__free(w->state);
    lacus__free(w->xi);
    lacus__free(w->z);
}

/* One sequence: closed loop, learning after the warm-up. */
static lacus_status force_sequence(lacus_esn *m, lacus_online *rls, force_ws *w, const double *u,
                                   const double *y, int64_t T, int64_t seq)
{
    lacus_reservoir *r = m->res;
    int64_t N = r->p.n_units, I = m->p.reservoir.n_inputs, O = m->p.n_feedback;
    memset(w->x, 0, (size_t)N * sizeof(double));
    memset(w->row + I, 0, (size_t)O * sizeof(double)); /* z[-1] = 0 */
    for (int64_t t = 0; t < T; t++) {
        memcpy(w->row, u + t * I, (size_t)I * sizeof(double));
        lacus__esn_loop_step(r, &w->ws, w->x, w->row, I + O, w->state, N, w->xi,
                             lacus_get_num_threads());
        lacus_status st = t < m->p.warmup
                              ? lacus_online_predict(rls, w->state, N, 1, w->z, O)
                              : lacus_online_step(rls, w->state, y + t * O, w->z);
        if (st)
            return lacus__fail(&m->err, st, "FORCE, sequence %lld, step %lld: %s", (long long)seq,
                               (long long)t, lacus_online_errmsg(rls));
        for (int64_t o = 0; o < O; o++)
            if (!isfinite(w->z[o]))
                return lacus__fail(&m->err, LACUS_ERR_NUMERIC,
                                   "FORCE: the closed loop diverged at sequence %lld, step %lld",
                                   (long long)seq, (long long)t);
        memcpy(w->row + I, w->z, (size_t)O * sizeof(double));
    }
    return LACUS_OK;
}

/* Makes the RLS weights the ESN's readout. */
static lacus_status adopt_weights(lacus_esn *m, lacus_online *rls)
{
    int64_t N = m->res->p.n_units, O = m->p.n_feedback;
    lacus_ridge_params rp = m->p.readout;
    rp.n_features = N;
    rp.n_outputs = O;
    rp.keep_samples = 0;
    if (rp.solver == LACUS_SOLVER_DUAL) rp.solver = LACUS_SOLVER_AUTO;
    double *W = LACUS__NEW(double, N * O), *b = LACUS__NEW(double, O);
    lacus_ridge *readout = NULL;
    lacus_status st = !W || !b ? lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory")
                               : lacus_ridge_create(&rp, &readout, &m->err);
    if (!st) {
        lacus_online_get_weights(rls, W, b);
        st = lacus_ridge_set_weights(readout, W, b);
        if (st) m->err = readout->err;
    }
    if (!st) {
        lacus_ridge_free(m->readout);
        lacus__esn_stream_free(m);
        m->readout = readout;
        m->n_outputs = O;
        readout = NULL;
    }
    lacus_ridge_free(readout);
    lacus__free(W);
    lacus__free(b);
    return st;
}

lacus_status lacus_esn_force(lacus_esn *m, const lacus_seqs *inputs, const lacus_seqs *targets,
                             double alpha, double forgetting)
{
    int64_t N = m->res->p.n_units, I = m->p.reservoir.n_inputs, O = m->p.n_feedback;
    if (O == 0)
        return lacus__fail(&m->err, LACUS_ERR_STATE,
                           "FORCE needs output feedback: create the ESN with n_feedback > 0");
    lacus_status st;
    if ((st = lacus__esn_check_pairs(&m->err, inputs, I, targets, O))) return st;
    lacus_online_params op = lacus_online_params_default();
    op.n_features = N;
    op.n_outputs = O;
    op.method = LACUS_ONLINE_RLS;
    op.alpha = alpha;
    op.forgetting = forgetting;
    op.fit_bias = 0; /* classic FORCE: z = W^T x, no bias */
    lacus_online *rls = NULL;
    if ((st = lacus_online_create(&op, &rls, &m->err))) return st;
    force_ws w = {0};
    w.row = LACUS__NEW(double, I + O);
    w.x = LACUS__NEW(double, N);
    w.state = LACUS__NEW(double, N);
    w.xi = LACUS__NEW(double, 2 * N);
    w.z = LACUS__NEW(double, O);
    w.ws_ok = w.row && w.x && w.state && w.xi && w.z && !lacus__run_ws_init(&w.ws, m->res);
    if (!w.ws_ok) st = lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory for FORCE");
    uint64_t call = m->res->n_runs++;
    for (int64_t i = 0; i < inputs->n_seqs && !st; i++) {
        lacus__run_ws_seed(&w.ws, m->res, call, (uint64_t)i);
        st = force_sequence(m, rls, &w, inputs->data[i], targets->data[i], inputs->n_steps[i], i);
        if (m->p.progress) m->p.progress((double)(i + 1) / (double)inputs->n_seqs, m->p.progress_user);
    }
    /* On divergence RLS kept its last good weights: adopt those too. */
    if (!st || st == LACUS_ERR_NUMERIC) {
        lacus_status adopt = adopt_weights(m, rls);
        if (!st) st = adopt;
    }
    ws_free(&w);
    lacus_online_free(rls);
    return st;
}
