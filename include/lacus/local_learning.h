/* lacus/local_learning.h — units that learn for themselves: self-predicting
 * units, Forward-Forward units, intrinsic-plasticity units mixed in one
 * reservoir; temporal predictive coding (tPC) with its Kalman-filter optimum;
 * the layered Forward-Forward network. Part of the public API: include
 * <lacus.h>, which includes this file; the conventions of lacus.h hold here.
 * docs/local_learning.md has the equations, a worked example and the
 * measured comparison. */
#ifndef LACUS_LOCAL_LEARNING_H
#define LACUS_LOCAL_LEARNING_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/local_learning.h>"
#endif

/* ------------------------------------------------------------------------ */
/* Local reservoir: populations of units with their own learning rules      */
/* ------------------------------------------------------------------------ */

/*
 * One leaky tanh reservoir (W, Win, bias drawn as lacus_reservoir_create
 * does from `res`) whose units are split into contiguous populations, each
 * with a rule. Every unit i computes, at step t,
 *
 *   h_i(t) = sum_{j in fan-in(i)} W_ij x_j(t-1) + Win_i u(t) + bias_i
 *   x_i(t) = (1 - lr) x_i(t-1) + lr tanh(g_i h_i(t) + c_i)     (g = 1, c = 0
 *                                                                unless IP)
 * and then, when learning, updates only what it owns from only its own
 * fan-in values x_j(t-1), its own state history and its own error:
 *
 * LACUS_RULE_PLAIN  nothing (an ESN unit).
 * LACUS_RULE_SELFPRED  the self-predicting unit (spec section 4.3): a
 *   private linear predictor theta_i on the regressors
 *     z_i(t) = [1, x_i(t-1), x_{fan-in(i)}(t-1), u(t)]      (K_i values;
 *              u(t) left out when target = INPUT or see_input = 0)
 *   predicts p_i(t) = theta_i . z_i(t) (a priori) of
 *     STATE: x_i(t);   DRIVE: h_i(t);   INPUT: u_{i mod n_inputs}(t), i.e.
 *     the input one step ahead of what the unit has seen;
 *   e_i(t) = target - p_i(t); then NLMS
 *     theta_i += mu e_i z_i / (delta + z_i.z_i)
 *   or per-unit RLS (P_i = I/rls_alpha at start, forgetting rls_lambda).
 *   Optional predictive-coding coupling (temporal PC, spec 4.3 step 5):
 *     relax > 0:  x_i(t) -= relax * e_i(t)   (STATE target only), and
 *     w_eta > 0:  W_ij += w_eta eps_i x_j(t-1) on the existing non-zeros of
 *                 row i, eps_i = x_i(t) - h_i(t): the recurrent row is
 *                 itself trained as the linear predictor of the unit's own
 *                 state (tPC's Delta A with f = identity).
 * LACUS_RULE_FF  Forward-Forward (Hinton 2022) on the recurrent state, one
 *   step at a time, treating x(t-1) and u(t) as inputs (no BPTT). A second
 *   copy of the reservoir is driven by negative input (the training input
 *   with its time steps shuffled by the seed). Each FF unit has its own
 *   goodness g_i = y_i^2 (y_i = tanh(h_i)), p = sigmoid(g - theta_ff), and
 *   descends softplus(theta_ff - g+) + softplus(g- - theta_ff) on its own row
 *   of W (non-zeros), of Win and its bias, with rate ff_eta. The goodness is
 *   per unit rather than summed over the layer so that the rule stays local
 *   (the layer sum would broadcast one scalar to every unit); the layered
 *   network below uses the paper's layer goodness.
 * LACUS_RULE_IP  intrinsic plasticity (Schrauwen et al. 2008, Gaussian
 *   target N(ip_mu, ip_sigma^2)) of the gain g_i and bias c_i, as lacus_ip.
 *
 * Collapse guard (a quiet network). Every unit keeps an exponential running
 * mean and variance of its state (time constant 1/monitor_rate steps);
 * units with variance below quiet_var are counted as quiet and reported
 * by lacus_localres_stats. With guard_ip = 1, the SELFPRED and FF units also
 * run intrinsic plasticity, which holds their variance near ip_sigma^2.
 *
 * Divergence. After each learning step every learning unit checks its
 * weights: a NaN/Inf, a predictor norm |theta_i| above max_norm or a row
 * norm |W_i| above max_norm stops the run: the call returns
 * LACUS_ERR_NUMERIC, the message names the step, the unit (the smallest
 * failing index, whatever the thread count), the rule and the rate to lower;
 * the failing unit's update is not applied (the other units' updates of that
 * step are), and the state the handle keeps is x(t-1).
 *
 * Threads: the units of each step are split across OpenMP threads (a unit's
 * update touches only its own row, predictor and state), so the numbers do
 * not depend on the thread count. Cost per step and unit: O(K_i) (NLMS),
 * O(K_i^2) (RLS), O(fan-in) (FF, twice for the negative copy), O(1) (IP).
 */
