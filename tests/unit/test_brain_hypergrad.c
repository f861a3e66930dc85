/* Banded ridge by hyper-gradient descent against himalaya 0.4.11
 * (tests/ref/make_brain2_fixtures.py: same data, same initial deltas, same
 * iteration counts, exact Lipschitz constants on both sides): learned
 * deltas, CV scores per iteration and refitted primal weights; three
 * variants (gradient-descent inner steps with the conjugate-gradient
 * hyper-gradient; conjugate-gradient inner steps with the direct gradient;
 * target batches with two inner steps each). Then bad input. */
#include <string.h>

#include "fixture.h"
#include "test.h"

static void hg_case(const char *file)
{
    lacus_npz *z = fx_open(file);
    lacus_ndarray X = fx_get(z, "X"), Y = fx_get(z, "Y"), bsz = fx_get(z, "band_sizes");
    lacus_ndarray d0 = fx_get(z, "initial_deltas"), dref = fx_get(z, "deltas"), cref = fx_get(z, "coef");
    lacus_ndarray sref = fx_get(z, "cv_scores"), opt = fx_get(z, "options"), dpow = fx_get(z, "deltas_power");
    const double *o = opt.data;
    int64_t n = X.shape[0], p = X.shape[1], t = Y.shape[1], nb = bsz.shape[0];
    int64_t bs[8];
    for (int64_t i = 0; i < nb; i++) bs[i] = (int64_t)((double *)bsz.data)[i];
    lacus_hypergrad_params prm = lacus_hypergrad_params_default();
    prm.max_iter = (int64_t)o[0];
    prm.n_targets_batch = (int64_t)o[1];
    prm.inner_cg = o[2] != 0.0;
    prm.direct_gradient = o[3] != 0.0;
    prm.tol = o[4];
    prm.max_iter_inner_dual = (int64_t)o[5];
    prm.max_iter_inner_hyper = (int64_t)o[6];
    prm.initial_deltas = d0.data;
    int64_t rows = prm.max_iter * prm.max_iter_inner_hyper;
    double *dl = calloc((size_t)(nb * t), sizeof(double)), *cf = calloc((size_t)(p * t), sizeof(double));
    double *cs = calloc((size_t)(rows * t), sizeof(double));
    lacus_error err = {0};
    CHECK_STATUS(lacus_banded_ridge_hypergrad(&prm, X.data, n, bs, nb, Y.data, t, dl, cs, cf, &err), LACUS_OK);
    double dd = test_max_rel_diff(dl, dref.data, (long)(nb * t), 1.0);
    double dc = test_max_rel_diff(cf, cref.data, (long)(p * t), 1e-300);
    double ds = test_max_rel_diff(cs, sref.data, (long)(rows * t), 1e-300);
    double dp = test_max_rel_diff(dpow.data, dref.data, (long)(nb * t), 1.0);
    double moved = test_max_rel_diff(d0.data, dref.data, (long)(nb * t), 1.0);
    printf("%s: deltas %.2e (moved %.2f from the start; himalaya's power-iteration run differs by %.2e), "
           "coef rel %.2e, cv scores rel %.2e\n", file, dd, moved, dp, dc, ds);
    /* Same iterates up to round-off: a different stopping decision in any
     * inner solve would move the deltas by 1e-4 or more. */
    CHECK(moved > 0.05);
    CHECK(dd < 1e-8);
    CHECK(dc < 1e-8);
    CHECK(ds < 1e-8);
    /* The descent lowers each target's CV loss from the first iteration
     * to the last (the steps are 1/L of the direct part). */
    int64_t better = 0;
    for (int64_t j = 0; j < t; j++) better += cs[(rows - 1) * t + j] >= cs[j] - 1e-12;
    CHECK(better == t);
    free(dl);
    free(cf);
    free(cs);
    lacus_ndarray *all[] = {&X, &Y, &bsz, &d0, &dref, &cref, &sref, &opt, &dpow};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) lacus_ndarray_free(all[i]);
    lacus_npz_close(z);
}

int main(void)
{
    TEST("hyper-gradient vs himalaya: gradient-descent inner, CG hyper-gradient") hg_case("brain2/hypergrad_default.npz");
    TEST("hyper-gradient vs himalaya: CG inner, direct gradient") hg_case("brain2/hypergrad_cg_direct.npz");
    TEST("hyper-gradient vs himalaya: target batches, 2 inner steps") hg_case("brain2/hypergrad_batch.npz");

    TEST("hyper-gradient: bad input")
    {
        double X[40 * 3], Y[40 * 2];
        for (int i = 0; i < 120; i++) X[i] = sin(1.3 * i) + 0.1 * i;
        for (int i = 0; i < 80; i++) Y[i] = cos(0.7 * i);
        int64_t bs[2] = {2, 1};
        lacus_hypergrad_params prm = lacus_hypergrad_params_default();
        lacus_error err = {0};
        double d[4];
        CHECK_STATUS(lacus_banded_ridge_hypergrad(&prm, X, 40, bs, 2, Y, 2, d, NULL, NULL, &err), LACUS_OK);
        prm.max_iter = 0;
        CHECK_STATUS(lacus_banded_ridge_hypergrad(&prm, X, 40, bs, 2, Y, 2, d, NULL, NULL, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "max_iter = 0") != NULL);
        prm = lacus_hypergrad_params_default();
        prm.tol = NAN;
        CHECK_STATUS(lacus_banded_ridge_hypergrad(&prm, X, 40, bs, 2, Y, 2, d, NULL, NULL, &err), LACUS_ERR_ARG);
        prm = lacus_hypergrad_params_default();
        prm.n_folds = 41;
        CHECK_STATUS(lacus_banded_ridge_hypergrad(&prm, X, 40, bs, 2, Y, 2, d, NULL, NULL, &err), LACUS_ERR_ARG);
        prm = lacus_hypergrad_params_default();
        int64_t bad[2] = {2, 0};
        CHECK_STATUS(lacus_banded_ridge_hypergrad(&prm, X, 40, bad, 2, Y, 2, d, NULL, NULL, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "band_sizes[1] = 0") != NULL);
        Y[17] = NAN;
        CHECK_STATUS(lacus_banded_ridge_hypergrad(&prm, X, 40, bs, 2, Y, 2, d, NULL, NULL, &err), LACUS_ERR_NUMERIC);
        CHECK(strstr(err.msg, "Y") != NULL);
        Y[17] = 0.0;
        double d0[4] = {0, 0, 800, 0};
        prm.initial_deltas = d0;
        CHECK_STATUS(lacus_banded_ridge_hypergrad(&prm, X, 40, bs, 2, Y, 2, d, NULL, NULL, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "overflows") != NULL);
    }
    TEST_MAIN_END();
}
