/* lacus encode ceiling | banded: the cross-subject noise ceiling, and banded
 * ridge over several feature spaces (random search on the simplex, or
 * per-target hyper-gradient descent on the CV loss, or both: the search's
 * answer refined by the gradient), scored on held-out samples. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_encode.h"
#include "commands.h"
#include "common.h"

int enc_ceiling(int argc, char **argv)
{
    const char *subjects = NULL, *model_r = NULL, *output = NULL;
    opt table[] = {
        {"subjects", OPT_STRING, &subjects, "responses .npy: subjects x samples x targets (same stimulus, common space)"},
        {"model-r", OPT_STRING, &model_r, "a model's test r per target .npy: prints r / ceiling"},
        {"output", OPT_STRING, &output, "results .npz (loo_r: subjects x targets, ceiling: targets)"},
    };
    verb_spec v = {"encode ceiling", "--subjects S.npy [--model-r r.npy] [--output C.npz]",
                   "Cross-subject noise ceiling, for data without repeats: each subject is\n"
                   "predicted by the mean of the others (leave-one-subject-out r), and the mean\n"
                   "r is corrected for the noise left in that mean (equal-noise model,\n"
                   "Spearman-Brown), giving the Pearson r an ideal model reaches on one subject.",
                   table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? 0 : 2;
    if (!subjects) return cli_error("encode ceiling: --subjects is required"), 2;
    lacus_ndarray S = {0}, M = {0};
    lacus_error err = {0};
    double *loo = NULL, *ce = NULL;
    int rc = 1;
    if (lacus_npy_read(subjects, &S, &err) || lacus_ndarray_to_f64(&S, &err)) {
        cli_error("--subjects %s: %s", subjects, err.msg);
        goto done;
    }
    if (S.ndim != 3) {
        cli_error("--subjects %s has %d dimensions: need subjects x samples x targets", subjects, S.ndim);
        goto done;
    }
    const int64_t m = S.shape[0], n = S.shape[1], t = S.shape[2];
    loo = malloc((size_t)(m * t) * sizeof(double));
    ce = malloc((size_t)t * sizeof(double));
    if (!loo || !ce) {
        cli_error("out of memory");
        goto done;
    }
    if (lacus_cross_subject_ceiling(S.data, m, n, t, loo, ce, &err)) {
        cli_error("ceiling: %s", err.msg);
        goto done;
    }
    double ml = 0.0, mc = 0.0;
    for (int64_t j = 0; j < t; j++) mc += ce[j] / (double)t;
    for (int64_t k = 0; k < m * t; k++) ml += loo[k] / (double)(m * t);
    printf("%lld subjects x %lld samples x %lld targets: mean leave-one-subject-out r %.4f, "
           "mean ceiling of r %.4f\n", (long long)m, (long long)n, (long long)t, ml, mc);
    if (model_r) {
        if (enc_read_matrix(model_r, "--model-r", &M)) goto done;
        if (M.shape[0] * M.shape[1] != t) {
            cli_error("--model-r has %lld values for %lld targets", (long long)(M.shape[0] * M.shape[1]),
                      (long long)t);
            goto done;
        }
        /* Normalised scores are unstable where the ceiling is near 0:
         * average over targets whose ceiling is at least 0.1. */
        double s = 0.0;
        int64_t k = 0;
        for (int64_t j = 0; j < t; j++)
            if (ce[j] >= 0.1) {
                s += ((double *)M.data)[j] / ce[j];
                k++;
            }
        if (k) printf("model r / ceiling over %lld targets with ceiling >= 0.1: mean %.4f\n", (long long)k, s / (double)k);
        else printf("no target has a ceiling >= 0.1: no normalised score\n");
    }
    if (output) {
        const char *names[] = {"loo_r", "ceiling"};
        lacus_ndarray arrays[] = {{LACUS_F64, 2, {m, t}, loo}, {LACUS_F64, 1, {t}, ce}};
        if (enc_write_npz(output, 2, names, arrays)) goto done;
    }
    rc = 0;
done:
    lacus_ndarray_free(&S);
    lacus_ndarray_free(&M);
    free(loo);
    free(ce);
    return rc;
}

