/* Per-target ridge CV against himalaya 0.4.11 (tests/ref/make_himalaya_fixtures.py):
 * chosen alphas, refitted coefficients and CV scores for the primal, the
 * wide (dual) case, the r2 and Pearson criteria, kernel ridge on a
 * precomputed kernel and the banded random search; then the closed forms
 * against a direct Cholesky solve, alpha selection against a brute-force
 * loop, thread-count invariance and bad input. */
#include <string.h>

#include "brain/ridgecv_impl.h"
#include "fixture.h"
#include "linalg/blas.h"
#include "oom.h"
#include "test.h"

/* Fraction of equal alphas (relative 1e-9). */
static double alpha_agreement(const double *a, const double *b, int64_t t)
{
    int64_t same = 0;
    for (int64_t j = 0; j < t; j++) same += fabs(a[j] - b[j]) <= 1e-9 * fabs(b[j]);
    return (double)same / (double)t;
}

static void ridge_case_ex(const char *file, lacus_cv_score score, lacus_solver solver, int f32)
{
    lacus_npz *z = fx_open(file);
    lacus_ndarray X = fx_get(z, "X"), Y = fx_get(z, "Y"), al = fx_get(z, "alphas");
    lacus_ndarray ba = fx_get(z, "best_alphas"), cf = fx_get(z, "coef"), cs = fx_get(z, "cv_scores");
    int64_t n = X.shape[0], p = X.shape[1], t = Y.shape[1];
    lacus_ridgecv_params prm = lacus_ridgecv_params_default();
    prm.alphas = al.data;
    prm.n_alphas = al.shape[0];
    prm.score = score;
    prm.solver = solver;
    prm.n_targets_batch = 64; /* several batches, one short */
    prm.scan_f32 = f32;
    double *best = calloc((size_t)t, sizeof(double)), *cvs = calloc((size_t)t, sizeof(double));
    double *coef = calloc((size_t)(p * t), sizeof(double));
    lacus_error err = {0};
    CHECK_STATUS(lacus_ridgecv_fit(&prm, X.data, n, p, Y.data, t, best, cvs, NULL, coef, &err),
                 LACUS_OK);
    double agree = alpha_agreement(best, ba.data, t);
    double dc = test_max_rel_diff(coef, cf.data, (long)(p * t), 1e-300);
    double ds = test_max_rel_diff(cvs, cs.data, (long)t, 1e-300);
    printf("%s solver %d%s: alphas %.4f equal, coef rel %.2e, cv score rel %.2e\n", file, (int)solver,
           f32 ? " float32 scan" : "", agree, dc, ds);
    CHECK(agree >= 0.99);
    /* The float32 scan: scores to float precision; the coefficients of
     * the targets whose alpha agrees are the float64 refit's. */
    CHECK(dc < (f32 && agree < 1.0 ? 1.0 : 1e-6));
    CHECK(ds < (f32 ? 1e-4 : 1e-6));
    free(best);
    free(cvs);
    free(coef);
    lacus_ndarray_free(&X);
    lacus_ndarray_free(&Y);
    lacus_ndarray_free(&al);
    lacus_ndarray_free(&ba);
    lacus_ndarray_free(&cf);
    lacus_ndarray_free(&cs);
    lacus_npz_close(z);
}

static void ridge_case(const char *file, lacus_cv_score score, lacus_solver solver)
{
    ridge_case_ex(file, score, solver, 0);
}

/* b = (X^T X + a I)^-1 X^T y by Cholesky, one target. */
static void direct_ridge(const double *X, int64_t n, int64_t p, const double *y, double a, double *b)
{
    double *A = calloc((size_t)(p * p), sizeof(double));
    for (int64_t i = 0; i < p; i++) {
        b[i] = 0.0;
        for (int64_t s = 0; s < n; s++) b[i] += X[s * p + i] * y[s];
        for (int64_t j = 0; j < p; j++) {
            double v = 0.0;
            for (int64_t s = 0; s < n; s++) v += X[s * p + i] * X[s * p + j];
            A[i * p + j] = v + (i == j ? a : 0.0);
        }
    }
    LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (lapack_int)p, 1, A, (lapack_int)p, b, 1);
    free(A);
}

