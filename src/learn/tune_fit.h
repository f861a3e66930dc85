/* Workspace of lacus_tune_fit, shared by the full-batch updates
 * (tune_fit.c) and the stochastic distributed variant (tune_stoch.c). */
#ifndef LACUS_LEARN_TUNE_FIT_H
#define LACUS_LEARN_TUNE_FIT_H

#include "learn/tune_internal.h"

typedef struct tune_ws {
    lacus_tune_net *net;
    const lacus_tune_criterion *c;
    const lacus_tune_params *p;
    const double *u, *y;
    int64_t T, Nn, O, nw;
    int64_t *obs;
    double *x, *xs;        /* trajectory at W, scratch trajectory (T, Nn) */
    double *eps, *acc;     /* backward errors, accumulator (T, Nn) */
    double *dr, *e0;       /* rho' and the reweighting error (T, O) */
    double *grad, *Wtry, *What, *dir;
    double *h, *hobs;      /* Gauss-Newton curvature (T, Nn) and its output part (T, O) */
    double *proj;          /* STAT with reinject: the observed series projected onto
                              {Omega = Omega(target)} (T, O), the desired values of GN */
    double *xhat, *hws;    /* reinject 2: hidden desired values (T, Nn) (tune_hidden.c) and
                              their workspace (4 T Nn) */
    int use_e0;
    int64_t max_fan;       /* largest learnable fan-in of a node */
} tune_ws;

/* C(W) + R(W) on trajectory buffer xs; +inf when the simulation is not finite. */
double lacus__tune_cost_at(const tune_ws *w, const double *W, double *xs);
/* The sparse prior R(W) and its gradient added into g (may be NULL). */
double lacus__tune_prior(const tune_ws *w, const double *W, double *g);
/* Damped node-local least squares of node n over steps [t0, t1): fills
 * W1 (the node's new learnable weights, in kernel order) and returns the
 * number of learnable weights D (0: nothing to solve). kappa_mode 0: k = 1,
 * 1: k = 1/(1+|xhat - Phi_fixed|), 2: k = the curvature w->h; with_eps 0 drops the eps term (pure
 * refit to xhat). A (D*D), b, phi, idx (D) are caller workspaces of
 * max_fan entries. */
int64_t lacus__tune_node_solve(const tune_ws *w, int64_t n, int64_t t0, int64_t t1,
                               int kappa_mode, int with_eps, int reinject, double *A, double *b,
                               double *phi, int64_t *idx, double *W1);
/* Golden-section search of f(u) = cost(W0 + u d) on [0, U]; returns the
 * best u (0 when nothing beats f(0) = f0) and its cost in *fbest. Wtry and
 * xs are scratch. */
double lacus__tune_line_search(const tune_ws *w, const double *W0, const double *d, double U,
                               double f0, double tol, double *Wtry, double *xs, double *fbest);
/* One iteration of the stochastic distributed variant: reads w->x, w->eps
 * at net->W; writes the new weights into Wout and returns their cost
 * (f0 when nothing improved). */
lacus_status lacus__tune_stoch_iter(tune_ws *w, int64_t iter, double f0, double *Wout,
                                    double *fout, lacus_error *err);

/* Hidden desired values (spec §1.4, tune_hidden.c): xh (T, Nn) holds the
 * trajectory simulated at W on entry and the minimiser of E on return
 * (observed nodes clamped to y after the warm-up); ws is 4 T Nn doubles.
 * E before and after in *E0, *E1; returns the number of sweeps. */
int64_t lacus__tune_hidden(const lacus_tune_net *net, const double *W, const int64_t *obs,
                           int64_t O, int64_t warmup, const double *u, const double *y, int64_t T,
                           int max_sweeps, double tol, double *xh, double *ws, double *E0,
                           double *E1);

#endif
