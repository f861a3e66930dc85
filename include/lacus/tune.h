/* lacus/tune.h — backward tuning of recurrent weights, and sparse
 * (architecture-learning) estimation. Part of the public API: include
 * <lacus.h>, which includes this file; the conventions of lacus.h hold here. */
#ifndef LACUS_TUNE_H
#define LACUS_TUNE_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/tune.h>"
#endif

/* ------------------------------------------------------------------------ */
/* Backward tuning (Vieville, Hinaut, Drumond, Alexandre, Inria RR-9100)    */
/* ------------------------------------------------------------------------ */

/*
 * The network in "node-kernel" form. Every scalar quantity is a node
 * n = 0..n_nodes-1; node n at step t is a weighted sum of kernels:
 *
 *   x_n(t) = sum_d W_nd Phi_nd(t),     Phi_nd(t) = f_nd(v_1, .., v_k)
 *
 * where each kernel f_nd is a fixed function of up to LACUS_TUNE_MAX_SRC
 * source values v_j: a node value x_m(t - lag) with lag >= 1 (the past), or
 * lag = 0 and m > n (a higher-indexed node of the same step), or an input
 * u_m(t - lag) with lag >= 0. Values before t = 0 are 0. Within a step nodes
 * are computed from n_nodes-1 down to 0. Weights can be learnable or fixed
 * (a fixed weight 1 is the paper's parameter-free Phi_n0), bounded, and
 * flagged "sparse" (a connection weight, subject to the sparse prior and to
 * pruning). This is equation (1) of the paper.
 *
 * Criterion (sum over observed nodes o and steps t; e = x_o(t) - target):
 *   C(W) = sum_{o,t} rho(e_ot) + R(W)
 * Backward tuning (the paper's eq. 3), processed t = T-1..0, n = 0..N-1:
 *   eps_n(t) = rho'_n(t) + g( sum_{(m,s) reading (n,t)} W_md dPhi_md(s)/dx_n(t) eps_m(s) )
 * With the guard g off (identity) eps is exactly the BPTT adjoint dC/dx_n(t)
 * (the spec's key finding, tested to 1e-6 against finite differences), and
 * the gradient is the "Hebbian" product  dC/dW_nd = sum_t Phi_nd(t) eps_n(t)
 * + dR/dW_nd. With the guard on (the paper's g: values below 2 nu lifted to
 * nu + u^2/(4 nu), above omega - a softly saturated; nu = 1e-6 mean|rho'|,
 * omega = 1e6 mean|rho'|, a = 1e-3 omega) eps is no longer the exact
 * gradient; counters say how many values were lifted and saturated.
 *
 * Cost per forward or backward pass: O(sum of kernel sources x T); memory:
 * n_nodes x T doubles for the trajectory and as many for eps.
 */

#define LACUS_TUNE_MAX_SRC 4

typedef enum lacus_tune_kernel_kind {
    LACUS_TK_ONE = 0,      /* 1 (an offset); no source */
    LACUS_TK_ID = 1,       /* v1 */
    LACUS_TK_CLIP = 2,     /* v1 clipped to [-p1, p1] (linear unit, p1 = 1e6) */
    LACUS_TK_ZETA = 3,     /* zeta_[a,b](v1) = a + (b-a)/(1+exp(-4 v1/(b-a))), a = p1, b = p2;
                              b = +inf: ReLU max(v1, a) */
    LACUS_TK_RELU = 4,     /* min(max(v1, 0), p1) (sparse ReLU unit, p1 = 1e7) */
    LACUS_TK_SIG4 = 5,     /* sigma_4(v1) = 1/(1+exp(-4 v1)) */
    LACUS_TK_TANH = 6,     /* tanh(v1) */
    LACUS_TK_SHIFT = 7,    /* v1 - p1 */
    LACUS_TK_EXP = 8,      /* min(exp(v1), p1) (softmax unit, p1 = 1e10) */
    LACUS_TK_RATIO = 9,    /* v1 / v2 */
    LACUS_TK_AIF_LEAK = 10,/* (1 - sigma_4(v1)) v2 / 2 (integrate-and-fire reset) */
    LACUS_TK_USER = 11     /* fn / dfn below */
} lacus_tune_kernel_kind;

