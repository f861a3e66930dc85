/* The training state of an online readout beyond its weights, for model
 * files (src/model/graph_io.c): with W and b, these make save -> load ->
 * partial_fit continue bit for bit as if nothing had been saved. */
#ifndef LACUS_NODES_ONLINE_STATE_H
#define LACUS_NODES_ONLINE_STATE_H

#include "lacus.h"

/* P (n_features^2, full symmetric; RLS only, may be NULL), the RLS bias
 * count s (0 for LMS) and the number of steps learned. */
lacus_status lacus__online_get_state(const lacus_online *m, double *P, double *s, int64_t *n_steps);
/* Sets them (P ignored for LMS, required for RLS). Refuses a P that is not
 * finite and exactly symmetric with a positive diagonal, s < 0 or NaN, and
 * n_steps < 0 (LACUS_ERR_ARG, message in err); nothing changed then. */
lacus_status lacus__online_set_state(lacus_online *m, const double *P, double s, int64_t n_steps,
                                     lacus_error *err);

#endif
