/* Stimulus pipeline and scores: HRFs against nilearn's formulas (scipy),
 * Lanczos against the HuthLab code (NumPy), properties (constant input,
 * impulse = kernel, FIR recovers the HRF), Pearson r / R^2 / R^2 split
 * against himalaya, FDR against a hand example, permutation p-values,
 * MEG epochs, per-run z-scoring, trimming, and bad input. */
#include <string.h>

#include "fixture.h"
#include "test.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

int main(void)
{
    TEST("SPM and Glover HRFs = nilearn formulas (scipy)")
    {
        lacus_npz *z = fx_open("brain/hrf.npz");
        lacus_ndarray spm = fx_get(z, "spm"), glo = fx_get(z, "glover");
        int64_t n = spm.shape[0];
        double *h = malloc((size_t)n * sizeof(double));
        CHECK_STATUS(lacus_hrf(LACUS_HRF_SPM, 0.1, 32.0, h, n, NULL), LACUS_OK);
        double d1 = test_max_rel_diff(h, spm.data, (long)n, 1e-300);
        CHECK_STATUS(lacus_hrf(LACUS_HRF_GLOVER, 0.1, 32.0, h, n, NULL), LACUS_OK);
        double d2 = test_max_rel_diff(h, glo.data, (long)n, 1e-300);
        printf("HRF: spm %.2e, glover %.2e\n", d1, d2);
        CHECK(d1 < 1e-12);
        CHECK(d2 < 1e-12);
        /* The SPM HRF peaks near 5 s. */
        CHECK_STATUS(lacus_hrf(LACUS_HRF_SPM, 0.1, 32.0, h, n, NULL), LACUS_OK);
        int64_t arg = 0;
        for (int64_t i = 0; i < n; i++)
            if (h[i] > h[arg]) arg = i;
        CHECK(arg * 32.0 / (double)(n - 1) > 4.5 && arg * 32.0 / (double)(n - 1) < 5.5);
        lacus_error err = {0};
        CHECK_STATUS(lacus_hrf(LACUS_HRF_SPM, 0.1, 32.0, h, n - 1, &err), LACUS_ERR_SHAPE);
        free(h);
        lacus_ndarray_free(&spm);
        lacus_ndarray_free(&glo);
        lacus_npz_close(z);
    }

    TEST("Lanczos resampling = HuthLab lanczosinterp2D; properties")
    {
        lacus_npz *z = fx_open("brain/lanczos.npz");
        lacus_ndarray x = fx_get(z, "x"), wt = fx_get(z, "word_times"), tt = fx_get(z, "tr_times"),
                      ref = fx_get(z, "out");
        int64_t nw = x.shape[0], p = x.shape[1], nt = tt.shape[0];
        double *out = malloc((size_t)(nt * p) * sizeof(double));
        CHECK_STATUS(lacus_lanczos_resample(x.data, wt.data, nw, p, tt.data, nt,
                                            fx_scalar(z, "cutoff"), 3, out, NULL),
                     LACUS_OK);
        double d = test_max_rel_diff(out, ref.data, (long)(nt * p), 1e-300);
        printf("lanczos: %.2e\n", d);
        CHECK(d < 1e-12);
        /* Constant features at a uniform word rate (0.25 s) give a constant
         * output away from the edges; a single word reproduces the kernel. */
        double wts[400], ones[400], trt[40], o[40];
        for (int i = 0; i < 400; i++) {
            wts[i] = 0.25 * i;
            ones[i] = 1.0;
        }
        for (int k = 0; k < 40; k++) trt[k] = 2.0 * k + 0.3;
        CHECK_STATUS(lacus_lanczos_resample(ones, wts, 400, 1, trt, 40, 0.5, 3, o, NULL), LACUS_OK);
        double lo = 1e300, hi = -1e300;
        for (int k = 5; k < 45 - 10; k++) {
            lo = fmin(lo, o[k]);
            hi = fmax(hi, o[k]);
        }
        CHECK(hi - lo < 1e-3 * hi);
        /* 8 words per TR, unnormalised: 8 times the kernel's integral (0.997 for
         * 3 lobes, not 1). */
        CHECK_CLOSE(o[20], 8.0, 0.005);
        double w1 = 10.0, one = 1.0;
        CHECK_STATUS(lacus_lanczos_resample(&one, &w1, 1, 1, trt, 40, 0.5, 3, o, NULL), LACUS_OK);
        for (int k = 0; k < 40; k++) {
            double tt_ = (trt[k] - 10.0) * 0.5, e;
            if (tt_ == 0.0) e = 1.0;
            else if (fabs(tt_) > 3.0) e = 0.0;
            else e = 3.0 * sin(M_PI * tt_) * sin(M_PI * tt_ / 3.0) / (M_PI * M_PI * tt_ * tt_);
            CHECK_CLOSE(o[k], e, 1e-14);
        }
        lacus_error err = {0};
        ((double *)wt.data)[3] = NAN;
        CHECK_STATUS(lacus_lanczos_resample(x.data, wt.data, nw, p, tt.data, nt, 0.5, 3, out, &err),
                     LACUS_ERR_NUMERIC);
        CHECK(strstr(err.msg, "word times[3, 0] is NaN") != NULL);
        free(out);
        lacus_ndarray_free(&x);
        lacus_ndarray_free(&wt);
        lacus_ndarray_free(&tt);
        lacus_ndarray_free(&ref);
        lacus_npz_close(z);
    }

    TEST("FIR delays covering the HRF recover its shape")
    {
        /* White features through the SPM HRF at TR 1 s; FIR 0..15 fitted by
         * plain ridge recovers the sampled HRF (correlation > 0.95). */
        const int64_t n = 2000, nd = 16;
        double h[32], *x = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double));
        CHECK_STATUS(lacus_hrf(LACUS_HRF_SPM, 1.0, 32.0, h, 32, NULL), LACUS_OK);
        uint64_t s = 99;
        for (int64_t i = 0; i < n; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            x[i] = (double)(s >> 11) / 9007199254740992.0 - 0.5;
        }
        CHECK_STATUS(lacus_hrf_convolve(x, n, 1, NULL, 0, h, 32, y, NULL), LACUS_OK);
        int64_t delays[16];
        for (int i = 0; i < 16; i++) delays[i] = i;
        double *X = malloc((size_t)(n * nd) * sizeof(double)), coef[16], alpha = 1e-3;
        CHECK_STATUS(lacus_fir_delays(x, n, 1, NULL, 0, delays, nd, X, NULL), LACUS_OK);
        lacus_ridgecv_params prm = lacus_ridgecv_params_default();
        prm.alphas = &alpha;
        prm.n_alphas = 1;
        CHECK_STATUS(lacus_ridgecv_fit(&prm, X, n, nd, y, 1, NULL, NULL, NULL, coef, NULL), LACUS_OK);
        double r;
        CHECK_STATUS(lacus_encoding_scores(h, coef, 16, 1, &r, NULL, NULL), LACUS_OK);
        printf("FIR vs HRF shape: r = %.6f\n", r);
        CHECK(r > 0.95);
        /* Run edges: delays never reach back into the previous run. */
        int64_t runs[2] = {1000, 1000};
        CHECK_STATUS(lacus_fir_delays(x, n, 1, runs, 2, delays, nd, X, NULL), LACUS_OK);
        CHECK(X[1000 * nd + 1] == 0.0 && X[1001 * nd + 1] == x[1000]);
        int64_t bad[2] = {1000, 999};
        lacus_error err = {0};
        CHECK_STATUS(lacus_fir_delays(x, n, 1, bad, 2, delays, nd, X, &err), LACUS_ERR_SHAPE);
        CHECK(strstr(err.msg, "sum to 1999 but the data have 2000 rows") != NULL);
        free(x);
        free(y);
        free(X);
    }

    TEST("scores = himalaya correlation_score / r2_score; R^2 split sums to R^2")
    {
        lacus_npz *z = fx_open("brain/scores.npz");
        lacus_ndarray Y = fx_get(z, "Y"), P = fx_get(z, "P"), r = fx_get(z, "r"), r2 = fx_get(z, "r2");
        int64_t n = Y.shape[0], t = Y.shape[1];
        double a[16], b[16];
        CHECK_STATUS(lacus_encoding_scores(Y.data, P.data, n, t, a, b, NULL), LACUS_OK);
        CHECK(test_max_rel_diff(a, r.data, (long)t, 1e-300) < 1e-12);
        CHECK(test_max_rel_diff(b, r2.data, (long)t, 1e-300) < 1e-12);
        CHECK(a[3] == 0.0); /* constant prediction */
        lacus_ndarray_free(&Y);
        lacus_ndarray_free(&P);
        lacus_ndarray_free(&r);
        lacus_ndarray_free(&r2);
        lacus_npz_close(z);

        z = fx_open("brain/banded.npz");
        lacus_ndarray X = fx_get(z, "X"), Yc = fx_get(z, "Yc"), cf = fx_get(z, "coef"),
                      sp = fx_get(z, "r2_split");
        int64_t nn = X.shape[0], tt = Yc.shape[1], sizes[2] = {10, 25};
        double *split = malloc((size_t)(2 * tt) * sizeof(double));
        CHECK_STATUS(lacus_r2_split(X.data, nn, sizes, 2, cf.data, Yc.data, tt, split, NULL), LACUS_OK);
        double d = test_max_rel_diff(split, sp.data, (long)(2 * tt), 1e-300);
        printf("r2 split vs himalaya: %.2e\n", d);
        CHECK(d < 1e-10);
        lacus_ndarray_free(&X);
        lacus_ndarray_free(&Yc);
        lacus_ndarray_free(&cf);
        lacus_ndarray_free(&sp);
        lacus_npz_close(z);
        free(split);
    }

    TEST("Benjamini-Hochberg and block permutations")
    {
        /* R's p.adjust(c(.01,.04,.03,.005,.5), "BH") = .025 .05 .05 .025 .5 */
        double p[5] = {0.01, 0.04, 0.03, 0.005, 0.5}, q[5], e[5] = {0.025, 0.05, 0.05, 0.025, 0.5};
        int rej[5];
        CHECK_STATUS(lacus_fdr_bh(p, 5, 0.05, q, rej, NULL), LACUS_OK);
        for (int i = 0; i < 5; i++) CHECK_CLOSE(q[i], e[i], 1e-15);
        CHECK(rej[0] && rej[1] && rej[2] && rej[3] && !rej[4]);
        p[2] = 1.5;
        lacus_error err = {0};
        CHECK_STATUS(lacus_fdr_bh(p, 5, 0.05, q, rej, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "p[2] = 1.5") != NULL);
        /* A real effect gets p = 1/(1+n_perm); noise gets uniform p-values. */
        const int64_t n = 400, t = 200;
        double *Y = malloc((size_t)(n * t) * sizeof(double)), *P = malloc((size_t)(n * t) * sizeof(double));
        uint64_t s = 7;
        for (int64_t i = 0; i < n * t; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            Y[i] = (double)(s >> 11) / 9007199254740992.0 - 0.5;
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            P[i] = (double)(s >> 11) / 9007199254740992.0 - 0.5;
        }
        for (int64_t i = 0; i < n; i++) P[i * t] = Y[i * t] + 0.3 * P[i * t];
        double *pv = malloc((size_t)t * sizeof(double));
        CHECK_STATUS(lacus_permutation_pvalues(Y, P, n, t, 10, 199, 1, pv, NULL), LACUS_OK);
        CHECK(pv[0] == 1.0 / 200.0);
        int64_t below = 0;
        double m = 0.0;
        for (int64_t j = 1; j < t; j++) {
            below += pv[j] <= 0.05;
            m += pv[j] / (double)(t - 1);
        }
        printf("permutation: null mean p = %.3f, %lld/%lld below 0.05\n", m, (long long)below,
               (long long)(t - 1));
        CHECK(fabs(m - 0.5) < 0.07);
        CHECK(below < 25);
        free(Y);
        free(P);
        free(pv);
    }

    TEST("MEG epochs, per-run z-score, trimming")
    {
        const int64_t nt = 1000, ns = 2;
        double *data = malloc((size_t)(nt * ns) * sizeof(double));
        for (int64_t i = 0; i < nt; i++) {
            data[i * ns] = (double)i;
            data[i * ns + 1] = 5.0;
        }
        double on[2] = {1.0, 3.005}, ep[2 * 2 * 81];
        CHECK_STATUS(lacus_meg_epochs(data, nt, ns, 100.0, on, 2, -0.2, 0.6, ep, 81, NULL), LACUS_OK);
        /* Sensor 0 is a ramp: baseline = mean of samples -20..0 = c - 10. */
        CHECK_CLOSE(ep[0], -10.0, 1e-12);
        CHECK_CLOSE(ep[80], 70.0, 1e-12);
        CHECK_CLOSE(ep[81 + 40], 0.0, 1e-12); /* constant sensor */
        on[1] = 9.9;
        lacus_error err = {0};
        CHECK_STATUS(lacus_meg_epochs(data, nt, ns, 100.0, on, 2, -0.2, 0.6, ep, 81, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "word 1 at 9.9 s") != NULL);
        int64_t runs[2] = {500, 500};
        CHECK_STATUS(lacus_zscore_runs(data, nt, ns, runs, 2, 0, &err), LACUS_ERR_NUMERIC);
        CHECK(strstr(err.msg, "column 1 is constant (zero variance) in run 0") != NULL);
        CHECK_STATUS(lacus_zscore_runs(data, nt, ns, runs, 2, 1, NULL), LACUS_OK);
        double m = 0.0, v = 0.0;
        for (int64_t i = 500; i < 1000; i++) m += data[i * ns];
        for (int64_t i = 500; i < 1000; i++) v += data[i * ns] * data[i * ns];
        CHECK_CLOSE(m / 500, 0.0, 1e-12);
        CHECK_CLOSE(v / 500, 1.0, 1e-12);
        CHECK(data[1] == 0.0);
        int64_t n2 = 0;
        CHECK_STATUS(lacus_trim_runs(data, nt, ns, runs, 2, 10, 5, &n2, NULL), LACUS_OK);
        CHECK(n2 == 970 && runs[0] == 485 && runs[1] == 485);
        CHECK_STATUS(lacus_trim_runs(data, n2, ns, runs, 2, 400, 100, &n2, &err), LACUS_ERR_ARG);
        free(data);
    }
    TEST_MAIN_END();
}
