/* Forward-Forward units inside a reservoir on the 8x8 digits read as
 * sequences: each image is 8 steps of 8 pixels (one row per step, pixels
 * scaled to [0, 1]), every sequence from the zero state. The effect of the
 * FF options on the downstream readout, over several seeds:
 *
 *   esn            the same reservoir (same seed: same W, Win, bias) with
 *                  learning off;
 *   shuffle/unit   FF units, negatives = the image's rows in shuffled order,
 *                  per-unit goodness (the default);
 *   shuffle/layer  ... the paper's layer goodness;
 *   free/unit      negatives = the network's own next-row predictions
 *                  (a generator learned online, lacus_ff_negatives FREE);
 *   free/layer     both options.
 *
 * FF learns over the training images once (`epochs` passes), then the
 * weights are frozen; the features of an image are its 8 states
 * concatenated (8 N); a ridge readout onto one-hot labels, its
 * regularisation chosen on the last 20% of the training images and refitted
 * on all of them; the class is the argmax. Split and baseline: the
 * fixture's (scikit-learn 1.5.2, tests/ref/make_learn2_fixtures.py).
 *
 *   bench_ff_seq_digits FIXTURE.npz [units] [seeds] [epochs]   (100, 5, 1)
 *
 * Lines: one per seed and model (test accuracy, FF training time), then
 * one per model with the mean and sample standard deviation over seeds. */
#include <math.h>
#include <string.h>

#define BENCH_NAME "bench_ff_seq_digits"
#include "bench_util.h"

enum { ROWS = 8, COLS = 8, CLASSES = 10, MAXSEEDS = 32 };

/* Ridge (n_features F) from rows [0, n) of X onto one-hot Y. */
static lacus_ridge *fit_ridge(const double *X, int64_t F, const double *Y, int64_t n, double beta)
{
    lacus_ridge_params rp = lacus_ridge_params_default();
    rp.n_features = F, rp.n_outputs = CLASSES, rp.ridge = beta;
    lacus_ridge *r = NULL;
    lacus_error err = {0};
    lacus_status st = lacus_ridge_create(&rp, &r, &err);
    if (st) die("ridge", st, err.msg);
    if ((st = lacus_ridge_partial_fit(r, X, F, Y, CLASSES, n)) || (st = lacus_ridge_solve(r)))
        die("ridge fit", st, lacus_ridge_errmsg(r));
    return r;
}