typedef enum lacus_local_rule {
    LACUS_RULE_PLAIN = 0,
    LACUS_RULE_SELFPRED = 1,
    LACUS_RULE_FF = 2,
    LACUS_RULE_IP = 3
} lacus_local_rule;

typedef enum lacus_sp_target {
    LACUS_SP_STATE = 0, /* its own state x_i(t) */
    LACUS_SP_DRIVE = 1, /* its own net input h_i(t) */
    LACUS_SP_INPUT = 2  /* the input u_{i mod n_inputs}(t), from x(t-1) only */
} lacus_sp_target;

typedef enum lacus_sp_method {
    LACUS_SP_NLMS = 0,
    LACUS_SP_RLS = 1
} lacus_sp_method;

/* "plain", "selfpred", "ff", "ip"; "state", "drive", "input"; "nlms",
 * "rls". Parsers return LACUS_ERR_ARG with the list of names. */
const char *lacus_local_rule_name(lacus_local_rule r);
lacus_status lacus_local_rule_parse(const char *name, lacus_local_rule *out, lacus_error *err);
const char *lacus_sp_target_name(lacus_sp_target t);
lacus_status lacus_sp_target_parse(const char *name, lacus_sp_target *out, lacus_error *err);
const char *lacus_sp_method_name(lacus_sp_method m);
lacus_status lacus_sp_method_parse(const char *name, lacus_sp_method *out, lacus_error *err);

#define LACUS_LOCAL_MAX_POPS 8

typedef struct lacus_local_pop {
    int64_t n_units;        /* >= 1; the populations cover the units in order */
    lacus_local_rule rule;
} lacus_local_pop;

typedef struct lacus_localres_params {
    lacus_reservoir_params res; /* tanh only, no noise; n_units = sum of pops */
    int n_pops;                 /* 1..LACUS_LOCAL_MAX_POPS; default 1 */
    lacus_local_pop pops[LACUS_LOCAL_MAX_POPS]; /* default one SELFPRED pop of all units
                                                   (pops[0].n_units = 0 means "all") */
    /* self-predicting units */
    lacus_sp_target sp_target;  /* default STATE */
    lacus_sp_method sp_method;  /* default NLMS */
    int see_input;              /* put u(t) in z (not for INPUT); default 1 */
    double mu;                  /* NLMS step in (0, 2); default 0.5 */
    double delta;               /* NLMS regulariser > 0; default 1e-6 */
    double rls_alpha;           /* P(0) = I / rls_alpha, > 0; default 1 */
    double rls_lambda;          /* forgetting in (0, 1]; default 0.999 */
    double relax;               /* PC inference step on the state, [0, 1); default 0 */
    double w_eta;               /* tPC learning of W rows, >= 0; default 0 */
    /* Forward-Forward units */
    double ff_eta;              /* > 0; default 1e-3 */
    double ff_theta;            /* goodness threshold per unit, > 0; default 0.25 */
    /* intrinsic plasticity (IP units, and guard_ip) */
    double ip_eta;              /* > 0; default 5e-4 */
    double ip_mu;               /* default 0 */
    double ip_sigma;            /* > 0; default 0.5 */
    int guard_ip;               /* 1: SELFPRED and FF units also run IP; default 0 */
    /* monitor and divergence */
    double monitor_rate;        /* EMA rate in (0, 1]; default 0.01 */
    double quiet_var;           /* variance below which a unit is quiet; default 1e-6 */
    double max_norm;            /* divergence bound, > 0; default 1e4 */
    /* Forward-Forward options (appended; see LACUS_RULE_FF above) */
    int ff_negatives;           /* lacus_ff_negatives; default SHUFFLE */
    int ff_goodness;            /* lacus_ff_goodness_kind; default UNIT */
    double ff_gen_mu;           /* FREE: NLMS step of the generator, in (0, 2); default 0.5 */
} lacus_localres_params;

