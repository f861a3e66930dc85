/* The distributed ridge solve of scalapack.c as building blocks, for fits
 * whose rows do not come from one ESN (a graph's ridge nodes, dist.c).
 * Private to src/dist. Every call marked collective must be made by every
 * rank, in the same order; with several systems open at once their rounds
 * must interleave the same way on every rank (lacus__spk_room tells how
 * many rows fit before the next round). */
#ifndef LACUS_DIST_SPK_H
#define LACUS_DIST_SPK_H

#include "lacus.h"
#include "nodes/ridge.h"

typedef struct lacus__spk lacus__spk;

/* A fit's stats before it starts: the reduce solve on a 1 x 1 grid, no
 * times yet (-1). */
void lacus__dist_stats_init(lacus_dist_stats *stats);
/* The checks of lacus_dist_params' fields (LACUS_ERR_ARG, naming one). */
lacus_status lacus__dist_params_check(const lacus_dist_params *d, lacus_error *err);
/* The solve for F features and O outputs on this many ranks (AUTO: REDUCE
 * unless rank_mem_mb forbids it); LACUS_ERR_ARG, with the number of ranks
 * that would do, when the chosen solve exceeds rank_mem_mb;
 * LACUS_ERR_UNSUPPORTED for the scalapack solve in a build without it or
 * when MPI was not started (*how is then set). Every rank
 * decides the same from the same numbers (lacus_esn_fit_dist_ex, the
 * NVAR fit over ranks). */
lacus_status lacus__dist_choose_solve(const lacus_dist_params *d, int64_t F, int64_t O,
                                      lacus_dist_solve *how, lacus_error *err);

/* Rows per round for F features on K ranks (dp->rows, or the automatic
 * choice of lacus_dist_params). */
int64_t lacus__spk_rows(int64_t F, int K, const lacus_dist_params *dp);

/* An F x F system with O outputs on the BLACS grid; rows: this rank's rows
 * to come (the common round count is agreed from them). Collective. */
lacus_status lacus__spk_open(lacus__spk **out, int64_t F, int64_t O, int64_t rows, const lacus_dist_params *dp,
                             lacus_error *err);
/* n rows (X: n x F, Y: n x O); a round (collective) runs when the staged
 * rows fill one and another row comes. */
lacus_status lacus__spk_add(lacus__spk *s, const double *X, int64_t ldx, const double *Y, int64_t ldy, int64_t n);
/* Rows that lacus__spk_add takes before its next round. */
int64_t lacus__spk_room(const lacus__spk *s);
/* The BLACS grid (rows x cols) and the agreed number of rounds. */
void lacus__spk_grid(const lacus__spk *s, int *rows, int *cols, int64_t *rounds);
/* One more round (the staged rows, or zeros) when the agreed count is not
 * reached: returns 1, else 0. Collective. */
int lacus__spk_step(lacus__spk *s);
/* Completes the rounds and solves into r (as lacus_esn_fit_dist_ex's
 * SCALAPACK solve, LU fallback included); stats may be NULL. Collective. */
lacus_status lacus__spk_solve(lacus__spk *s, lacus_ridge *r, lacus_dist_stats *stats);
void lacus__spk_close(lacus__spk *s);

#endif