/* A source: node >= 0 is node `node`; node < 0 is input -node-1. */
typedef struct lacus_tune_src {
    int32_t node;
    int32_t lag;
} lacus_tune_src;

/* User kernel: value f(v) and partial derivative df/dv_k (k = 0..n_src-1). */
typedef double (*lacus_tune_kernel_fn)(const double *v, int n_src, const double *param, void *user);
typedef double (*lacus_tune_kernel_dfn)(const double *v, int n_src, int k, const double *param,
                                        void *user);

typedef struct lacus_tune_kernel {
    lacus_tune_kernel_kind kind;
    int n_src;                       /* 0..LACUS_TUNE_MAX_SRC, as the kind needs */
    lacus_tune_src src[LACUS_TUNE_MAX_SRC];
    double param[2];                 /* p1, p2 of the kind */
    double weight;                   /* initial W_nd */
    double lo, hi;                   /* bounds (projection after each update); -inf, +inf */
    int learnable;                   /* 0: W_nd stays fixed */
    int sparse;                      /* 1: a connection weight (prior, pruning, reports) */
    lacus_tune_kernel_fn fn;         /* LACUS_TK_USER only */
    lacus_tune_kernel_dfn dfn;
    void *user;
} lacus_tune_kernel;

/* A kernel of the given kind with one source (node, lag), weight w,
 * learnable, unbounded, not sparse, params 0. */
lacus_tune_kernel lacus_tune_kernel_make(lacus_tune_kernel_kind kind, int32_t node, int32_t lag,
                                         double w);

typedef struct lacus_tune_net lacus_tune_net;

/* An empty network of n_nodes nodes (>= 1) and n_inputs inputs (>= 0). */
lacus_status lacus_tune_net_create_empty(int64_t n_nodes, int64_t n_inputs, lacus_tune_net **out,
                                         lacus_error *err);
/* Appends a kernel to node n. Checks causality (lag 0 only from a higher
 * node or an input), source ranges, kind/arity, bounds, finite weight. */
lacus_status lacus_tune_net_add_kernel(lacus_tune_net *net, int64_t node,
                                       const lacus_tune_kernel *k, lacus_error *err);
void lacus_tune_net_free(lacus_tune_net *net);

/* The paper's unit library (each unit = several nodes; unit i's output is
 * node i, so "observe unit 0" means node 0):
 *   LINEAR      x_n(t) = a_n + sum W x(t-1) + sum W u(t-1), values clipped at +-1e6;
 *               1 node per unit.
 *   LNL         x_n = g_n x_n(t-1) + zeta(alpha_n + sum W x(t-1) + sum W u(t-1));
 *               3 nodes per unit (output, leak node, linear node).
 *   SPARSE_RELU x_n = g x_n(t-1) + sum_{k<D} W ReLU(x_k(t-1)) + sum W u(t-1), D random
 *               presynaptic units (1 for N <= 3, 2 for N = 4, floor(sqrt N) else), fixed leak.
 *   AIF         x_n = g_n (1 - s4(y_n)) x_n(t-1)/2 + a_n + sum W s4(y_m(t)) + sum W u(t-1),
 *               y_n(t) = w_n (x_n(t-1) - 1/2): mollified integrate-and-fire with learnable
 *               sharpness w_n in [0, 100]; 2 nodes per unit.
 *   SOFTMAX     x_n = e_n / Z, Z = sum e, e_n = exp(z_n) (<= 1e10),
 *               z_n = a_n + sum W x(t-1) + sum W u(t-1); 3N+1 nodes. */
typedef enum lacus_tune_unit {
    LACUS_TUNE_LINEAR = 0,
    LACUS_TUNE_LNL = 1,
    LACUS_TUNE_SPARSE_RELU = 2,
    LACUS_TUNE_AIF = 3,
    LACUS_TUNE_SOFTMAX = 4
} lacus_tune_unit;

const char *lacus_tune_unit_name(lacus_tune_unit u);
lacus_status lacus_tune_unit_parse(const char *name, lacus_tune_unit *out);