/* Negative data of the FF units.
 *   SHUFFLE  the training input with its time steps shuffled (the default).
 *   FREE     free-running, model-generated negatives (the paper's recurrent /
 *            generative variant, its next-character experiment): a linear
 *            generator u^(t) = G [1; x(t-1)] is trained online by NLMS
 *            (step ff_gen_mu) on the positive copy to predict the next input,
 *            and the negative copy is driven by the generator's prediction
 *            from the negative copy's own state, un(t) = G [1; xn(t-1)]: the
 *            network runs on its own output. The generator starts at 0 (the
 *            negative copy first runs on zero input), keeps learning across
 *            calls, and is read by lacus_localres_generator.
 * Goodness of the FF units.
 *   UNIT     per unit, g_i = y_i^2 against ff_theta (local: the default).
 *   LAYER    the paper's layer goodness: G = sum over the FF units of y_j^2,
 *            p = sigmoid(G - n_ff ff_theta), so
 *              dL/dh_i = -s sigmoid(s (n_ff theta - G)) 2 y_i (1 - y_i^2) g_i:
 *            one scalar per step and copy is broadcast to every FF unit; each
 *            unit's update is otherwise local. */
typedef enum lacus_ff_negatives {
    LACUS_FF_NEG_SHUFFLE = 0,
    LACUS_FF_NEG_FREE = 1
} lacus_ff_negatives;
typedef enum lacus_ff_goodness {
    LACUS_FF_GOOD_UNIT = 0,
    LACUS_FF_GOOD_LAYER = 1
} lacus_ff_goodness_kind;
/* "shuffle", "free"; "unit", "layer". */
lacus_status lacus_ff_negatives_parse(const char *name, lacus_ff_negatives *out, lacus_error *err);
lacus_status lacus_ff_goodness_kind_parse(const char *name, lacus_ff_goodness_kind *out, lacus_error *err);

lacus_localres_params lacus_localres_params_default(void);
/* Checks every field, including rule/unit compatibility (FF and SELFPRED
 * need tanh units with a leak: activation must be tanh). */
lacus_status lacus_localres_params_check(const lacus_localres_params *p, lacus_error *err);

typedef struct lacus_localres lacus_localres;

lacus_status lacus_localres_create(const lacus_localres_params *p, lacus_localres **out,
                                   lacus_error *err);
void lacus_localres_free(lacus_localres *m);
const char *lacus_localres_errmsg(const lacus_localres *m);
int64_t lacus_localres_n_units(const lacus_localres *m);
int64_t lacus_localres_n_inputs(const lacus_localres *m);
/* The rule of unit i (PLAIN for i out of range). */
lacus_local_rule lacus_localres_unit_rule(const lacus_localres *m, int64_t i);

/* Runs u (n_steps, n_inputs) from a zero state (reset = 1) or from the
 * state the last call left (reset = 0). learn = 1 applies every unit's
 * rule at every step; learn = 0 only runs (weights frozen, no negative
 * copy). Outputs, each (n_steps, n_units) and optional (NULL):
 *   states: x(t); pred: p_i(t) (0 for units that predict nothing);
 *   errs: e_i(t) = target - p_i(t) (0 likewise).
 * Returns LACUS_ERR_NUMERIC on NaN/Inf in u (nothing changed) or on a
 * divergence (rows up to the failing step written; see above). */
lacus_status lacus_localres_run(lacus_localres *m, const double *u, int64_t n_steps, int learn,
                                int reset, double *states, double *pred, double *errs);

/* As lacus_localres_run with learn = 1, also writing the states of the
 * negative (time-shuffled) copy the FF units learn from: neg_states
 * (n_steps, n_units), optional; all zeros when no unit uses the FF rule. */
