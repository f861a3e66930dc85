/* bench_present: sequence classification and preprocessing, lacus side.
 * The anchor (bench/anchor_present.py: ReservoirPy 0.4.2 + scikit-learn)
 * runs the same workloads on the same data in the same run (bench/run_present.sh).
 *
 *   bench_present classify N per_class [threads]
 *     synthetic vowels (lacus_vowels, 9 classes, 12-d, lengths 7-29;
 *     train seed 1 with per_class sequences per class, test seed 2 with 40
 *     per class), written to $BENCH_DIR/vowels_{train,test}_{x,y}.npz/.npy
 *     for the anchor; then for each mode (last, mean, vote) a classifier of
 *     N units (sr 0.9, lr 0.5, input scaling 0.5, ridge 1e-3) is created
 *     (untimed: weights and spectral radius), fitted and run on the test
 *     set (timed: fit_s, predict_s), and its held-out accuracy printed.
 *   bench_present scale rows cols [threads]
 *     z-score and min-max fit + transform of a (rows, cols) U(-1, 1) + 3
 *     matrix, fitted in chunks of 4096 rows (streaming), against the
 *     anchor's StandardScaler / MinMaxScaler fit + transform; GB/s counts
 *     the bytes read by fit plus those read and written by transform.
 *
 * Lines: "key=value" with impl=lacus, seconds, peak_mb and load1 (the
 * 1-minute load average: the machine is shared; see bench/README.md). */
#define BENCH_NAME "bench_present"
#include <string.h>

#include "bench_util.h"

static const char *dir(void)
{
    const char *d = getenv("BENCH_DIR");
    return d ? d : ".";
}

static void save_seqs(const char *name, const double *x, const int64_t *len, const int64_t *lab,
                      int64_t n)
{
    char path[1024];
    lacus_error err = {0};
    lacus_npz_writer *w = NULL;
    snprintf(path, sizeof path, "%s/%s_x.npz", dir(), name);
    if (lacus_npz_writer_open(path, 0, &w, &err)) die("npz", err.status, err.msg);
    for (int64_t i = 0, off = 0; i < n; off += len[i] * LACUS_VOWELS_DIMS, i++) {
        lacus_ndarray a = {LACUS_F64, 2, {len[i], LACUS_VOWELS_DIMS}, (void *)(x + off)};
        char key[32];
        snprintf(key, sizeof key, "arr_%06lld", (long long)i);
        if (lacus_npz_writer_add(w, key, &a, &err)) die("npz", err.status, err.msg);
    }
    if (lacus_npz_writer_commit(w, &err)) die("npz", err.status, err.msg);
    snprintf(path, sizeof path, "%s/%s_y.npy", dir(), name);
    lacus_ndarray y = {LACUS_I64, 1, {n}, (void *)lab};
    if (lacus_npy_write(path, &y, &err)) die("npy", err.status, err.msg);
}

typedef struct {
    double *x;
    int64_t *len, *lab, n;
    double **ptr;
    lacus_seqs s;
} set;

static void make_set(set *v, int64_t per, uint64_t seed, const char *name)
{
    lacus_vowels_params p = lacus_vowels_params_default();
    p.n_per_class = per;
    p.seed = seed;
    lacus_error err = {0};
    v->n = per * LACUS_VOWELS_CLASSES;
    v->len = xmalloc((size_t)v->n * sizeof *v->len);
    v->lab = xmalloc((size_t)v->n * sizeof *v->lab);
    v->ptr = xmalloc((size_t)v->n * sizeof *v->ptr);
    if (lacus_vowels_lengths(&p, v->len, &err)) die("vowels", err.status, err.msg);
    int64_t rows = 0;
    for (int64_t i = 0; i < v->n; i++) rows += v->len[i];
    v->x = xmalloc((size_t)(rows * LACUS_VOWELS_DIMS) * sizeof *v->x);
    if (lacus_vowels(&p, v->x, NULL, v->lab, &err)) die("vowels", err.status, err.msg);
    for (int64_t i = 0, off = 0; i < v->n; off += v->len[i] * LACUS_VOWELS_DIMS, i++) v->ptr[i] = v->x + off;
    v->s = (lacus_seqs){v->n, LACUS_VOWELS_DIMS, (const double *const *)v->ptr, v->len};
    save_seqs(name, v->x, v->len, v->lab, v->n);
}

