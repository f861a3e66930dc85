/* Output feedback (ReservoirPy 0.4.2's `reservoir << readout`) against a
 * fixture made by ReservoirPy itself (tests/ref/make_feedback_fixtures.py):
 * teacher-forced fit gives its Wout/bias, and the closed-loop run its
 * predictions. Also: streaming fit with feedback, save/load, generation and
 * misuse. */
#include <math.h>
#include <string.h>

#include "fixture.h"
#include "test.h"

typedef struct {
    lacus_ndarray W, Win, bias, u, y, ut, pt, Wout, bout;
    double lr, ridge;
    int64_t warmup;
} fx_t;

static lacus_esn *make(const fx_t *f, lacus_error *err)
{
    lacus_esn_params p = lacus_esn_params_default();
    p.reservoir.n_units = f->W.shape[0];
    p.reservoir.n_inputs = f->u.shape[1];
    p.reservoir.lr = f->lr;
    p.readout.ridge = f->ridge;
    p.warmup = f->warmup;
    p.n_feedback = f->y.shape[1];
    lacus_esn *m = NULL;
    CHECK_STATUS(lacus_esn_create(&p, &m, err), LACUS_OK);
    lacus_reservoir *r = lacus_esn_reservoir(m);
    CHECK(lacus_reservoir_n_inputs(r) == f->Win.shape[1]);
    CHECK_STATUS(lacus_reservoir_set_W(r, f->W.data), LACUS_OK);
    CHECK_STATUS(lacus_reservoir_set_Win(r, f->Win.data), LACUS_OK);
    CHECK_STATUS(lacus_reservoir_set_bias(r, f->bias.data), LACUS_OK);
    return m;
}

static double run_diff(lacus_esn *m, const fx_t *f)
{
    int64_t Tt = f->ut.shape[0], O = f->pt.shape[1];
    double *pred = calloc((size_t)(Tt * O), sizeof *pred);
    const double *ud = f->ut.data;
    lacus_seqs U = {1, f->ut.shape[1], &ud, &Tt};
    CHECK_STATUS(lacus_esn_run(m, &U, &pred), LACUS_OK);
    double d = test_max_rel_diff(pred, f->pt.data, Tt * O, 1e-300);
    free(pred);
    return d;
}

