/* Private view of the NVAR forecaster (lacus_nvar_model), shared by its
 * one-process fit (nvar_model.c) and the sharded fit under MPI
 * (src/dist/dist_nvar.c), so both build each sequence's features and
 * targets with the same code and differ only in how the sums are added. */
#ifndef LACUS_MODEL_NVAR_MODEL_H
#define LACUS_MODEL_NVAR_MODEL_H

#include "lacus.h"
#include "nodes/ridge.h"

struct lacus_nvar_model {
    lacus_nvar_model_params p; /* n_inputs, n_features, n_outputs filled */
    lacus_nvar *nvar;
    lacus_ridge *readout;
    lacus_error err;
};

/* The model without a readout: checked parameters (warmup -1 resolved) and
 * an NVAR node for n_inputs columns; readout.n_features and n_outputs set
 * (n_outputs: n_targets for TARGET, else n_inputs). */
lacus_status lacus__nvar_model_new(const lacus_nvar_model_params *p, int64_t n_inputs,
                                   int64_t n_targets, lacus_nvar_model **out, lacus_error *err);

/* Checks every sequence of series and, for TARGET, of targets (data
 * present, finite, the same lengths; names a sequence by ids[q], or by q
 * when ids is NULL) and counts the training rows they give (n_steps - 1 -
 * warmup each for a forecaster, n_steps - warmup with targets; at least 0)
 * and the longest sequence. */
lacus_status lacus__nvar_model_check(const lacus_nvar_model *m, const lacus_seqs *series,
                                     const lacus_seqs *targets, const int64_t *ids,
                                     int64_t *usable, int64_t *T_max, lacus_error *err);

/* Rows of features computed at a time: memory does not grow with the
 * sequences' length. The ridge stages rows in groups of its own, so the
 * sums do not depend on this (nor do the features: the delay line carries
 * over between chunks). */
#define LACUS__NVAR_CHUNK 1024
static inline int64_t lacus__nvar_chunk_rows(int64_t T_max)
{
    return T_max < LACUS__NVAR_CHUNK ? (T_max > 1 ? T_max : 1) : LACUS__NVAR_CHUNK;
}

/* The training rows of one sequence x (T, n_inputs): the features of x[t]
 * from an empty delay line and their targets x[t+1] - x[t] or x[t+1], for
 * t = warmup .. T - 2; or, given y (T, n_outputs), y[t] for t = warmup ..
 * T - 1. Computed C rows at a time into Fe (C, n_features) and Y (C,
 * n_outputs); each chunk's training rows go to emit (features, targets
 * with a row stride of n_outputs, rows), in order. A sequence too short for
 * a row emits nothing. */
typedef lacus_status (*lacus__nvar_emit)(void *ctx, const double *Fe, const double *Y, int64_t rows,
                                         lacus_error *err);
lacus_status lacus__nvar_model_rows(lacus_nvar_model *m, const double *x, const double *y, int64_t T, int64_t C,
                                    double *Fe, double *Y, lacus__nvar_emit emit, void *ctx, lacus_error *err);

/* Adds one sequence x (T, n_inputs) to the readout's sums: the features
 * of x[t] from an empty delay line and their targets x[t+1] - x[t] or
 * x[t+1], for t = warmup .. T - 2; or, given y (T, n_outputs), y[t] for
 * t = warmup .. T - 1. Fe (C, n_features) and Y (C, n_inputs) are
 * workspaces, C = lacus__nvar_chunk_rows(T_max) with T_max >= T. A
 * sequence too short for a row adds nothing. */
lacus_status lacus__nvar_model_add(lacus_nvar_model *m, const double *x, const double *y,
                                   int64_t T, double *Fe, double *Y, lacus_error *err);

/* The checks of a fit's arguments shared by both fits: targets given iff
 * predicts is TARGET, and as many target sequences as inputs. */
lacus_status lacus__nvar_model_check_xy(const lacus_nvar_model_params *p, const lacus_seqs *series,
                                        const lacus_seqs *targets, lacus_error *err);

#endif
