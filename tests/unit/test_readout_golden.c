/* Ridge readout and multi-sequence ESN fit against ReservoirPy 0.4.2:
 * Wout and bias to 1e-8 relative, with and without the (centred) bias; the
 * dual form on a wide problem equals ReservoirPy's primal answer; an ESN
 * fitted on three sequences of different lengths with warmup gives
 * ReservoirPy's readout and predictions. */
#include "fixture.h"
#include "test.h"

static lacus_ridge *fit_ridge(const lacus_ndarray *X, const lacus_ndarray *Y, double ridge,
                              lacus_bias_mode bias, lacus_solver solver)
{
    lacus_ridge_params p = lacus_ridge_params_default();
    p.n_features = X->shape[1];
    p.n_outputs = Y->shape[1];
    p.ridge = ridge;
    p.bias = bias;
    p.solver = solver;
    p.keep_samples = solver == LACUS_SOLVER_PRIMAL ? 0 : X->shape[0];
    lacus_ridge *m = NULL;
    lacus_error err = {0};
    CHECK_STATUS(lacus_ridge_create(&p, &m, &err), LACUS_OK);
    /* Two partial fits: the split must not matter. */
    int64_t half = X->shape[0] / 2, F = p.n_features, O = p.n_outputs;
    CHECK_STATUS(lacus_ridge_partial_fit(m, X->data, F, Y->data, O, half), LACUS_OK);
    CHECK_STATUS(lacus_ridge_partial_fit(m, (double *)X->data + half * F, F,
                                         (double *)Y->data + half * O, O, X->shape[0] - half),
                 LACUS_OK);
    CHECK_STATUS(lacus_ridge_solve(m), LACUS_OK);
    return m;
}

static void check_weights(lacus_ridge *m, lacus_npz *z, const char *wname, const char *bname,
                          double tol)
{
    lacus_ndarray W = fx_get(z, wname), b = fx_get(z, bname);
    int64_t F = W.shape[0], O = W.shape[1];
    double *w = calloc((size_t)(F * O), sizeof *w), *bb = calloc((size_t)O, sizeof *bb);
    CHECK_STATUS(lacus_ridge_get_weights(m, w, bb), LACUS_OK);
    double dw = test_max_rel_diff(w, W.data, F * O, 1e-300);
    double db = test_max_rel_diff(bb, b.data, O, 1e-12);
    if (dw > tol || db > tol) fprintf(stderr, "%s: dW %.3g db %.3g\n", wname, dw, db);
    CHECK(dw <= tol);
    CHECK(db <= tol);
    free(w);
    free(bb);
    lacus_ndarray_free(&W);
    lacus_ndarray_free(&b);
}

