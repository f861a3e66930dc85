/* The linear-Gaussian state-space model, its optimal filter (Kalman 1960)
 * and temporal predictive coding (Millidge, Tang, Osanlouy, Harper, Bogacz,
 * "Predictive coding networks for temporal prediction", PLoS Comput. Biol.
 * 2024), equations in include/lacus/local_learning.h.
 *
 * tPC minimises, per step, F = pi_y/2 |y - C x|^2 + pi_x/2 |x - mu|^2 with
 * mu = A xhat_{k-1} + B u_k by gradient relaxation; its fixed point is the
 * MAP estimate under a prior of covariance q I around mu. The Kalman filter
 * uses the prior covariance P- = A P A^T + q I instead, so tPC is optimal
 * only when A P A^T is small next to q I; docs/local_learning.md reports the
 * measured gap on a fully and a partially observed system.
 *
 * The dimensions are small (a few latents), so the filter is written with
 * plain loops; the one linear solve per step (the innovation covariance S,
 * symmetric positive definite) goes through LAPACK via lacus__sym_solve. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "linalg/solve.h"

#define STREAM_LGSSM 91

static lacus_status check_model(const lacus_lgssm *m, lacus_error *err)
{
    if (!m) return lacus__fail(err, LACUS_ERR_ARG, "state-space model is NULL");
    if (m->n_x < 1 || m->n_x > 1000 || m->n_y < 1 || m->n_y > 1000 || m->n_u < 0 || m->n_u > 1000)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "n_x = %lld, n_y = %lld, n_u = %lld: need 1..1000 latents and "
                           "observations, 0..1000 inputs",
                           (long long)m->n_x, (long long)m->n_y, (long long)m->n_u);
    if (!m->A || !m->C || (m->n_u > 0 && !m->B))
        return lacus__fail(err, LACUS_ERR_ARG, "A, C (and B when n_u > 0) must be given");
    if (!(m->q > 0.0) || !isfinite(m->q) || !(m->r > 0.0) || !isfinite(m->r))
        return lacus__fail(err, LACUS_ERR_ARG, "q = %g, r = %g: noise variances must be > 0",
                           m->q, m->r);
    lacus_status st;
    if ((st = lacus__check_finite(err, "A", m->A, m->n_x, m->n_x, m->n_x))) return st;
    if ((st = lacus__check_finite(err, "C", m->C, m->n_y, m->n_x, m->n_x))) return st;
    if (m->n_u > 0 && (st = lacus__check_finite(err, "B", m->B, m->n_x, m->n_u, m->n_u)))
        return st;
    return LACUS_OK;
}

lacus_status lacus_lgssm_sample(const lacus_lgssm *m, int64_t n_steps, uint64_t seed, double *u,
                                double *x, double *y, lacus_error *err)
{
    lacus_status st = check_model(m, err);
    if (st) return st;
    if (n_steps < 1 || !x || !y || (m->n_u > 0 && !u))
        return lacus__fail(err, LACUS_ERR_ARG, "n_steps = %lld must be >= 1 and x, y (u) given",
                           (long long)n_steps);
    int64_t nx = m->n_x, ny = m->n_y, nu = m->n_u;
    lacus__rng rng;
    lacus__rng_stream(&rng, seed, STREAM_LGSSM, 0);
    double sq = sqrt(m->q), sr = sqrt(m->r);
    for (int64_t k = 0; k < n_steps; k++) {
        double *xk = x + k * nx;
        const double *xp = k ? x + (k - 1) * nx : NULL;
        for (int64_t j = 0; j < nu; j++) u[k * nu + j] = lacus__rng_normal(&rng);
        for (int64_t a = 0; a < nx; a++) {
            double s = 0.0;
            if (xp)
                for (int64_t b = 0; b < nx; b++) s += m->A[a * nx + b] * xp[b];
            for (int64_t j = 0; j < nu; j++) s += m->B[a * nu + j] * u[k * nu + j];
            xk[a] = s + sq * lacus__rng_normal(&rng);
        }
        for (int64_t o = 0; o < ny; o++) {
            double s = 0.0;
            for (int64_t b = 0; b < nx; b++) s += m->C[o * nx + b] * xk[b];
            y[k * ny + o] = s + sr * lacus__rng_normal(&rng);
        }
    }
    return LACUS_OK;
}

/* out = A v (A n x m) */
static void matvec(const double *A, const double *v, int64_t n, int64_t m, double *out)
{
    for (int64_t a = 0; a < n; a++) {
        double s = 0.0;
        for (int64_t b = 0; b < m; b++) s += A[a * m + b] * v[b];
        out[a] = s;
    }
}

