/* Private view of the reservoir, shared with the model layer, and the
 * stepping kernel that everything else (fit, run, generation) calls. */
#ifndef LACUS_NODES_RESERVOIR_H
#define LACUS_NODES_RESERVOIR_H

#include "core/rng.h"
#include "lacus.h"
#include "linalg/csr.h"

struct lacus_reservoir {
    lacus_reservoir_params p; /* the pointer fields are cleared; copies below */
    double *lr;               /* (n_units): leak per unit (scalar lr repeated) */
    double *input_scaling;    /* (n_inputs) or NULL when scalar */
    lacus__csr W;             /* (n_units, n_units) */
    lacus__csr Win;           /* (n_units, n_inputs), input scaling applied */
    double *bias;             /* (n_units) */
    double *state;            /* (n_units): state kept between run calls */
    uint64_t n_runs;          /* numbers the noise stream of each run call */
    lacus_error err;
};

/* A reservoir with all-zero weights (no drawing, no eigenvalues), to be
 * filled by set_* calls or by a model file. */
lacus_status lacus__reservoir_create_empty(const lacus_reservoir_params *p, lacus_reservoir **out,
                                          lacus_error *err);

/* Steps processed per block of the kernel: the input drive of a block is
 * computed at once (one sparse-times-dense product), then the recurrence
 * runs step by step. */
#define LACUS__BLOCK_STEPS 64

/* Scratch memory for one running sequence, sized once (no allocation in the
 * time loop). */
typedef struct lacus__run_ws {
    double *UT;     /* (n_inputs, BLOCK): input block, transposed, noise added */
    double *DT;     /* (n_units, BLOCK): Win u + bias, transposed */
    double *noise;  /* (BLOCK, n_units) state noise, or NULL */
    lacus__rng rng; /* noise stream of this sequence */
} lacus__run_ws;

lacus_status lacus__run_ws_init(lacus__run_ws *ws, const lacus_reservoir *r);
void lacus__run_ws_free(lacus__run_ws *ws);
/* Seeds the noise stream of sequence `index` of run call `call`. */
void lacus__run_ws_seed(lacus__run_ws *ws, const lacus_reservoir *r, uint64_t call,
                        uint64_t index);

/* The two per-block parts of lacus__reservoir_steps, shared with the
 * multi-reservoir lanes (reservoir_multi.c) so both compute the same bits:
 * the block's inputs (transposed into ws->UT, input noise added) and state
 * noise, drawn serially step by step; and rows [n0, n1) of the drive,
 * states[t, n] = (Win u[t])[n] + b[n] for t < nb. */
void lacus__fill_block_inputs(const lacus_reservoir *r, lacus__run_ws *ws, const double *u,
                              int64_t ldu, int64_t nb);
void lacus__block_drive(const lacus_reservoir *r, lacus__run_ws *ws, int64_t nb, double *states,
                        int64_t lds, int64_t n0, int64_t n1);

/* Sequences advanced together read each weight of W once per step for all
 * of them (the product becomes N x S dense by sparse), which cuts the memory
 * traffic of W by S. Results are bit-identical to running them one by one. */
#define LACUS__BATCH_MAX 8

/* One sequence of a lockstep batch. */
typedef struct lacus__lane {
    lacus__run_ws *ws;   /* its block inputs and noise stream */
    double *x;           /* (n_units) state, updated in place */
    const double *u;     /* (n_steps, n_inputs), row stride ldu */
    int64_t ldu;
    double *states;      /* (n_steps, n_units) written, row stride lds */
    int64_t lds;
} lacus__lane;

/* Advances S <= LACUS__BATCH_MAX sequences by n_steps each, in lockstep.
 * xi is scratch of 2 * n_units * S doubles. parallel != 0 splits the units of
 * each step across the OpenMP threads (skipped when the step is too small to
 * pay for the barrier); the numbers do not depend on it. */
void lacus__reservoir_steps(const lacus_reservoir *r, const lacus__lane *lanes, int S,
                            int64_t n_steps, double *xi, int parallel);

/* Lanes of different reservoirs rs[0..S) that share W's sparsity pattern
 * (lacus__reservoir_same_pattern), each multiplying by its own values:
 * Wv (nnz, S) interleaved, Wv[k * S + s] = rs[s]->W.values[k]
 * (lacus__interleave_W). Lane s's states are bit for bit those of
 * lacus__reservoir_steps on rs[s] alone (reservoir_multi.c). Single
 * threaded; xi is scratch of 2 * n_units * S doubles; not for softmax. */
void lacus__reservoir_steps_multi(const lacus_reservoir *const *rs, const lacus__lane *lanes,
                                  int S, int64_t n_steps, const double *Wv, double *xi);
/* 1 when a and b have the same units, activation and W sparsity pattern. */
int lacus__reservoir_same_pattern(const lacus_reservoir *a, const lacus_reservoir *b);
void lacus__interleave_W(const lacus_reservoir *const *rs, int S, double *Wv);

/* Receives each block of states a stream produces: rows [t, t + rows) of
 * sequence seq, as a (rows, width) matrix with row stride ld (width = units,
 * plus inputs when fed to the readout). Called on the calling thread. */
typedef lacus_status (*lacus__stream_sink)(void *ctx, int64_t seq, int64_t t, int64_t rows,
                                           const double *block, int64_t ld);

/* Runs every sequence of `in` from a zero state through the reservoir in a
 * fixed, thread-count-independent schedule (see reservoir_stream.c). With
 * feed_input, each block row is [state, input]. */
lacus_status lacus__reservoir_stream(lacus_reservoir *r, const lacus_seqs *in, int feed_input,
                                     lacus__stream_sink sink, void *ctx,
                                     void (*progress)(double, void *), void *progress_user,
                                     lacus_error *err);

/* Leak and noise after the activation, as ReservoirPy: (1 - lr) x + lr f(.)
 * (+ noise[n]; noise may be NULL). Every kernel that advances a state uses
 * it, so that their bits agree. */
static inline double lacus__leak(const lacus_reservoir *r, int64_t n, double xprev, double fx,
                                 const double *noise)
{
    double y = (1.0 - r->lr[n]) * xprev + r->lr[n] * fx;
    return noise ? y + noise[n] : y;
}

/* Below this many multiply-adds per step (non-zeros of W times sequences) a
 * step is not split across threads: the barrier would cost more than it
 * saves. */
#define LACUS__PARALLEL_WORK_MIN 20000

#endif