lacus_status lacus_localres_run_neg(lacus_localres *m, const double *u, int64_t n_steps, int reset,
                                    double *states, double *neg_states);

/* The FREE-negatives generator G (n_inputs, n_units + 1), row k = [bias,
 * weights on x(t-1)] of input k. LACUS_ERR_ARG without FF units or with
 * SHUFFLE negatives. */
lacus_status lacus_localres_generator(const lacus_localres *m, double *G);

/* Feature rows for a readout: [x(t)] (with_pe = 0) or [x(t), p(t), e(t)]
 * restricted to the SELFPRED units for p and e (with_pe = 1).
 * n_features tells the width; feats is (n_steps, width). */
int64_t lacus_localres_n_features(const lacus_localres *m, int with_pe);
lacus_status lacus_localres_features(lacus_localres *m, const double *u, int64_t n_steps,
                                     int learn, int reset, int with_pe, double *feats);

typedef struct lacus_localres_stats {
    int64_t n_learn_steps;   /* learning steps since creation */
    int64_t n_quiet;         /* units with running variance < quiet_var */
    double min_var;          /* smallest running variance */
    double mean_var;         /* mean running variance */
    double mean_abs_err;     /* mean |e_i| over SELFPRED units, last learning call */
    double w_rho_change;     /* Frobenius norm of W - W(0), relative to |W(0)| */
    int64_t n_params;        /* trainable numbers inside the reservoir */
    int64_t n_fixed;         /* non-zeros of W and Win, and the biases, not trained */
} lacus_localres_stats;
lacus_status lacus_localres_stats_get(const lacus_localres *m, lacus_localres_stats *out);

/* Unit i's predictor theta_i (K_i values, the order of z_i above):
 * *k receives K_i; theta may be NULL to query the size. LACUS_ERR_ARG when
 * unit i is not SELFPRED. Its fan-in: the column indices of row i of W
 * (fan_in may be NULL; *n_fan receives the count). */
lacus_status lacus_localres_get_theta(const lacus_localres *m, int64_t i, double *theta,
                                      int64_t *k);
lacus_status lacus_localres_get_fan_in(const lacus_localres *m, int64_t i, int64_t *fan_in,
                                       int64_t *n_fan);
/* The current recurrent weights W (n_units, n_units), dense. */
lacus_status lacus_localres_get_W(const lacus_localres *m, double *W);

/* ------------------------------------------------------------------------ */
/* Temporal predictive coding and the Kalman filter                         */
/* ------------------------------------------------------------------------ */

/*
 * The linear-Gaussian state-space model
 *   x_k = A x_{k-1} + B u_k + w_k,  w ~ N(0, q I)     (n_x latents)
 *   y_k = C x_k + v_k,              v ~ N(0, r I)     (n_y observations)
 * x_0 = 0. lacus_lgssm_sample draws u ~ N(0, 1) (n_u inputs, may be 0),
 * x and y from the seed. Shapes: A (n_x, n_x), B (n_x, n_u), C (n_y, n_x);
 * u (n_steps, n_u), x (n_steps, n_x), y (n_steps, n_y).
 */
typedef struct lacus_lgssm {
    int64_t n_x, n_y, n_u;
    const double *A, *B, *C;    /* borrowed */
    double q, r;                /* noise variances, > 0 */
} lacus_lgssm;

lacus_status lacus_lgssm_sample(const lacus_lgssm *m, int64_t n_steps, uint64_t seed, double *u,
                                double *x, double *y, lacus_error *err);

/* The Kalman filter (the MSE-optimal estimate of x_k from y_1..y_k and
 * u_1..u_k): xhat (n_steps, n_x) = E[x_k | y_1..k]. P(0) = 0 (x_0 = 0 is
 * known). */
lacus_status lacus_kalman_filter(const lacus_lgssm *m, const double *u, const double *y,
                                 int64_t n_steps, double *xhat, lacus_error *err);