int main(void)
{
    TEST("ridge, centred bias and no bias, primal")
    {
        lacus_npz *z = fx_open("esn/ridge.npz");
        lacus_ndarray X = fx_get(z, "X"), Y = fx_get(z, "Y");
        double ridge = fx_scalar(z, "ridge");
        lacus_ridge *m = fit_ridge(&X, &Y, ridge, LACUS_BIAS_CENTERED, LACUS_SOLVER_PRIMAL);
        CHECK(lacus_ridge_last_solver(m) == LACUS_SOLVER_PRIMAL);
        check_weights(m, z, "Wout_centered", "bout_centered", 1e-8);
        lacus_ndarray P = fx_get(z, "pred_centered");
        double *pred = calloc((size_t)(X.shape[0] * Y.shape[1]), sizeof *pred);
        CHECK_STATUS(lacus_ridge_predict(m, X.data, X.shape[1], X.shape[0], pred, Y.shape[1]), LACUS_OK);
        CHECK(test_max_rel_diff(pred, P.data, X.shape[0] * Y.shape[1], 1e-300) <= 1e-8);
        lacus_ridge_free(m);
        m = fit_ridge(&X, &Y, ridge, LACUS_BIAS_NONE, LACUS_SOLVER_PRIMAL);
        check_weights(m, z, "Wout_none", "bout_none", 1e-8);
        lacus_ridge_free(m);
        free(pred);
        lacus_ndarray_free(&P);
        lacus_ndarray_free(&X);
        lacus_ndarray_free(&Y);
        lacus_npz_close(z);
    }
    TEST("ridge, fewer samples than features: dual equals ReservoirPy's primal")
    {
        lacus_npz *z = fx_open("esn/ridge_wide.npz");
        lacus_ndarray X = fx_get(z, "X"), Y = fx_get(z, "Y");
        double ridge = fx_scalar(z, "ridge");
        for (int mode = 0; mode < 2; mode++) {
            lacus_bias_mode b = mode ? LACUS_BIAS_NONE : LACUS_BIAS_CENTERED;
            lacus_ridge *m = fit_ridge(&X, &Y, ridge, b, LACUS_SOLVER_AUTO);
            CHECK(lacus_ridge_last_solver(m) == LACUS_SOLVER_DUAL);
            check_weights(m, z, mode ? "Wout_none" : "Wout_centered",
                          mode ? "bout_none" : "bout_centered", 1e-8);
            lacus_ridge_free(m);
            m = fit_ridge(&X, &Y, ridge, b, LACUS_SOLVER_PRIMAL);
            check_weights(m, z, mode ? "Wout_none" : "Wout_centered",
                          mode ? "bout_none" : "bout_centered", 1e-8);
            lacus_ridge_free(m);
        }
        lacus_ndarray_free(&X);
        lacus_ndarray_free(&Y);
        lacus_npz_close(z);
    }
    TEST("ESN on 3 sequences of different lengths with warmup")
    {
        lacus_npz *z = fx_open("esn/esn_multi.npz");
        lacus_ndarray W = fx_get(z, "W"), Win = fx_get(z, "Win"), bias = fx_get(z, "bias");
        lacus_ndarray u[3], y[3], ut = fx_get(z, "u_test"), pt = fx_get(z, "pred_test");
        const double *ud[3], *yd[3];
        int64_t steps[3];
        for (int i = 0; i < 3; i++) {
            char name[8];
            snprintf(name, sizeof name, "u_%d", i);
            u[i] = fx_get(z, name);
            snprintf(name, sizeof name, "y_%d", i);
            y[i] = fx_get(z, name);
            ud[i] = u[i].data;
            yd[i] = y[i].data;
            steps[i] = u[i].shape[0];
        }
        lacus_esn_params p = lacus_esn_params_default();
        p.reservoir.n_units = W.shape[0];
        p.reservoir.n_inputs = Win.shape[1];
        p.reservoir.lr = fx_scalar(z, "lr");
        p.readout.ridge = fx_scalar(z, "ridge");
        p.warmup = (int64_t)fx_scalar(z, "warmup");
        lacus_esn *m = NULL;
        lacus_error err = {0};
        CHECK_STATUS(lacus_esn_create(&p, &m, &err), LACUS_OK);
        lacus_reservoir *r = lacus_esn_reservoir(m);
        CHECK_STATUS(lacus_reservoir_set_W(r, W.data), LACUS_OK);
        CHECK_STATUS(lacus_reservoir_set_Win(r, Win.data), LACUS_OK);
        CHECK_STATUS(lacus_reservoir_set_bias(r, bias.data), LACUS_OK);
        lacus_seqs U = {3, Win.shape[1], ud, steps}, Y = {3, y[0].shape[1], yd, steps};
        CHECK_STATUS(lacus_esn_fit(m, &U, &Y), LACUS_OK);
        check_weights((lacus_ridge *)lacus_esn_readout(m), z, "Wout", "bout", 1e-8);
        int64_t Tt = ut.shape[0], O = pt.shape[1];
        double *pred = calloc((size_t)(Tt * O), sizeof *pred);
        const double *utd = ut.data;
        lacus_seqs UT = {1, Win.shape[1], &utd, &Tt};
        CHECK_STATUS(lacus_esn_run(m, &UT, &pred), LACUS_OK);
        double d = test_max_rel_diff(pred, pt.data, Tt * O, 1e-300);
        if (d > 1e-8) fprintf(stderr, "predictions differ by %.3g\n", d);
        CHECK(d <= 1e-8);
        free(pred);
        lacus_esn_free(m);
        for (int i = 0; i < 3; i++) lacus_ndarray_free(&u[i]), lacus_ndarray_free(&y[i]);
        lacus_ndarray_free(&W);
        lacus_ndarray_free(&Win);
        lacus_ndarray_free(&bias);
        lacus_ndarray_free(&ut);
        lacus_ndarray_free(&pt);
        lacus_npz_close(z);
    }
    TEST_MAIN_END();
}