typedef struct lacus_tune_net_params {
    lacus_tune_unit unit;   /* default LNL */
    int64_t n_units;        /* required, >= 1 */
    int64_t n_inputs;       /* >= 0; default 1 */
    uint64_t seed;          /* default 42 */
    double init_mean;       /* connection and input weights ~ N(init_mean, init_std); */
    double init_std;        /* defaults 0 and NAN, which means 0.5/sqrt(n_units) (the
                               paper's root net) */
    int64_t fan_in;         /* 0 (default): dense (SPARSE_RELU: the paper's D rule);
                               k >= 1: k random presynaptic units per unit */
    double leak;            /* initial leak g (LNL, AIF, SPARSE_RELU); default 0 */
    int learn_leak;         /* LNL/AIF: 1 = learnable in [0, 0.999]; default 0 */
    double offset;          /* initial offset a (LINEAR, LNL, AIF, SOFTMAX); default 0 */
    int learn_offset;       /* 1 = learnable; default 0 */
    double zeta_lo, zeta_hi;/* LNL zeta range; default [0, 1]; zeta_hi = INFINITY: ReLU */
    double sharpness;       /* AIF initial w; default 100 */
    int learn_sharpness;    /* AIF; default 0 */
    int input_sparse;       /* 1: input weights are sparse (prunable) too; default 0 */
} lacus_tune_net_params;

lacus_tune_net_params lacus_tune_net_params_default(void);
lacus_status lacus_tune_net_params_check(const lacus_tune_net_params *p, lacus_error *err);
lacus_status lacus_tune_net_create(const lacus_tune_net_params *p, lacus_tune_net **out,
                                   lacus_error *err);

int64_t lacus_tune_net_n_nodes(const lacus_tune_net *net);
int64_t lacus_tune_net_n_inputs(const lacus_tune_net *net);
int64_t lacus_tune_net_n_units(const lacus_tune_net *net);   /* n_nodes for a custom net */
int64_t lacus_tune_net_n_weights(const lacus_tune_net *net);
/* Flat weight vector (n_weights), node by node, kernel by kernel. set_weights
 * rejects NaN/Inf and projects onto the bounds. */
lacus_status lacus_tune_net_get_weights(const lacus_tune_net *net, double *W);
lacus_status lacus_tune_net_set_weights(lacus_tune_net *net, const double *W, lacus_error *err);
/* What weight j is: the node it belongs to, its kernel kind and first source,
 * and for connection weights the edge dst <- src between units (src >=
 * n_units means input src - n_units); dst = src = -1 for other weights. */
typedef struct lacus_tune_weight_info {
    int64_t node;
    lacus_tune_kernel_kind kind;
    lacus_tune_src src0;
    int learnable, sparse;
    int64_t edge_dst, edge_src;
    double lo, hi;
} lacus_tune_weight_info;
lacus_status lacus_tune_net_weight_info(const lacus_tune_net *net, int64_t j,
                                        lacus_tune_weight_info *out);
/* Makes weight j fixed (learnable = 0) or learnable again. */
lacus_status lacus_tune_net_set_learnable(lacus_tune_net *net, int64_t j, int learnable);
/* Sets bounds of weight j (lo <= hi; infinite allowed) and projects it. */
lacus_status lacus_tune_net_set_bounds(lacus_tune_net *net, int64_t j, double lo, double hi);
/* A deep copy. */
lacus_status lacus_tune_net_clone(const lacus_tune_net *net, lacus_tune_net **out, lacus_error *err);

/* Forward simulation: u (T, n_inputs) -> x (T, n_nodes). Rejects NaN/Inf in
 * u; a non-finite state gives LACUS_ERR_NUMERIC naming node and step. */
lacus_status lacus_tune_forward(const lacus_tune_net *net, const double *u, int64_t T, double *x,
                                lacus_error *err);

/* Finite-difference check of every kernel's derivative along a trajectory:
 * at up to n_probe steps (spread over 0..T-1) each partial derivative is
 * compared with a central difference (step h = 1e-6 max(1,|v|)). Reports
 * the worst relative error (|d - fd| / max(1, |fd|)) and where it occurred.
 * Points where the one-sided slopes disagree (a kink: ReLU at 0, a clip)
 * are skipped.
 * Returns LACUS_ERR_NUMERIC (with node, kernel, source, step in the message
 * and in *worst) when it exceeds tol. */
