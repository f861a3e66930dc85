/* Spectral radius (largest |eigenvalue|) of the recurrent matrix W.
 *
 * Small matrices: all eigenvalues by LAPACK dgeev on a dense copy, O(n^3).
 * Large sparse ones: ARPACK's implicitly restarted Arnoldi iteration
 * (dnaupd/dneupd, which = "LM"), as scipy.sparse.linalg.eigs does for
 * ReservoirPy; each iteration is one CSR product, O(nnz). The start vector is
 * drawn from our own seeded RNG rather than ARPACK's internal generator, whose
 * state persists between calls, so the result does not depend on call
 * history. ARPACK keeps SAVEd state and is not re-entrant: call serially. */
#include <arpack/arpack.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "linalg/blas.h"
#include "linalg/csr.h"
#include "linalg/eigen.h"

#define DENSE_LIMIT 512

lacus_status lacus_spectral_radius_dense(int64_t n, const double *W, double *out, lacus_error *err)
{
    if (n < 1) return lacus__fail(err, LACUS_ERR_ARG, "matrix order %lld: must be >= 1", (long long)n);
    double *A = LACUS__NEW(double, n * n), *wr = LACUS__NEW(double, n), *wi = LACUS__NEW(double, n);
    lacus_status st = LACUS_OK;
    if (!A || !wr || !wi) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for a %lld x %lld eigenproblem",
                         (long long)n, (long long)n);
        goto done;
    }
    memcpy(A, W, (size_t)(n * n) * sizeof *A);
    int saved = lacus__blas_serial_begin();
    lapack_int info = LAPACKE_dgeev(LAPACK_ROW_MAJOR, 'N', 'N', (lapack_int)n, A, (lapack_int)n, wr,
                                    wi, NULL, 1, NULL, 1);
    lacus__blas_serial_end(saved);
    if (info != 0) {
        st = lacus__fail(err, LACUS_ERR_NOT_CONVERGED, "dense eigenvalue solver failed (info %d)",
                         (int)info);
        goto done;
    }
    double r = 0.0;
    for (int64_t i = 0; i < n; i++) r = fmax(r, hypot(wr[i], wi[i]));
    *out = r;
done:
    lacus__free(A);
    lacus__free(wr);
    lacus__free(wi);
    return st;
}

/* One ARPACK run with a Krylov space of ncv vectors and at most max_restarts
 * implicit restarts. Returns LACUS_OK with *converged = 0 when the restarts ran
 * out, so that the caller can try a larger space. */
static lacus_status arpack_radius(const lacus__csr *W, a_int ncv, a_int max_restarts, double *out,
                                  int *converged, lacus_error *err)
{
    int64_t n = W->n_rows;
    a_int nev = 1, ldv = (a_int)n;
    a_int lworkl = 3 * ncv * ncv + 6 * ncv;
    a_int iparam[11] = {0}, ipntr[14] = {0}, ido = 0, info = 1;
    iparam[0] = 1;            /* exact shifts */
    iparam[2] = max_restarts;
    iparam[6] = 1;            /* mode 1: standard problem */
    double *resid = LACUS__NEW(double, n), *v = LACUS__NEW(double, n * ncv);
    double *workd = LACUS__NEW(double, 3 * n), *workl = LACUS__NEW(double, lworkl);
    double *dr = LACUS__NEW(double, nev + 1), *di = LACUS__NEW(double, nev + 1);
    double *workev = LACUS__NEW(double, 3 * ncv);
    a_int *select = LACUS__ZNEW(a_int, ncv);
    lacus_status st = LACUS_OK;
    *converged = 0;
    if (!resid || !v || !workd || !workl || !dr || !di || !workev || !select) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for ARPACK workspace (n = %lld)",
                         (long long)n);
        goto done;
    }
    lacus__rng rng;
    lacus__rng_seed(&rng, 0x5eed);
    for (int64_t i = 0; i < n; i++) resid[i] = 2.0 * lacus__rng_uniform(&rng) - 1.0;

    int saved = lacus__blas_serial_begin(); /* ARPACK's own BLAS calls */
    for (;;) {
        dnaupd_c(&ido, "I", (a_int)n, "LM", nev, 0.0, resid, ncv, v, ldv, iparam, ipntr, workd,
                 workl, lworkl, &info);
        if (ido != -1 && ido != 1) break;
        lacus__csr_matvec_rows(W, workd + ipntr[0] - 1, workd + ipntr[1] - 1, 0, n);
    }
    if (info == 0)
        dneupd_c(0, "A", select, dr, di, NULL, 1, 0.0, 0.0, workev, "I", (a_int)n, "LM", nev, 0.0,
                 resid, ncv, v, ldv, iparam, ipntr, workd, workl, lworkl, &info);
    lacus__blas_serial_end(saved);
    if (info == 1) goto done; /* restarts exhausted: not converged */
    if (info != 0) {
        st = lacus__fail(err, LACUS_ERR_NUMERIC,
                         "ARPACK failed (info %d) computing the spectral radius", (int)info);
        goto done;
    }
    double r = 0.0;
    for (a_int i = 0; i < iparam[4] && i <= nev; i++) r = fmax(r, hypot(dr[i], di[i]));
    *out = r;
    *converged = 1;
