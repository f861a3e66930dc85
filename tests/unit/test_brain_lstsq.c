/* Per-target ridge CV with the lstsq solver (alpha 0 = unregularised least
 * squares through the SVD) against NumPy (tests/ref/make_brain5_fixtures.py:
 * np.linalg.lstsq with rcond=None for alpha 0, the SVD closed form for
 * alpha > 0): CV scores of every alpha, the chosen alphas and the refitted
 * coefficients, on an ill-conditioned tall X (condition 1e7), a wide X
 * (fewer training samples than features: the minimum-norm solution) and an
 * exactly collinear X (rank 5 of 6: NumPy's singular-value cut-off). Then
 * what is refused, with its message. */
#include <string.h>

#include "brain/ridgecv_impl.h"
#include "fixture.h"
#include "test.h"

static void lstsq_case(const char *file, int f32, double coef_tol, double score_tol)
{
    lacus_npz *z = fx_open(file);
    lacus_ndarray X = fx_get(z, "X"), Y = fx_get(z, "Y"), al = fx_get(z, "alphas");
    lacus_ndarray ba = fx_get(z, "best_alphas"), cf = fx_get(z, "coef"), cs = fx_get(z, "cv_scores");
    int64_t n = X.shape[0], p = X.shape[1], t = Y.shape[1], na = al.shape[0];
    lacus_ridgecv_params prm = lacus_ridgecv_params_default();
    prm.alphas = al.data;
    prm.n_alphas = na;
    prm.solver = LACUS_SOLVER_LSTSQ;
    prm.scan_f32 = f32;
    double *best = calloc((size_t)t, sizeof(double)), *cvs = calloc((size_t)(na * t), sizeof(double));
    double *coef = calloc((size_t)(p * t), sizeof(double));
    lacus_error err = {0};
    CHECK_STATUS(lacus_ridgecv_fit(&prm, X.data, n, p, Y.data, t, best, NULL, cvs, coef, &err),
                 LACUS_OK);
    int64_t same = 0;
    for (int64_t j = 0; j < t; j++) same += best[j] == ((double *)ba.data)[j];
    double dc = test_max_rel_diff(coef, cf.data, (long)(p * t), 1e-300);
    double ds = test_max_rel_diff(cvs, cs.data, (long)(na * t), 1e-300);
    printf("%s%s: alphas %lld/%lld equal, coef rel %.2e, cv scores rel %.2e\n", file,
           f32 ? " (float32 scan)" : "", (long long)same, (long long)t, dc, ds);
    CHECK(same == t);
    CHECK(dc < coef_tol);
    CHECK(ds < score_tol);
    free(best);
    free(cvs);
    free(coef);
    lacus_ndarray *all[] = {&X, &Y, &al, &ba, &cf, &cs};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) lacus_ndarray_free(all[i]);
    lacus_npz_close(z);
}

int main(void)
{
    /* Bounds: the least-squares solution of a backward-stable SVD solve
     * moves by about cond(X) eps relative (Golub & Van Loan 5.3.8, small
     * residual): 1e7 x 1.1e-16 = 1.1e-9 on the tall case, times the modest
     * constants of two different SVD codes (NumPy's dgelsd and lacus's
     * dgesdd); measured 8.9e-11 (coefficients) and 1.5e-10 (scores).
     * Normal equations at this condition number would be wrong in the 3rd
     * digit (test_ridge_lstsq shows the same for lacus fit). The other
     * cases are well conditioned on the kept directions: 1e-12. */
    TEST("lstsq, tall X with condition number 1e7, alpha 0 among ridge alphas")
    lstsq_case("brain5/lstsq_tall.npz", 0, 1e-8, 1e-8);
    TEST("lstsq, fewer training samples than features: minimum-norm solutions")
    lstsq_case("brain5/lstsq_wide.npz", 0, 1e-12, 1e-12);
    TEST("lstsq, rank-deficient X: NumPy's singular-value cut-off")
    lstsq_case("brain5/lstsq_rankdef.npz", 0, 1e-12, 1e-12);
    TEST("lstsq with the float32 scan: scores to float precision, refit in float64")
    lstsq_case("brain5/lstsq_wide.npz", 1, 1e-12, 1e-5);

    TEST("alpha 0 without lstsq, lstsq for kernel ridge and banded ridge: refused")
    {
        double X[40], Y[20], K[100], a0[2] = {0.0, 1.0};
        for (int i = 0; i < 40; i++) X[i] = sin(1.0 + i * 0.7);
        for (int i = 0; i < 20; i++) Y[i] = cos(i * 0.3);
        for (int i = 0; i < 10; i++)
            for (int j = 0; j < 10; j++) K[i * 10 + j] = i == j ? 2.0 : 0.1;
        lacus_ridgecv_params prm = lacus_ridgecv_params_default();
        prm.alphas = a0;
        prm.n_alphas = 2;
        prm.n_folds = 2;
        lacus_error err = {0};
        CHECK_STATUS(lacus_ridgecv_fit(&prm, X, 10, 4, Y, 2, NULL, NULL, NULL, NULL, &err),
                     LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "alphas[0] = 0") && strstr(err.msg, "needs solver lstsq"));
        prm.solver = LACUS_SOLVER_LSTSQ;
        CHECK_STATUS(lacus_ridgecv_fit(&prm, X, 10, 4, Y, 2, NULL, NULL, NULL, NULL, &err),
                     LACUS_OK);
        CHECK_STATUS(lacus_kernel_ridgecv_fit(&prm, K, 10, Y, 2, NULL, NULL, NULL, NULL, &err),
                     LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "solver lstsq") != NULL);
        int64_t sizes[2] = {2, 2};
        CHECK_STATUS(lacus_banded_ridgecv_fit(&prm, X, 10, sizes, 2, NULL, 2, 0, Y, 2, NULL, NULL,
                                              NULL, NULL, &err),
                     LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "banded") != NULL);
        double neg = -1.0;
        prm.alphas = &neg;
        prm.n_alphas = 1;
        CHECK_STATUS(lacus_ridgecv_fit(&prm, X, 10, 4, Y, 2, NULL, NULL, NULL, NULL, &err),
                     LACUS_ERR_ARG);
        CHECK(strstr(err.msg, ">= 0") != NULL);
    }
    TEST_MAIN_END();
}
