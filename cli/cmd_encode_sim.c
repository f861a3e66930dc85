/* lacus encode simulate (synthetic fMRI / MEG with known ideal scores) and
 * lacus encode score (r, R^2, permutation p-values, FDR, noise ceiling). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_encode.h"
#include "commands.h"
#include "common.h"

static int write_in(const char *dir, const char *name, const double *d, int ndim, const int64_t *shape)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return enc_write_npy(path, d, ndim, shape);
}

int enc_simulate(int argc, char **argv)
{
    lacus_sim_params sp = lacus_sim_params_default();
    const char *out = NULL, *grid = NULL;
    int meg = 0, nifti = 0;
    int64_t words = 2000, sensors = 20, seed = 0;
    double sfreq = 100.0, tmin = -0.2, tmax = 0.6, peak = 0.25, snr = 0.5, noise_exp = 0.0;
    int64_t mfeat = 20, samples = 600, targets = 200;
    const char *bands = NULL;
    double conc = 0.3, band_snr = 2.0;
    opt table[] = {
        {"output", OPT_STRING, &out, "output directory (created)"},
        {"runs", OPT_INT, &sp.n_runs, "fMRI runs"},
        {"trs", OPT_INT, &sp.n_tr, "TRs per run"},
        {"tr", OPT_DOUBLE, &sp.tr, "repetition time (s)"},
        {"word-rate", OPT_DOUBLE, &sp.word_rate, "words per second (Poisson)"},
        {"features", OPT_INT, &sp.n_features, "features per word"},
        {"voxels", OPT_INT, &sp.n_voxels, "voxels (without --grid)"},
        {"grid", OPT_STRING, &grid, "NXxNYxNZ: voxels in an ellipsoid brain mask on this grid"},
        {"null-fraction", OPT_DOUBLE, &sp.null_fraction, "fraction of null voxels"},
        {"snr-min", OPT_DOUBLE, &sp.snr_min, "smallest voxel SNR (log-uniform)"},
        {"snr-max", OPT_DOUBLE, &sp.snr_max, "largest voxel SNR"},
        {"ar1", OPT_DOUBLE, &sp.ar1, "AR(1) coefficient of the noise"},
        {"repeats", OPT_INT, &sp.n_repeats, "extra presentations of the last run (noise ceiling)"},
        {"nifti", OPT_FLAG, &nifti, "write bold.nii.gz + mask.nii.gz (with --grid)"},
        {"meg", OPT_FLAG, &meg, "simulate MEG word-locked epochs instead"},
        {"words", OPT_INT, &words, "MEG: words"},
        {"meg-features", OPT_INT, &mfeat, "MEG: features per word"},
        {"sensors", OPT_INT, &sensors, "MEG: sensors"},
        {"sfreq", OPT_DOUBLE, &sfreq, "MEG: sampling rate (Hz)"},
        {"tmin", OPT_DOUBLE, &tmin, "MEG: epoch start (s, relative to onset)"},
        {"tmax", OPT_DOUBLE, &tmax, "MEG: epoch end (s)"},
        {"peak", OPT_DOUBLE, &peak, "MEG: latency of the planted response peak (s)"},
        {"snr", OPT_DOUBLE, &snr, "MEG: signal-to-noise variance ratio at the peak"},
        {"noise-exponent", OPT_DOUBLE, &noise_exp, "MEG: noise spectrum 1/f^x (0 white, 1 pink)"},
        {"bands", OPT_STRING, &bands, "banded data instead: band sizes, comma-separated (X.npy, Y.npy, shares.npy)"},
        {"samples", OPT_INT, &samples, "banded: samples"},
        {"targets", OPT_INT, &targets, "banded: targets"},
        {"concentration", OPT_DOUBLE, &conc, "banded: Dirichlet concentration of the band shares"},
        {"band-snr", OPT_DOUBLE, &band_snr, "banded: signal-to-noise variance ratio of every target"},
        {"seed", OPT_INT, &seed, "random seed"},
    };
    verb_spec v = {"encode simulate", "--output DIR [options]",
                   "Synthetic brain data with a planted linear encoding, so every score has a known\n"
                   "ideal value r* = sqrt(SNR/(1+SNR)) (r_ideal.npy). fMRI: word_times.npy,\n"
                   "word_runs.npy, word_features.npy, bold.npy (or bold.nii.gz + mask.nii.gz),\n"
                   "snr.npy, r_ideal.npy, runs.txt, repeats.npy. MEG: epochs.npy, features.npy,\n"
                   "times.npy. Banded (--bands): X.npy, Y.npy and shares.npy (bands x targets,\n"
                   "the planted share of each band in each target's signal).",
                   table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? 0 : 2;
    if (!out) return cli_error("encode simulate: --output DIR is required"), 2;
    if (seed < 0) return cli_error("--seed must be >= 0"), 2;
    lacus_error err = {0};
    if (bands) {
        int64_t bs[64];
        int nb = 0;
        if (enc_parse_ints("--bands", bands, bs, 64, &nb)) return 2;
        int64_t p = 0;
        for (int i = 0; i < nb; i++) p += bs[i] > 0 ? bs[i] : 0;
        if (samples < 3 || targets < 1 || samples * (p + targets) > 500000000)
            return cli_error("encode simulate --bands: --samples %lld, --targets %lld out of range", (long long)samples,
                             (long long)targets), 2;
        double *X = malloc((size_t)(samples * p) * sizeof(double)), *Y = malloc((size_t)(samples * targets) * sizeof(double));
        double *W = malloc((size_t)(nb * targets) * sizeof(double));
        int rc = 1;
        if (!X || !Y || !W) cli_error("out of memory");
        else if (lacus_simulate_banded(samples, bs, nb, targets, conc, band_snr, (uint64_t)seed, X, Y, W, &err))
            cli_error("simulate: %s", err.msg), rc = 2;
        else if (!enc_mkdir(out)) {
            int64_t sx[2] = {samples, p}, sy[2] = {samples, targets}, sw[2] = {nb, targets};
            if (!write_in(out, "X.npy", X, 2, sx) && !write_in(out, "Y.npy", Y, 2, sy) &&
                !write_in(out, "shares.npy", W, 2, sw)) {
                printf("banded: %lld samples, %d bands (%s), %lld targets, SNR %g, concentration %g -> %s/\n",
                       (long long)samples, nb, bands, (long long)targets, band_snr, conc, out);
                rc = 0;
            }
        }
        free(X);
        free(Y);
        free(W);
        return rc;
    }
    if (meg) {
        if (!(sfreq > 0.0 && sfreq <= 10000.0) || !(tmax > tmin) || words < 2 || sensors < 1 ||
            mfeat < 1 || words * sensors * ((tmax - tmin) * sfreq + 1) > 2e9)
            return cli_error("encode simulate --meg: bad sizes (words, sensors, sfreq, tmin < tmax)"), 2;
        int64_t nl = (int64_t)llround(tmax * sfreq) - (int64_t)llround(tmin * sfreq) + 1;
        double *E = malloc((size_t)(words * sensors * nl) * sizeof(double));
        double *F = malloc((size_t)(words * mfeat) * sizeof(double)), *T = malloc((size_t)nl * sizeof(double));
        int rc = 1;
        if (!E || !F || !T) cli_error("out of memory");
        else if (lacus_simulate_meg_ex(words, mfeat, sensors, sfreq, tmin, tmax, peak, snr, noise_exp,
                                       (uint64_t)seed, E, F, T, &err))
            cli_error("simulate: %s", err.msg), rc = 2;
        else if (!enc_mkdir(out)) {
            int64_t s3[3] = {words, sensors, nl}, s2[2] = {words, mfeat}, s1[1] = {nl};
            if (!write_in(out, "epochs.npy", E, 3, s3) && !write_in(out, "features.npy", F, 2, s2) &&
                !write_in(out, "times.npy", T, 1, s1)) {
                printf("MEG: %lld words x %lld sensors x %lld lags (%g to %g s), response peak at %g s, "
                       "SNR %g -> %s/\n", (long long)words, (long long)sensors, (long long)nl, tmin,
                       tmax, peak, snr, out);
                rc = 0;
            }
        }
        free(E);
        free(F);
        free(T);
        return rc;
    }
    if (grid) {
        long long a, b, c;
        char tail;
        if (sscanf(grid, "%lldx%lldx%lld%c", &a, &b, &c, &tail) != 3)
            return cli_error("--grid \"%s\": expected NXxNYxNZ, e.g. 20x24x20", grid), 2;
        sp.nx = a;
        sp.ny = b;
        sp.nz = c;
    }
    if (nifti && !grid) return cli_error("--nifti needs --grid (a mask to write)"), 2;
    sp.seed = (uint64_t)seed;
    lacus_sim_data d;
    if (lacus_simulate_fmri(&sp, &d, &err)) {
        cli_error("simulate: %s", err.msg);
        return err.status == LACUS_ERR_ARG ? 2 : 1;
    }
    int rc = 1;
    if (enc_mkdir(out)) goto done;
    int64_t sw[1] = {d.n_words}, swf[2] = {d.n_words, d.n_features}, sv[1] = {d.n_voxels},
            sb[2] = {d.n_samples, d.n_voxels}, srep[3] = {d.n_repeats, sp.n_tr, d.n_voxels};
    double *wr = malloc((size_t)d.n_words * sizeof(double));
    if (!wr) goto done;
    for (int64_t w = 0; w < d.n_words; w++) wr[w] = (double)d.word_run[w];
    int bad = write_in(out, "word_times.npy", d.word_times, 1, sw) ||
              write_in(out, "word_runs.npy", wr, 1, sw) ||
              write_in(out, "word_features.npy", d.word_features, 2, swf) ||
              write_in(out, "snr.npy", d.snr, 1, sv) || write_in(out, "r_ideal.npy", d.r_ideal, 1, sv) ||
              (d.repeats && write_in(out, "repeats.npy", d.repeats, 3, srep));
    free(wr);
    if (bad) goto done;
    char path[4096];
    if (nifti) {
        /* 2 mm voxels centred on the grid; the series in the mask's voxels. */
        int64_t nv = sp.nx * sp.ny * sp.nz;
        lacus_nifti m = {{sp.nx, sp.ny, sp.nz, 1}, {2, 2, 2, 0}, {0}, 1, NULL};
        lacus_nifti b = {{sp.nx, sp.ny, sp.nz, d.n_samples}, {2, 2, 2, sp.tr}, {0}, 1, NULL};
        double aff[16] = {2, 0, 0, -(double)sp.nx, 0, 2, 0, -(double)sp.ny, 0, 0, 2, -(double)sp.nz, 0, 0, 0, 1};
        memcpy(m.affine, aff, sizeof aff);
        memcpy(b.affine, aff, sizeof aff);
        m.data = calloc((size_t)nv, sizeof(double));
        b.data = calloc((size_t)(nv * d.n_samples), sizeof(double));
        if (!m.data || !b.data) {
            free(m.data);
            free(b.data);
            cli_error("out of memory");
            goto done;
        }
        for (int64_t i = 0, vi = 0; i < nv; i++) {
            if (!d.mask[i]) continue;
            m.data[i] = 1.0;
            for (int64_t k = 0; k < d.n_samples; k++) b.data[k * nv + i] = d.bold[k * d.n_voxels + vi];
            vi++;
        }
        snprintf(path, sizeof path, "%s/mask.nii.gz", out);
        int e = lacus_nifti_write(path, &m, 1, &err);
        if (!e) {
            snprintf(path, sizeof path, "%s/bold.nii.gz", out);
            e = lacus_nifti_write(path, &b, 1, &err);
        }
        free(m.data);
        free(b.data);
        if (e) {
            cli_error("writing %s: %s", path, err.msg);
            goto done;
        }
    } else if (write_in(out, "bold.npy", d.bold, 2, sb)) {
        goto done;
    }
    snprintf(path, sizeof path, "%s/runs.txt", out);
    FILE *f = fopen(path, "w");
    if (!f) {
        cli_error("cannot write %s", path);
        goto done;
    }
    for (int64_t i = 0; i < d.n_runs; i++) fprintf(f, "%s%lld", i ? "," : "", (long long)sp.n_tr);
    fprintf(f, "\n");
    fclose(f);
    int64_t nnull = 0, nhi = 0;
    for (int64_t j = 0; j < d.n_voxels; j++) {
        nnull += d.snr[j] == 0.0;
        nhi += d.snr[j] > 1.0;
    }
    printf("fMRI: %lld runs x %lld TRs (TR %g s), %lld words, %lld features, %lld voxels (%lld null, "
           "%lld with SNR > 1), AR(1) %g -> %s/\n", (long long)d.n_runs, (long long)sp.n_tr, sp.tr,
           (long long)d.n_words, (long long)d.n_features, (long long)d.n_voxels, (long long)nnull,
           (long long)nhi, sp.ar1, out);
    rc = 0;
