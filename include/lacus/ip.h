/* lacus/ip.h — placeholder, filled by the ip work. Part of the public API:
 * include <lacus.h>, which includes this file. */
#ifndef LACUS_IP_H
#define LACUS_IP_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/ip.h>"
#endif

/* ------------------------------------------------------------------------ */
/* IP reservoir: intrinsic plasticity (ReservoirPy 0.4.2's IPReservoir)     */
/* ------------------------------------------------------------------------ */

/*
 * The equation (ReservoirPy 0.4.2's IPReservoir; the leak acts on the net
 * input r, the learned gain a and bias b inside the activation):
 *
 *   r[t+1] = (1 - lr) * r[t] + lr * ( W x[t] + Win u[t+1] + bias )
 *   x[t+1] = f( a * r[t+1] + b )                     (elementwise a, b)
 *
 * r[0] = x[0] = 0, a = 1, b = 0 at creation. x is the output (the states).
 *
 * Intrinsic plasticity, one update per step after x[t+1] is computed, with
 * y = x[t+1] and the net input r = r[t+1] that produced it:
 *   tanh, Gaussian target N(mu, sigma^2) (Schrauwen et al. 2008):
 *     db = -eta * ( -mu/sigma^2 + (y/sigma^2) (2 sigma^2 + 1 - y^2 + mu y) )
 *   sigmoid, exponential target of mean mu (Triesch 2005):
 *     db = eta * ( 1 - (2 + 1/mu) y + y^2/mu )
 *   both: da = eta / a + db * r;   a += da, b += db.
 * The gain step uses the current net input r[t+1] (see docs/ip.md for the
 * previous-state variant the spec attributes to ReservoirPy, and why 0.4.2's
 * numbers equal this rule).
 */
typedef struct lacus_ip_params {
    /* The reservoir's weights and leak: n_units, n_inputs, lr (or
     * lr_per_unit), sr, input_scaling, connectivities, initialisers, bias,
     * activation (tanh or sigmoid only), seed. Noise must be 0. Defaults
     * are IPReservoir's: W uniform U(-1, 1) left unscaled (sr = 0, as
     * ReservoirPy's sr=None), Win bernoulli, bias bernoulli +-1 (bias_scaling
     * 1, connectivity 1), lr 1, tanh. */
    lacus_reservoir_params res;
    double mu;       /* target mean; default 0 (must be > 0 for sigmoid) */
    double sigma;    /* target standard deviation (tanh), > 0; default 1 */
    double eta;      /* learning rate, > 0; default 5e-4 */
    int64_t epochs;  /* passes of lacus_ip_fit when its epochs argument is 0; default 1 */
    int64_t warmup;  /* steps dropped (not run) at the start of each training
                        sequence, as ReservoirPy's fit(warmup=); default 0 */
} lacus_ip_params;

lacus_ip_params lacus_ip_params_default(void);
lacus_status lacus_ip_params_check(const lacus_ip_params *p, lacus_error *err);

typedef struct lacus_ip_reservoir lacus_ip_reservoir;

/* Draws W, Win, bias as lacus_reservoir_create does from p->res. */
lacus_status lacus_ip_create(const lacus_ip_params *p, lacus_ip_reservoir **out, lacus_error *err);
/* Takes W, Win, bias and the leak of an existing reservoir (copied; p->res
 * is ignored except its activation, which must be tanh or sigmoid).
 * p may be NULL for the defaults. */
lacus_status lacus_ip_create_from_reservoir(const lacus_reservoir *src, const lacus_ip_params *p,
                                            lacus_ip_reservoir **out, lacus_error *err);
void lacus_ip_free(lacus_ip_reservoir *r);
const char *lacus_ip_errmsg(const lacus_ip_reservoir *r);
int64_t lacus_ip_n_units(const lacus_ip_reservoir *r);
int64_t lacus_ip_n_inputs(const lacus_ip_reservoir *r);

/* Replace the weights (dense row-major, zeros dropped, no scaling):
 *   W (n_units, n_units)   Win (n_units, n_inputs)   bias (n_units) */
lacus_status lacus_ip_set_W(lacus_ip_reservoir *r, const double *W);
lacus_status lacus_ip_set_Win(lacus_ip_reservoir *r, const double *Win);
lacus_status lacus_ip_set_bias(lacus_ip_reservoir *r, const double *bias);

/* Intrinsic plasticity over the training sequences, as IPReservoir.fit:
 * for each epoch, for each sequence, for each step after warmup: step, then
 * update a and b. The state is never reset: fitting starts from the state the
 * handle holds (zero after creation or lacus_ip_reset) and carries over
 * between sequences and epochs. epochs = 0 uses p.epochs; epochs < 0 is an
 * error. Inputs are checked for NaN/Inf before anything changes; if a or b
 * become non-finite the call fails with LACUS_ERR_NUMERIC. */
lacus_status lacus_ip_fit(lacus_ip_reservoir *r, const lacus_seqs *u, int64_t epochs);

/* Runs one sequence with a and b frozen, from a zero state (reset = 1) or
 * the state the last call left (reset = 0).
 *   u (n_steps, n_inputs), states (n_steps, n_units): the outputs x. */
lacus_status lacus_ip_run(lacus_ip_reservoir *r, const double *u, int64_t n_steps, int reset,
                          double *states);
/* Zeroes the state (r and x); a and b are kept. */
void lacus_ip_reset(lacus_ip_reservoir *r);

/* Gain a and bias b, (n_units) each. set_* require finite values, a != 0. */
lacus_status lacus_ip_get_a(const lacus_ip_reservoir *r, double *a);
lacus_status lacus_ip_get_b(const lacus_ip_reservoir *r, double *b);
lacus_status lacus_ip_set_a(lacus_ip_reservoir *r, const double *a);
lacus_status lacus_ip_set_b(lacus_ip_reservoir *r, const double *b);
/* Current output state x (n_units). */
lacus_status lacus_ip_get_state(const lacus_ip_reservoir *r, double *x);

/* ------------------------------------------------------------------------ */
/* Intrinsic plasticity inside an ESN (model files, lacus fit --ip-epochs)  */
/* ------------------------------------------------------------------------ */

/* Intrinsic plasticity (lacus/ip.h: Schrauwen 2008 for tanh, Triesch 2005
 * for sigmoid) of the ESN's reservoir on `inputs`, before the readout is
 * fitted: runs lacus_ip_fit (epochs, 0: ip->epochs; ip may be NULL for the
 * defaults; ip->res is ignored, the ESN's reservoir is used) and folds the
 * learned gains a and biases b into the reservoir's rows,
 *   W <- diag(a) W,  Win <- diag(a) Win,  bias <- a * bias + b,
 * so lacus_esn_fit, run, save and load then use the plastic reservoir (the
 * model file needs nothing new). a_out, b_out (n_units each, may be NULL)
 * receive a and b. Only for lr = 1 (IPReservoir leaks the net input, the
 * ESN its output: with lr < 1 they are different models), no feedback, no
 * noise, tanh or sigmoid: LACUS_ERR_UNSUPPORTED / LACUS_ERR_ARG otherwise.
 * On any error the reservoir is unchanged. */
lacus_status lacus_esn_fit_ip(lacus_esn *m, const lacus_seqs *inputs, const lacus_ip_params *ip,
                              int64_t epochs, double *a_out, double *b_out);

#endif /* LACUS_IP_H */