lacus_status lacus_kalman_filter(const lacus_lgssm *m, const double *u, const double *y,
                                 int64_t n_steps, double *xhat, lacus_error *err)
{
    lacus_status st = check_model(m, err);
    if (st) return st;
    if (n_steps < 1 || !y || !xhat || (m->n_u > 0 && !u))
        return lacus__fail(err, LACUS_ERR_ARG, "n_steps = %lld must be >= 1 and y, xhat (u) given",
                           (long long)n_steps);
    if ((st = lacus__check_finite(err, "y", y, n_steps, m->n_y, m->n_y))) return st;
    if (m->n_u > 0 && (st = lacus__check_finite(err, "u", u, n_steps, m->n_u, m->n_u))) return st;
    int64_t nx = m->n_x, ny = m->n_y, nu = m->n_u;
    double *P = LACUS__ZNEW(double, nx * nx), *Pm = LACUS__NEW(double, nx * nx);
    double *T = LACUS__NEW(double, nx * nx), *S = LACUS__NEW(double, ny * ny);
    double *CP = LACUS__NEW(double, ny * nx), *dg = LACUS__NEW(double, ny);
    double *xm = LACUS__NEW(double, nx), *xk = LACUS__ZNEW(double, nx), *in = LACUS__NEW(double, ny);
    if (!P || !Pm || !T || !S || !CP || !dg || !xm || !xk || !in) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for the Kalman filter");
        goto done;
    }
    for (int64_t k = 0; k < n_steps; k++) {
        /* predict: xm = A x + B u, Pm = A P A^T + q I */
        matvec(m->A, xk, nx, nx, xm);
        for (int64_t a = 0; a < nx; a++)
            for (int64_t j = 0; j < nu; j++) xm[a] += m->B[a * nu + j] * u[k * nu + j];
        for (int64_t a = 0; a < nx; a++)
            for (int64_t b = 0; b < nx; b++) {
                double s = 0.0;
                for (int64_t c = 0; c < nx; c++) s += m->A[a * nx + c] * P[c * nx + b];
                T[a * nx + b] = s;
            }
        for (int64_t a = 0; a < nx; a++)
            for (int64_t b = 0; b < nx; b++) {
                double s = 0.0;
                for (int64_t c = 0; c < nx; c++) s += T[a * nx + c] * m->A[b * nx + c];
                Pm[a * nx + b] = s + (a == b ? m->q : 0.0);
            }
        /* S = C Pm C^T + r I; CP = C Pm; solve S G = CP, G = K^T */
        for (int64_t o = 0; o < ny; o++)
            for (int64_t b = 0; b < nx; b++) {
                double s = 0.0;
                for (int64_t c = 0; c < nx; c++) s += m->C[o * nx + c] * Pm[c * nx + b];
                CP[o * nx + b] = s;
            }
        for (int64_t o = 0; o < ny; o++)
            for (int64_t p = 0; p < ny; p++) {
                double s = 0.0;
                for (int64_t c = 0; c < nx; c++) s += CP[o * nx + c] * m->C[p * nx + c];
                S[o * ny + p] = s + (o == p ? m->r : 0.0);
            }
        matvec(m->C, xm, ny, nx, in);
        for (int64_t o = 0; o < ny; o++) in[o] = y[k * ny + o] - in[o];
        lacus__sym_mirror_upper(ny, S, ny, dg);
        int fb = 0;
        memcpy(T, CP, (size_t)(ny * nx) * sizeof *T); /* T (ny, nx) <- K^T */
        if ((st = lacus__sym_solve(ny, nx, S, ny, dg, NULL, NULL, T, &fb, err))) goto done;
        /* x = xm + K in;  P = Pm - K CP (then symmetrised) */
        for (int64_t a = 0; a < nx; a++) {
            double s = xm[a];
            for (int64_t o = 0; o < ny; o++) s += T[o * nx + a] * in[o];
            xk[a] = s;
        }
        for (int64_t a = 0; a < nx; a++)
            for (int64_t b = 0; b < nx; b++) {
                double s = 0.0;
                for (int64_t o = 0; o < ny; o++) s += T[o * nx + a] * CP[o * nx + b];
                P[a * nx + b] = Pm[a * nx + b] - s;
            }
        for (int64_t a = 0; a < nx; a++)
            for (int64_t b = a + 1; b < nx; b++) {
                double v = 0.5 * (P[a * nx + b] + P[b * nx + a]);
                P[a * nx + b] = P[b * nx + a] = v;
            }
        memcpy(xhat + k * nx, xk, (size_t)nx * sizeof *xk);
    }