int main(void)
{
    lacus_npz *z = fx_open("esn/feedback.npz");
    fx_t f = {fx_get(z, "W"), fx_get(z, "Win"), fx_get(z, "bias"), fx_get(z, "u"), fx_get(z, "y"),
              fx_get(z, "u_test"), fx_get(z, "pred_test"), fx_get(z, "Wout"), fx_get(z, "bout"),
              fx_scalar(z, "lr"), fx_scalar(z, "ridge"), (int64_t)fx_scalar(z, "warmup")};
    int64_t T = f.u.shape[0], O = f.y.shape[1], N = f.W.shape[0];
    const double *ud = f.u.data, *yd = f.y.data;
    lacus_seqs U = {1, f.u.shape[1], &ud, &T}, Y = {1, O, &yd, &T};
    lacus_error err = {0};
    TEST("teacher-forced fit and closed-loop run equal ReservoirPy's")
    {
        lacus_esn *m = make(&f, &err);
        CHECK_STATUS(lacus_esn_fit(m, &U, &Y), LACUS_OK);
        double *W = calloc((size_t)(N * O), sizeof *W), b[4];
        lacus_ridge_get_weights(lacus_esn_readout(m), W, b);
        CHECK(test_max_rel_diff(W, f.Wout.data, N * O, 1e-300) < 1e-8);
        CHECK(test_max_rel_diff(b, f.bout.data, O, 1e-12) < 1e-8);
        double d = run_diff(m, &f);
        if (d > 1e-8) fprintf(stderr, "closed-loop run differs by %.3g\n", d);
        CHECK(d < 1e-8);
        char path[512];
        snprintf(path, sizeof path, "%s/feedback_model.npz", fx_tmp());
        CHECK_STATUS(lacus_esn_save(m, path, &err), LACUS_OK);
        lacus_esn *m2 = NULL;
        CHECK_STATUS(lacus_esn_load(path, &m2, &err), LACUS_OK);
        CHECK(run_diff(m2, &f) < 1e-8);
        lacus_esn_free(m2);
        free(W);
        lacus_esn_free(m);
    }
    TEST("streaming fit with feedback equals the whole-sequence fit")
    {
        lacus_esn *m = make(&f, &err), *s = make(&f, &err);
        CHECK_STATUS(lacus_esn_fit(m, &U, &Y), LACUS_OK);
        for (int64_t t = 0; t < T; t += 37) {
            int64_t n = T - t < 37 ? T - t : 37;
            CHECK_STATUS(lacus_esn_partial_fit(s, (const double *)f.u.data + t * f.u.shape[1],
                                               (const double *)f.y.data + t * O, n, O, t == 0),
                         LACUS_OK);
        }
        CHECK_STATUS(lacus_esn_solve(s), LACUS_OK);
        /* Different row groups change the sums in their last bits; the run
         * amplifies nothing here (ridge 1e-5, 40 units): 1e-8 holds. */
        CHECK(run_diff(s, &f) < 1e-8);
        lacus_esn_free(m);
        lacus_esn_free(s);
    }
    TEST("generation with feedback: input and fed-back output are both the prediction")
    {
        /* A 1-in 1-out model with feedback trained on y -> y shifted. */
        lacus_esn_params p = lacus_esn_params_default();
        p.reservoir.n_units = 60;
        p.reservoir.n_inputs = 1;
        p.reservoir.sr = 0.9;
        p.reservoir.lr = 0.5;
        p.reservoir.input_connectivity = 0.5;
        p.readout.ridge = 1e-6;
        p.warmup = 50;
        p.n_feedback = 1;
        p.fb_scaling = 0.3;
        static double x[1201];
        for (int t = 0; t < 1201; t++) x[t] = sin(0.2 * t);
        int64_t n = 1000;
        const double *xd = x, *xn = x + 1;
        lacus_seqs X1 = {1, 1, &xd, &n}, Y1 = {1, 1, &xn, &n};
        lacus_esn *m = NULL;
        CHECK_STATUS(lacus_esn_create(&p, &m, &err), LACUS_OK);
        CHECK_STATUS(lacus_esn_fit(m, &X1, &Y1), LACUS_OK);
        double g1[100], g2[100];
        CHECK_STATUS(lacus_esn_generate(m, x + 900, 100, 100, g1), LACUS_OK);
        CHECK_STATUS(lacus_esn_generate(m, x + 900, 100, 100, g2), LACUS_OK);
        CHECK(memcmp(g1, g2, sizeof g1) == 0);
        double worst = 0;
        for (int k = 0; k < 100; k++) worst = fmax(worst, fabs(g1[k] - x[1000 + k]));
        printf("  generation with feedback: max error over 100 steps %.3g\n", worst);
        CHECK(worst < 0.05);
        lacus_esn_free(m);
    }
    TEST("feedback weights drawn apart: density, initialiser, gain; input columns kept; saved")
    {
        enum { NU = 400, NI = 2, NO = 3 };
        lacus_esn_params p = lacus_esn_params_default();
        p.reservoir.n_units = NU;
        p.reservoir.n_inputs = NI;
        p.reservoir.seed = 7;
        p.n_feedback = NO;
        p.fb_scaling = 0.5;
        lacus_esn *shared = NULL, *apart = NULL, *bern = NULL, *loaded = NULL;
        CHECK_STATUS(lacus_esn_create(&p, &shared, &err), LACUS_OK);
        p.fb_connectivity = 0.3;
        p.fb_init = LACUS_INIT_NORMAL;
        CHECK_STATUS(lacus_esn_create(&p, &apart, &err), LACUS_OK);
        p.fb_init = LACUS_INIT_BERNOULLI;
        CHECK_STATUS(lacus_esn_create(&p, &bern, &err), LACUS_OK);
        double *A = calloc(NU * (NI + NO), sizeof *A), *B = calloc(NU * (NI + NO), sizeof *B);
        double *C = calloc(NU * (NI + NO), sizeof *C);
        lacus_reservoir_get_Win(lacus_esn_reservoir(shared), A);
        lacus_reservoir_get_Win(lacus_esn_reservoir(apart), B);
        lacus_reservoir_get_Win(lacus_esn_reservoir(bern), C);
        int inputs_kept = 1, pm_half = 1;
        int64_t nnz = 0, nnz_b = 0;
        double sq = 0.0;
        for (int64_t n = 0; n < NU; n++)
            for (int64_t j = 0; j < NI + NO; j++) {
                double a = A[n * (NI + NO) + j], b = B[n * (NI + NO) + j], c = C[n * (NI + NO) + j];
                if (j < NI) {
                    inputs_kept &= a == b && a == c;
                    continue;
                }
                if (b != 0.0) nnz++, sq += (b / 0.5) * (b / 0.5);
                if (c != 0.0) nnz_b++, pm_half &= fabs(c) == 0.5;
            }
        CHECK(inputs_kept);
        /* Binomial(1200, 0.3): mean 360, sd 15.9; 5 sd either side. */
        CHECK(nnz > 280 && nnz < 440);
        CHECK(nnz_b > 280 && nnz_b < 440);
        CHECK(pm_half);
        /* N(0, 1) draws times the gain: the sample variance of ~360 values
         * is 1 within 5 standard errors (sqrt(2 / 360) = 0.075). */
        CHECK(fabs(sq / (double)nnz - 1.0) < 0.37);
        enum { TT = 200 };
        double *su = calloc(TT * NI, sizeof *su), *sy = calloc(TT * NO, sizeof *sy);
        for (int t = 0; t < TT; t++) {
            for (int i = 0; i < NI; i++) su[t * NI + i] = sin(0.1 * t + i);
            for (int o = 0; o < NO; o++) sy[t * NO + o] = cos(0.1 * t + o);
        }
        int64_t tt = TT;
        const double *sud = su, *syd = sy;
        lacus_seqs SU = {1, NI, &sud, &tt}, SY = {1, NO, &syd, &tt};
        CHECK_STATUS(lacus_esn_fit(apart, &SU, &SY), LACUS_OK);
        free(su), free(sy);
        char path[512];
        snprintf(path, sizeof path, "%s/fb_apart.npz", fx_tmp());
        CHECK_STATUS(lacus_esn_save(apart, path, &err), LACUS_OK);
        CHECK_STATUS(lacus_esn_load(path, &loaded, &err), LACUS_OK);
        if (loaded) {
            lacus_reservoir_get_Win(lacus_esn_reservoir(loaded), A);
            CHECK(memcmp(A, B, sizeof(double) * NU * (NI + NO)) == 0);
        }
        p.fb_connectivity = 1.5;
        lacus_esn *bad = NULL;
        CHECK_STATUS(lacus_esn_create(&p, &bad, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "fb_connectivity") != NULL);
        free(A), free(B), free(C);
        lacus_esn_free(shared), lacus_esn_free(apart), lacus_esn_free(bern), lacus_esn_free(loaded);
    }
    TEST("misuse")
    {
        lacus_esn_params p = lacus_esn_params_default();
        p.reservoir.n_units = 20;
        p.reservoir.n_inputs = 2;
        p.n_feedback = 1;
        p.feed_input = 1;
        lacus_esn *m = NULL;
        CHECK_STATUS(lacus_esn_create(&p, &m, &err), LACUS_ERR_UNSUPPORTED);
        CHECK(strstr(err.msg, "feed_input") != NULL);
        p.feed_input = 0;
        p.n_feedback = 2; /* but the targets have 1 column */
        CHECK_STATUS(lacus_esn_create(&p, &m, &err), LACUS_OK);
        CHECK_STATUS(lacus_esn_fit(m, &U, &Y), LACUS_ERR_SHAPE);
        CHECK(strstr(lacus_esn_errmsg(m), "feeds back 2 outputs") != NULL);
        lacus_esn_free(m);
        p.n_feedback = -1;
        CHECK_STATUS(lacus_esn_create(&p, &m, &err), LACUS_ERR_ARG);
    }
    lacus_ndarray *all[] = {&f.W, &f.Win, &f.bias, &f.u, &f.y, &f.ut, &f.pt, &f.Wout, &f.bout};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) lacus_ndarray_free(all[i]);
    lacus_npz_close(z);
    TEST_MAIN_END();
}
