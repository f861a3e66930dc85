/* Reservoir states against ReservoirPy 0.4.2 (tests/ref/make_esn_fixtures.py):
 * given the same W, Win, bias and lr, every state agrees to 1e-10 relative,
 * for each activation, per-unit leak rates, and a run that continues from
 * the previous call's state. Also the spectral radius against scipy's
 * ARPACK and numpy's dense eigenvalues. */
#include "fixture.h"
#include "test.h"

static void check_states(const char *file)
{
    lacus_npz *z = fx_open(file);
    lacus_ndarray W = fx_get(z, "W"), Win = fx_get(z, "Win"), bias = fx_get(z, "bias");
    lacus_ndarray lr = fx_get(z, "lr"), u = fx_get(z, "u"), states = fx_get(z, "states");
    lacus_ndarray uc = fx_get(z, "u_cont"), sc = fx_get(z, "states_cont");
    int act = (int)fx_scalar(z, "activation");
    int64_t N = W.shape[0], I = Win.shape[1], T = u.shape[0], Tc = uc.shape[0];

    lacus_reservoir_params p = lacus_reservoir_params_default();
    p.n_units = N;
    p.n_inputs = I;
    p.activation = (lacus_activation)act;
    if (lr.ndim == 0) p.lr = ((double *)lr.data)[0];
    else p.lr_per_unit = lr.data;
    lacus_reservoir *r = NULL;
    lacus_error err = {0};
    CHECK_STATUS(lacus_reservoir_create(&p, &r, &err), LACUS_OK);
    CHECK_STATUS(lacus_reservoir_set_W(r, W.data), LACUS_OK);
    CHECK_STATUS(lacus_reservoir_set_Win(r, Win.data), LACUS_OK);
    CHECK_STATUS(lacus_reservoir_set_bias(r, bias.data), LACUS_OK);

    double *out = calloc((size_t)(T * N), sizeof *out), *outc = calloc((size_t)(Tc * N), sizeof *outc);
    CHECK_STATUS(lacus_reservoir_run(r, u.data, T, 1, out), LACUS_OK);
    double d = test_max_rel_diff(out, states.data, T * N, 1e-300);
    if (d > 1e-10) fprintf(stderr, "%s: states differ by %.3g\n", file, d);
    CHECK(d <= 1e-10);
    CHECK_STATUS(lacus_reservoir_run(r, uc.data, Tc, 0, outc), LACUS_OK);
    d = test_max_rel_diff(outc, sc.data, Tc * N, 1e-300);
    if (d > 1e-10) fprintf(stderr, "%s: continued states differ by %.3g\n", file, d);
    CHECK(d <= 1e-10);
    /* A reset run reproduces the first one exactly. */
    CHECK_STATUS(lacus_reservoir_run(r, u.data, T, 1, out), LACUS_OK);
    CHECK(test_max_rel_diff(out, states.data, T * N, 1e-300) <= 1e-10);

    free(out);
    free(outc);
    lacus_reservoir_free(r);
    lacus_ndarray *arrs[] = {&W, &Win, &bias, &lr, &u, &states, &uc, &sc};
    for (size_t i = 0; i < sizeof arrs / sizeof *arrs; i++) lacus_ndarray_free(arrs[i]);
    lacus_npz_close(z);
}

int main(void)
{
    const char *files[] = {"esn/states_tanh.npz",     "esn/states_tanh_lr_per_unit.npz",
                           "esn/states_sigmoid.npz",  "esn/states_relu.npz",
                           "esn/states_identity.npz", "esn/states_softplus.npz",
                           "esn/states_softmax.npz"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) TEST(files[i]) check_states(files[i]);

    TEST("spectral radius: ARPACK and dense agree with scipy/numpy")
    {
        lacus_npz *z = fx_open("esn/spectral_600.npz");
        lacus_ndarray ip = {0}, ix = {0}, v = fx_get(z, "W_data");
        lacus_error err = {0};
        CHECK_STATUS(lacus_npz_read(z, "W_indptr", &ip, &err), LACUS_OK);
        CHECK_STATUS(lacus_npz_read(z, "W_indices", &ix, &err), LACUS_OK);
        CHECK(ip.dtype == LACUS_I64 && ix.dtype == LACUS_I64);
        int64_t n = (int64_t)fx_scalar(z, "n");
        double arpack = 0, dense = 0, ref = fx_scalar(z, "spectral_radius_dense");
        CHECK_STATUS(lacus_spectral_radius_csr(n, ip.data, ix.data, v.data, &arpack, &err), LACUS_OK);
        double *D = calloc((size_t)(n * n), sizeof *D);
        const int64_t *p = ip.data, *c = ix.data;
        for (int64_t r = 0; r < n; r++)
            for (int64_t k = p[r]; k < p[r + 1]; k++) D[r * n + c[k]] = ((double *)v.data)[k];
        CHECK_STATUS(lacus_spectral_radius_dense(n, D, &dense, &err), LACUS_OK);
        CHECK_CLOSE(arpack, ref, 1e-8);
        CHECK_CLOSE(dense, ref, 1e-10);
        CHECK_CLOSE(arpack, fx_scalar(z, "spectral_radius"), 1e-8);
        free(D);
        lacus_ndarray_free(&ip);
        lacus_ndarray_free(&ix);
        lacus_ndarray_free(&v);
        lacus_npz_close(z);
    }
    TEST_MAIN_END();
}
