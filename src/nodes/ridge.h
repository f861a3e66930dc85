/* Private view of the ridge readout (shared with the model layer). */
#ifndef LACUS_NODES_RIDGE_H
#define LACUS_NODES_RIDGE_H

#include "lacus.h"

struct lacus_ridge {
    lacus_ridge_params p;
    int64_t n_samples;
    double *sx, *sy;        /* column sums of x (n_features) and y (n_outputs) */
    double *XtX;            /* (F, F): upper triangle = sum x x^T; lower = scratch */
    double *XtY;            /* (F, O) */
    double *stage_X, *stage_Y; /* rows waiting for the next X^T X update */
    float *stage_X32, *stage_Y32; /* their float copies (accumulate_f32) */
    int64_t n_staged, stage_cap;
    double *kept_X, *kept_Y;/* samples kept for the dual form (keep_samples rows) */
    int64_t n_kept;
    int keeping;            /* still collecting samples for a possible dual solve */
    double *Wout, *b;       /* (F, O), (O) */
    int solved, has_weights;
    lacus_solver last_solver;
    int used_fallback;
    lacus_error err;
};

lacus_status lacus_ridge_params_check(const lacus_ridge_params *p, lacus_error *err);

/* Sets keep_samples for a fit on `usable` rows when the caller left it 0:
 * the least-squares solver needs every row, and the dual form pays off when
 * there may be fewer rows than features (an n x n solve instead of the
 * features^2 one). rp->n_features must be set. */
static inline void lacus__ridge_keep_rows_for(lacus_ridge_params *rp, int64_t usable)
{
    if (rp->solver != LACUS_SOLVER_PRIMAL && rp->keep_samples == 0 &&
        (usable < rp->n_features || rp->solver == LACUS_SOLVER_LSTSQ))
        rp->keep_samples = usable;
}

/* partial_fit without argument checks, for callers that produced the data
 * themselves (the ESN's own states). */
lacus_status lacus__ridge_accumulate(lacus_ridge *m, const double *x, int64_t ldx,
                                     const double *y, int64_t ldy, int64_t n);

/* Adds the staged rows to the sums (before a solve). */
void lacus__ridge_flush_stage(lacus_ridge *m);

/* Moves kept samples into the primal sums and stops keeping. */
lacus_status lacus__ridge_flush_kept(lacus_ridge *m);

/* Frees the sums (X^T X, X^T Y, staged and kept rows) of a solved readout,
 * keeping its weights: a stack of large layers holds only one layer's
 * normal equations at a time. Later partial_fit calls start new sums. */
void lacus__ridge_release(lacus_ridge *m);

#endif
