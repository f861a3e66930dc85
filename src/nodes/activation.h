/* Activation functions applied to a buffer. */
#ifndef LACUS_NODES_ACTIVATION_H
#define LACUS_NODES_ACTIVATION_H

#include <stdint.h>

#include "lacus.h"

/* out[i] = f(in[i]) for i < n (in == out allowed). Softmax is not
 * element-wise and is left to the caller (identity here). */
void lacus__activate(lacus_activation f, const double *in, double *out, int64_t n);

/* One value, the plain reference the vectorised path is tested against. */
double lacus__activate_ref(lacus_activation f, double v);

#endif
