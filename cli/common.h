/* Shared pieces of the lacus command: error printing, loading sequences
 * from .npy files, writing outputs, and the progress bar. The command uses
 * only the public header; it is the only place that prints and exits. */
#ifndef LACUS_CLI_COMMON_H
#define LACUS_CLI_COMMON_H

#include <stdint.h>

#include "lacus.h"
#include "opts.h"

/* Prints "lacus: error: ..." to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Whether v (a cJSON item, may be NULL) is a number holding an integer that
 * a double represents exactly (|v| <= 2^53); then *out gets it. cJSON reads
 * 1e999 as inf, and casting an out-of-range double to an integer is
 * undefined behaviour, so integer keys are tested with this before any
 * cast (the config fuzzer found a "features" of 3.4e90 doing it). */
struct cJSON;
int cli_json_integer(const struct cJSON *v, int64_t *out);

/* A set of sequences read from files: each path is a 1-D/2-D .npy (one
 * sequence), a 3-D .npy (n_seqs, n_steps, n_features), a .npz (one
 * sequence per member, in name order) or a CSV file. */
typedef struct cli_seqs {
    lacus_seqs s;
    lacus_ndarray *arrays;
    int n_arrays;
    double **ptrs;
    int64_t *steps;
} cli_seqs;

/* Returns 0, or -1 after printing the error (and freeing what it loaded). */
int cli_seqs_load(const opt_list *paths, const char *what, cli_seqs *out);
void cli_seqs_free(cli_seqs *s);

/* Writes sequences as one .npy (a single sequence, or equal lengths stacked
 * to 3-D) or, for ragged ones, an .npz with arr_0, arr_1, ... */
int cli_write_seqs(const char *path, double *const *data, const int64_t *steps, int64_t n_seqs,
                   int64_t n_features);

/* Progress bar on stderr when it is a terminal: fraction, rate, ETA. */
typedef struct cli_progress {
    const char *label;
    double t0, last;
    int enabled;
} cli_progress;
void cli_progress_init(cli_progress *p, const char *label);
void cli_progress_cb(double fraction, void *user);
void cli_progress_done(cli_progress *p);

double cli_now(void);

#endif
