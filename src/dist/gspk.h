/* A graph's ridge nodes on the distributed solve (dist_graph_spk.c), used
 * by dist.c's sharded graph fit. Private to src/dist. */
#ifndef LACUS_DIST_GSPK_H
#define LACUS_DIST_GSPK_H

#include "lacus.h"

typedef struct lacus__gspk lacus__gspk;

/* One block-cyclic system per ridge node of the initialized graph g;
 * local_rows: this rank's rows per node (its sequences' steps after the
 * warmup). Collective; on failure every rank returns it (in g's error). */
lacus_status lacus__gspk_open(lacus_graph *g, const lacus_dist_params *dp, int64_t local_rows,
                              lacus__gspk **out);
/* Keeps ridge node `node`'s rows of the current sequence. */
lacus_status lacus__gspk_rows(lacus__gspk *a, int64_t node, const double *x, int64_t F, const double *y,
                              int64_t O, int64_t rows);
/* After each sequence: its rows into the systems, in round-aligned slices,
 * node after node (rounds: collectives, in the same order on every rank). */
lacus_status lacus__gspk_after_seq(lacus__gspk *a);
/* The remaining rounds (interleaved), then, when every rank's st is OK,
 * every node's solve into its ridge. Collective. */
lacus_status lacus__gspk_finish(lacus__gspk *a, lacus_status st);
void lacus__gspk_close(lacus__gspk *a);

#endif
