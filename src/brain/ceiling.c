/* Cross-subject noise ceilings: how well can any model predict one
 * subject's response, judged by how well the other subjects predict it.
 *
 * Leave-one-subject-out: for subject s, the Pearson r between its response
 * and the mean response of the m - 1 others (intersubject correlation,
 * Nastase, Gazzola, Hasson & Keysers 2019, SCAN 14:667, "leave-one-out
 * ISC"). That r is not the ceiling itself: the others' mean still carries
 * noise. Under the standard model of that literature, every subject =
 * a shared signal (variance S) + its own independent noise (variance N,
 * the same for all), the ideal model (the shared signal itself) reaches
 *   r* = sqrt(a),  a = S / (S + N)   (a = the single-subject reliability),
 * and the leave-one-out r is
 *   rho = S / sqrt((S + N)(S + N/(m-1))) = r* sqrt(rho_{m-1}),
 * with rho_{m-1} = (m-1) a / (1 + (m-2) a) the Spearman-Brown reliability of
 * a mean of m - 1 subjects. Solving for a:
 *   a^2 - rho^2 a (m-2)/(m-1) - rho^2/(m-1) = 0,
 *   a = ( rho^2 (m-2)/(m-1) + sqrt(rho^4 ((m-2)/(m-1))^2 + 4 rho^2/(m-1)) ) / 2.
 * With m = 2 this is a = rho (the split-half case); with rho = 1, a = 1.
 * The rho used is the mean over subjects of the leave-one-out r; rho <= 0
 * gives a ceiling of 0 (no shared signal seen). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "brain/brain.h"
#include "core/alloc.h"
#include "core/error.h"

double lacus__loo_ceiling(double rho, int64_t m)
{
    if (!(rho > 0.0)) return 0.0;
    if (rho >= 1.0) return 1.0;
    double c = (double)(m - 2) / (double)(m - 1), r2 = rho * rho;
    double a = 0.5 * (r2 * c + sqrt(r2 * r2 * c * c + 4.0 * r2 / (double)(m - 1)));
    return sqrt(a < 1.0 ? a : 1.0);
}

lacus_status lacus_cross_subject_ceiling(const double *data, int64_t m, int64_t n, int64_t t,
                                         double *loo_r, double *ceiling, lacus_error *err)
{
    if (!data) return lacus__fail(err, LACUS_ERR_ARG, "cross-subject ceiling: data is NULL");
    if (m < 2)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "cross-subject ceiling: %lld subject(s): need at least 2", (long long)m);
    if (n < 3 || t < 1)
        return lacus__fail(err, LACUS_ERR_SHAPE,
                           "cross-subject ceiling: %lld samples x %lld targets: need >= 3 samples",
                           (long long)n, (long long)t);
    for (int64_t s = 0; s < m; s++) {
        char what[64];
        snprintf(what, sizeof what, "subject %lld", (long long)s);
        lacus_status st = lacus__check_finite(err, what, data + s * n * t, n, t, t);
        if (st) return st;
    }
    double *sum = LACUS__ZNEW(double, n * t);
    if (!sum) return lacus__fail(err, LACUS_ERR_NOMEM, "cross-subject ceiling: %lld x %lld", (long long)n, (long long)t);
    for (int64_t s = 0; s < m; s++)
        for (int64_t i = 0; i < n * t; i++) sum[i] += data[s * n * t + i];
    lacus_status st = LACUS_OK;
#pragma omp parallel for schedule(static)
    for (int64_t j = 0; j < t; j++) {
        double rsum = 0.0;
        for (int64_t s = 0; s < m; s++) {
            const double *y = data + s * n * t;
            double my = 0.0, mo = 0.0;
            for (int64_t i = 0; i < n; i++) {
                my += y[i * t + j];
                mo += (sum[i * t + j] - y[i * t + j]) / (double)(m - 1);
            }
            my /= (double)n;
            mo /= (double)n;
            double syy = 0.0, soo = 0.0, syo = 0.0;
            for (int64_t i = 0; i < n; i++) {
                double a = y[i * t + j] - my, b = (sum[i * t + j] - y[i * t + j]) / (double)(m - 1) - mo;
                syy += a * a;
                soo += b * b;
                syo += a * b;
            }
            /* A constant subject (or constant mean of the others) has no
             * correlation: 0, as lacus_encoding_scores does. */
            double r = syy > 0.0 && soo > 0.0 ? syo / sqrt(syy * soo) : 0.0;
            if (loo_r) loo_r[s * t + j] = r;
            rsum += r;
        }
        if (ceiling) ceiling[j] = lacus__loo_ceiling(rsum / (double)m, m);
    }
    lacus__free(sum);
    return st;
}