typedef struct lacus_tune_kcheck {
    double max_err;
    int64_t node, kernel, source, step;
} lacus_tune_kcheck;
lacus_status lacus_tune_check_kernels(const lacus_tune_net *net, const double *u, int64_t T,
                                      int64_t n_probe, double tol, lacus_tune_kcheck *worst,
                                      lacus_error *err);

/* ------------------------------------------------------------------------ */
/* Criteria                                                                 */
/* ------------------------------------------------------------------------ */

/* rho(e) and rho'(e), e = x - target on observed nodes (spec §1.5; the
 * Huber and biweight derivatives keep the sign of e, which the original
 * code lost):
 *   L2        e^2/2                                   e
 *   RWL1      e^2/(2(nu+|e0|)), e0 = previous error   e/(nu+|e0|)          (IRLS ~ L1)
 *   RWL0      e^2/(2(nu+e0^2))                        e/(nu+e0^2)          (IRLS ~ L0)
 *   HUBER     e^2/(2nu) if |e|<nu else |e|-nu/2       e/nu or sign(e)
 *   BIWEIGHT  v^6-3v^4+3v^2 (v=e/nu) if |v|<1 else 1  6 v (v^2-1)^2 / nu
 *   HINGE     [nu - s(x-1/2)]_+^2 / 2, s = sign(target-1/2)   Boolean margin (targets 0/1)
 *   STAT      sum_k |Omega_k(x) - Omega_k(target)| over the observables of each observed
 *             node: the mean and the autocorrelations (1/(T-tau)) sum x(t)x(t-tau),
 *             tau = 1..stat_lags (max-entropy fitting with d = 1) */
typedef enum lacus_tune_crit {
    LACUS_TUNE_L2 = 0,
    LACUS_TUNE_RWL1 = 1,
    LACUS_TUNE_RWL0 = 2,
    LACUS_TUNE_HUBER = 3,
    LACUS_TUNE_BIWEIGHT = 4,
    LACUS_TUNE_HINGE = 5,
    LACUS_TUNE_STAT = 6
} lacus_tune_crit;

const char *lacus_tune_crit_name(lacus_tune_crit c);
lacus_status lacus_tune_crit_parse(const char *name, lacus_tune_crit *out);

typedef struct lacus_tune_criterion {
    lacus_tune_crit type;     /* default L2 */
    double nu;                /* > 0 (HINGE: >= 0); default 0.1 (the paper's experiments) */
    int64_t n_observed;       /* default 1 */
    const int64_t *observed;  /* nodes with a target (n_observed); NULL: nodes 0..n_observed-1 */
    int64_t stat_lags;        /* STAT: autocorrelation lags 1..stat_lags (<= 16); default 4 */
    int64_t warmup;           /* steps 0..warmup-1 carry no error (transient from the zero
                                 state, as a readout's washout); default 0, < T - 1 */
    int stat_cross;           /* STAT: 1 adds the cross products (1/T) sum_t x_o(t) x_o'(t) of
                                 every pair o < o' of observed nodes (spec §1.5); default 0 */
} lacus_tune_criterion;

lacus_tune_criterion lacus_tune_criterion_default(void);

/* Number of observables of a STAT criterion: n_observed (stat_lags + 1)
 * plus n_observed (n_observed - 1) / 2 when stat_cross is set (0 for the
 * other criteria). The order is: per observed node o, its mean then its
 * autocorrelations tau = 1..stat_lags; then the pairs (0,1), (0,2), ..,
 * (1,2), ... */
int64_t lacus_tune_stat_count(const lacus_tune_criterion *c);

/* The observables Omega (lacus_tune_stat_count entries) of the series z
 * (T, n_observed, row stride ld >= n_observed), after c->warmup steps. */
lacus_status lacus_tune_stat_observables(const lacus_tune_criterion *c, const double *z, int64_t ld,
                                         int64_t T, double *omega, lacus_error *err);