static int bench_classify(int64_t N, int64_t per, int threads)
{
    set tr, te;
    make_set(&tr, per, 1, "vowels_train");
    make_set(&te, 40, 2, "vowels_test");
    int64_t *pred = xmalloc((size_t)te.n * sizeof *pred);
    for (int mode = 0; mode < 3; mode++) {
        lacus_classifier_params p = lacus_classifier_params_default();
        p.esn.reservoir.n_units = N;
        p.esn.reservoir.n_inputs = LACUS_VOWELS_DIMS;
        p.esn.reservoir.sr = 0.9;
        p.esn.reservoir.lr = 0.5;
        p.esn.reservoir.input_scaling = 0.5;
        p.esn.readout.ridge = 1e-3;
        p.mode = (lacus_classify_mode)mode;
        p.n_classes = LACUS_VOWELS_CLASSES;
        lacus_classifier *c = NULL;
        lacus_error err = {0};
        double t0 = now();
        if (lacus_classifier_create(&p, &c, &err)) die("create", err.status, err.msg);
        double t1 = now(), best_fit = 1e300, best_pred = 1e300;
        for (int rep = 0; rep < 3; rep++) { /* best of 3: short runs on a shared machine */
            double a = now();
            lacus_status st = lacus_classifier_fit(c, &tr.s, tr.lab);
            double b = now();
            if (st) die("fit", st, lacus_classifier_errmsg(c));
            if ((st = lacus_classifier_predict(c, &te.s, pred, NULL))) die("predict", st, lacus_classifier_errmsg(c));
            double d = now();
            best_fit = b - a < best_fit ? b - a : best_fit;
            best_pred = d - b < best_pred ? d - b : best_pred;
        }
        double acc = 0;
        lacus_accuracy(te.lab, pred, te.n, &acc, NULL);
        printf("workload=classify impl=lacus mode=%s N=%lld train=%lld test=%lld threads=%d init_s=%.4f "
               "fit_s=%.4f predict_s=%.4f accuracy=%.4f peak_mb=%.1f load1=%.2f\n",
               lacus_classify_mode_name((lacus_classify_mode)mode), (long long)N, (long long)tr.n,
               (long long)te.n, threads, t1 - t0, best_fit, best_pred, acc, peak_rss_mb(), load1());
        lacus_classifier_free(c);
    }
    free(pred);
    return 0;
}

static int bench_scale(int64_t R, int64_t C, int threads)
{
    double *x = xmalloc((size_t)(R * C) * sizeof *x), *y = xmalloc((size_t)(R * C) * sizeof *y);
    uint64_t s = 42;
    for (int64_t i = 0; i < R * C; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = 3.0 + 2.0 * ((double)(s >> 11) / 9007199254740992.0) - 1.0;
    }
    for (int kind = 0; kind < 2; kind++) {
        double best = 1e300, sum = 0;
        for (int rep = 0; rep < 3; rep++) {
            lacus_prep_params p = lacus_prep_params_default();
            p.kind = (lacus_prep_kind)kind;
            lacus_prep *n = NULL;
            lacus_error err = {0};
            if (lacus_prep_create(&p, &n, &err)) die("create", err.status, err.msg);
            double a = now();
            for (int64_t r = 0; r < R; r += 4096) {
                int64_t k = R - r < 4096 ? R - r : 4096;
                lacus_status st = lacus_prep_partial_fit(n, x + r * C, k, C, C);
                if (st) die("fit", st, lacus_prep_errmsg(n));
            }
            lacus_status st = lacus_prep_transform(n, x, R, C, y, C);
            double b = now();
            if (st) die("transform", st, lacus_prep_errmsg(n));
            best = b - a < best ? b - a : best;
            lacus_prep_free(n);
        }
        for (int64_t i = 0; i < R * C; i += 97) sum += y[i];
        double gb = 3.0 * (double)(R * C) * 8.0 / 1e9;
        printf("workload=scale impl=lacus kind=%s rows=%lld cols=%lld threads=%d seconds=%.4f GBps=%.2f "
               "checksum=%.6f peak_mb=%.1f load1=%.2f\n",
               kind ? "zscore" : "minmax", (long long)R, (long long)C, threads, best, gb / best, sum,
               peak_rss_mb(), load1());
    }
    /* the anchor reads the same matrix */
    char path[1024];
    snprintf(path, sizeof path, "%s/scale_x.npy", dir());
    lacus_ndarray a = {LACUS_F64, 2, {R, C}, x};
    lacus_error err = {0};
    if (lacus_npy_write(path, &a, &err)) die("npy", err.status, err.msg);
    free(x);
    free(y);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_present classify N per_class [threads] | scale rows cols [threads]\n");
        return 2;
    }
    int threads = argc > 4 ? (int)arg_int(argv[4], 1) : 2;
    set_threads(threads);
    if (!strcmp(argv[1], "classify")) return bench_classify(arg_int(argv[2], 1), arg_int(argv[3], 1), threads);
    if (!strcmp(argv[1], "scale")) return bench_scale(arg_int(argv[2], 1), arg_int(argv[3], 1), threads);
    fprintf(stderr, BENCH_NAME ": unknown workload %s\n", argv[1]);
    return 2;
}