static double accuracy(const lacus_ridge *r, const double *X, int64_t F, const int *lab, int64_t n,
                       double *pred)
{
    lacus_status st = lacus_ridge_predict(r, X, F, n, pred, CLASSES);
    if (st) die("predict", st, "ridge predict");
    int64_t ok = 0;
    for (int64_t i = 0; i < n; i++) {
        int best = 0;
        for (int c = 1; c < CLASSES; c++)
            if (pred[i * CLASSES + c] > pred[i * CLASSES + best]) best = c;
        ok += best == lab[i];
    }
    return (double)ok / (double)n;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_ff_seq_digits FIXTURE.npz [units] [seeds] [epochs]\n");
        return 2;
    }
    int64_t N = argc > 2 ? arg_int(argv[2], 10) : 100, seeds = argc > 3 ? arg_int(argv[3], 1) : 5,
            epochs = argc > 4 ? arg_int(argv[4], 1) : 1;
    if (seeds > MAXSEEDS) seeds = MAXSEEDS;
    set_threads(1); /* small N: the serial path; the numbers do not depend on it */
    lacus_npz *z = NULL;
    lacus_error err = {0};
    lacus_status st = lacus_npz_open(argv[1], &z, &err);
    if (st) die("fixture", st, err.msg);
    lacus_ndarray xtr = npz_get_f64(z, "x_train"), xte = npz_get_f64(z, "x_test"), ytr = npz_get_f64(z, "y_train"),
                  yte = npz_get_f64(z, "y_test"), lacc = npz_get_f64(z, "logreg_acc");
    int64_t ntr = xtr.shape[0], nte = xte.shape[0], n = ntr + nte;
    if (xtr.shape[1] != ROWS * COLS) die("fixture", LACUS_ERR_SHAPE, "x_train must have 64 columns");
    /* all images, train then test, pixels / max (the fixture keeps 0..16) */
    double *U = xmalloc(sizeof(double) * (size_t)(n * ROWS * COLS)), mx = 0.0;
    memcpy(U, xtr.data, sizeof(double) * (size_t)(ntr * 64));
    memcpy(U + ntr * 64, xte.data, sizeof(double) * (size_t)(nte * 64));
    for (int64_t i = 0; i < n * 64; i++) mx = U[i] > mx ? U[i] : mx;
    for (int64_t i = 0; i < n * 64; i++) U[i] /= mx > 0.0 ? mx : 1.0;
    int *lab = xmalloc(sizeof(int) * (size_t)n);
    for (int64_t i = 0; i < ntr; i++) lab[i] = (int)((double *)ytr.data)[i];
    for (int64_t i = 0; i < nte; i++) lab[ntr + i] = (int)((double *)yte.data)[i];
    const int64_t F = ROWS * N;
    double *X = xmalloc(sizeof(double) * (size_t)(n * F)), *Y = xmalloc(sizeof(double) * (size_t)(ntr * CLASSES));
    double *pred = xmalloc(sizeof(double) * (size_t)(n * CLASSES));
    memset(Y, 0, sizeof(double) * (size_t)(ntr * CLASSES));
    for (int64_t i = 0; i < ntr; i++) Y[i * CLASSES + lab[i]] = 1.0;

    struct { const char *name; int learn; lacus_ff_negatives neg; lacus_ff_goodness_kind good; } cfg[] = {
        {"esn", 0, LACUS_FF_NEG_SHUFFLE, LACUS_FF_GOOD_UNIT},
        {"shuffle/unit", 1, LACUS_FF_NEG_SHUFFLE, LACUS_FF_GOOD_UNIT},
        {"shuffle/layer", 1, LACUS_FF_NEG_SHUFFLE, LACUS_FF_GOOD_LAYER},
        {"free/unit", 1, LACUS_FF_NEG_FREE, LACUS_FF_GOOD_UNIT},
        {"free/layer", 1, LACUS_FF_NEG_FREE, LACUS_FF_GOOD_LAYER},
    };
    enum { NCFG = sizeof cfg / sizeof *cfg };
    static double acc[NCFG][MAXSEEDS];
    printf("# %s: digits 8x8 as 8 steps x 8 pixels, train %lld, test %lld, N = %lld FF units, "
           "%lld epoch(s), features 8 states (%lld), seeds %lld, load1=%.2f\n", BENCH_NAME,
           (long long)ntr, (long long)nte, (long long)N, (long long)epochs, (long long)F,
           (long long)seeds, load1());
    for (int64_t s = 0; s < seeds; s++) {
        for (int k = 0; k < NCFG; k++) {
            lacus_localres_params p = lacus_localres_params_default();
            p.res.n_units = N, p.res.n_inputs = COLS;
            p.res.sr = 0.9, p.res.lr = 0.5, p.res.input_scaling = 1.0;
            p.res.rc_connectivity = N > 20 ? 20.0 / (double)N : 1.0;
            p.res.input_connectivity = 1.0;
            p.res.seed = 42 + (uint64_t)s;
            p.n_pops = 1, p.pops[0].n_units = 0, p.pops[0].rule = LACUS_RULE_FF;
            p.ff_negatives = cfg[k].neg, p.ff_goodness = cfg[k].good;
            lacus_localres *m = NULL;
            if ((st = lacus_localres_create(&p, &m, &err))) die("localres", st, err.msg);
            double t0 = now();
            for (int64_t e = 0; cfg[k].learn && e < epochs; e++)
                for (int64_t i = 0; i < ntr; i++)
                    if ((st = lacus_localres_run(m, U + i * 64, ROWS, 1, 1, NULL, NULL, NULL)))
                        die("learn", st, lacus_localres_errmsg(m));
            double train_s = now() - t0;
            for (int64_t i = 0; i < n; i++)
                if ((st = lacus_localres_run(m, U + i * 64, ROWS, 0, 1, X + i * F, NULL, NULL)))
                    die("features", st, lacus_localres_errmsg(m));
            lacus_localres_free(m);
            /* regularisation on the last 20% of the training images */
            int64_t nfit = ntr * 4 / 5;
            double best = -1.0, beta = 1e-6;
            for (double b = 1e-6; b <= 1e2 * 1.01; b *= 100.0) {
                lacus_ridge *r = fit_ridge(X, F, Y, nfit, b);
                double a = accuracy(r, X + nfit * F, F, lab + nfit, ntr - nfit, pred);
                lacus_ridge_free(r);
                if (a > best) best = a, beta = b;
            }
            lacus_ridge *r = fit_ridge(X, F, Y, ntr, beta);
            acc[k][s] = accuracy(r, X + ntr * F, F, lab + ntr, nte, pred);
            lacus_ridge_free(r);
            printf("ff_seq_digits seed=%lld model=%s test_acc=%.4f ridge=%g ff_train_s=%.2f load1=%.2f\n",
                   (long long)(42 + s), cfg[k].name, acc[k][s], beta, train_s, load1());
            fflush(stdout);
        }
    }
    for (int k = 0; k < NCFG; k++) {
        double m = 0.0, v = 0.0;
        for (int64_t s = 0; s < seeds; s++) m += acc[k][s] / (double)seeds;
        for (int64_t s = 0; s < seeds; s++) v += (acc[k][s] - m) * (acc[k][s] - m);
        v = seeds > 1 ? sqrt(v / (double)(seeds - 1)) : 0.0;
        printf("ff_seq_digits_summary model=%s seeds=%lld test_acc_mean=%.4f sd=%.4f\n", cfg[k].name,
               (long long)seeds, m, v);
    }
    printf("# logistic regression on the raw pixels (fixture, scikit-learn 1.5.2): %.4f; peak_mb=%.1f "
           "load1=%.2f\n", ((double *)lacc.data)[0], peak_rss_mb(), load1());
    free(U), free(lab), free(X), free(Y), free(pred);
    lacus_ndarray *all[] = {&xtr, &xte, &ytr, &yte, &lacc};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) lacus_ndarray_free(all[k]);
    lacus_npz_close(z);
    return 0;
}