done:
    lacus__free(resid); lacus__free(v); lacus__free(workd); lacus__free(workl);
    lacus__free(dr); lacus__free(di); lacus__free(workev); lacus__free(select);
    return st;
}

/* Random sparse matrices have their eigenvalues spread over a disc, so the
 * largest ones are often separated by a fraction of a percent (two pairs at
 * 1.0 and 0.9956 for an N = 1,000 reservoir with seed 47). With 40 Arnoldi
 * vectors ARPACK then stalled for tens of thousands of restarts (38 s), and
 * scipy's default of 20 "converges" on that matrix to a wrong eigenvalue
 * (0.987). 80 vectors converge in 8-80 restarts on typical reservoirs of
 * 1,000-10,000 units, about twice as fast overall as 40. Each attempt has a
 * budget of restarts; on exhaustion the space doubles (while its basis stays
 * under 1 GiB), and the last attempt gets ReservoirPy's 20 N restarts. */
lacus_status lacus__spectral_radius(const lacus__csr *W, double *out, lacus_error *err)
{
    int64_t n = W->n_rows;
    if (n <= DENSE_LIMIT) {
        double *D = LACUS__NEW(double, n * n);
        if (!D) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory");
        lacus__csr_to_dense(W, D);
        lacus_status st = lacus_spectral_radius_dense(n, D, out, err);
        lacus__free(D);
        return st;
    }
    enum { NCV_FIRST = 80, NCV_LAST = 320, RESTART_BUDGET = 300 };
    int64_t ncv_cap = (INT64_C(1) << 27) / n; /* n * ncv doubles <= 1 GiB */
    for (a_int ncv = NCV_FIRST;; ncv *= 2) {
        if (ncv >= n) ncv = (a_int)n - 1;
        int last = ncv >= NCV_LAST || 2 * ncv >= n || 2 * ncv > ncv_cap;
        a_int restarts = last ? (a_int)(n * 20 > 3000 ? n * 20 : 3000) : RESTART_BUDGET;
        int converged = 0;
        lacus_status st = arpack_radius(W, ncv, restarts, out, &converged, err);
        if (st || converged) return st;
        if (last)
            return lacus__fail(err, LACUS_ERR_NOT_CONVERGED,
                               "ARPACK did not converge computing the spectral radius "
                               "(n = %lld, %d Arnoldi vectors, %d restarts)",
                               (long long)n, (int)ncv, (int)restarts);
    }
}

lacus_status lacus_spectral_radius_csr(int64_t n, const int64_t *indptr, const int64_t *indices,
                                       const double *values, double *out, lacus_error *err)
{
    if (n < 1) return lacus__fail(err, LACUS_ERR_ARG, "matrix order %lld: must be >= 1", (long long)n);
    lacus__csr W;
    lacus_status st = lacus__csr_from_arrays(&W, n, n, indptr[n], indptr, indices, values, err);
    if (st) return st;
    st = lacus__spectral_radius(&W, out, err);
    lacus__csr_free(&W);
    return st;
}
