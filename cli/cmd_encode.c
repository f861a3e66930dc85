/* lacus encode fit|score|simulate (ceiling, banded: cmd_encode_more.c): brain encoding models from the command
 * line. fit runs the whole fMRI pipeline (word features -> Lanczos to the
 * TR grid -> trimming -> per-run z-scores -> FIR delays or HRF -> per-voxel
 * ridge CV on training runs -> scores on held-out runs), or the MEG one
 * (word-locked epochs, one target per sensor and time lag). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_encode.h"
#include "commands.h"
#include "common.h"

#define MAX_RUNS 4096

typedef struct fit_opts {
    const char *features, *word_times, *word_runs, *bold, *mask, *epochs, *meg_raw, *times, *runs, *delays,
        *hrf, *alphas, *score, *solver, *output, *map, *png, *picks;
    double tr, fdr, test_fraction, sfreq, tmin, tmax;
    int64_t trim_start, trim_end, test_runs, folds, permutations, block, seed, batch, threads;
    int f32;
} fit_opts;

/* Word-level features to the TR grid, run by run (Lanczos, 3 lobes,
 * cutoff 1/TR). Returns 0 or -1 after printing. */
static int words_to_trs(const fit_opts *o, const lacus_ndarray *F, const int64_t *runs,
                        int64_t n_runs, int64_t n, double *Xtr)
{
    lacus_ndarray T = {0}, R = {0};
    int rc = -1;
    if (enc_read_matrix(o->word_times, "--word-times", &T)) return -1;
    const int64_t nw = F->shape[0], p = F->shape[1];
    const double *wt = T.data, *wr = NULL;
    if (T.shape[0] != nw || T.shape[1] != 1) {
        cli_error("--word-times has %lld x %lld values for %lld words in --features",
                  (long long)T.shape[0], (long long)T.shape[1], (long long)nw);
        goto done;
    }
    if (o->word_runs) {
        if (enc_read_matrix(o->word_runs, "--word-runs", &R)) goto done;
        if (R.shape[0] != nw || R.shape[1] != 1) {
            cli_error("--word-runs has %lld values for %lld words", (long long)R.shape[0], (long long)nw);
            goto done;
        }
        wr = R.data;
    } else if (n_runs > 1) {
        cli_error("%lld runs: give the run of each word with --word-runs", (long long)n_runs);
        goto done;
    }
    double *trt = malloc((size_t)n * sizeof(double));
    int64_t *first = calloc((size_t)n_runs + 1, sizeof(int64_t));
    if (!trt || !first) {
        free(trt);
        free(first);
        cli_error("out of memory");
        goto done;
    }
    /* Words must come in run order, inside their run's time span. */
    int ok = 1;
    for (int64_t w = 0; w < nw && ok; w++) {
        double r = wr ? wr[w] : 0.0;
        int64_t ri = (int64_t)r;
        if (!(r >= 0.0) || r != (double)ri || ri >= n_runs) {
            cli_error("--word-runs: word %lld is in run %g, not one of the %lld runs", (long long)w, r,
                      (long long)n_runs);
            ok = 0;
        } else if (w > 0 && wr && ri < (int64_t)wr[w - 1]) {
            cli_error("--word-runs: word %lld (run %lld) comes after a word of run %lld: sort the "
                      "words by run", (long long)w, (long long)ri, (long long)wr[w - 1]);
            ok = 0;
        } else if (!isfinite(wt[w]) || wt[w] < -o->tr || wt[w] > (double)runs[ri] * o->tr + o->tr) {
            cli_error("word %lld at %g s lies outside run %lld (%lld TRs x %g s = %g s): the word "
                      "onsets and the TR / run lengths do not match", (long long)w, wt[w],
                      (long long)ri, (long long)runs[ri], o->tr, (double)runs[ri] * o->tr);
            ok = 0;
        }
        if (ok) first[ri + 1] = w + 1;
    }
    for (int64_t r = 1; r <= n_runs && ok; r++)
        if (first[r] < first[r - 1]) first[r] = first[r - 1];
    lacus_error err = {0};
    for (int64_t r = 0, r0 = 0; r < n_runs && ok; r0 += runs[r], r++) {
        for (int64_t k = 0; k < runs[r]; k++) trt[k] = (double)k * o->tr;
        int64_t w0 = first[r], w1 = first[r + 1];
        if (w1 == w0) {
            cli_error("run %lld has no words: check --word-runs", (long long)r);
            ok = 0;
        } else if (lacus_lanczos_resample((double *)F->data + w0 * p, wt + w0, w1 - w0, p, trt,
                                          runs[r], 1.0 / o->tr, 3, Xtr + r0 * p, &err)) {
            cli_error("resampling run %lld: %s", (long long)r, err.msg);
            ok = 0;
        }
    }
    free(trt);
    free(first);
    rc = ok ? 0 : -1;
done:
    lacus_ndarray_free(&T);
    lacus_ndarray_free(&R);
    return rc;
}

