/* An ESN whose readout learns online (RLS or LMS), the way ReservoirPy's
 * `(reservoir >> RLS()).partial_fit(u, y)` trains it: the reservoir steps
 * through each sequence and the readout learns from each state as it comes,
 * in order. Without feedback the reservoir does not depend on the readout,
 * so states are computed 256 steps at a time and handed to the online
 * readout row by row. The learned weights become the ESN's readout, so run,
 * generate and save work as after a ridge fit. */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "model/esn.h"

#define ROWS 256

lacus_status lacus_esn_fit_online(lacus_esn *m, const lacus_seqs *inputs, const lacus_seqs *targets,
                                  const lacus_online_params *op)
{
    lacus__clear(&m->err);
    lacus_status st;
    if (!op) return lacus__fail(&m->err, LACUS_ERR_ARG, "online params are NULL");
    if (m->p.n_feedback > 0)
        return lacus__fail(&m->err, LACUS_ERR_UNSUPPORTED,
                           "online readouts with feedback are FORCE learning: use lacus_esn_force");
    if ((st = lacus__esn_check_pairs(&m->err, inputs, m->p.reservoir.n_inputs, targets, 0)))
        return st;
    int64_t N = m->res->p.n_units, I = m->p.reservoir.n_inputs, F = lacus__esn_n_features(m);
    int64_t O = targets->n_features;
    lacus_online_params p = *op;
    p.n_features = F;
    p.n_outputs = O;
    lacus_online *rls = NULL;
    if ((st = lacus_online_create(&p, &rls, &m->err))) return st;
    double *states = LACUS__NEW(double, ROWS * N), *feat = LACUS__NEW(double, ROWS * F);
    if (!states || !feat) st = lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; i < inputs->n_seqs && !st; i++) {
        int64_t T = inputs->n_steps[i];
        for (int64_t t = 0; t < T && !st; t += ROWS) {
            int64_t n = T - t < ROWS ? T - t : ROWS;
            const double *u = inputs->data[i] + t * I;
            if ((st = lacus_reservoir_run(m->res, u, n, t == 0, states))) {
                m->err = m->res->err;
                break;
            }
            const double *x = states;
            if (m->p.feed_input) { /* [x, u] rows */
                for (int64_t k = 0; k < n; k++) {
                    memcpy(feat + k * F, states + k * N, (size_t)N * sizeof(double));
                    memcpy(feat + k * F + N, u + k * I, (size_t)I * sizeof(double));
                }
                x = feat;
            }
            int64_t skip = m->p.warmup > t ? m->p.warmup - t : 0;
            if (skip < n &&
                (st = lacus_online_partial_fit(rls, x + skip * F, F, targets->data[i] + (t + skip) * O,
                                               O, n - skip, NULL)))
                lacus__fail(&m->err, st, "online readout, sequence %lld: %s", (long long)i,
                            lacus_online_errmsg(rls));
        }
    }
    /* The learned weights (the last good ones after a divergence) become
     * the ESN's readout. */
    lacus_ridge_params rp = m->p.readout;
    rp.n_features = F;
    rp.n_outputs = O;
    rp.keep_samples = 0;
    double *W = LACUS__NEW(double, F * O), *b = LACUS__NEW(double, O);
    lacus_ridge *r = NULL;
    lacus_status st2 = (W && b) ? lacus_ridge_create(&rp, &r, &m->err) : LACUS_ERR_NOMEM;
    if (!st2) {
        lacus_online_get_weights(rls, W, b);
        st2 = lacus_ridge_set_weights(r, W, b);
    }
    if (!st2) {
        lacus_ridge_free(m->readout);
        lacus__esn_stream_free(m);
        m->readout = r;
        m->n_outputs = O;
        r = NULL;
    }
    if (!st && st2) st = lacus__fail(&m->err, st2, "out of memory setting the readout");
    lacus_ridge_free(r);
    lacus__free(W);
    lacus__free(b);
    lacus__free(states);
    lacus__free(feat);
    lacus_online_free(rls);
    return st;
}