/* The STAT criterion's reinjection (spec §1.5): projects the observed
 * series z (T, n_observed) onto the constraint manifold {Omega(z) =
 * Omega(target)} by Gauss-Newton steps of minimal norm, dz = J^T (J J^T)^+
 * (Omega(target) - Omega(z)) with J = dOmega/dz, each step halved until the
 * L1 constraint violation decreases; at most max_iter (<= 0: 50) steps,
 * stopping when the violation is below 1e-12 (1 + |Omega(target)|_1).
 * z_proj (T, n_observed) receives the result (may alias nothing); the
 * final violation goes to *violation (may be NULL). Steps before warmup
 * are copied. LACUS_ERR_NOT_CONVERGED when a step cannot lower the
 * violation any more while it is above 1e-6 (1 + |Omega(target)|_1)
 * (an unreachable constraint, e.g. a negative lag-0 "variance"); z_proj
 * then holds the best point found. */
lacus_status lacus_tune_stat_project(const lacus_tune_criterion *c, const double *z,
                                     const double *target, int64_t T, int max_iter, double *z_proj,
                                     double *violation, lacus_error *err);

/* rho(e) and rho'(e) of one sample of a pointwise criterion, with e0 the
 * previous error for RWL1/RWL0 and target the target (HINGE: e = x - target).
 * For testing criteria in isolation; STAT is not pointwise (LACUS_ERR_ARG). */
lacus_status lacus_tune_rho(const lacus_tune_criterion *c, double x, double target, double e0,
                            double *rho, double *drho);

/* The cost C(W) of a trajectory x (T, n_nodes) against target (T,
 * n_observed); e0 (T, n_observed, may be NULL = the current error) for the
 * reweighted criteria. Without the prior R(W). */
lacus_status lacus_tune_cost(const lacus_tune_net *net, const lacus_tune_criterion *c,
                             const double *x, const double *target, const double *e0, int64_t T,
                             double *cost, lacus_error *err);

/* Training NRMSE of x's observed nodes against target: sqrt(sum e^2 /
 * (T sum_o var(target_o))) (per-component variance, summed over components). */
double lacus_tune_nrmse(const lacus_tune_net *net, const lacus_tune_criterion *c, const double *x,
                        const double *target, int64_t T);

/* The guard of the backward pass and its counters. */
typedef struct lacus_tune_guard_stats {
    int64_t lifted, saturated, total;
} lacus_tune_guard_stats;

/* Forward + backward tuning + gradient in one call: grad (n_weights) of C
 * (fixed weights get 0; no prior), cost (may be NULL); x (T, n_nodes) and
 * eps (T, n_nodes) may be NULL or receive the trajectory and the backward
 * errors. guard = 0: exact adjoint. */
lacus_status lacus_tune_gradient(const lacus_tune_net *net, const lacus_tune_criterion *c,
                                 const double *u, const double *target, const double *e0,
                                 int64_t T, int guard, double *grad, double *cost, double *x,
                                 double *eps, lacus_tune_guard_stats *gs, lacus_error *err);

/* ------------------------------------------------------------------------ */
/* Learning                                                                 */
/* ------------------------------------------------------------------------ */

/* Update rules (spec §1.3):
 *   BANK        first order: the raw gradient and n_filters momentum filters
 *               g_k += 2^-k (G - g_k), each line-searched (golden section on
 *               u in [0, step], directions scaled to a max change of 1), best kept;
 *               step <- 2 max(u*, w_eps) after an accepted step.
 *   GN          damped node-local Gauss-Newton: per node with <= gn_max_fanin
 *               learnable weights, A = sum_t k Phi Phi^T + lambda I (lambda =
 *               damping tr(A)/D), b = sum_t Phi (k (xhat - Phi_fixed) - eps),
 *               variants k = 1 and k = 1/(1+|xhat - Phi_fixed|); line search u in [0,1].
 *   BOTH        all candidates of BANK and GN, the best one wins (the paper's
 *               experimental estimator). Default.
 *   STOCHASTIC  the distributed variant: per iteration one forward/backward
 *               pass, then every node (or batch_nodes random ones) solves its
 *               damped least squares on a random window of `window` steps and
 *               line-searches its own step, nodes in parallel (OpenMP); the
 *               improving node steps are applied together (or the best alone
 *               if together they do worse).
 * Stopping: C < crit_eps C(0), no candidate lowers C, or max_iter.
 * Sparse prior (spec §1.6): R(W) = sparse_nu/2 sum_{sparse j} W_j^2 /
 * (sparse_eps + |What_j|), What = the previous iterate (reweighted L2 ~ L1);
 * from iteration prune_after on, weights with |W_j| < prune times the largest
 * sparse |W| are set to exactly 0 and frozen. sign: 0 free, 1 connection
 * weights >= 0, 2 keep the sign they start with (Dale's law). Pruning
 * (learnable = 0) and the sign bounds are written into the net and stay
 * after the fit. */