static int fit_meg(const fit_opts *o, const lacus_ndarray *F, const double *alphas, int na,
                   const lacus_ridgecv_params *base);

int enc_fit(int argc, char **argv)
{
    fit_opts o = {0};
    o.tr = 2.0;
    o.delays = "1,2,3,4";
    o.hrf = "none";
    o.alphas = "logspace:-2:8:11";
    o.score = "neg_mse";
    o.solver = "auto";
    o.test_runs = 1;
    o.fdr = 0.05;
    o.block = 10;
    o.test_fraction = 0.2;
    o.folds = 0;
    o.sfreq = 100.0;
    o.tmin = -0.2;
    o.tmax = 0.6;
    o.picks = "meg";
    opt table[] = {
        {"features", OPT_STRING, &o.features, "model features .npy: words x p (with --word-times) or TRs x p"},
        {"word-times", OPT_STRING, &o.word_times, "word onsets .npy, seconds from the start of each word's run"},
        {"word-runs", OPT_STRING, &o.word_runs, "run index of each word .npy (several runs)"},
        {"bold", OPT_STRING, &o.bold, "fMRI targets: TRs x voxels .npy, or a 4-D NIfTI with --mask"},
        {"mask", OPT_STRING, &o.mask, "brain mask NIfTI on the --bold grid"},
        {"epochs", OPT_STRING, &o.epochs, "MEG targets instead: words x sensors x lags .npy"},
        {"times", OPT_STRING, &o.times, "MEG: time of each lag in seconds .npy"},
        {"meg-raw", OPT_STRING, &o.meg_raw, "MEG targets from a recording: samples x sensors .npy, or a raw .fif; epochs at --word-times"},
        {"picks", OPT_STRING, &o.picks, "MEG: channels of a .fif --meg-raw (meg|mag|grad|eeg|data|all|NAME,...)"},
        {"sfreq", OPT_DOUBLE, &o.sfreq, "MEG: sampling rate of an .npy --meg-raw (Hz; a .fif gives its own)"},
        {"tmin", OPT_DOUBLE, &o.tmin, "MEG: epoch start relative to word onset (s)"},
        {"tmax", OPT_DOUBLE, &o.tmax, "MEG: epoch end (s)"},
        {"runs", OPT_STRING, &o.runs, "TRs per run, comma-separated (default: one run)"},
        {"tr", OPT_DOUBLE, &o.tr, "repetition time in seconds (NIfTI: the header's TR if left at 2)"},
        {"trim-start", OPT_INT, &o.trim_start, "TRs dropped at the start of every run"},
        {"trim-end", OPT_INT, &o.trim_end, "TRs dropped at the end of every run"},
        {"delays", OPT_STRING, &o.delays, "FIR delays in TRs, comma-separated"},
        {"hrf", OPT_STRING, &o.hrf, "none (FIR delays) | spm | glover (convolve instead)"},
        {"alphas", OPT_STRING, &o.alphas, "logspace:LO:HI:N or a comma-separated list"},
        {"folds", OPT_INT, &o.folds, "CV folds over training runs (0: leave one run out); MEG: word blocks (0: 5)"},
        {"test-runs", OPT_INT, &o.test_runs, "last runs held out for the test scores (0: none)"},
        {"test-fraction", OPT_DOUBLE, &o.test_fraction, "MEG: last fraction of the words held out"},
        {"score", OPT_STRING, &o.score, "CV criterion: neg_mse | r2 | pearson"},
        {"solver", OPT_STRING, &o.solver, "auto | primal | dual | lstsq (SVD of X only; admits alpha 0 = least squares)"},
        {"batch", OPT_INT, &o.batch, "targets per batch (0: automatic)"},
        {"f32", OPT_FLAG, &o.f32, "CV scan in float32 (faster; refit in float64)"},
        {"permutations", OPT_INT, &o.permutations, "block permutations for p-values (0: none)"},
        {"block", OPT_INT, &o.block, "permutation block length in samples"},
        {"fdr", OPT_DOUBLE, &o.fdr, "Benjamini-Hochberg level"},
        {"seed", OPT_INT, &o.seed, "seed of the permutations"},
        {"output", OPT_STRING, &o.output, "results .npz (coef, best_alpha, cv_score, r, r2, ...)"},
        {"map", OPT_STRING, &o.map, "NIfTI map of the test r (needs --mask)"},
        {"png", OPT_STRING, &o.png, "PNG: axial slices of the r map, or the MEG r time course"},
        {"threads", OPT_INT, &o.threads, "OpenMP threads (0: OMP_NUM_THREADS or all cores)"},
    };
    verb_spec v = {"encode fit",
                   "--features F.npy (--bold Y.npy|Y.nii.gz [--mask M.nii.gz] | --epochs E.npy) [options]",
                   "Fits one ridge per voxel/sensor with its penalty chosen by contiguous cross-\n"
                   "validation on the training runs, and scores it (Pearson r, R^2) on the held-out\n"
                   "runs. See docs/brain.md.",
                   table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? 0 : 2;
    if (!o.features) return cli_error("encode fit: --features is required"), 2;
    if (!!o.bold + !!o.epochs + !!o.meg_raw != 1)
        return cli_error("encode fit: give exactly one of --bold, --epochs and --meg-raw"), 2;
    if (!(o.tr > 0.0) || o.tr > 100.0) return cli_error("--tr %g: must be in (0, 100] seconds", o.tr), 2;
    if (o.trim_start < 0 || o.trim_end < 0) return cli_error("--trim-start/--trim-end must be >= 0"), 2;
    if (o.threads < 0) return cli_error("--threads must be >= 0"), 2;
    if (o.threads) lacus_set_num_threads((int)o.threads);
    double alphas[256];
    int na = 0;
    if (enc_parse_alphas(o.alphas, alphas, 256, &na)) return 2;
    lacus_ridgecv_params prm = lacus_ridgecv_params_default();
    prm.alphas = alphas;
    prm.n_alphas = na;
    prm.n_targets_batch = o.batch;
    prm.scan_f32 = o.f32;
    if (lacus_cv_score_parse(o.score, &prm.score))
        return cli_error("--score \"%s\": use neg_mse, r2 or pearson", o.score), 2;
    if (lacus_solver_parse(o.solver, &prm.solver))
        return cli_error("--solver \"%s\": use auto, primal, dual or lstsq", o.solver), 2;
    for (int a = 0; a < na; a++)
        if (alphas[a] == 0.0 && prm.solver != LACUS_SOLVER_LSTSQ)
            return cli_error("--alphas: alpha 0 (unregularised least squares) needs --solver "
                             "lstsq"), 2;
    lacus_hrf_kind hk = LACUS_HRF_SPM;
    int use_hrf = 0;
    if (!strcmp(o.hrf, "spm")) use_hrf = 1;
    else if (!strcmp(o.hrf, "glover")) use_hrf = 1, hk = LACUS_HRF_GLOVER;
    else if (strcmp(o.hrf, "none")) return cli_error("--hrf \"%s\": use none, spm or glover", o.hrf), 2;
    int64_t delays[64];
    int nd = 0;
    if (enc_parse_ints("delays", o.delays, delays, 64, &nd)) return 2;

    lacus_ndarray F = {0};
    if (enc_read_matrix(o.features, "--features", &F)) return 1;
    if (o.epochs || o.meg_raw) {
        int rc = fit_meg(&o, &F, alphas, na, &prm);
        lacus_ndarray_free(&F);
        return rc;
    }
    int rc = 1;
    enc_targets Y = {0};
    double *Xtr = NULL, *X = NULL, *coef = NULL, *best = NULL, *cvs = NULL, *P = NULL, *rr = NULL,
           *r2 = NULL, *pv = NULL, *qv = NULL;
    int64_t *fold = NULL;
    if (enc_load_targets(o.bold, o.mask, &Y)) goto done;
    if (Y.tr > 0.0 && fabs(Y.tr - o.tr) > 1e-6 && o.tr == 2.0) o.tr = Y.tr; /* header TR wins over the default */
    int64_t runs[MAX_RUNS], n_runs = 1;
    if (o.runs) {
        int k = 0;
        if (enc_parse_ints("runs", o.runs, runs, MAX_RUNS, &k)) {
            rc = 2;
            goto done;
        }
        n_runs = k;
        int64_t s = 0;
        for (int i = 0; i < k; i++) {
            if (runs[i] < 2) {
                cli_error("--runs: run %d has %lld TRs", i, (long long)runs[i]);
                rc = 2;
                goto done;
            }
            s += runs[i];
        }
        if (s != Y.n) {
            cli_error("--runs add up to %lld TRs but --bold %s has %lld", (long long)s, o.bold, (long long)Y.n);
            goto done;
        }
    } else {
        runs[0] = Y.n;
    }
    if (enc_check_targets(&Y, runs, n_runs)) goto done;
    const int64_t p = F.shape[1], V = Y.t;
    int64_t n = Y.n;
    Xtr = malloc((size_t)(n * p) * sizeof(double));
    if (!Xtr) {
        cli_error("out of memory");
        goto done;
    }
    if (o.word_times) {
        if (words_to_trs(&o, &F, runs, n_runs, n, Xtr)) goto done;
    } else {
        if (F.shape[0] != n) {
            cli_error("--features has %lld rows but --bold has %lld TRs (word-level features need "
                      "--word-times)", (long long)F.shape[0], (long long)n);
            goto done;
        }
        memcpy(Xtr, F.data, (size_t)(n * p) * sizeof(double));
    }
    lacus_error err = {0};
    if (o.trim_start || o.trim_end) {
        int64_t runs2[MAX_RUNS], n2 = 0, n3 = 0;
        memcpy(runs2, runs, (size_t)n_runs * sizeof(int64_t));
        if (lacus_trim_runs(Xtr, n, p, runs2, n_runs, o.trim_start, o.trim_end, &n2, &err) ||
            lacus_trim_runs(Y.data, n, V, runs, n_runs, o.trim_start, o.trim_end, &n3, &err)) {
            cli_error("trimming: %s", err.msg);
            goto done;
        }
        n = n2;
        Y.n = n;
    }
    if (lacus_zscore_runs(Xtr, n, p, runs, n_runs, 0, &err)) {
        cli_error("--features: %s", err.msg);
        goto done;
    }
    if (lacus_zscore_runs(Y.data, n, V, runs, n_runs, 0, &err)) {
        cli_error("--bold: %s", err.msg);
        goto done;
    }
    int64_t q = use_hrf ? p : p * nd;
    X = malloc((size_t)(n * q) * sizeof(double));
    if (!X) {
        cli_error("out of memory (%lld x %lld design)", (long long)n, (long long)q);
        goto done;
    }
    if (use_hrf) {
        int64_t nh = (int64_t)llround(32.0 / o.tr);
        double h[4096];
        if (nh < 2 || nh > 4096 || lacus_hrf(hk, o.tr, 32.0, h, nh, &err) ||
            lacus_hrf_convolve(Xtr, n, p, runs, n_runs, h, nh, X, &err)) {
            cli_error("--hrf: %s", nh < 2 || nh > 4096 ? "TR out of range for a 32 s HRF" : err.msg);
            goto done;
        }
    } else if (lacus_fir_delays(Xtr, n, p, runs, n_runs, delays, nd, X, &err)) {
        cli_error("--delays: %s", err.msg);
        goto done;
    }
    /* Training runs, test runs, folds. */
    if (o.test_runs < 0 || o.test_runs >= n_runs) {
        cli_error("--test-runs %lld: %lld run(s) given, at least one must stay for training%s",
                  (long long)o.test_runs, (long long)n_runs, n_runs == 1 ? " (give --runs)" : "");
        goto done;
    }
    int64_t train_runs = n_runs - o.test_runs, ntr = 0;
    for (int64_t i = 0; i < train_runs; i++) ntr += runs[i];
    fold = malloc((size_t)ntr * sizeof(int64_t));
    if (!fold) goto done;
    if (train_runs == 1) {
        if (lacus_cv_contiguous(ntr, o.folds ? o.folds : 5, fold, &err)) {
            cli_error("folds: %s", err.msg);
            goto done;
        }
    } else if (lacus_cv_runs(runs, train_runs, o.folds ? o.folds : train_runs, fold, &err)) {
        cli_error("folds: %s", err.msg);
        goto done;
    }
    prm.fold = fold;
    coef = malloc((size_t)(q * V) * sizeof(double));
    best = malloc((size_t)V * sizeof(double));
    cvs = malloc((size_t)V * sizeof(double));
    if (!coef || !best || !cvs) {
        cli_error("out of memory (%lld x %lld weights)", (long long)q, (long long)V);
        goto done;
    }
    double t0 = cli_now();
    if (lacus_ridgecv_fit(&prm, X, ntr, q, Y.data, V, best, cvs, NULL, coef, &err)) {
        cli_error("fit: %s", err.msg);
        goto done;
    }
    double secs = cli_now() - t0;
    int used[256] = {0}, distinct = 0;
    for (int64_t j = 0; j < V; j++)
        for (int a = 0; a < na; a++)
            if (best[j] == alphas[a] && !used[a]) used[a] = 1, distinct++;
    printf("fit: %lld training TRs (%lld runs), %lld features x %lld %s = %lld regressors, "
           "%lld targets, %d alphas (%d chosen), %.2f s\n",
           (long long)ntr, (long long)train_runs, (long long)p,
           (long long)(use_hrf ? 1 : nd), use_hrf ? "HRF" : "delays", (long long)q, (long long)V, na,
           distinct, secs);
    int64_t nte = n - ntr;
    if (nte > 0) {
        P = malloc((size_t)(nte * V) * sizeof(double));
        rr = malloc((size_t)V * sizeof(double));
        r2 = malloc((size_t)V * sizeof(double));
        if (!P || !rr || !r2) goto done;
        for (int64_t i = 0; i < nte * V; i++) P[i] = 0.0;
        for (int64_t i = 0; i < nte; i++)
            for (int64_t c = 0; c < q; c++) {
                double x = X[(ntr + i) * q + c];
                if (x == 0.0) continue;
                const double *w = coef + c * V;
                double *pp = P + i * V;
                for (int64_t j = 0; j < V; j++) pp[j] += x * w[j];
            }
        if (lacus_encoding_scores(Y.data + ntr * V, P, nte, V, rr, r2, &err)) {
            cli_error("scores: %s", err.msg);
            goto done;
        }
        double mr = 0.0, mx = -1.0;
        for (int64_t j = 0; j < V; j++) {
            mr += rr[j] / (double)V;
            mx = fmax(mx, rr[j]);
        }
        printf("test: %lld TRs (%lld runs): mean r %.4f, max r %.4f\n", (long long)nte,
               (long long)o.test_runs, mr, mx);
        if (o.permutations > 0) {
            pv = malloc((size_t)V * sizeof(double));
            qv = malloc((size_t)V * sizeof(double));
            int *rej = malloc((size_t)V * sizeof(int));
            if (!pv || !qv || !rej ||
                lacus_permutation_pvalues(Y.data + ntr * V, P, nte, V, o.block, o.permutations,
                                          (uint64_t)o.seed, pv, &err) ||
                lacus_fdr_bh(pv, V, o.fdr, qv, rej, &err)) {
                cli_error("permutations: %s", err.msg);
                free(rej);
                goto done;
            }
            int64_t ns = 0;
            for (int64_t j = 0; j < V; j++) ns += rej[j];
            free(rej);
            printf("significance: %lld of %lld targets at FDR %g (%lld block permutations of %lld TRs)\n",
                   (long long)ns, (long long)V, o.fdr, (long long)o.permutations, (long long)o.block);
        }
    }
    if (o.output) {
        lacus_npz_writer *w = NULL;
        lacus_ndarray a_coef = {LACUS_F64, 2, {q, V}, coef}, a_best = {LACUS_F64, 1, {V}, best},
                      a_cvs = {LACUS_F64, 1, {V}, cvs}, a_al = {LACUS_F64, 1, {na}, alphas},
                      a_r = {LACUS_F64, 1, {V}, rr}, a_r2 = {LACUS_F64, 1, {V}, r2},
                      a_p = {LACUS_F64, 1, {V}, pv}, a_q = {LACUS_F64, 1, {V}, qv};
        lacus_status st = lacus_npz_writer_open(o.output, 0, &w, &err);
        if (!st) st = lacus_npz_writer_add(w, "coef", &a_coef, &err);
        if (!st) st = lacus_npz_writer_add(w, "best_alpha", &a_best, &err);
        if (!st) st = lacus_npz_writer_add(w, "cv_score", &a_cvs, &err);
        if (!st) st = lacus_npz_writer_add(w, "alphas", &a_al, &err);
        if (!st && rr) st = lacus_npz_writer_add(w, "r", &a_r, &err);
        if (!st && r2) st = lacus_npz_writer_add(w, "r2", &a_r2, &err);
        if (!st && pv) st = lacus_npz_writer_add(w, "p", &a_p, &err);
        if (!st && qv) st = lacus_npz_writer_add(w, "q", &a_q, &err);
        if (!st) st = lacus_npz_writer_commit(w, &err);
        else lacus_npz_writer_abort(w);
        if (st) {
            cli_error("writing %s: %s", o.output, err.msg);
            goto done;
        }
    }
    if (o.map || o.png) {
        if (!Y.has_mask) {
            cli_error("--map/--png need a NIfTI --bold with --mask");
            goto done;
        }
        if (!rr) {
            cli_error("--map/--png show test scores: keep --test-runs >= 1");
            goto done;
        }
        lacus_nifti map;
        if (lacus_nifti_unmask(&Y.mask, rr, V, 0.0, &map, &err)) {
            cli_error("map: %s", err.msg);
            goto done;
        }
        int bad = 0;
        if (o.map && lacus_nifti_write(o.map, &map, Y.mask.nifti_version, &err)) {
            cli_error("writing %s: %s", o.map, err.msg);
            bad = 1;
        }
        if (!bad && o.png && lacus_encoding_plot_map(o.png, &map, "test Pearson r", &err)) {
            cli_error("writing %s: %s", o.png, err.msg);
            bad = 1;
        }
        lacus_nifti_free(&map);
        if (bad) goto done;
    }
    rc = 0;
    goto done;
done:
    lacus_ndarray_free(&F);
    enc_targets_free(&Y);
    free(Xtr);
    free(X);
    free(coef);
    free(best);
    free(cvs);
    free(P);
    free(rr);
    free(r2);
    free(pv);
    free(qv);
    free(fold);
    return rc;
}

/* MEG: targets = (sensor, lag) pairs of word-locked epochs. */
static int fit_meg(const fit_opts *o, const lacus_ndarray *F, const double *alphas, int na,
                   const lacus_ridgecv_params *base)
{
    lacus_ndarray E = {0}, Tm = {0};
    lacus_error err = {0};
    int rc = 1;
    double *coef = NULL, *P = NULL, *rr = NULL, *curve = NULL, *times = NULL, *meg_owned = NULL;
    double meg_sfreq = o->sfreq;
    if (o->meg_raw) {
        /* Word-locked epochs cut from the recording at the word onsets. */
        lacus_ndarray raw = {0}, on = {0};
        if (!o->word_times) {
            cli_error("--meg-raw needs the word onsets (--word-times, seconds from the recording's start)");
            goto done;
        }
        double sfreq = o->sfreq;
        int from_fif = enc_is_fif(o->meg_raw);
        if (!(sfreq > 0.0 && sfreq <= 100000.0) || !(o->tmax > o->tmin)) {
            cli_error("--sfreq %g, --tmin %g, --tmax %g: need sfreq > 0 and tmin < tmax", o->sfreq, o->tmin, o->tmax);
            rc = 2;
            goto done;
        }
        if (from_fif ? enc_read_fif(o->meg_raw, "--meg-raw", o->picks, &raw, &sfreq)
                     : enc_read_matrix(o->meg_raw, "--meg-raw", &raw))
            goto done;
        if (from_fif)
            printf("--meg-raw %s: %lld samples x %lld channels (--picks %s) at %g Hz\n", o->meg_raw,
                   (long long)raw.shape[0], (long long)raw.shape[1], o->picks, sfreq);
        meg_sfreq = sfreq;
        if (enc_read_matrix(o->word_times, "--word-times", &on)) {
            if (from_fif) free(raw.data);
            else lacus_ndarray_free(&raw);
            goto done;
        }
        int64_t nwr = on.shape[0] * on.shape[1], nsr = raw.shape[1];
        int64_t l0 = (int64_t)llround(o->tmin * sfreq), nlr = (int64_t)llround(o->tmax * sfreq) - l0 + 1;
        E.dtype = LACUS_F64;
        E.ndim = 3;
        E.shape[0] = nwr;
        E.shape[1] = nsr;
        E.shape[2] = nlr;
        double *ed = malloc((size_t)(nwr * nsr * nlr) * sizeof(double));
        lacus_status st = ed ? lacus_meg_epochs(raw.data, raw.shape[0], nsr, sfreq, on.data, nwr,
                                                o->tmin, o->tmax, ed, nlr, &err)
                             : LACUS_ERR_NOMEM;
        if (from_fif) free(raw.data);
        else lacus_ndarray_free(&raw);
        lacus_ndarray_free(&on);
        if (st) {
            cli_error("--meg-raw %s: %s", o->meg_raw, ed ? err.msg : "out of memory");
            free(ed);
            goto done;
        }
        E.data = ed;
        meg_owned = ed;
    } else if (lacus_npy_read(o->epochs, &E, &err) || lacus_ndarray_to_f64(&E, &err)) {
        cli_error("--epochs %s: %s", o->epochs, err.msg);
        goto done;
    }
    if (E.ndim != 3) {
        cli_error("--epochs %s: a %d-D array; expected words x sensors x lags", o->epochs, E.ndim);
        goto done;
    }
    const int64_t nw = E.shape[0], ns = E.shape[1], nl = E.shape[2], t = ns * nl, p = F->shape[1];
    if (F->shape[0] != nw) {
        cli_error("--features has %lld rows but --epochs has %lld words", (long long)F->shape[0], (long long)nw);
        goto done;
    }
    times = malloc((size_t)nl * sizeof(double));
    if (!times) goto done;
    if (o->meg_raw) {
        for (int64_t l = 0; l < nl; l++) times[l] = (double)(llround(o->tmin * meg_sfreq) + l) / meg_sfreq;
    } else if (o->times) {
        if (enc_read_matrix(o->times, "--times", &Tm)) goto done;
        if (Tm.shape[0] * Tm.shape[1] != nl) {
            cli_error("--times has %lld values for %lld lags", (long long)(Tm.shape[0] * Tm.shape[1]), (long long)nl);
            goto done;
        }
        memcpy(times, Tm.data, (size_t)nl * sizeof(double));
    } else {
        for (int64_t l = 0; l < nl; l++) times[l] = (double)l;
    }
    if (!(o->test_fraction > 0.0 && o->test_fraction < 1.0)) {
        cli_error("--test-fraction %g: must be in (0, 1)", o->test_fraction);
        rc = 2;
        goto done;
    }
    int64_t ntr = nw - (int64_t)llround(o->test_fraction * (double)nw), nte = nw - ntr;
    if (ntr < 2 || nte < 2) {
        cli_error("%lld words: too few to hold out %g of them", (long long)nw, o->test_fraction);
        goto done;
    }
    lacus_ridgecv_params prm = *base;
    prm.fold = NULL;
    prm.n_folds = o->folds ? o->folds : 5;
    coef = malloc((size_t)(p * t) * sizeof(double));
    P = calloc((size_t)(nte * t), sizeof(double));
    rr = malloc((size_t)t * sizeof(double));
    curve = calloc((size_t)nl, sizeof(double));
    if (!coef || !P || !rr || !curve) {
        cli_error("out of memory");
        goto done;
    }
    double t0 = cli_now();
    if (lacus_ridgecv_fit(&prm, F->data, ntr, p, E.data, t, NULL, NULL, NULL, coef, &err)) {
        cli_error("fit: %s", err.msg);
        goto done;
    }
    for (int64_t i = 0; i < nte; i++)
        for (int64_t c = 0; c < p; c++) {
            double x = ((double *)F->data)[(ntr + i) * p + c];
            for (int64_t j = 0; j < t; j++) P[i * t + j] += x * coef[c * t + j];
        }
    if (lacus_encoding_scores((double *)E.data + ntr * t, P, nte, t, rr, NULL, &err)) {
        cli_error("scores: %s", err.msg);
        goto done;
    }
    int64_t arg = 0;
    for (int64_t l = 0; l < nl; l++) {
        for (int64_t s = 0; s < ns; s++) curve[l] += rr[s * nl + l] / (double)ns;
        if (curve[l] > curve[arg]) arg = l;
    }
    printf("MEG fit: %lld training words, %lld test words, %lld sensors x %lld lags, %d alphas, "
           "%.2f s\npeak of the mean r over sensors: %.4f at %g\n",
           (long long)ntr, (long long)nte, (long long)ns, (long long)nl, na, cli_now() - t0,
           curve[arg], times[arg]);
    if (o->output) {
        int64_t sh[2] = {ns, nl};
        lacus_npz_writer *w = NULL;
        lacus_ndarray a_c = {LACUS_F64, 3, {p, ns, nl}, coef}, a_r = {LACUS_F64, 2, {sh[0], sh[1]}, rr},
                      a_t = {LACUS_F64, 1, {nl}, times}, a_cu = {LACUS_F64, 1, {nl}, curve};
        lacus_status st = lacus_npz_writer_open(o->output, 0, &w, &err);
        if (!st) st = lacus_npz_writer_add(w, "coef", &a_c, &err);
        if (!st) st = lacus_npz_writer_add(w, "r", &a_r, &err);
        if (!st) st = lacus_npz_writer_add(w, "times", &a_t, &err);
        if (!st) st = lacus_npz_writer_add(w, "r_mean", &a_cu, &err);
        if (!st) st = lacus_npz_writer_commit(w, &err);
        else lacus_npz_writer_abort(w);
        if (st) {
            cli_error("writing %s: %s", o->output, err.msg);
            goto done;
        }
    }
    if (o->png && lacus_encoding_plot_curve(o->png, times, curve, nl, "time (s)",
                                            "mean Pearson r over sensors", &err)) {
        cli_error("writing %s: %s", o->png, err.msg);
        goto done;
    }
    rc = 0;
done:
    if (meg_owned) free(meg_owned);
    else lacus_ndarray_free(&E);
    lacus_ndarray_free(&Tm);
    free(coef);
    free(P);
    free(rr);
    free(curve);
    free(times);
    return rc;
}

int cmd_encode(int argc, char **argv)
{
    const char *usage = "usage: lacus encode fit|score|simulate|ceiling|banded|fif [options] (lacus encode SUB --help)\n"
                        "  fit       fit per-target ridge encoding models (fMRI or MEG) and score them\n"
                        "  score     Pearson r, R^2, permutation p-values, FDR and noise ceilings\n"
                        "  simulate  synthetic fMRI / MEG data with known ideal scores\n"
                        "  ceiling   cross-subject noise ceiling (leave one subject out)\n"
                        "  banded    banded ridge: random search or hyper-gradient over feature spaces\n"
                        "  fif       read a raw FIF MEG recording: channels, annotations, export to .npy\n";
    if (argc < 3 || !strcmp(argv[2], "--help") || !strcmp(argv[2], "-h")) {
        fputs(usage, argc < 3 ? stderr : stdout);
        return argc < 3 ? 2 : 0;
    }
    if (!strcmp(argv[2], "fit")) return enc_fit(argc, argv);
    if (!strcmp(argv[2], "score")) return enc_score(argc, argv);
    if (!strcmp(argv[2], "simulate")) return enc_simulate(argc, argv);
    if (!strcmp(argv[2], "ceiling")) return enc_ceiling(argc, argv);
    if (!strcmp(argv[2], "banded")) return enc_banded(argc, argv);
    if (!strcmp(argv[2], "fif")) return enc_fif(argc, argv);
    cli_error("encode: unknown subcommand \"%s\" (fit, score, simulate, ceiling, banded or fif)", argv[2]);
    return 2;
}