done:
    lacus_sim_data_free(&d);
    return rc;
}

int enc_score(int argc, char **argv)
{
    const char *truth = NULL, *pred = NULL, *repeats = NULL, *ideal = NULL, *output = NULL;
    int64_t perms = 0, block = 10, seed = 0;
    double fdr = 0.05;
    opt table[] = {
        {"truth", OPT_STRING, &truth, "measured responses .npy (samples x targets)"},
        {"pred", OPT_STRING, &pred, "predictions .npy, same shape"},
        {"repeats", OPT_STRING, &repeats, "repeated presentations .npy (repeats x samples x targets): noise ceiling"},
        {"ideal", OPT_STRING, &ideal, "known ideal r per target .npy (simulations): prints r / r*"},
        {"permutations", OPT_INT, &perms, "block permutations for p-values (0: none)"},
        {"block", OPT_INT, &block, "permutation block length in samples"},
        {"fdr", OPT_DOUBLE, &fdr, "Benjamini-Hochberg level"},
        {"seed", OPT_INT, &seed, "seed of the permutations"},
        {"output", OPT_STRING, &output, "scores .npz (r, r2[, p, q, ev, ceiling])"},
    };
    verb_spec v = {"encode score", "--truth Y.npy --pred P.npy [options]",
                   "Per-target brain scores: Pearson r and R^2 (himalaya's definitions), block-\n"
                   "permutation p-values with Benjamini-Hochberg FDR, and the noise ceiling from\n"
                   "repeats (explainable variance, bias-corrected; ceiling of r = sqrt(EV)).",
                   table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? 0 : 2;
    if (!truth || !pred) return cli_error("encode score: --truth and --pred are required"), 2;
    if (perms < 0 || block < 1 || seed < 0) return cli_error("--permutations/--block/--seed out of range"), 2;
    lacus_ndarray Y = {0}, P = {0}, R = {0}, I = {0};
    double *rr = NULL, *r2 = NULL, *pv = NULL, *qv = NULL, *ev = NULL;
    int *rej = NULL;
    int rc = 1;
    lacus_error err = {0};
    if (enc_read_matrix(truth, "--truth", &Y) || enc_read_matrix(pred, "--pred", &P)) goto done;
    const int64_t n = Y.shape[0], t = Y.shape[1];
    if (P.shape[0] != n || P.shape[1] != t) {
        cli_error("--truth is %lld x %lld but --pred is %lld x %lld", (long long)n, (long long)t,
                  (long long)P.shape[0], (long long)P.shape[1]);
        goto done;
    }
    rr = malloc((size_t)t * sizeof(double));
    r2 = malloc((size_t)t * sizeof(double));
    if (!rr || !r2) goto done;
    if (lacus_encoding_scores(Y.data, P.data, n, t, rr, r2, &err)) {
        cli_error("scores: %s", err.msg);
        goto done;
    }
    double mr = 0.0, mr2 = 0.0;
    for (int64_t j = 0; j < t; j++) {
        mr += rr[j] / (double)t;
        mr2 += r2[j] / (double)t;
    }
    printf("%lld samples x %lld targets: mean r %.4f, mean R^2 %.4f\n", (long long)n, (long long)t, mr, mr2);
    if (ideal) {
        if (enc_read_matrix(ideal, "--ideal", &I)) goto done;
        if (I.shape[0] * I.shape[1] != t) {
            cli_error("--ideal has %lld values for %lld targets", (long long)(I.shape[0] * I.shape[1]), (long long)t);
            goto done;
        }
        double s = 0.0;
        int64_t k = 0;
        for (int64_t j = 0; j < t; j++) {
            double id = ((double *)I.data)[j];
            if (id > sqrt(0.5)) {
                s += rr[j] / id;
                k++;
            }
        }
        if (k) printf("targets with r* > 0.707 (SNR > 1): %lld, mean r / r* %.4f\n", (long long)k, s / (double)k);
    }
    if (perms > 0) {
        pv = malloc((size_t)t * sizeof(double));
        qv = malloc((size_t)t * sizeof(double));
        rej = malloc((size_t)t * sizeof(int));
        if (!pv || !qv || !rej) goto done;
        if (lacus_permutation_pvalues(Y.data, P.data, n, t, block, perms, (uint64_t)seed, pv, &err) ||
            lacus_fdr_bh(pv, t, fdr, qv, rej, &err)) {
            cli_error("permutations: %s", err.msg);
            goto done;
        }
        int64_t ns = 0;
        for (int64_t j = 0; j < t; j++) ns += rej[j];
        printf("significant at FDR %g: %lld of %lld targets (%lld permutations of %lld-sample blocks)\n",
               fdr, (long long)ns, (long long)t, (long long)perms, (long long)block);
    }
    if (repeats) {
        if (lacus_npy_read(repeats, &R, &err) || lacus_ndarray_to_f64(&R, &err)) {
            cli_error("--repeats %s: %s", repeats, err.msg);
            goto done;
        }
        if (R.ndim != 3 || R.shape[2] != t) {
            cli_error("--repeats must be repeats x samples x %lld targets", (long long)t);
            goto done;
        }
        ev = malloc((size_t)t * sizeof(double));
        if (!ev || lacus_explainable_variance(R.data, R.shape[0], R.shape[1], t, 1, ev, &err)) {
            cli_error("noise ceiling: %s", ev ? err.msg : "out of memory");
            goto done;
        }
        double me = 0.0;
        for (int64_t j = 0; j < t; j++) me += ev[j] / (double)t;
        printf("noise ceiling: mean explainable variance %.4f (ceiling of r: sqrt(EV))\n", me);
    }
    if (output) {
        const char *names[] = {"r", "r2", "p", "q", "ev"};
        lacus_ndarray arrays[] = {{LACUS_F64, 1, {t}, rr}, {LACUS_F64, 1, {t}, r2},
                                  {LACUS_F64, 1, {t}, pv}, {LACUS_F64, 1, {t}, qv},
                                  {LACUS_F64, 1, {t}, ev}};
        if (enc_write_npz(output, 5, names, arrays)) goto done;
    }
    rc = 0;
done:
    lacus_ndarray_free(&Y);
    lacus_ndarray_free(&P);
    lacus_ndarray_free(&R);
    lacus_ndarray_free(&I);
    free(rr);
    free(r2);
    free(pv);
    free(qv);
    free(ev);
    free(rej);
    return rc;
}