typedef enum lacus_tune_method {
    LACUS_TUNE_BOTH = 0,
    LACUS_TUNE_BANK = 1,
    LACUS_TUNE_GN = 2,
    LACUS_TUNE_STOCHASTIC = 3,
    LACUS_TUNE_READOUT = 4,   /* the readout-only solve, lacus_tune_fit_readout (one step) */
    LACUS_TUNE_REFIT = 5      /* only the pure refit to desired values (the official code's
                                 second-order variant 2, "gn-x" / "gn-xh"): target
                                 propagation; needs reinject 1 (observed nodes' targets) or 2
                                 (also hidden desired values, spec §1.4) */
} lacus_tune_method;

const char *lacus_tune_method_name(lacus_tune_method m);
lacus_status lacus_tune_method_parse(const char *name, lacus_tune_method *out);

typedef struct lacus_tune_info {
    int64_t iter;
    double cost;             /* C + R after the iteration */
    double nrmse;
    double step;             /* accepted u */
    const char *chosen;      /* "grad", "mom1".."mom7", "gn", "gn-w", "gn-h", "gn-x", "gn-xh"
                                (the refit to hidden desired values), "nodes", "none" */
    lacus_tune_guard_stats guard;
    int64_t n_edges;         /* non-zero sparse weights */
} lacus_tune_info;

/* Called after every iteration; return non-zero to stop. */
typedef int (*lacus_tune_progress_fn)(const lacus_tune_info *info, void *user);

typedef struct lacus_tune_params {
    lacus_tune_method method; /* default BOTH */
    int64_t max_iter;         /* >= 0; default 100 */
    double crit_eps;          /* relative stop, >= 0; default 1e-6 */
    double w_eps;             /* smallest step, > 0; default 1e-4 */
    int n_filters;            /* momentum filters 0..7; default 7 */
    double step0;             /* initial step, > 0; default 1e-2 */
    double ls_tol;            /* golden-section tolerance relative to the bracket; default 1e-2 */
    double damping;           /* lambda_rel > 0; default 1e-2 */
    int64_t gn_max_fanin;     /* default 128 (the paper: 16; measured on the N = 16 protocol:
                                 0.36 with 16, 0.07 with 64, since with 16 no connection
                                 weight of a dense net beyond 15 units gets the solve; 64
                                 left out every linear node of the N = 64 LNL net, which has
                                 65 learnable weights). Cost O(T D^2 + D^3) per node */
    int guard;                /* 0 (default): exact adjoint; 1: the paper's guard */
    int reinject;             /* 0 (default); 1: targets as desired values of observed nodes in GN
                                 (adds the pure-refit variant "gn-x"); 2: also hidden desired
                                 values (the spec's reinject mode 'b', §1.4): every iteration
                                 lacus_tune_hidden_targets (20 sweeps, tol 1e-6) estimates xhat
                                 for every node, and "gn-x" refits each node so that its
                                 kernels evaluated on xhat produce xhat (target propagation).
                                 2 needs method both or gn and a criterion with per-step
                                 targets (not stat, not hinge) */
    double sparse_nu;         /* >= 0; default 0 (off) */
    double sparse_eps;        /* > 0; default 1e-3 */
    double prune;             /* relative threshold in [0, 1); default 0 (off) */
    int64_t prune_after;      /* first iteration that prunes (the weights must first move
                                 away from their random start); default 10 */
    int sign;                 /* 0, 1 or 2 (above); default 0 */
    int64_t batch_nodes;      /* STOCHASTIC: 0 (default) = every learnable node */
    int64_t window;           /* STOCHASTIC: window length, 0 (default) = max(D_n, T/4) */
    uint64_t seed;            /* STOCHASTIC draws; default 1 */
    lacus_tune_progress_fn progress;
    void *progress_user;
    double readout_ridge;     /* READOUT: ridge of the least squares, >= 0; default 0 (the
                                 minimum-change solution) */
} lacus_tune_params;