done:
    lacus__free(P), lacus__free(Pm), lacus__free(T), lacus__free(S), lacus__free(CP);
    lacus__free(dg), lacus__free(xm), lacus__free(xk), lacus__free(in);
    return st;
}

struct lacus_tpc {
    lacus_tpc_params p;
    int64_t nx, ny, nu;
    double pi_x, pi_y;
    double *A, *B, *C;           /* owned copies, learned when eta > 0 */
    double *xh, *mu, *x, *ex, *ey, *g; /* workspaces */
    int64_t n_steps;
    lacus_error err;
};

lacus_tpc_params lacus_tpc_params_default(void)
{
    lacus_tpc_params p = {0.05, 100, 0.0, 0};
    return p;
}

void lacus_tpc_free(lacus_tpc *m)
{
    if (!m) return;
    void *b[] = {m->A, m->B, m->C, m->xh, m->mu, m->x, m->ex, m->ey, m->g};
    for (size_t i = 0; i < sizeof b / sizeof *b; i++) lacus__free(b[i]);
    lacus__free(m);
}

lacus_status lacus_tpc_create(const lacus_lgssm *init, const lacus_tpc_params *p, lacus_tpc **out,
                              lacus_error *err)
{
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "out is NULL");
    *out = NULL;
    lacus_tpc_params def = lacus_tpc_params_default();
    if (!p) p = &def;
    lacus_status st = check_model(init, err);
    if (st) return st;
    if (!(p->gamma > 0.0) || !isfinite(p->gamma))
        return lacus__fail(err, LACUS_ERR_ARG, "gamma = %g: the inference step must be > 0", p->gamma);
    if (p->n_iter < 1 || p->n_iter > 100000)
        return lacus__fail(err, LACUS_ERR_ARG, "n_iter = %lld: must be in 1..100000",
                           (long long)p->n_iter);
    if (!(p->eta >= 0.0) || !isfinite(p->eta))
        return lacus__fail(err, LACUS_ERR_ARG, "eta = %g: must be >= 0 and finite", p->eta);
    lacus_tpc *m = LACUS__ZNEW(lacus_tpc, 1);
    if (!m) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for tPC");
    m->p = *p;
    int64_t nx = m->nx = init->n_x, ny = m->ny = init->n_y, nu = m->nu = init->n_u;
    m->pi_x = 1.0 / init->q;
    m->pi_y = 1.0 / init->r;
    m->A = LACUS__NEW(double, nx * nx);
    m->B = LACUS__ZNEW(double, nx * (nu > 0 ? nu : 1));
    m->C = LACUS__NEW(double, ny * nx);
    m->xh = LACUS__ZNEW(double, nx);
    m->mu = LACUS__NEW(double, nx);
    m->x = LACUS__NEW(double, nx);
    m->ex = LACUS__NEW(double, nx);
    m->ey = LACUS__NEW(double, ny);
    m->g = LACUS__NEW(double, nx);
    if (!m->A || !m->B || !m->C || !m->xh || !m->mu || !m->x || !m->ex || !m->ey || !m->g) {
        lacus_tpc_free(m);
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for tPC");
    }
    memcpy(m->A, init->A, (size_t)(nx * nx) * sizeof *m->A);
    if (nu > 0) memcpy(m->B, init->B, (size_t)(nx * nu) * sizeof *m->B);
    memcpy(m->C, init->C, (size_t)(ny * nx) * sizeof *m->C);
    *out = m;
    return LACUS_OK;
}

const char *lacus_tpc_errmsg(const lacus_tpc *m) { return m ? m->err.msg : "NULL tPC"; }

