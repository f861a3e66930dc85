/* The encoding pipeline on simulated brains with known ideal scores (the
 * spec's protocol, docs/brain.md): fMRI voxels reach r/r* >= 0.94 when
 * SNR > 1, null voxels are centred on 0 with spread ~1/sqrt(n); shuffled CV
 * inflates scores on autocorrelated null data and contiguous CV does not;
 * the explainable variance of repeats estimates SNR/(1+SNR); the MEG score
 * time course is ~0 before word onset and peaks at the planted latency. */
#include <string.h>

#include "fixture.h"
#include "test.h"

/* Lanczos to the TR grid, z-score per run, FIR delays 1..4: X (n x 4F). */
static double *stimulus_features(const lacus_sim_data *d, double tr)
{
    const int64_t F = d->n_features, T = d->run_lengths[0], R = d->n_runs, n = R * T;
    double *Xtr = calloc((size_t)(n * F), sizeof(double)), *trt = malloc((size_t)T * sizeof(double));
    for (int64_t k = 0; k < T; k++) trt[k] = (double)k * tr;
    int64_t w0 = 0;
    for (int64_t r = 0; r < R; r++) {
        int64_t w1 = w0;
        while (w1 < d->n_words && d->word_run[w1] == r) w1++;
        CHECK_STATUS(lacus_lanczos_resample(d->word_features + w0 * F, d->word_times + w0, w1 - w0, F,
                                            trt, T, 1.0 / tr, 3, Xtr + r * T * F, NULL),
                     LACUS_OK);
        w0 = w1;
    }
    CHECK_STATUS(lacus_zscore_runs(Xtr, n, F, d->run_lengths, R, 0, NULL), LACUS_OK);
    int64_t delays[4] = {1, 2, 3, 4};
    double *X = malloc((size_t)(n * 4 * F) * sizeof(double));
    CHECK_STATUS(lacus_fir_delays(Xtr, n, F, d->run_lengths, R, delays, 4, X, NULL), LACUS_OK);
    free(Xtr);
    free(trt);
    return X;
}

static double mean(const double *x, int64_t n)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; i++) s += x[i];
    return s / (double)n;
}

