/* Private: the least-squares solve of the ridge readout (ridge_lstsq.c). */
#ifndef LACUS_NODES_RIDGE_LSTSQ_H
#define LACUS_NODES_RIDGE_LSTSQ_H

#include "nodes/ridge.h"

/* Solves from the kept samples (all of them must have been kept), writing
 * m->Wout and m->b and setting m->last_solver. LACUS_ERR_STATE when samples
 * were not all kept, LACUS_ERR_NOMEM, LACUS_ERR_NUMERIC (SVD failure). */
lacus_status lacus__ridge_solve_lstsq(lacus_ridge *m);

#endif