lacus_status lacus_tpc_get(const lacus_tpc *m, double *A, double *B, double *C)
{
    if (!m) return LACUS_ERR_ARG;
    if (A) memcpy(A, m->A, (size_t)(m->nx * m->nx) * sizeof *A);
    if (B && m->nu > 0) memcpy(B, m->B, (size_t)(m->nx * m->nu) * sizeof *B);
    if (C) memcpy(C, m->C, (size_t)(m->ny * m->nx) * sizeof *C);
    return LACUS_OK;
}

lacus_status lacus_tpc_run(lacus_tpc *m, const double *u, const double *y, int64_t n_steps,
                           double *xhat)
{
    if (!m) return LACUS_ERR_ARG;
    if (n_steps < 1 || !y || (m->nu > 0 && !u))
        return lacus__fail(&m->err, LACUS_ERR_ARG, "n_steps = %lld must be >= 1 and y (u) given",
                           (long long)n_steps);
    lacus_status st = lacus__check_finite(&m->err, "y", y, n_steps, m->ny, m->ny);
    if (st) return st;
    if (m->nu > 0 && (st = lacus__check_finite(&m->err, "u", u, n_steps, m->nu, m->nu))) return st;
    int64_t nx = m->nx, ny = m->ny, nu = m->nu;
    const double gam = m->p.gamma, eta = m->p.eta, px = m->pi_x, py = m->pi_y;
    memset(m->xh, 0, (size_t)nx * sizeof *m->xh);
    for (int64_t k = 0; k < n_steps; k++) {
        const double *yk = y + k * ny, *uk = u ? u + k * nu : NULL;
        matvec(m->A, m->xh, nx, nx, m->mu);
        for (int64_t a = 0; a < nx; a++)
            for (int64_t j = 0; j < nu; j++) m->mu[a] += m->B[a * nu + j] * uk[j];
        memcpy(m->x, m->mu, (size_t)nx * sizeof *m->x);
        for (int64_t it = 0; it <= m->p.n_iter; it++) {
            /* errors at the current x; the last pass only computes them */
            matvec(m->C, m->x, ny, nx, m->ey);
            for (int64_t o = 0; o < ny; o++) m->ey[o] = yk[o] - m->ey[o];
            for (int64_t a = 0; a < nx; a++) m->ex[a] = m->x[a] - m->mu[a];
            if (it == m->p.n_iter) break;
            for (int64_t a = 0; a < nx; a++) {
                double s = 0.0;
                for (int64_t o = 0; o < ny; o++) s += m->C[o * nx + a] * m->ey[o];
                m->g[a] = -px * m->ex[a] + py * s;
            }
            for (int64_t a = 0; a < nx; a++) m->x[a] += gam * m->g[a];
        }
        double nrm = 0.0;
        for (int64_t a = 0; a < nx; a++) nrm += m->x[a] * m->x[a];
        if (!(nrm < 1e200))
            return lacus__fail(&m->err, LACUS_ERR_NUMERIC,
                               "tPC diverged at step %lld: the relaxation blew up (gamma = %g is "
                               "too large for the precisions; need gamma (pi_x + pi_y |C|^2) < 2)",
                               (long long)k, gam);
        if (eta > 0.0) {
            /* Hebbian: post-synaptic error times pre-synaptic activity */
            double big = 0.0;
            for (int64_t a = 0; a < nx; a++) {
                for (int64_t b = 0; b < nx; b++) {
                    m->A[a * nx + b] += eta * px * m->ex[a] * m->xh[b];
                    big = fmax(big, fabs(m->A[a * nx + b]));
                }
                for (int64_t j = 0; j < nu; j++) m->B[a * nu + j] += eta * px * m->ex[a] * uk[j];
            }
            if (m->p.learn_C)
                for (int64_t o = 0; o < ny; o++)
                    for (int64_t b = 0; b < nx; b++) m->C[o * nx + b] += eta * py * m->ey[o] * m->x[b];
            if (!(big < 1e6))
                return lacus__fail(&m->err, LACUS_ERR_NUMERIC,
                                   "tPC learning diverged at step %lld: |A| = %g (eta = %g is too "
                                   "large); learning stopped", (long long)k, big, eta);
        }
        memcpy(m->xh, m->x, (size_t)nx * sizeof *m->x);
        if (xhat) memcpy(xhat + k * nx, m->x, (size_t)nx * sizeof *m->x);
    }
    m->n_steps += n_steps;
    return LACUS_OK;
}
