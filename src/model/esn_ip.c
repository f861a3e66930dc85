/* Intrinsic plasticity inside an ESN (lacus/ip.h has the rule): the
 * reservoir's gains a and biases b are learned on the training inputs, then
 * folded into the ESN's own weights, so the readout is fitted on, and the
 * model file holds, the plastic reservoir:
 *
 *   f(a * (W x + Win u + bias) + b) = f((diag(a) W) x + (diag(a) Win) u + (a * bias + b))
 *
 * This identity needs the IP reservoir's equation to be the ESN's, which
 * holds for lr = 1 only: IPReservoir leaks the net input (r = (1-lr) r +
 * lr (W x + ...), x = f(a r + b)) while the ESN leaks the output (x =
 * (1-lr) x + lr f(...)). With lr < 1 the two models differ and the call
 * refuses, rather than save a reservoir that is not the one trained. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "model/esn.h"

lacus_status lacus_esn_fit_ip(lacus_esn *m, const lacus_seqs *inputs, const lacus_ip_params *ip,
                              int64_t epochs, double *a_out, double *b_out)
{
    lacus_reservoir *r = m->res;
    int64_t N = r->p.n_units;
    if (m->p.n_feedback > 0)
        return lacus__fail(&m->err, LACUS_ERR_UNSUPPORTED,
                           "intrinsic plasticity with output feedback is not supported");
    for (int64_t n = 0; n < N; n++)
        if (r->lr[n] != 1.0)
            return lacus__fail(&m->err, LACUS_ERR_UNSUPPORTED,
                               "intrinsic plasticity in an ESN needs lr = 1 (unit %lld has lr = "
                               "%g): IPReservoir leaks the net input, the ESN its output, so only "
                               "then is the trained reservoir the ESN's", (long long)n, r->lr[n]);
    lacus_status st = lacus__esn_check_seqs(&m->err, "inputs", inputs, m->p.reservoir.n_inputs);
    if (st) return st;
    lacus_ip_reservoir *ipr = NULL;
    double *a = LACUS__NEW(double, N), *b = LACUS__NEW(double, N);
    if (!a || !b) {
        st = lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory for intrinsic plasticity");
        goto done;
    }
    if ((st = lacus_ip_create_from_reservoir(r, ip, &ipr, &m->err))) goto done;
    if ((st = lacus_ip_fit(ipr, inputs, epochs))) {
        st = lacus__fail(&m->err, st, "intrinsic plasticity: %s", lacus_ip_errmsg(ipr));
        goto done;
    }
    lacus_ip_get_a(ipr, a);
    lacus_ip_get_b(ipr, b);
    for (int64_t n = 0; n < N; n++)
        if (!isfinite(a[n]) || !isfinite(b[n]) || a[n] == 0.0) {
            st = lacus__fail(&m->err, LACUS_ERR_NUMERIC,
                             "intrinsic plasticity gave unit %lld a = %g, b = %g: not usable",
                             (long long)n, a[n], b[n]);
            goto done;
        }
    /* Fold row by row (only now that everything succeeded). */
    for (int64_t n = 0; n < N; n++) {
        for (int64_t k = r->W.indptr[n]; k < r->W.indptr[n + 1]; k++) r->W.values[k] *= a[n];
        for (int64_t k = r->Win.indptr[n]; k < r->Win.indptr[n + 1]; k++) r->Win.values[k] *= a[n];
        r->bias[n] = a[n] * r->bias[n] + b[n];
    }
    if (a_out) memcpy(a_out, a, (size_t)N * sizeof *a);
    if (b_out) memcpy(b_out, b, (size_t)N * sizeof *b);
done:
    lacus_ip_free(ipr);
    lacus__free(a);
    lacus__free(b);
    return st;
}
