/* Private view of the local reservoir (lacus_localres), shared by its
 * construction (hetero.c), its step loop (hetero_run.c) and the per-unit
 * rules (selfpred_unit.h, ff_unit.h). */
#ifndef LACUS_LEARN_HETERO_H
#define LACUS_LEARN_HETERO_H

#include "core/rng.h"
#include "lacus.h"
#include "linalg/csr.h"

struct lacus_localres {
    lacus_localres_params p;
    int64_t N, M;
    lacus__csr W, Win;      /* owned, mutable copies (rules change their rows) */
    double *W0;             /* (nnz W) initial values, for the change statistic */
    double *bias, *lr;      /* (N) */
    uint8_t *rule;          /* (N) lacus_local_rule */
    uint8_t *ip_on;         /* (N) 1: the unit runs intrinsic plasticity */
    double *g, *c;          /* (N) gain and bias inside tanh (IP) */
    /* self-predicting units: unit i owns theta[th_off[i] .. + K[i]) and, with
     * RLS, P[P_off[i] .. + K[i]^2); th_off = -1 for other units */
    int64_t *th_off, *K, *P_off;
    double *theta, *z, *Pz; /* theta and the per-unit scratch z, P z */
    double *P;
    int64_t sum_K, sum_K2, n_sp, *sp_col; /* sp_col[i]: SELFPRED feature index, -1 */
    int has_ff;
    /* states: positive (x) and negative (xn) copies, double-buffered */
    double *x, *xprev, *xn, *xnprev;
    double *pred, *errv;    /* (N) current p_i, e_i */
    double *abs_acc;        /* (N) sum of |e_i| over the current call */
    double *hb, *hnb;       /* (N) drive of the positive and negative copies */
    double *yb, *ynb;       /* (N) tanh(g h + c) of each copy */
    double *zzb;            /* (N) z_i . z_i of the current step (SELFPRED) */
    double *th_n2;          /* (N) |theta_i|^2, kept up to date in O(1) per step */
    uint8_t *bad;           /* (N) why unit i diverged (hetero_run.c) */
    double *ema_m, *ema_v;  /* (N) running mean and variance */
    int64_t *perm;          /* (cap) time permutation for negatives */
    double *gen;            /* FREE negatives: generator G (M, N+1), and un(t) (M) */
    double *gen_u;
    int64_t n_ff;           /* number of FF units */
    double good_p, good_n;  /* LAYER goodness of the current step, each copy */
    int64_t perm_cap;
    uint64_t n_calls;
    int64_t n_learn_steps;
    double last_mean_abs_err;
    lacus_error err;
};

#endif