int main(void)
{
    TEST("fMRI: planted encoding recovered (r / r*), null voxels at 0")
    {
        lacus_sim_params sp = lacus_sim_params_default(); /* 4 x 300 TRs, 32 features, 2000 voxels */
        sp.seed = 7;
        lacus_sim_data d;
        CHECK_STATUS(lacus_simulate_fmri(&sp, &d, NULL), LACUS_OK);
        const int64_t T = sp.n_tr, n = d.n_samples, V = d.n_voxels, p = 4 * d.n_features;
        double *X = stimulus_features(&d, sp.tr);
        CHECK_STATUS(lacus_zscore_runs(d.bold, n, V, d.run_lengths, d.n_runs, 0, NULL), LACUS_OK);
        /* Train on runs 0-2 (leave-one-run-out CV), test on run 3. */
        const int64_t ntr = 3 * T;
        int64_t fold[900];
        CHECK_STATUS(lacus_cv_runs(d.run_lengths, 3, 3, fold, NULL), LACUS_OK);
        double alphas[13];
        for (int i = 0; i < 13; i++) alphas[i] = pow(10.0, -1.0 + 0.5 * i);
        lacus_ridgecv_params prm = lacus_ridgecv_params_default();
        prm.alphas = alphas;
        prm.n_alphas = 13;
        prm.fold = fold;
        double *coef = malloc((size_t)(p * V) * sizeof(double));
        CHECK_STATUS(lacus_ridgecv_fit(&prm, X, ntr, p, d.bold, V, NULL, NULL, NULL, coef, NULL),
                     LACUS_OK);
        double *P = calloc((size_t)(T * V), sizeof(double)), *r = malloc((size_t)V * sizeof(double));
        for (int64_t i = 0; i < T; i++)
            for (int64_t c = 0; c < p; c++) {
                double x = X[(ntr + i) * p + c];
                for (int64_t v = 0; v < V; v++) P[i * V + v] += x * coef[c * V + v];
            }
        CHECK_STATUS(lacus_encoding_scores(d.bold + ntr * V, P, T, V, r, NULL, NULL), LACUS_OK);
        double hi = 0.0, nul = 0.0, nul2 = 0.0;
        int64_t nhi = 0, nnul = 0;
        double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        int64_t nact = 0;
        for (int64_t v = 0; v < V; v++) {
            if (d.snr[v] > 1.0) {
                hi += r[v] / d.r_ideal[v];
                nhi++;
            }
            if (d.snr[v] == 0.0) {
                nul += r[v];
                nul2 += r[v] * r[v];
                nnul++;
            } else {
                sx += r[v];
                sy += d.r_ideal[v];
                sxx += r[v] * r[v];
                syy += d.r_ideal[v] * d.r_ideal[v];
                sxy += r[v] * d.r_ideal[v];
                nact++;
            }
        }
        hi /= (double)nhi;
        double mn = nul / (double)nnul, sd = sqrt(nul2 / (double)nnul - mn * mn);
        double cr = (sxy - sx * sy / nact) / sqrt((sxx - sx * sx / nact) * (syy - sy * sy / nact));
        printf("SNR > 1: %lld voxels, mean r/r* = %.4f; corr(r, r*) = %.4f; null: %lld voxels, "
               "mean r = %.4f, SD = %.4f (1/sqrt(n) = %.4f)\n",
               (long long)nhi, hi, cr, (long long)nnul, mn, sd, 1.0 / sqrt((double)T));
        CHECK(hi >= 0.94);
        CHECK(cr > 0.95);
        CHECK(fabs(mn) < 3.0 * sd / sqrt((double)nnul));
        CHECK(sd > 0.8 / sqrt((double)T) && sd < 1.5 / sqrt((double)T));
        free(X);
        free(coef);
        free(P);
        free(r);
        lacus_sim_data_free(&d);
    }

    TEST("shuffled CV inflates scores on autocorrelated null data; contiguous CV does not")
    {
        lacus_sim_params sp = lacus_sim_params_default();
        sp.null_fraction = 1.0;
        sp.ar1 = 0.9;
        sp.n_voxels = 300;
        sp.n_runs = 5;
        sp.n_tr = 200;
        sp.seed = 11;
        lacus_sim_data d;
        CHECK_STATUS(lacus_simulate_fmri(&sp, &d, NULL), LACUS_OK);
        const int64_t n = d.n_samples, V = d.n_voxels, p = 4 * d.n_features, F = d.n_features;
        /* The HRF-convolution model (instead of FIR delays): its features
         * are smooth in time, as a reservoir's or a transformer's context
         * features are, which is what lets a shuffled split leak. */
        double *X = stimulus_features(&d, sp.tr), h[16];
        double *Xs = malloc((size_t)(n * F) * sizeof(double));
        CHECK_STATUS(lacus_hrf(LACUS_HRF_SPM, sp.tr, 32.0, h, 16, NULL), LACUS_OK);
        for (int64_t i = 0; i < n; i++) memcpy(Xs + i * F, X + i * p, (size_t)F * sizeof(double));
        CHECK_STATUS(lacus_hrf_convolve(Xs, n, F, d.run_lengths, d.n_runs, h, 16, X, NULL), LACUS_OK);
        free(Xs);
        CHECK_STATUS(lacus_zscore_runs(d.bold, n, V, d.run_lengths, d.n_runs, 0, NULL), LACUS_OK);
        double alpha = 1.0, *cs = malloc((size_t)V * sizeof(double)), *cc = malloc((size_t)V * sizeof(double));
        int64_t *fold = malloc((size_t)n * sizeof(int64_t));
        lacus_ridgecv_params prm = lacus_ridgecv_params_default();
        prm.alphas = &alpha;
        prm.n_alphas = 1;
        prm.score = LACUS_CV_PEARSON;
        prm.fold = fold;
        CHECK_STATUS(lacus_cv_runs(d.run_lengths, d.n_runs, 5, fold, NULL), LACUS_OK);
        CHECK_STATUS(lacus_ridgecv_fit(&prm, X, n, F, d.bold, V, NULL, NULL, cc, NULL, NULL), LACUS_OK);
        CHECK_STATUS(lacus_cv_shuffled(n, 5, 3, fold, NULL), LACUS_OK);
        CHECK_STATUS(lacus_ridgecv_fit(&prm, X, n, F, d.bold, V, NULL, NULL, cs, NULL, NULL), LACUS_OK);
        double mc = mean(cc, V), ms = mean(cs, V), v = 0.0;
        for (int64_t j = 0; j < V; j++) v += (cc[j] - mc) * (cc[j] - mc);
        double se = sqrt(v / (double)(V - 1) / (double)V);
        printf("null data, AR(1) 0.9: contiguous CV mean r = %.4f (SE %.4f), shuffled CV mean r = %.4f\n",
               mc, se, ms);
        CHECK(fabs(mc) < 3.0 * se + 0.01);
        CHECK(ms > 0.1);
        CHECK(ms > mc + 10.0 * se);
        free(X);
        free(cs);
        free(cc);
        free(fold);
        lacus_sim_data_free(&d);
    }

    TEST("explainable variance of repeats estimates SNR / (1 + SNR)")
    {
        lacus_sim_params sp = lacus_sim_params_default();
        sp.n_runs = 1;
        sp.n_tr = 400;
        sp.n_voxels = 1000;
        sp.null_fraction = 0.1;
        sp.snr_min = 0.1;
        sp.snr_max = 3.0;
        sp.ar1 = 0.0;
        sp.n_repeats = 10;
        sp.seed = 5;
        lacus_sim_data d;
        CHECK_STATUS(lacus_simulate_fmri(&sp, &d, NULL), LACUS_OK);
        double *ev = malloc((size_t)d.n_voxels * sizeof(double));
        CHECK_STATUS(lacus_explainable_variance(d.repeats, 10, sp.n_tr, d.n_voxels, 1, ev, NULL), LACUS_OK);
        double bias = 0.0, b2 = 0.0;
        for (int64_t v = 0; v < d.n_voxels; v++) {
            double e = ev[v] - d.snr[v] / (1.0 + d.snr[v]);
            bias += e;
            b2 += e * e;
        }
        bias /= (double)d.n_voxels;
        double sd = sqrt(b2 / (double)d.n_voxels - bias * bias);
        printf("EV - SNR/(1+SNR): mean %.4f, SD %.4f over %lld voxels\n", bias, sd, (long long)d.n_voxels);
        CHECK(fabs(bias) < 3.0 * sd / sqrt((double)d.n_voxels) + 0.005);
        CHECK(sd < 0.05);
        /* Without the bias correction the estimate is biased upwards. */
        CHECK_STATUS(lacus_explainable_variance(d.repeats, 10, sp.n_tr, d.n_voxels, 0, ev, NULL), LACUS_OK);
        double raw = 0.0;
        for (int64_t v = 0; v < d.n_voxels; v++) raw += ev[v] - d.snr[v] / (1.0 + d.snr[v]);
        CHECK(raw / (double)d.n_voxels > 0.05);
        free(ev);
        lacus_sim_data_free(&d);
    }

    TEST("MEG: score time course ~0 before onset, peak at the planted latency")
    {
        const int64_t nw = 800, F = 20, ns = 12;
        const double sfreq = 100.0, tmin = -0.2, tmax = 0.6, peak = 0.25;
        const int64_t nl = 81, t = ns * nl, ntr = 640, nte = nw - ntr;
        double *E = malloc((size_t)(nw * t) * sizeof(double)), *feat = malloc((size_t)(nw * F) * sizeof(double));
        double times[81];
        CHECK_STATUS(lacus_simulate_meg(nw, F, ns, sfreq, tmin, tmax, peak, 0.5, 9, E, feat, times, NULL),
                     LACUS_OK);
        double alphas[8];
        for (int i = 0; i < 8; i++) alphas[i] = pow(10.0, -1.0 + i);
        lacus_ridgecv_params prm = lacus_ridgecv_params_default();
        prm.alphas = alphas;
        prm.n_alphas = 8;
        double *coef = malloc((size_t)(F * t) * sizeof(double));
        CHECK_STATUS(lacus_ridgecv_fit(&prm, feat, ntr, F, E, t, NULL, NULL, NULL, coef, NULL), LACUS_OK);
        double *P = calloc((size_t)(nte * t), sizeof(double)), *r = malloc((size_t)t * sizeof(double));
        for (int64_t i = 0; i < nte; i++)
            for (int64_t f = 0; f < F; f++)
                for (int64_t j = 0; j < t; j++) P[i * t + j] += feat[(ntr + i) * F + f] * coef[f * t + j];
        CHECK_STATUS(lacus_encoding_scores(E + ntr * t, P, nte, t, r, NULL, NULL), LACUS_OK);
        double curve[81], pre = 0.0, pre2 = 0.0;
        int64_t npre = 0, arg = 0;
        for (int64_t l = 0; l < nl; l++) {
            curve[l] = 0.0;
            for (int64_t s = 0; s < ns; s++) curve[l] += r[s * nl + l] / (double)ns;
            if (curve[l] > curve[arg]) arg = l;
            if (times[l] < 0.0)
                for (int64_t s = 0; s < ns; s++) {
                    pre += r[s * nl + l];
                    pre2 += r[s * nl + l] * r[s * nl + l];
                    npre++;
                }
        }
        pre /= (double)npre;
        double psd = sqrt(pre2 / (double)npre - pre * pre);
        printf("MEG: pre-onset mean r = %.4f (SD %.4f, 1/sqrt(n) = %.4f); peak r = %.3f at %.2f s "
               "(planted %.2f s)\n", pre, psd, 1.0 / sqrt((double)nte), curve[arg], times[arg], peak);
        CHECK(fabs(pre) < 0.02);
        CHECK(psd < 1.5 / sqrt((double)nte));
        CHECK(fabs(times[arg] - peak) <= 0.03 + 1e-9);
        CHECK(curve[arg] > 0.3);
        free(E);
        free(feat);
        free(coef);
        free(P);
        free(r);
    }

    TEST("simulate: bad parameters")
    {
        lacus_sim_params sp = lacus_sim_params_default();
        lacus_sim_data d;
        lacus_error err = {0};
        sp.ar1 = 1.0;
        CHECK_STATUS(lacus_simulate_fmri(&sp, &d, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "ar1 = 1") != NULL);
        sp = lacus_sim_params_default();
        sp.snr_min = -1;
        CHECK_STATUS(lacus_simulate_fmri(&sp, &d, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "snr range") != NULL);
        sp = lacus_sim_params_default();
        sp.nx = 10;
        sp.ny = 12;
        sp.nz = 2;
        CHECK_STATUS(lacus_simulate_fmri(&sp, &d, &err), LACUS_ERR_ARG);
        sp.nz = 9;
        sp.n_tr = 40;
        sp.n_runs = 2;
        CHECK_STATUS(lacus_simulate_fmri(&sp, &d, &err), LACUS_OK);
        int64_t cnt = 0;
        for (int64_t i = 0; i < 10 * 12 * 9; i++) cnt += d.mask[i];
        CHECK(cnt == d.n_voxels && cnt > 300 && cnt < 10 * 12 * 9);
        lacus_sim_data_free(&d);
    }
    TEST_MAIN_END();
}
