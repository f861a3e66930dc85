/* lacus lm sweep: the grid, the rows of results and the report (shared by
 * cmd_lm_sweep.c, which runs the cells, and cmd_lm_sweep_report.c). */
#ifndef LACUS_CLI_LM_SWEEP_H
#define LACUS_CLI_LM_SWEEP_H

#include <stdint.h>

#include "lacus.h"

#define SWEEP_MAX_GRID 32
#define SWEEP_N_FORMAL 4                              /* copy, reverse, counting, Dyck */
#define SWEEP_K (LACUS_SKILL_COUNT + SWEEP_N_FORMAL) /* skills per row */
#define SWEEP_KN_MIN 2                                /* n-gram baselines: orders 2..kn_max */

/* Id ("S0", ..., "S12") and name of skill k of a row (grammar skills first,
 * then the formal ones), NULL out of range. */
const char *sweep_skill_id(int k);
const char *sweep_skill_name(int k);

typedef struct sweep_cfg {
    const char *out;
    int64_t sizes[SWEEP_MAX_GRID], tokens[SWEEP_MAX_GRID];
    int n_sizes, n_tokens;
    int64_t seeds, test_tokens, jobs, boot;
    double ridge, lr, sr, input_scaling, level;
    double ridges[16]; /* the grid lambda is chosen from, per cell */
    int n_ridges;
    int64_t formal_tokens; /* formal tasks train on min(tokens, this) */
    int kn_max;            /* n-gram baselines of orders 2..kn_max; 0: none */
    double p_pp, p_attractor, p_rel;
    int64_t lexicon_seed;
} sweep_cfg;

/* One cell's results, as stored in a line of rows.jsonl. */
typedef struct sweep_row {
    int64_t tokens, units, seed;
    int kn;       /* 0: reservoir LM of `units`; k: Kneser-Ney k-gram (units 0) */
    double ridge; /* the ridge chosen for the grammar LM (NaN for n-grams) */
    double train_s, probe_s, bits, grammar_bits;
    lacus_skill_score sk[SWEEP_K];
} sweep_row;

/* Reads every complete row of DIR/rows.jsonl (a torn last line from a
 * killed run is dropped, and the file rewritten without it). *rows is
 * malloc'ed. Returns 0, or -1 after printing an error. */
int sweep_read_rows(const char *path, sweep_row **rows, int64_t *n);

/* Aggregates the rows of the grid: thresholds.tsv, report.md and the PNG
 * curves in cfg->out. Returns 0, or 1 after printing an error. */
int sweep_report(const sweep_cfg *cfg, const sweep_row *rows, int64_t n_rows, double wall_s);

#endif