lacus_tune_params lacus_tune_params_default(void);
lacus_status lacus_tune_params_check(const lacus_tune_params *p, lacus_error *err);

typedef struct lacus_tune_result {
    int64_t iterations;
    double cost0, cost;       /* C + R before and after */
    double nrmse0, nrmse;     /* training NRMSE before and after */
    int64_t n_edges0, n_edges;
    int stopped;              /* 0 max_iter, 1 crit_eps, 2 no progress, 3 callback */
} lacus_tune_result;

/* Tunes the learnable weights of net on one sequence: u (T, n_inputs),
 * target (T, n_observed). On divergence (a non-finite state or gradient
 * after an accepted step) returns LACUS_ERR_NUMERIC with a message naming
 * the iteration, and the net keeps the last weights whose cost was finite.
 * res may be NULL. */
lacus_status lacus_tune_fit(lacus_tune_net *net, const double *u, const double *target, int64_t T,
                            const lacus_tune_criterion *c, const lacus_tune_params *p,
                            lacus_tune_result *res, lacus_error *err);

/* The readout-only solve (spec §1.3e, the official code's updateReadout):
 * the reservoir-computing baseline inside the same API. The observed nodes
 * are teacher-forced to their targets (x_o(t) := target_o(t) after it is
 * computed, so every node that reads an output reads the target, as with
 * output feedback in an ESN), and each observed node's learnable weights
 * solve the least squares
 *   min_W sum_{t >= warmup} (target_o(t) - Phi_fixed(t) - Phi_learn(t)^T W)^2
 *         + ridge |W|^2
 * (ridge = 0: the minimum-change solution, W0 + the minimum-norm least-
 * squares change, by SVD). Then one global line search on u in [-10, 10]
 * (golden section, plus u = 1 and u = 0 probed exactly) of the free-running
 * criterion c along W0 + u (W1 - W0) keeps the best point, as the official
 * code does: the teacher-forced optimum is not the free-running one when
 * outputs feed back. Only the observed nodes' learnable weights change.
 * Errors: LACUS_ERR_ARG when no observed node has a learnable weight or the
 * criterion is STAT (it has no per-step targets to force); LACUS_ERR_NUMERIC
 * when the free run diverges at every probe (the net keeps W0).
 * res (may be NULL): iterations 1, cost/nrmse before and after (free run). */
lacus_status lacus_tune_fit_readout(lacus_tune_net *net, const double *u, const double *target,
                                    int64_t T, const lacus_tune_criterion *c, double ridge,
                                    lacus_tune_result *res, lacus_error *err);

/* Hidden desired values (spec §1.4, the paper's footnote; the official
 * code's reinject mode 'b'). With the observed nodes clamped to their
 * targets after the warm-up, finds the trajectory xhat that best satisfies
 * the network equations at the current weights:
 *   min E(xhat) = 1/2 sum_{n,t} (xhat_n(t) - xtilde_n(t; xhat))^2
 * over the other values, where xtilde_n(t; xhat) = sum_d W_nd Phi_nd(t) is
 * eq. (1) evaluated on xhat (one step; the sum runs over every node, the
 * observed ones included, so the targets reach the hidden nodes through
 * the outputs' equations). Starts from the simulated trajectory and takes
 * the paper's step xhat <- Phi(xhat) + J^T r (a gradient step of length 1
 * on E, r = xhat - xtilde), halved until E decreases, for at most
 * max_sweeps sweeps (the code's 20), stopping when the RMS increment of a
 * sweep is below tol (the code's 1e-6). Not the code's verbatim heuristic
 * (which adds J^T r to buffered values without re-simulating): E never
 * increases. Cost per sweep: about three passes over the kernels.
 *   xhat (T, n_nodes): the result; energy (2, may be NULL): E at the start
 *   (simulated trajectory with the outputs clamped) and at the end; sweeps
 *   (may be NULL): sweeps done.
 * Errors: LACUS_ERR_ARG for stat and hinge criteria (no per-step targets)
 * and bad sizes; LACUS_ERR_NUMERIC for NaN/Inf in u or target, or when the
 * forward simulation is not finite. */
