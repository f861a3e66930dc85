/* The self-predicting unit's private predictor (spec learning_rules.md 4.3):
 * one linear predictor theta (K values) on the unit's regressors z, updated
 * by normalised LMS or by recursive least squares, using nothing but z, the
 * unit's own target and its own error. Kept as static inline kernels so the
 * step loop (hetero_run.c) inlines them; the locality test rebuilds the
 * same update from the unit's own arrays (tests/unit/test_selfpred.c). */
#ifndef LACUS_LEARN_SELFPRED_UNIT_H
#define LACUS_LEARN_SELFPRED_UNIT_H

#include <math.h>
#include <stdint.h>

/* NLMS (Haykin, "Adaptive Filter Theory", ch. 6):
 *   theta += mu e z / (delta + z.z),
 * given p = theta.z, zz = z.z and n2 = |theta|^2 (the step loop computes p
 * and zz in the pass that gathers the fan-in for the drive): the new norm
 * is n2 + 2 c p + c^2 zz, so the bound is checked in O(1) before the O(K)
 * axpy. Returns 1 on a bound violation
 * (nothing changed), else updates theta and *n2. */
static inline int lacus__sp_nlms_known(double *theta, const double *z, int64_t K, double e,
                                       double p, double zz, double *n2, double mu, double delta,
                                       double max_norm)
{
    double c = mu * e / (delta + zz);
    double n2_new = *n2 + 2.0 * c * p + c * c * zz;
    if (!(n2_new <= max_norm * max_norm)) return 1; /* also catches NaN */
    for (int64_t k = 0; k < K; k++) theta[k] += c * z[k];
    *n2 = n2_new > 0.0 ? n2_new : 0.0;
    return 0;
}

/* RLS with forgetting lambda on one unit (P is K x K, full, symmetric):
 *   Pz = P z, d = lambda + z.Pz, theta += Pz e / d,
 *   P <- (P - Pz Pz^T / d) / lambda.
 * Pz is scratch (K). Returns 1 on a non-positive or non-finite d, or a
 * theta beyond max_norm (nothing changed then). */
static inline int lacus__sp_rls(double *theta, double *P, double *Pz, const double *z, int64_t K,
                                double e, double lambda, double max_norm)
{
    double d = lambda;
    for (int64_t a = 0; a < K; a++) {
        const double *Pa = P + a * K;
        double s = 0.0;
        for (int64_t b = 0; b < K; b++) s += Pa[b] * z[b];
        Pz[a] = s;
        d += z[a] * s;
    }
    if (!(d > 0.0) || !isfinite(d)) return 1;
    double c = e / d, n2 = 0.0;
    for (int64_t a = 0; a < K; a++) {
        double v = theta[a] + c * Pz[a];
        n2 += v * v;
    }
    if (!(n2 <= max_norm * max_norm)) return 1;
    for (int64_t a = 0; a < K; a++) theta[a] += c * Pz[a];
    double il = 1.0 / lambda, id = 1.0 / d;
    for (int64_t a = 0; a < K; a++) {
        double *Pa = P + a * K;
        double pa = Pz[a] * id;
        for (int64_t b = 0; b < K; b++) Pa[b] = (Pa[b] - pa * Pz[b]) * il;
    }
    return 0;
}

#endif
