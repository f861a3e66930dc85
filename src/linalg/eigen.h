#ifndef LACUS_LINALG_EIGEN_H
#define LACUS_LINALG_EIGEN_H

#include "lacus.h"
#include "linalg/csr.h"

/* Largest |eigenvalue| of a square CSR matrix: dense LAPACK for n <= 512,
 * ARPACK above. Not re-entrant (ARPACK). */
lacus_status lacus__spectral_radius(const lacus__csr *W, double *out, lacus_error *err);

#endif