lacus_status lacus_tune_hidden_targets(const lacus_tune_net *net, const lacus_tune_criterion *c,
                                       const double *u, const double *target, int64_t T,
                                       int max_sweeps, double tol, double *xhat, double *energy,
                                       int64_t *sweeps, lacus_error *err);

/* Weight sharing (spec §1.1): weight k joins weight j's group; the group
 * takes j's value, the intersection of the members' bounds (LACUS_ERR_ARG
 * when empty, or when one is learnable and the other fixed), and from then
 * on is one parameter: the gradient of every member is the sum of the
 * members' gradients (lacus_tune_gradient and lacus_tune_fit), updates move
 * all members together, per-node updates (GN, stochastic) are projected back
 * by the group mean, and set_weights / set_bounds / set_learnable apply to
 * the whole group. Tying is transitive. Add every kernel first: after a tie
 * lacus_tune_net_add_kernel refuses (indices would move). */
lacus_status lacus_tune_net_tie(lacus_tune_net *net, int64_t j, int64_t k, lacus_error *err);
/* The representative (smallest index) of weight j's group; j when untied;
 * -1 for a bad index. */
int64_t lacus_tune_net_tied_to(const lacus_tune_net *net, int64_t j);

/* ------------------------------------------------------------------------ */
/* Reverse-engineering protocol and architecture reports                    */
/* ------------------------------------------------------------------------ */

/* The spec's protocol (§1.7): a random root net (weights N(0, 0.5/sqrt N),
 * leak 0, offset 0; AIF sharpness 100) driven by u ~ N(0,1) (T steps, 1
 * input) makes the target = root node 0. u (T) and target (T) are caller
 * buffers. root: the root parameters (n_units, unit, fan_in, seed used). */
lacus_status lacus_tune_root_target(const lacus_tune_net_params *root, int64_t T,
                                    uint64_t data_seed, double *u, double *target,
                                    lacus_error *err);

/* Surviving architecture of a unit net: the connection matrix C (n_units,
 * n_units + n_inputs) of sparse weights (0 where absent/pruned), the number
 * of edges, and the fan-in histogram hist (n_units + n_inputs + 1): hist[k]
 * = units with k incoming edges. Any output may be NULL. */
lacus_status lacus_tune_net_architecture(const lacus_tune_net *net, double *C, int64_t *n_edges,
                                         int64_t *hist);
/* Support recovery against a reference matrix of the same shape: an edge is
 * present where |C| > 0. */
void lacus_tune_support_scores(const double *C_learned, const double *C_true, int64_t n,
                               double *precision, double *recall);
/* PNG of the connection matrix (diverging palette) beside the fan-in
 * histogram, via gnuplot (LACUS_ERR_UNSUPPORTED without it). Atomic. */
lacus_status lacus_tune_plot_architecture(const lacus_tune_net *net, const char *png_path,
                                          const char *title, lacus_error *err);

/* ------------------------------------------------------------------------ */
/* Bridge to reservoirs                                                     */
/* ------------------------------------------------------------------------ */

/* An ESN in node form: node 0..n_outputs-1 = readout y = Wout^T x + b
 * (learnable), then n_units state nodes x_n = (1-lr) x_n(t-1) + lr tanh(a_n),
 * then n_units pre-activation nodes a_n = sum W x(t-1) + Win u(t) + bias, with
 * the non-zeros of W learnable (sparse) and Win, bias fixed. This is the
 * ReservoirPy equation with x[-1] = 0 and an input read at the same step.
 *   W (n_units, n_units) dense row-major (zeros = no edge), Win (n_units,
 *   n_inputs), bias (n_units, may be NULL), Wout (n_units, n_outputs), bout
 *   (n_outputs, may be NULL). */
lacus_status lacus_tune_net_from_esn(int64_t n_units, int64_t n_inputs, int64_t n_outputs,
                                     double lr, const double *W, const double *Win,
                                     const double *bias, const double *Wout, const double *bout,
                                     lacus_tune_net **out, lacus_error *err);
/* Copies the (tuned) W (n_units, n_units), Wout and bout back out of a net
 * made by lacus_tune_net_from_esn. */
lacus_status lacus_tune_net_to_esn(const lacus_tune_net *net, double *W, double *Wout,
                                   double *bout, lacus_error *err);

#endif /* LACUS_TUNE_H */
