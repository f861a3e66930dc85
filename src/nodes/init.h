/* Random weight initialisers (ReservoirPy's mat_gen, with lacus's own RNG):
 * a matrix with exactly round(connectivity * n_rows * n_cols) non-zeros at
 * uniformly random distinct positions, values from a distribution. */
#ifndef LACUS_NODES_INIT_H
#define LACUS_NODES_INIT_H

#include "core/rng.h"
#include "lacus.h"
#include "linalg/csr.h"

double lacus__init_draw(lacus__rng *rng, lacus_init dist);

/* Sparse random matrix, positions then values drawn from `rng`. */
lacus_status lacus__init_sparse(lacus__csr *A, int64_t n_rows, int64_t n_cols,
                                double connectivity, lacus_init dist, lacus__rng *rng,
                                lacus_error *err);

/* Dense random vector of length n with round(connectivity * n) non-zeros. */
lacus_status lacus__init_vector(double *v, int64_t n, double connectivity, lacus_init dist,
                                lacus__rng *rng, lacus_error *err);

#endif