/*
 * Temporal predictive coding (Millidge, Tang, Osanlouy, Harper, Bogacz,
 * PLoS Comput. Biol. 2024), linear f, precisions pi_x = 1/q, pi_y = 1/r:
 *   F_k = pi_y/2 |y_k - C x_k|^2 + pi_x/2 |x_k - A xhat_{k-1} - B u_k|^2
 * Inference per step: x_k starts at the prediction A xhat_{k-1} + B u_k and
 * relaxes n_iter steps of size gamma:
 *   eps_y = y_k - C x_k,  eps_x = x_k - A xhat_{k-1} - B u_k,
 *   x_k += gamma (-pi_x eps_x + pi_y C^T eps_y);   xhat_k = x_k.
 * Learning (eta > 0), after the relaxation, pre x post-error (Hebbian):
 *   A += eta pi_x eps_x xhat_{k-1}^T, B += eta pi_x eps_x u_k^T,
 *   C += eta pi_y eps_y x_k^T      (learn_C = 0 keeps C fixed).
 * The tPC handle copies A, B, C from `init` (its q and r give the
 * precisions); the true model may differ (learning starts from init).
 */
typedef struct lacus_tpc_params {
    double gamma;    /* inference step, > 0; default 0.05 */
    int64_t n_iter;  /* relaxation steps, >= 1; default 100 */
    double eta;      /* learning rate, >= 0 (0: inference only); default 0 */
    int learn_C;     /* default 0 */
} lacus_tpc_params;

lacus_tpc_params lacus_tpc_params_default(void);
typedef struct lacus_tpc lacus_tpc;
lacus_status lacus_tpc_create(const lacus_lgssm *init, const lacus_tpc_params *p, lacus_tpc **out,
                              lacus_error *err);
void lacus_tpc_free(lacus_tpc *m);
const char *lacus_tpc_errmsg(const lacus_tpc *m);
/* Filters a sequence from xhat_0 = 0; learns A, B (and C) when eta > 0.
 * xhat (n_steps, n_x) optional. A gamma too large for the relaxation
 * (|1 - gamma (pi_x + pi_y |C|^2)| > 1) or a divergent eta gives
 * LACUS_ERR_NUMERIC, naming the step and the rate. */
lacus_status lacus_tpc_run(lacus_tpc *m, const double *u, const double *y, int64_t n_steps,
                           double *xhat);
/* Current A (n_x, n_x), B (n_x, n_u), C (n_y, n_x); any may be NULL. */
lacus_status lacus_tpc_get(const lacus_tpc *m, double *A, double *B, double *C);

/* ------------------------------------------------------------------------ */
/* Forward-Forward, layered (Hinton 2022), supervised label-in-input        */
/* ------------------------------------------------------------------------ */

/*
 * Layers l = 1..L: h_l = ReLU(W_l hn_{l-1} + b_l), hn_l = h_l / (|h_l| +
 * 1e-8) (length-normalised so goodness is not passed up), hn_0 = input.
 * Goodness G_l = sum_j h_lj^2; p = sigmoid(G_l - theta). Each layer descends
 * its own loss softplus(theta - G+) + softplus(G- - theta) with Adam (no
 * gradient crosses layers). Input = [one-hot label (n_classes), x]; the
 * positive sample carries the true label, the negative one a label drawn
 * uniformly among the wrong ones. Prediction: the label whose input gives
 * the largest goodness summed over layers (all layers if L <= 2, else all
 * but the first, as the paper).
 */
typedef struct lacus_ff_params {
    int64_t n_inputs;      /* features of x (without the label), >= 1 */
    int64_t n_classes;     /* >= 2 */
    int n_layers;          /* 1..8; default 2 */
    int64_t n_hidden;      /* units per layer, >= 1; default 200 */
    double theta;          /* default: n_hidden (0 means that) */
    double lr;             /* Adam step, > 0; default 0.01 */
    int64_t epochs;        /* >= 1; default 30 */
    int64_t batch;         /* >= 1; default 64 */
    uint64_t seed;         /* default 42 */
} lacus_ff_params;

lacus_ff_params lacus_ff_params_default(void);
typedef struct lacus_ff lacus_ff;
lacus_status lacus_ff_create(const lacus_ff_params *p, lacus_ff **out, lacus_error *err);
void lacus_ff_free(lacus_ff *m);
const char *lacus_ff_errmsg(const lacus_ff *m);
/* Trains on x (n, n_inputs), labels (n) in [0, n_classes). */
lacus_status lacus_ff_fit(lacus_ff *m, const double *x, const int32_t *labels, int64_t n);
/* Predicted labels (n); goodness (n, n_classes) optional: summed goodness
 * of each candidate label. */