/* Test r and R^2 of X_te coef against Y_te (means over targets). */
static void test_scores(const double *X, const double *Y, int64_t n0, int64_t n, int64_t p, int64_t t,
                        const double *coef, double *mr, double *mr2)
{
    const int64_t nt = n - n0;
    double *P = calloc((size_t)(nt * t), sizeof(double)), *rr = malloc((size_t)t * sizeof(double)),
           *r2 = malloc((size_t)t * sizeof(double));
    *mr = *mr2 = NAN;
    if (P && rr && r2) {
        for (int64_t i = 0; i < nt; i++)
            for (int64_t f = 0; f < p; f++) {
                double x = X[(n0 + i) * p + f];
                for (int64_t j = 0; j < t; j++) P[i * t + j] += x * coef[f * t + j];
            }
        lacus_error err = {0};
        if (!lacus_encoding_scores(Y + n0 * t, P, nt, t, rr, r2, &err)) {
            *mr = *mr2 = 0.0;
            for (int64_t j = 0; j < t; j++) {
                *mr += rr[j] / (double)t;
                *mr2 += r2[j] / (double)t;
            }
        }
    }
    free(P);
    free(rr);
    free(r2);
}

int enc_banded(int argc, char **argv)
{
    const char *features = NULL, *bold = NULL, *bands = NULL, *solver = "both", *alphas_s = NULL, *output = NULL;
    int64_t n_iter = 100, hg_iter = 10, folds = 5, seed = 0, threads = 0;
    double test_fraction = 0.2;
    opt table[] = {
        {"features", OPT_STRING, &features, "features .npy: samples x p, the bands side by side (z-scored, delayed)"},
        {"bold", OPT_STRING, &bold, "targets .npy: samples x targets (z-scored)"},
        {"bands", OPT_STRING, &bands, "band sizes, comma-separated (sum = p)"},
        {"solver", OPT_STRING, &solver, "random | hypergrad | both (random search, then the gradient from its answer)"},
        {"iter", OPT_INT, &n_iter, "random search: candidate band weightings"},
        {"hg-iter", OPT_INT, &hg_iter, "hyper-gradient: outer iterations"},
        {"alphas", OPT_STRING, &alphas_s, "random search: logspace:LO:HI:N or a list (default logspace:-2:8:11)"},
        {"folds", OPT_INT, &folds, "contiguous CV folds of the training part"},
        {"test-fraction", OPT_DOUBLE, &test_fraction, "last fraction of the samples held out for test scores"},
        {"seed", OPT_INT, &seed, "random search seed"},
        {"output", OPT_STRING, &output, "results .npz (deltas: bands x targets, coef, test_r)"},
        {"threads", OPT_INT, &threads, "OpenMP threads (0: OMP_NUM_THREADS or all cores)"},
    };
    verb_spec v = {"encode banded", "--features X.npy --bands 6,20,4 --bold Y.npy [options]",
                   "Banded ridge: one penalty per feature space and per target, chosen by\n"
                   "random search on the simplex (himalaya's BandedRidgeCV) or learned by\n"
                   "hyper-gradient descent on the cross-validated loss (himalaya's\n"
                   "MultipleKernelRidgeCV(solver=\"hyper_gradient\")). Fits on the first part of\n"
                   "the samples, prints mean test r and R^2 on the rest for each solver.",
                   table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? 0 : 2;
    if (!features || !bold || !bands) return cli_error("encode banded: --features, --bold and --bands are required"), 2;
    int do_rs = !strcmp(solver, "random") || !strcmp(solver, "both");
    int do_hg = !strcmp(solver, "hypergrad") || !strcmp(solver, "both");
    if (!do_rs && !do_hg) return cli_error("--solver %s: random, hypergrad or both", solver), 2;
    if (n_iter < 1 || n_iter > 100000 || hg_iter < 1 || hg_iter > 100000 || folds < 2 || seed < 0)
        return cli_error("--iter, --hg-iter must be in [1, 100000], --folds >= 2, --seed >= 0"), 2;
    if (!(test_fraction > 0.0 && test_fraction < 0.9))
        return cli_error("--test-fraction %g: must be in (0, 0.9)", test_fraction), 2;
    int64_t bs[64];
    int nb = 0;
    if (enc_parse_ints("--bands", bands, bs, 64, &nb)) return 2;
    double al[256];
    int na = 0;
    if (alphas_s && enc_parse_alphas(alphas_s, al, 256, &na)) return 2;
    for (int a = 0; a < na; a++)
        if (al[a] == 0.0)
            return cli_error("--alphas: alpha 0 has no place in banded ridge (at alpha 0 every band "
                             "weighting gives the same least-squares fit)"), 2;
    if (threads < 0) return cli_error("--threads must be >= 0"), 2;
    if (threads) lacus_set_num_threads((int)threads);
    lacus_ndarray X = {0}, Y = {0};
    double *dl = NULL, *coef = NULL, *gam = NULL, *ba = NULL, *cvs = NULL;
    lacus_error err = {0};
    int rc = 1;
    if (enc_read_matrix(features, "--features", &X) || enc_read_matrix(bold, "--bold", &Y)) goto done;
    const int64_t n = X.shape[0], p = X.shape[1], t = Y.shape[1];
    int64_t psum = 0;
    for (int i = 0; i < nb; i++) {
        if (bs[i] < 1) {
            cli_error("--bands: size %lld of band %d must be >= 1", (long long)bs[i], i);
            goto done;
        }
        psum += bs[i];
    }
    if (psum != p) {
        cli_error("--bands sum to %lld but --features has %lld columns", (long long)psum, (long long)p);
        goto done;
    }
    if (Y.shape[0] != n) {
        cli_error("--features has %lld samples but --bold has %lld", (long long)n, (long long)Y.shape[0]);
        goto done;
    }
    const int64_t n0 = n - (int64_t)llround(test_fraction * (double)n);
    if (n0 < 2 * folds || n - n0 < 3) {
        cli_error("%lld training samples (of %lld, test fraction %g): too few for %lld folds", (long long)n0,
                  (long long)n, test_fraction, (long long)folds);
        goto done;
    }
    dl = malloc((size_t)(nb * t) * sizeof(double));
    coef = malloc((size_t)(p * t) * sizeof(double));
    gam = malloc((size_t)(nb * t) * sizeof(double));
    ba = malloc((size_t)t * sizeof(double));
    cvs = malloc((size_t)t * sizeof(double));
    if (!dl || !coef || !gam || !ba || !cvs) {
        cli_error("out of memory");
        goto done;
    }
    double mr = NAN, mr2 = NAN;
    if (do_rs) {
        lacus_ridgecv_params prm = lacus_ridgecv_params_default();
        prm.n_folds = folds;
        if (na) {
            prm.alphas = al;
            prm.n_alphas = na;
        }
        double t0 = cli_now();
        if (lacus_banded_ridgecv_fit(&prm, X.data, n0, bs, nb, NULL, n_iter, (uint64_t)seed, Y.data, t, ba, gam,
                                     cvs, coef, &err)) {
            cli_error("banded ridge (random search): %s", err.msg);
                goto done;
        }
        double secs = cli_now() - t0;
        /* delta_i = log(gamma_i / alpha): the hyper-gradient's variables. */
        for (int i = 0; i < nb; i++)
            for (int64_t j = 0; j < t; j++) dl[i * t + j] = log(fmax(gam[i * t + j], 1e-300) / ba[j]);
        test_scores(X.data, Y.data, n0, n, p, t, coef, &mr, &mr2);
        printf("random search (%lld candidates): %.2f s, test mean r %.4f, R^2 %.4f\n", (long long)n_iter, secs,
               mr, mr2);
    }
    if (do_hg) {
        lacus_hypergrad_params hp = lacus_hypergrad_params_default();
        hp.max_iter = hg_iter;
        hp.n_folds = folds;
        /* Deltas from the random search may be -inf for a band it switched
         * off (gamma = 0 does not occur: Dirichlet draws are > 0). */
        if (do_rs) hp.initial_deltas = dl;
        double t0 = cli_now();
        if (lacus_banded_ridge_hypergrad(&hp, X.data, n0, bs, nb, Y.data, t, dl, NULL, coef, &err)) {
            cli_error("banded ridge (hyper-gradient): %s", err.msg);
                goto done;
        }
        double secs = cli_now() - t0;
        test_scores(X.data, Y.data, n0, n, p, t, coef, &mr, &mr2);
        printf("hyper-gradient (%lld iterations%s): %.2f s, test mean r %.4f, R^2 %.4f\n", (long long)hg_iter,
               do_rs ? ", from the random search" : ", from delta = 0", secs, mr, mr2);
    }
    if (output) {
        const char *names[] = {"deltas", "coef"};
        lacus_ndarray arrays[] = {{LACUS_F64, 2, {nb, t}, dl}, {LACUS_F64, 2, {p, t}, coef}};
        if (enc_write_npz(output, 2, names, arrays)) goto done;
    }
    rc = 0;
done:
    lacus_ndarray_free(&X);
    lacus_ndarray_free(&Y);
    free(dl);
    free(coef);
    free(gam);
    free(ba);
    free(cvs);
    return rc;
}
