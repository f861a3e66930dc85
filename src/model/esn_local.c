/* Local plasticity (Hebbian, anti-Hebbian, Oja, anti-Oja, BCM; lacus/
 * plasticity.h has the rules) of an ESN's recurrent weights on the training
 * inputs, before the readout: the learned W becomes the ESN's W, so fit,
 * run, save and load use it with no new file format.
 *
 * The plastic reservoir's equation (ReservoirPy's LocalPlasticityReservoir:
 * r = (1-lr) x + lr (W x + Win u + b), x = f(r)) is the ESN's
 * (x = (1-lr) x + lr f(W x + Win u + b)) only for lr = 1, so only then is
 * the trained W the ESN's; with lr < 1 the call refuses. */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "model/esn.h"

lacus_status lacus_esn_fit_local(lacus_esn *m, const lacus_seqs *inputs,
                                 const lacus_plasticity_params *pp, int64_t epochs)
{
    lacus_reservoir *r = m->res;
    int64_t N = r->p.n_units, I = r->p.n_inputs;
    if (m->p.n_feedback > 0)
        return lacus__fail(&m->err, LACUS_ERR_UNSUPPORTED,
                           "local plasticity with output feedback is not supported");
    for (int64_t n = 0; n < N; n++)
        if (r->lr[n] != 1.0)
            return lacus__fail(&m->err, LACUS_ERR_UNSUPPORTED,
                               "local plasticity in an ESN needs lr = 1 (unit %lld has lr = %g): "
                               "the plastic reservoir leaks before its activation, the ESN after",
                               (long long)n, r->lr[n]);
    if (r->p.noise_rc != 0.0 || r->p.noise_in != 0.0)
        return lacus__fail(&m->err, LACUS_ERR_UNSUPPORTED,
                           "local plasticity: the reservoir has noise, the plastic one has none");
    lacus_status st = lacus__esn_check_seqs(&m->err, "inputs", inputs, I);
    if (st) return st;
    lacus_plasticity_params q = pp ? *pp : lacus_plasticity_params_default();
    q.n_units = N;
    q.n_inputs = I;
    q.lr = 1.0;
    q.activation = r->p.activation;
    lacus_plasticity *pl = NULL;
    double *W = LACUS__NEW(double, N * N);
    if (!W) return lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory for local plasticity");
    if ((st = lacus_plasticity_create(&q, &pl, &m->err))) goto done;
    if ((st = lacus_plasticity_set_from_reservoir(pl, r)) ||
        (st = lacus_plasticity_fit(pl, inputs, epochs))) {
        st = lacus__fail(&m->err, st, "local plasticity: %s", lacus_plasticity_errmsg(pl));
        goto done;
    }
    lacus_plasticity_get_W(pl, W);
    if ((st = lacus_reservoir_set_W(r, W))) m->err = r->err;
done:
    lacus_plasticity_free(pl);
    lacus__free(W);
    return st;
}