lacus_status lacus_ff_predict(const lacus_ff *m, const double *x, int64_t n, int32_t *labels,
                              double *goodness);
/* Mean goodness of layer `layer` (0-based) over x with its true labels
 * (pos) and with wrong labels (neg, the next label mod n_classes). */
lacus_status lacus_ff_goodness(const lacus_ff *m, const double *x, const int32_t *labels,
                               int64_t n, int layer, double *pos, double *neg);
/* Loss of layer `layer` on one positive / negative pair and its gradient
 * by the local rule, for the finite-difference test: dW (n_hidden,
 * n_in_layer), db (n_hidden). */
lacus_status lacus_ff_layer_loss_grad(const lacus_ff *m, int layer, const double *in_pos,
                                      const double *in_neg, double *loss, double *dW, double *db);
/* Layer l's weights: W (n_hidden, n_in_l), b (n_hidden); set for tests. */
int64_t lacus_ff_layer_n_in(const lacus_ff *m, int layer);
lacus_status lacus_ff_layer_get(const lacus_ff *m, int layer, double *W, double *b);
lacus_status lacus_ff_layer_set(lacus_ff *m, int layer, const double *W, const double *b);

/* A generated static task for FF (documented scale): n_classes classes, each
 * a mixture of 2 random prototypes in n_inputs dimensions (unit norm times
 * 2) plus N(0, noise^2) noise, so that classes are not linearly separable
 * by one prototype alone. x (n, n_inputs), labels (n). */
lacus_status lacus_ff_make_task(int64_t n, int64_t n_inputs, int64_t n_classes, double noise,
                                uint64_t seed, double *x, int32_t *labels, lacus_error *err);

/* ------------------------------------------------------------------------ */
/* Comparison harness (lacus compare)                                       */
/* ------------------------------------------------------------------------ */

/*
 * Trains one model on one task, on data generated from the seed, and
 * measures test error, training time, trainable parameters and model size.
 * Tasks (train/test split, readout warmup 100 steps):
 *   MG84    Mackey-Glass (tau 17), standardised, predict u(t + 84); NRMSE
 *           (RMSE / std of the test target).
 *   NARMA10 NARMA of order 10 (ReservoirPy's generator); NRMSE.
 *   MC      memory capacity: u ~ U(-0.8, 0.8), targets u(t - k), k = 1..40;
 *           sum over k of the squared test correlation (higher is better).
 *   LGSSM   tracking: observe y of the 2-D linear-Gaussian system of
 *           docs/local_learning.md (q = r = 1), estimate x; test MSE
 *           (the Kalman filter is the optimum).
 *   SEQ4    4-class sequence classification (40 steps: sine of period 10,
 *           sine of period 7, square and sawtooth waves of period 10, random
 *           phase and amplitude, noise 0.6); test error rate. Features of a
 *           sequence: mean and mean square of its second half.
 * Models: the local reservoir with every unit PLAIN (the ESN), the same ESN
 * with 3 n_units (as many readout features as [s, p, e]), SELFPRED (NLMS,
 * readout on [s, p, e]), SELFPRED with RLS, SELFPRED with tPC coupling
 * (relax 0.1, w_eta 1e-3), FF units, IP units, a heterogeneous reservoir
 * (a quarter each: plain, selfpred, ff, ip; readout on [s, p, e]); on
 * LGSSM also the Kalman filter and tPC learning A, B from A = 0.5 I, B = 0
 * (C known). Local rules learn during one unsupervised pass over the
 * training input, then freeze; the ridge readout's regularisation is chosen
 * on the last 20% of the training rows. BACKWARD: the ESN row's reservoir
 * and ridge readout put in node form (lacus_tune_net_from_esn), then
 * tune_iters iterations of backward tuning (method bank, exact adjoint,
 * criterion l2 after the 100-step warm-up) of W's non-zeros and the
 * readout on the training stretch; the test continues from the training
 * state. Series tasks only (SEQ4: available = 0, the note says why).
 */
