/* Multinomial logistic regression by L-BFGS (logistic.c), for the convex
 * readout of the reservoir LM and for lacus_logistic_fit. Rows come from a
 * callback, so the LM can build its feature rows [x, onehot(tok)] on the
 * fly from compact stored states. */
#ifndef LACUS_LANG_LOGISTIC_H
#define LACUS_LANG_LOGISTIC_H

#include "lacus.h"

/* Fills out (rows, F) with feature rows [row0, row0 + rows). */
typedef void (*lacus__rows_fn)(void *ctx, int64_t row0, int64_t rows, double *out);

/* Minimises (1/n) sum_t [log sum_v exp(s_tv) - s_t,y_t] + l2 / (2n) ||W||^2,
 * s_t = W^T f_t + b, over W (F, V) and b (V); W and b hold the starting
 * point on entry and the solution on return. *iters gets the iterations
 * taken and *loss the final objective (optional). */
lacus_status lacus__logistic_lbfgs(lacus__rows_fn rows_fn, void *ctx, int64_t n, int64_t F, const int32_t *y,
                                   int64_t V, double l2, int64_t max_iter, double tol, double *W, double *b,
                                   int64_t *iters, double *loss, lacus_error *err);

#endif