int main(void)
{
    TEST("himalaya RidgeCV primal (SVD)") ridge_case("brain/ridgecv_primal.npz", LACUS_CV_NEG_MSE,
                                                     LACUS_SOLVER_AUTO);
    TEST("himalaya RidgeCV primal forced dual") ridge_case("brain/ridgecv_primal.npz",
                                                           LACUS_CV_NEG_MSE, LACUS_SOLVER_DUAL);
    TEST("himalaya RidgeCV wide (p > n)") ridge_case("brain/ridgecv_wide.npz", LACUS_CV_NEG_MSE,
                                                     LACUS_SOLVER_AUTO);
    TEST("himalaya RidgeCV wide forced primal") ridge_case("brain/ridgecv_wide.npz",
                                                           LACUS_CV_NEG_MSE, LACUS_SOLVER_PRIMAL);
    TEST("himalaya RidgeCV r2") ridge_case("brain/ridgecv_r2.npz", LACUS_CV_R2, LACUS_SOLVER_AUTO);
    TEST("himalaya RidgeCV correlation") ridge_case("brain/ridgecv_corr.npz", LACUS_CV_PEARSON,
                                                    LACUS_SOLVER_AUTO);

    TEST("float32 scan: same alphas as himalaya (float64) on >= 99% of the targets")
    {
        ridge_case_ex("brain/ridgecv_primal.npz", LACUS_CV_NEG_MSE, LACUS_SOLVER_AUTO, 1);
        ridge_case_ex("brain/ridgecv_wide.npz", LACUS_CV_NEG_MSE, LACUS_SOLVER_AUTO, 1);
        ridge_case_ex("brain/ridgecv_corr.npz", LACUS_CV_PEARSON, LACUS_SOLVER_AUTO, 1);
    }

    TEST("himalaya KernelRidgeCV precomputed")
    {
        lacus_npz *z = fx_open("brain/kernelcv.npz");
        lacus_ndarray K = fx_get(z, "K"), Y = fx_get(z, "Y"), al = fx_get(z, "alphas");
        lacus_ndarray ba = fx_get(z, "best_alphas"), dc = fx_get(z, "dual_coef"),
                      cs = fx_get(z, "cv_scores");
        int64_t n = K.shape[0], t = Y.shape[1];
        lacus_ridgecv_params prm = lacus_ridgecv_params_default();
        prm.alphas = al.data;
        prm.n_alphas = al.shape[0];
        double *best = calloc((size_t)t, sizeof(double)), *cvs = calloc((size_t)t, sizeof(double));
        double *w = calloc((size_t)(n * t), sizeof(double));
        CHECK_STATUS(lacus_kernel_ridgecv_fit(&prm, K.data, n, Y.data, t, best, cvs, NULL, w, NULL),
                     LACUS_OK);
        double agree = alpha_agreement(best, ba.data, t);
        double d1 = test_max_rel_diff(w, dc.data, (long)(n * t), 1e-300);
        double d2 = test_max_rel_diff(cvs, cs.data, (long)t, 1e-300);
        printf("kernel: alphas %.4f equal, dual coef rel %.2e, cv rel %.2e\n", agree, d1, d2);
        CHECK(agree >= 0.99);
        CHECK(d1 < 1e-6);
        CHECK(d2 < 1e-6);
        /* Asymmetric kernel refused. */
        double *Kb = malloc((size_t)(n * n) * sizeof(double));
        memcpy(Kb, K.data, (size_t)(n * n) * sizeof(double));
        Kb[1] += 1.0;
        lacus_error err = {0};
        CHECK_STATUS(lacus_kernel_ridgecv_fit(&prm, Kb, n, Y.data, t, best, NULL, NULL, NULL, &err),
                     LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "not symmetric") != NULL);
        /* The float32 scan's resolution path (taken when the targets
         * outnumber n_alphas x n_te = 160): Y and -Y side by side, 300
         * targets. Its CV scores match the float64 scan's, which match
         * himalaya's above, to float32 accuracy; the alphas agree. */
        const int64_t t2 = 2 * t;
        double *Y2 = malloc((size_t)(n * t2) * sizeof(double));
        double *s64 = malloc((size_t)(10 * t2) * sizeof(double)), *s32 = malloc((size_t)(10 * t2) * sizeof(double));
        double *b64 = malloc((size_t)t2 * sizeof(double)), *b32 = malloc((size_t)t2 * sizeof(double));
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < t; j++)
                Y2[i * t2 + j] = -(Y2[i * t2 + t + j] = ((double *)Y.data)[i * t + j]);
        CHECK(prm.n_alphas == 10);
        CHECK_STATUS(lacus_kernel_ridgecv_fit(&prm, K.data, n, Y2, t2, b64, NULL, s64, NULL, NULL),
                     LACUS_OK);
        lacus_ridgecv_params p32 = prm;
        p32.scan_f32 = 1;
        CHECK_STATUS(lacus_kernel_ridgecv_fit(&p32, K.data, n, Y2, t2, b32, NULL, s32, NULL, NULL),
                     LACUS_OK);
        double ds = 0.0, smax = 0.0;
        for (int64_t i = 0; i < 10 * t2; i++) {
            ds = fmax(ds, fabs(s64[i] - s32[i]));
            smax = fmax(smax, fabs(s64[i]));
        }
        double a32 = alpha_agreement(b32, b64, t2);
        printf("kernel float32 scan (resolution path): scores within %.2e of %.2e, alphas %.4f "
               "equal\n", ds, smax, a32);
        CHECK(ds < 1e-5 * smax);
        CHECK(a32 >= 0.99);
        free(Y2);
        free(s64);
        free(s32);
        free(b64);
        free(b32);
        free(Kb);
        free(best);
        free(cvs);
        free(w);
        lacus_ndarray_free(&K);
        lacus_ndarray_free(&Y);
        lacus_ndarray_free(&al);
        lacus_ndarray_free(&ba);
        lacus_ndarray_free(&dc);
        lacus_ndarray_free(&cs);
        lacus_npz_close(z);
    }

    TEST("himalaya banded ridge random search (given gammas)")
    {
        lacus_npz *z = fx_open("brain/banded.npz");
        lacus_ndarray X = fx_get(z, "X"), Y = fx_get(z, "Y"), al = fx_get(z, "alphas");
        lacus_ndarray sz = fx_get(z, "sizes"), G = fx_get(z, "gammas"), dl = fx_get(z, "deltas"),
                      cf = fx_get(z, "coef"), cs = fx_get(z, "cv_scores");
        int64_t n = X.shape[0], p = X.shape[1], t = Y.shape[1], nb = sz.shape[0],
                ni = G.shape[0];
        int64_t sizes[2] = {(int64_t)((double *)sz.data)[0], (int64_t)((double *)sz.data)[1]};
        lacus_ridgecv_params prm = lacus_ridgecv_params_default();
        prm.alphas = al.data;
        prm.n_alphas = al.shape[0];
        double *ba = calloc((size_t)t, sizeof(double)), *bg = calloc((size_t)(nb * t), sizeof(double));
        double *cvs = calloc((size_t)t, sizeof(double)), *coef = calloc((size_t)(p * t), sizeof(double));
        CHECK_STATUS(lacus_banded_ridgecv_fit(&prm, X.data, n, sizes, nb, G.data, ni, 0, Y.data, t,
                                              ba, bg, cvs, coef, NULL),
                     LACUS_OK);
        /* himalaya returns deltas = log(gamma / alpha) per band. */
        double *delta = malloc((size_t)(nb * t) * sizeof(double));
        for (int64_t b = 0; b < nb; b++)
            for (int64_t j = 0; j < t; j++) delta[b * t + j] = log(bg[b * t + j] / ba[j]);
        int64_t same = 0;
        for (int64_t j = 0; j < t; j++) {
            int ok = 1;
            for (int64_t b = 0; b < nb; b++)
                ok &= fabs(delta[b * t + j] - ((double *)dl.data)[b * t + j]) < 1e-9;
            same += ok;
        }
        /* cv_scores (n_iter x t): the best over iterations per target. */
        double *hb = malloc((size_t)t * sizeof(double));
        for (int64_t j = 0; j < t; j++) {
            hb[j] = -INFINITY;
            for (int64_t i = 0; i < ni; i++)
                hb[j] = fmax(hb[j], ((double *)cs.data)[i * t + j]);
        }
        double d1 = test_max_rel_diff(coef, cf.data, (long)(p * t), 1e-300);
        double d2 = test_max_rel_diff(cvs, hb, (long)t, 1e-300);
        printf("banded: (gamma, alpha) %lld/%lld equal, coef rel %.2e, cv rel %.2e\n",
               (long long)same, (long long)t, d1, d2);
        CHECK((double)same >= 0.99 * (double)t);
        CHECK(d1 < 1e-6);
        CHECK(d2 < 1e-6);
        free(ba);
        free(bg);
        free(cvs);
        free(coef);
        free(delta);
        free(hb);
        lacus_ndarray *all[] = {&X, &Y, &al, &sz, &G, &dl, &cf, &cs};
        for (size_t i = 0; i < sizeof all / sizeof *all; i++) lacus_ndarray_free(all[i]);
        lacus_npz_close(z);
    }

    /* Synthetic problem shared by the property tests. */
    const int64_t n = 90, p = 12, t = 40, na = 6;
    double alphas[6] = {0.01, 0.1, 1, 10, 100, 1000};
    double *X = malloc((size_t)(n * p) * sizeof(double)), *Y = malloc((size_t)(n * t) * sizeof(double));
    uint64_t s = 12345;
    for (int64_t i = 0; i < n * p; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        X[i] = (double)(s >> 11) / 9007199254740992.0 - 0.5;
    }
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < t; j++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            double noise = (double)(s >> 11) / 9007199254740992.0 - 0.5;
            Y[i * t + j] = X[i * p + j % p] * (double)(j % 5) + noise;
        }
    lacus_ridgecv_params prm = lacus_ridgecv_params_default();
    prm.alphas = alphas;
    prm.n_alphas = na;

    TEST("refit = direct Cholesky solve at the chosen alpha")
    {
        double *best = malloc((size_t)t * sizeof(double)), *coef = malloc((size_t)(p * t) * sizeof(double));
        double *yj = malloc((size_t)n * sizeof(double)), *b = malloc((size_t)p * sizeof(double));
        CHECK_STATUS(lacus_ridgecv_fit(&prm, X, n, p, Y, t, best, NULL, NULL, coef, NULL), LACUS_OK);
        double dmax = 0.0;
        for (int64_t j = 0; j < t; j++) {
            for (int64_t i = 0; i < n; i++) yj[i] = Y[i * t + j];
            direct_ridge(X, n, p, yj, best[j], b);
            for (int64_t i = 0; i < p; i++)
                dmax = fmax(dmax, fabs(coef[i * t + j] - b[i]) / fmax(1e-3, fabs(b[i])));
        }
        printf("refit vs Cholesky: %.2e\n", dmax);
        CHECK(dmax < 1e-9);
        free(best);
        free(coef);
        free(yj);
        free(b);
    }

    TEST("CV scores = brute-force loop over folds and alphas; selection tie-break")
    {
        double *cvs = malloc((size_t)(na * t) * sizeof(double)), *best = malloc((size_t)t * sizeof(double));
        CHECK_STATUS(lacus_ridgecv_fit(&prm, X, n, p, Y, t, best, NULL, cvs, NULL, NULL), LACUS_OK);
        int64_t fold[90];
        CHECK_STATUS(lacus_cv_contiguous(n, 5, fold, NULL), LACUS_OK);
        double *Xtr = malloc((size_t)(n * p) * sizeof(double)), *ytr = malloc((size_t)n * sizeof(double));
        double *b = malloc((size_t)p * sizeof(double));
        double dmax = 0.0;
        int64_t agree = 0;
        for (int64_t j = 0; j < t; j++) {
            double bestv = -INFINITY, besta = 0;
            for (int64_t a = 0; a < na; a++) {
                double mean = 0.0;
                for (int64_t f = 0; f < 5; f++) {
                    int64_t m = 0;
                    for (int64_t i = 0; i < n; i++)
                        if (fold[i] != f) {
                            memcpy(Xtr + m * p, X + i * p, (size_t)p * sizeof(double));
                            ytr[m++] = Y[i * t + j];
                        }
                    direct_ridge(Xtr, m, p, ytr, alphas[a], b);
                    double sse = 0.0;
                    int64_t nt = 0;
                    for (int64_t i = 0; i < n; i++)
                        if (fold[i] == f) {
                            double pr = 0.0;
                            for (int64_t c = 0; c < p; c++) pr += X[i * p + c] * b[c];
                            sse += (Y[i * t + j] - pr) * (Y[i * t + j] - pr);
                            nt++;
                        }
                    mean += -sse / (double)nt / 5.0;
                }
                dmax = fmax(dmax, fabs(mean - cvs[a * t + j]) / fabs(mean));
                if (mean + 1e-10 * log(alphas[a]) > bestv) {
                    bestv = mean + 1e-10 * log(alphas[a]);
                    besta = alphas[a];
                }
            }
            agree += besta == best[j];
        }
        printf("brute-force CV: %.2e, alphas %lld/%lld\n", dmax, (long long)agree, (long long)t);
        CHECK(dmax < 1e-9);
        CHECK(agree == t);
        /* Targets 0, 5, 10, ... are pure noise: equal scores are impossible
         * to construct exactly, so check the tie-break directly: a constant
         * target (all scores equal) takes the largest alpha. */
        double *Yc = malloc((size_t)(n * 2) * sizeof(double));
        for (int64_t i = 0; i < n; i++) Yc[2 * i] = Yc[2 * i + 1] = 0.0;
        double bc[2];
        CHECK_STATUS(lacus_ridgecv_fit(&prm, X, n, p, Yc, 2, bc, NULL, NULL, NULL, NULL), LACUS_OK);
        CHECK(bc[0] == 1000.0 && bc[1] == 1000.0);
        free(Yc);
        free(Xtr);
        free(ytr);
        free(b);
        free(cvs);
        free(best);
    }

    TEST("scan and refit through X^T Y = the fold-by-fold route; ill-conditioned X keeps the latter")
    {
        int64_t fold[90];
        for (int64_t i = 0; i < n; i++) fold[i] = i * 5 / n;
        lacus__design D = {X, NULL, n, p, 0, 0, NULL};
        CHECK(lacus__gram_route(&D, fold, 5, 1));
        double *s1 = malloc((size_t)(na * t) * sizeof(double)), *s2 = malloc((size_t)(na * t) * sizeof(double));
        double *c1 = malloc((size_t)(p * t) * sizeof(double)), *c2 = malloc((size_t)(p * t) * sizeof(double));
        double ta[40];
        lacus_ridgecv_params q = prm;
        q.n_targets_batch = 16; /* three batches, one short */
        for (int f32 = 0; f32 < 2; f32++) {
            q.scan_f32 = f32;
            int used = 0;
            CHECK_STATUS(lacus__ridgecv_scan(&D, Y, t, fold, 5, alphas, na, &q, s1, NULL), LACUS_OK);
            CHECK_STATUS(lacus__ridgecv_scan_gram(&D, Y, t, fold, 5, alphas, na, &q, s2, c2, NULL, NULL, &used,
                                                  NULL),
                         LACUS_OK);
            CHECK(used == 1);
            double ds = 0.0, smax = 0.0;
            for (int64_t i = 0; i < na * t; i++) {
                ds = fmax(ds, fabs(s1[i] - s2[i]));
                smax = fmax(smax, fabs(s1[i]));
            }
            printf("X^T Y scan (%s): scores within %.2e of %.2e\n", f32 ? "float32" : "float64", ds,
                   smax);
            CHECK(ds < (f32 ? 1e-5 : 1e-12) * smax);
        }
        /* c2 holds X^T Y: the refit from it against the SVD refit. */
        double xty_err = 0.0;
        for (int64_t c = 0; c < p; c++)
            for (int64_t j = 0; j < t; j++) {
                double v = 0.0;
                for (int64_t i = 0; i < n; i++) v += X[i * p + c] * Y[i * t + j];
                xty_err = fmax(xty_err, fabs(v - c2[c * t + j]) / fmax(1.0, fabs(v)));
            }
        CHECK(xty_err < 1e-12);
        for (int64_t j = 0; j < t; j++) ta[j] = alphas[j % na];
        int used = 0;
        CHECK_STATUS(lacus__ridge_refit(&D, Y, t, ta, &q, c1, NULL), LACUS_OK);
        CHECK_STATUS(lacus__ridge_refit_gram(&D, t, ta, &q, NULL, NULL, c2, &used, NULL), LACUS_OK);
        CHECK(used == 1);
        double dc = test_max_rel_diff(c1, c2, (long)(p * t), 1e-300);
        printf("X^T Y refit vs SVD refit: %.2e\n", dc);
        CHECK(dc < 1e-10);
        /* Column 1 = column 0 (1 + 1e-7): s_max / s_min > 1e4, both parts
         * decline (used 0, coef untouched) and the fit goes the SVD way. */
        double *Xb = malloc((size_t)(n * p) * sizeof(double));
        memcpy(Xb, X, (size_t)(n * p) * sizeof(double));
        for (int64_t i = 0; i < n; i++) Xb[i * p + 1] = Xb[i * p] * (1.0 + 1e-7);
        lacus__design Db = {Xb, NULL, n, p, 0, 0, NULL};
        used = 1;
        CHECK_STATUS(lacus__ridgecv_scan_gram(&Db, Y, t, fold, 5, alphas, na, &q, s2, NULL, NULL, NULL, &used,
                                              NULL),
                     LACUS_OK);
        CHECK(used == 0);
        memcpy(c1, c2, (size_t)(p * t) * sizeof(double));
        used = 1;
        CHECK_STATUS(lacus__ridge_refit_gram(&Db, t, ta, &q, NULL, NULL, c2, &used, NULL), LACUS_OK);
        CHECK(used == 0);
        CHECK(memcmp(c1, c2, (size_t)(p * t) * sizeof(double)) == 0);
        /* Not taken in the dual, nor with as many features as n_tr - n_te. */
        lacus__design Dd = {X, NULL, n, p, 1, 0, NULL}, Dw = {X, NULL, n, 54, 0, 0, NULL};
        CHECK(!lacus__gram_route(&Dd, fold, 5, 1));
        CHECK(!lacus__gram_route(&Dw, fold, 5, 1));
        free(Xb);
        free(s1);
        free(s2);
        free(c1);
        free(c2);
    }

    TEST("dual refit: Cholesky route = eigen route; indefinite or singular K go the eigen route")
    {
        /* A full-rank kernel K = Z Z^T (Z n x 2n), each target its own
         * alpha out of 3, batches of 16 targets: the Cholesky route must
         * agree with the eigendecomposition route to 1e-9. */
        const int64_t m = 60, q = 120, tt = 50;
        double *Z = malloc((size_t)(m * q) * sizeof(double)), *K = malloc((size_t)(m * m) * sizeof(double));
        double *Yk = malloc((size_t)(m * tt) * sizeof(double)), ta[50];
        double *w1 = malloc((size_t)(m * tt) * sizeof(double)), *w2 = malloc((size_t)(m * tt) * sizeof(double));
        double *c1 = malloc((size_t)(q * tt) * sizeof(double)), *c2 = malloc((size_t)(q * tt) * sizeof(double));
        for (int64_t i = 0; i < m * q; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            Z[i] = (double)(s >> 11) / 9007199254740992.0 - 0.5;
        }
        for (int64_t i = 0; i < m * tt; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            Yk[i] = (double)(s >> 11) / 9007199254740992.0 - 0.5;
        }
        const double choice[3] = {0.01, 1.0, 100.0};
        for (int64_t j = 0; j < tt; j++) ta[j] = choice[(j * 7) % 3];
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)m, (int)q, 1.0, Z, (int)q,
                    Z, (int)q, 0.0, K, (int)m);
        lacus_ridgecv_params rp = lacus_ridgecv_params_default();
        rp.n_targets_batch = 16;
        lacus__design Dk = {NULL, K, m, m, 1, 0, NULL}, De = {NULL, K, m, m, 1, 1, NULL};
        CHECK_STATUS(lacus__ridge_refit(&Dk, Yk, tt, ta, &rp, w1, NULL), LACUS_OK);
        CHECK_STATUS(lacus__ridge_refit(&De, Yk, tt, ta, &rp, w2, NULL), LACUS_OK);
        double d1 = test_max_rel_diff(w1, w2, (long)(m * tt), 1e-300);
        /* With features: the dual route to primal weights X^T W. */
        lacus__design Xk = {Z, K, m, q, 1, 0, NULL}, Xe = {Z, K, m, q, 1, 1, NULL};
        CHECK_STATUS(lacus__ridge_refit(&Xk, Yk, tt, ta, &rp, c1, NULL), LACUS_OK);
        CHECK_STATUS(lacus__ridge_refit(&Xe, Yk, tt, ta, &rp, c2, NULL), LACUS_OK);
        double d2 = test_max_rel_diff(c1, c2, (long)(q * tt), 1e-300);
        printf("dual refit Cholesky vs eigen: kernel %.2e, weights %.2e\n", d1, d2);
        CHECK(d1 < 1e-9);
        CHECK(d2 < 1e-9);
        /* Indefinite K (eigenvalue -0.5 added along a unit vector): K + a I
         * is still positive definite at a = 1 and 100, but the eigen route
         * zeroes the negative eigenvalue (himalaya) and Cholesky would not,
         * so the refit must take the eigen route: equal to it bit for bit. */
        double *u = malloc((size_t)m * sizeof(double)), nu = 0.0;
        for (int64_t i = 0; i < m; i++) {
            u[i] = sin(1.0 + (double)i);
            nu += u[i] * u[i];
        }
        for (int64_t i = 0; i < m; i++) u[i] /= sqrt(nu);
        /* Deflate Z Z^T to rank m - 1 along u, then put -0.5 there. */
        double *Ku = malloc((size_t)m * sizeof(double)), uKu = 0.0;
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)m, (int)m, 1.0, K, (int)m, u, 1, 0.0, Ku, 1);
        for (int64_t i = 0; i < m; i++) uKu += u[i] * Ku[i];
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < m; j++)
                K[i * m + j] += -Ku[i] * u[j] - u[i] * Ku[j] + (uKu - 0.5) * u[i] * u[j];
        for (int64_t j = 0; j < tt; j++) ta[j] = j % 2 ? 1.0 : 100.0;
        CHECK_STATUS(lacus__ridge_refit(&Dk, Yk, tt, ta, &rp, w1, NULL), LACUS_OK);
        CHECK_STATUS(lacus__ridge_refit(&De, Yk, tt, ta, &rp, w2, NULL), LACUS_OK);
        CHECK(memcmp(w1, w2, (size_t)(m * tt) * sizeof(double)) == 0);
        /* Sanity of the construction: (K + I) w != y for the eigen route's
         * w, i.e. the two routes would differ here. */
        double r = 0.0;
        for (int64_t i = 0; i < m; i++) {
            double ki = w2[i * tt + 1];
            for (int64_t j = 0; j < m; j++) ki += K[i * m + j] * w2[j * tt + 1];
            r = fmax(r, fabs(ki - Yk[i * tt + 1]));
        }
        CHECK(r > 1e-3);
        free(u);
        free(Ku);
        free(Z);
        free(K);
        free(Yk);
        free(w1);
        free(w2);
        free(c1);
        free(c2);
    }

    TEST("same result with 1 and 2 threads; one shared alpha")
    {
        double *c1 = malloc((size_t)(p * t) * sizeof(double)), *c2 = malloc((size_t)(p * t) * sizeof(double));
        double b1[40], b2[40];
        int saved = lacus_get_num_threads();
        lacus_set_num_threads(1);
        CHECK_STATUS(lacus_ridgecv_fit(&prm, X, n, p, Y, t, b1, NULL, NULL, c1, NULL), LACUS_OK);
        lacus_set_num_threads(2);
        CHECK_STATUS(lacus_ridgecv_fit(&prm, X, n, p, Y, t, b2, NULL, NULL, c2, NULL), LACUS_OK);
        lacus_set_num_threads(saved);
        CHECK(memcmp(b1, b2, sizeof b1) == 0);
        CHECK(test_max_rel_diff(c1, c2, (long)(p * t), 1e-300) < 1e-12);
        lacus_ridgecv_params g = prm;
        g.local_alpha = 0;
        CHECK_STATUS(lacus_ridgecv_fit(&g, X, n, p, Y, t, b1, NULL, NULL, NULL, NULL), LACUS_OK);
        int same = 1;
        for (int64_t j = 1; j < t; j++) same &= b1[j] == b1[0];
        CHECK(same);
        free(c1);
        free(c2);
    }

    TEST("bad input")
    {
        lacus_error err = {0};
        double bad_alpha[2] = {1.0, -1.0};
        lacus_ridgecv_params b = prm;
        b.alphas = bad_alpha;
        b.n_alphas = 2;
        CHECK_STATUS(lacus_ridgecv_fit(&b, X, n, p, Y, t, NULL, NULL, NULL, NULL, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "alphas[1] = -1") != NULL);
        b = prm;
        b.n_folds = 200;
        CHECK_STATUS(lacus_ridgecv_fit(&b, X, n, p, Y, t, NULL, NULL, NULL, NULL, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "fewer samples than the 200 folds") != NULL);
        int64_t runs[3] = {30, 30, 30}, fold[90];
        CHECK_STATUS(lacus_cv_runs(runs, 3, 5, fold, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "3 runs but 5 folds") != NULL);
        Y[7 * t + 3] = NAN;
        CHECK_STATUS(lacus_ridgecv_fit(&prm, X, n, p, Y, t, NULL, NULL, NULL, NULL, &err),
                     LACUS_ERR_NUMERIC);
        CHECK(strstr(err.msg, "Y[7, 3] is NaN") != NULL);
        Y[7 * t + 3] = 0.0;
        int64_t gap[90];
        for (int i = 0; i < 90; i++) gap[i] = i < 45 ? 0 : 2;
        b = prm;
        b.fold = gap;
        CHECK_STATUS(lacus_ridgecv_fit(&b, X, n, p, Y, t, NULL, NULL, NULL, NULL, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "fold 1 has no samples") != NULL);
        CHECK_STATUS(lacus_ridgecv_fit(&prm, X, 1, p, Y, t, NULL, NULL, NULL, NULL, &err),
                     LACUS_ERR_SHAPE);
    }
    TEST("every allocation failure returns LACUS_ERR_NOMEM, nothing leaks (ASan)")
    {
        int64_t sizes[2] = {5, 7}, runs[3] = {30, 30, 30};
        double g[4] = {0.5, 0.5, 0.9, 0.1};
        int all_nomem = 1, completed = 0;
        for (long k = 1; k < 400 && !completed; k++) {
            double best[40], coef[12 * 40];
            lacus_ridgecv_params q = prm;
            q.solver = (k % 2) ? LACUS_SOLVER_PRIMAL : LACUS_SOLVER_DUAL;
            q.scan_f32 = (int)(k % 3 == 0);
            oom_arm(k);
            lacus_status s1 = lacus_ridgecv_fit(&q, X, n, p, Y, t, best, NULL, NULL, coef, NULL);
            int hit = oom_reached();
            oom_arm(k);
            lacus_status s2 = lacus_banded_ridgecv_fit(&prm, X, n, sizes, 2, g, 2, 0, Y, t, best,
                                                       NULL, NULL, coef, NULL);
            hit |= oom_reached();
            oom_arm(k);
            lacus_sim_params sp = lacus_sim_params_default();
            sp.n_runs = 2;
            sp.n_tr = 30;
            sp.n_voxels = 20;
            sp.n_repeats = 2;
            lacus_sim_data d;
            lacus_status s3 = lacus_simulate_fmri(&sp, &d, NULL);
            hit |= oom_reached();
            oom_disarm();
            if (!s3) lacus_sim_data_free(&d);
            if ((s1 && s1 != LACUS_ERR_NOMEM) || (s2 && s2 != LACUS_ERR_NOMEM) ||
                (s3 && s3 != LACUS_ERR_NOMEM))
                all_nomem = 0;
            if (!hit) completed = 1;
        }
        int64_t fold[90];
        CHECK_STATUS(lacus_cv_runs(runs, 3, 3, fold, NULL), LACUS_OK);
        CHECK(all_nomem);
        CHECK(completed);
    }
    free(X);
    free(Y);
    TEST_MAIN_END();
}
