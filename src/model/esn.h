/* Private view of the ESN (reservoir + ridge readout), shared with save/load. */
#ifndef LACUS_MODEL_ESN_H
#define LACUS_MODEL_ESN_H

#include "lacus.h"
#include "nodes/reservoir.h"
#include "nodes/ridge.h"

struct lacus_esn {
    lacus_esn_params p;
    lacus_reservoir *res;
    lacus_ridge *readout; /* created by fit (or load), NULL before */
    int64_t n_outputs;
    /* streaming fit (lacus_esn_partial_fit) */
    int64_t seq_steps;      /* steps of the current sequence so far */
    int64_t n_streamed;     /* sequences started */
    double *stream_block;   /* (256, features) */
    double *stream_xi;      /* lockstep scratch (2 n_units) */
    double *stream_aug;     /* teacher-forced inputs with feedback (see esn_stream.c) */
    lacus__run_ws stream_ws;/* block inputs and the noise stream of the sequence */
    /* When set, lacus_esn_partial_fit hands each block of states (after the
     * warmup) and its targets here instead of adding them to the readout's
     * sums: the distributed solve (src/dist/scalapack.c) never builds the
     * N x N sums on one rank. The sink sets m->err on failure. */
    lacus_status (*stream_sink)(void *user, const double *X, int64_t ldx, const double *Y,
                                int64_t ldy, int64_t n);
    void *stream_sink_user;
    lacus_error err;
};

/* Number of features the readout sees: units (+ inputs when feed_input). */
int64_t lacus__esn_n_features(const lacus_esn *m);

/* Checks a sequence set: not empty, n_features (when > 0) as expected,
 * every sequence non-empty and finite; the message names what is wrong. */
lacus_status lacus__esn_check_seqs(lacus_error *err, const char *what, const lacus_seqs *s,
                                   int64_t n_features);

/* Checks inputs and targets as lacus__esn_check_seqs (n_out 0: any width)
 * and as a pair: as many sequences, each with as many input as target steps. */
lacus_status lacus__esn_check_pairs(lacus_error *err, const lacus_seqs *inputs, int64_t n_in,
                                    const lacus_seqs *targets, int64_t n_out);

/* Sequences the model built itself (owning their memory). */
typedef struct lacus__seqs_buf {
    lacus_seqs seqs;
    double **data;
    int64_t *steps;
} lacus__seqs_buf;
void lacus__seqs_buf_free(lacus__seqs_buf *b);

/* Feedback (esn_feedback.c): the teacher-forced reservoir inputs
 * [u[t], y[t-1]] of every sequence, and the closed-loop run. */
lacus_status lacus__feedback_inputs(lacus_esn *m, const lacus_seqs *inputs,
                                    const lacus_seqs *targets, lacus__seqs_buf *out);
lacus_status lacus__feedback_run(lacus_esn *m, const lacus_seqs *inputs, double *const *outputs);

/* Model files (esn_io.c, esn_load.c), shared with stacks: the manifest (a
 * cJSON object, the caller deletes it), the arrays under a member-name
 * prefix ("" or "layer3/"), and a model built from a manifest and arrays. */
void *lacus__esn_manifest(const lacus_esn *m);
lacus_status lacus__esn_write_arrays(lacus_npz_writer *w, const char *prefix, const lacus_esn *m,
                                     lacus_error *err);
lacus_status lacus__esn_build(const char *path, const void *manifest, lacus_npz *z,
                              const char *prefix, lacus_esn **out, lacus_error *err);

/* The same for single nodes, shared with graphs: hyperparameters as JSON
 * (cJSON objects) and back, arrays under a prefix and back (into a
 * reservoir made by lacus__reservoir_create_empty, a ridge made with the
 * parsed parameters). */
void *lacus__reservoir_json(const lacus_reservoir_params *p);
void *lacus__ridge_json(const lacus_ridge *r);
lacus_status lacus__reservoir_write(lacus_npz_writer *w, const char *prefix,
                                   const lacus_reservoir *r, lacus_error *err);
lacus_status lacus__ridge_write(lacus_npz_writer *w, const char *prefix, const lacus_ridge *r,
                                lacus_error *err);
lacus_status lacus__reservoir_parse(const char *path, const void *obj, lacus_reservoir_params *p,
                                    lacus_error *err);
lacus_status lacus__ridge_parse(const char *path, const void *obj, lacus_ridge_params *p,
                                lacus_error *err);
lacus_status lacus__reservoir_read(const char *path, lacus_npz *z, const char *prefix,
                                   lacus_reservoir *r, lacus_error *err);
lacus_status lacus__ridge_read(const char *path, lacus_npz *z, const char *prefix, lacus_ridge *r,
                               lacus_error *err);

/* Starts a streaming fit (a fresh readout for n_outputs, and the buffers);
 * lacus_esn_partial_fit calls it on its first chunk. */
lacus_status lacus__esn_stream_start(lacus_esn *m, int64_t n_outputs);

/* One closed-loop step of one sequence (esn_loop.c): x (n_units) advances
 * in place and its new value is also written to state; u the step's input
 * row (n_inputs of the reservoir); scratch 2 n_units doubles. Bit for bit
 * lacus__reservoir_steps with one lane and one step. A large step runs on
 * `team` OpenMP threads (the count lacus__esn_loop_begin returned: the loop
 * itself holds the setting at 1 for its BLAS calls); the bits do not depend
 * on it. */
void lacus__esn_loop_step(const lacus_reservoir *r, lacus__run_ws *ws, double *x, const double *u,
                          int64_t ldu, double *state, int64_t lds, double *scratch, int team);

/* y (n_outputs) = the trained readout of one row x (n_features), bit for
 * bit lacus_ridge_predict. Call it between lacus__esn_loop_begin, which
 * holds BLAS serial for the loop (and returns the setting to restore), and
 * lacus__esn_loop_end. */
void lacus__esn_loop_readout(const lacus_ridge *rd, const double *x, double *y);
int lacus__esn_loop_begin(void);
void lacus__esn_loop_end(int saved);

/* A fresh readout for a fit on `usable` rows of n_outputs targets (esn.c):
 * the rows to keep chosen by lacus__ridge_keep_rows_for; usable = 0 is an
 * error naming the warm-up. */
lacus_status lacus__esn_new_readout(lacus_esn *m, int64_t usable, int64_t n_outputs);

/* Releases the streaming-fit buffers (lacus_esn_partial_fit). */
void lacus__esn_stream_free(lacus_esn *m);

#endif