typedef enum lacus_cmp_task {
    LACUS_CMP_MG84 = 0,
    LACUS_CMP_NARMA10,
    LACUS_CMP_MC,
    LACUS_CMP_LGSSM,
    LACUS_CMP_SEQ4,
    LACUS_CMP_N_TASKS
} lacus_cmp_task;

typedef enum lacus_cmp_model {
    LACUS_CMP_ESN = 0,
    LACUS_CMP_ESN3,
    LACUS_CMP_SELFPRED,
    LACUS_CMP_SELFPRED_RLS,
    LACUS_CMP_SELFPRED_TPC,
    LACUS_CMP_FF,
    LACUS_CMP_IP,
    LACUS_CMP_HETERO,
    LACUS_CMP_KALMAN,   /* LGSSM only */
    LACUS_CMP_TPC,      /* LGSSM only */
    LACUS_CMP_BACKWARD, /* backward tuning (include/lacus/tune.h); series tasks */
    LACUS_CMP_N_MODELS
} lacus_cmp_model;

/* "mg84", "narma10", "mc", "lgssm", "seq4"; "esn", "esn3x", "selfpred",
 * "selfpred-rls", "selfpred-tpc", "ff", "ip", "hetero", "kalman", "tpc",
 * "backward". */
const char *lacus_cmp_task_name(lacus_cmp_task t);
lacus_status lacus_cmp_task_parse(const char *name, lacus_cmp_task *out, lacus_error *err);
const char *lacus_cmp_model_name(lacus_cmp_model m);
lacus_status lacus_cmp_model_parse(const char *name, lacus_cmp_model *out, lacus_error *err);
/* Whether a model applies to a task (Kalman and tPC only to LGSSM). */
int lacus_cmp_applies(lacus_cmp_task t, lacus_cmp_model m);

typedef struct lacus_compare_params {
    int64_t n_units;     /* reservoir units, 2..100000; default 200 */
    uint64_t seed;       /* data and weights; default 42 */
    int64_t n_train;     /* training steps (series tasks), >= 500; default 4000 */
    int64_t n_test;      /* test steps, >= 100; default 1000 */
    int64_t n_seqs;      /* SEQ4 training sequences (test: n_seqs / 2), >= 8; default 400 */
    double sr;           /* spectral radius; 0 (default): per task, 1.25 for MG84,
                            0.95 NARMA10 and MC, 0.9 LGSSM and SEQ4 */
    double lr;           /* leak; 0 (default): per task */
    int n_pops;          /* HETERO populations; 0 (default): a quarter each of
                            plain, selfpred, ff, ip */
    lacus_local_pop pops[LACUS_LOCAL_MAX_POPS]; /* unit counts summing to n_units */
    int64_t tune_iters;  /* BACKWARD: backward-tuning iterations (bank), 1..10000; default 20 */
    int ff_negatives;    /* FF units (ff, hetero): lacus_ff_negatives; default SHUFFLE */
    int ff_goodness;     /* FF units: lacus_ff_goodness_kind; default UNIT */
} lacus_compare_params;

lacus_compare_params lacus_compare_params_default(void);

typedef struct lacus_compare_result {
    int available;       /* 0: not run (note says why) */
    double error;        /* the task's metric on the test set */
    const char *metric;  /* "NRMSE", "MC", "MSE", "error rate" (static text) */
    int higher_better;
    double train_s;      /* wall time of everything trained: local pass, features, readout */
    int64_t n_params;    /* trained numbers (readout + local rules) */
    double model_kb;     /* every number of the model (trained and fixed), 8 bytes each */
    char note[160];
} lacus_compare_result;

lacus_status lacus_compare_run(const lacus_compare_params *p, lacus_cmp_task task,
                               lacus_cmp_model model, lacus_compare_result *out, lacus_error *err);

/* Writes the task's data as <dir>/<task>.npz (u_train, y_train, u_test,
 * y_test; SEQ4: (n, 40, 1) inputs and one-hot (n, 4) targets; warmup as a
 * 0-d array) for the BPTT baseline (bench/anchor_bptt_rnn.py). Atomic. */
lacus_status lacus_compare_export(const lacus_compare_params *p, lacus_cmp_task task,
                                  const char *dir, lacus_error *err);

#endif /* LACUS_LOCAL_LEARNING_H */
