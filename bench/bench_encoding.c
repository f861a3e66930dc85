/* bench_encoding: per-target ridge CV (lacus_ridgecv_fit) and kernel ridge
 * CV at the sizes, with GFLOP/s, peak memory and load, and the
 * agreement of the chosen alphas with himalaya's when its output is given.
 *
 *   bench_encoding ridge|kernel N P T [--data DIR] [--threads K] [--f32]
 *   bench_encoding refit N P T [--threads K]
 *   bench_encoding scan N P T [--threads K] [--f32]
 *   bench_encoding ridge N P T --stages [...]
 *   bench_encoding banded N BANDS T [--n-iter K] [--threads K] [--f32]
 *
 * banded: the banded random search (n_iter candidates, default 20) fold by
 * fold and through the shared X^T Y, back to back on the same data (bands
 * e.g. 40,120,20), with the chosen (gamma, alpha), scores and coefficients
 * compared.
 *
 * --stages (ridge): measures this run's dgemm and sgemm peak (square
 * products of order 2000, best of 3) and prints, after the fit's line, one
 * line per stage of the fit (fold decompositions, X^T Y, projection, the
 * alpha-scaled test designs, the predictions of every alpha, the scores,
 * the refit) with its GFLOP, GFLOP/s and fraction of the same-run peak of
 * its precision, and the share of the fit's time it took.
 *
 * --data DIR reads DIR/X.npy (N x P) and DIR/Y.npy (N x T) written by
 * bench/anchor_himalaya.py and compares with DIR/alphas.npy; without it the
 * data are generated here (X Gaussian, Y = X B * s_j + noise with the
 * signal scale s_j log-uniform, so the chosen alphas spread). 10 alphas
 * logspace(-2, 7), 5 contiguous folds, as the anchor. --f32: the CV scan in
 * float32 (lacus_ridgecv_params.scan_f32). */
#define BENCH_NAME "bench_encoding"
#include <math.h>
#include <string.h>

#include "bench_util.h"
#include "brain/ridgecv_impl.h"
#include "core/rng.h"

/* The primal CV scan alone, both routes on the same data: fold by fold
 * (SVD, U^T Y_tr) and through X^T Y (ridgecv_gram.c). X Gaussian, Y as in
 * main(), 10 alphas, 5 contiguous folds. Each route runs twice,
 * interleaved; the smaller wall and CPU times of each are kept (CPU time
 * is steadier than wall time on a shared machine). */
static int bench_scan(int64_t n, int64_t p, int64_t t, int f32)
{
    double *X = xmalloc((size_t)(n * p) * sizeof(double)), *Y = xmalloc((size_t)(n * t) * sizeof(double));
    double *s[2] = {xmalloc((size_t)(10 * t) * sizeof(double)), xmalloc((size_t)(10 * t) * sizeof(double))};
    lacus__rng r;
    lacus__rng_seed(&r, 3);
    for (int64_t i = 0; i < n * p; i++) X[i] = lacus__rng_normal(&r);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < t; j++)
            Y[i * t + j] = X[i * p + j % p] * 0.1 * (double)(j % 7) + lacus__rng_normal(&r);
    double alphas[10];
    for (int a = 0; a < 10; a++) alphas[a] = pow(10.0, -2.0 + a);
    int64_t *fold = xmalloc((size_t)n * sizeof(int64_t));
    for (int64_t i = 0; i < n; i++) fold[i] = i * 5 / n;
    lacus_ridgecv_params prm = lacus_ridgecv_params_default();
    prm.scan_f32 = f32;
    lacus__design D = {X, NULL, n, p, 0, 0, NULL};
    if (!lacus__gram_route(&D, fold, 5, 1)) {
        fprintf(stderr, BENCH_NAME ": the X^T Y route does not apply at these sizes\n");
        return 1;
    }
    double wall[2] = {INFINITY, INFINITY}, cpu[2] = {INFINITY, INFINITY};
    for (int rep = 0; rep < 2; rep++)
        for (int g = 0; g < 2; g++) {
            lacus_error err = {0};
            int used = 1;
            double w0 = now(), c0 = cpu_now();
            lacus_status st = g ? lacus__ridgecv_scan_gram(&D, Y, t, fold, 5, alphas, 10, &prm, s[1],
                                                           NULL, NULL, NULL, &used, &err)
                                : lacus__ridgecv_scan(&D, Y, t, fold, 5, alphas, 10, &prm, s[0], &err);
            if (st) die("scan", st, err.msg);
            if (!used) die("scan", LACUS_ERR_NUMERIC, "X^T Y route declined");
            wall[g] = fmin(wall[g], now() - w0);
            cpu[g] = fmin(cpu[g], cpu_now() - c0);
        }
    double d = 0.0, m = 0.0;
    for (int64_t i = 0; i < 10 * t; i++) {
        d = fmax(d, fabs(s[0][i] - s[1][i]));
        m = fmax(m, fabs(s[0][i]));
    }
    printf("scan kind=ridge%s N=%lld P=%lld T=%lld alphas=10 folds=5 threads=%d svd_route_s=%.3f "
           "xty_route_s=%.3f speedup=%.2fx svd_route_cpu_s=%.3f xty_route_cpu_s=%.3f cpu_ratio=%.2fx "
           "max_score_diff_rel=%.1e load1=%.2f\n",
           f32 ? " scan=f32" : " scan=f64", (long long)n, (long long)p, (long long)t,
           lacus_get_num_threads(), wall[0], wall[1], wall[0] / wall[1], cpu[0], cpu[1],
           cpu[0] / cpu[1], d / m, load1());
    free(X);
    free(Y);
    free(s[0]);
    free(s[1]);
    free(fold);
    return 0;
}

/* The kernel ridge refit alone, both routes on the same data: Cholesky per
 * distinct alpha (the default) and the eigendecomposition of K. X (n x p)
 * Gaussian, K = X X^T, Y Gaussian, target j gets alpha 10^(j mod 10 - 2).
 * Each route runs twice, interleaved, and the faster run of each is kept
 * (the machine is shared). */
static int bench_refit(int64_t n, int64_t p, int64_t t)
{
    double *X = xmalloc((size_t)(n * p) * sizeof(double)), *K = xmalloc((size_t)(n * n) * sizeof(double));
    double *Y = xmalloc((size_t)(n * t) * sizeof(double)), *ta = xmalloc((size_t)t * sizeof(double));
    double *w[2] = {xmalloc((size_t)(n * t) * sizeof(double)), xmalloc((size_t)(n * t) * sizeof(double))};
    lacus__rng r;
    lacus__rng_seed(&r, 2);
    for (int64_t i = 0; i < n * p; i++) X[i] = lacus__rng_normal(&r);
    for (int64_t i = 0; i < n * t; i++) Y[i] = lacus__rng_normal(&r);
    for (int64_t j = 0; j < t; j++) ta[j] = pow(10.0, (double)(j % 10) - 2.0);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)n, (int)p, 1.0, X, (int)p, X,
                (int)p, 0.0, K, (int)n);
    lacus_ridgecv_params prm = lacus_ridgecv_params_default();
    double best[2] = {INFINITY, INFINITY};
    for (int rep = 0; rep < 2; rep++)
        for (int e = 0; e < 2; e++) {
            lacus__design D = {NULL, K, n, n, 1, e, NULL};
            lacus_error err = {0};
            double t0 = now();
            lacus_status st = lacus__ridge_refit(&D, Y, t, ta, &prm, w[e], &err);
            if (st) die("refit", st, err.msg);
            best[e] = fmin(best[e], now() - t0);
        }
    /* Largest difference of a target's weights relative to their norm. */
    double d = 0.0;
    for (int64_t j = 0; j < t; j++) {
        double dd = 0.0, nn = 0.0;
        for (int64_t i = 0; i < n; i++) {
            dd += (w[0][i * t + j] - w[1][i * t + j]) * (w[0][i * t + j] - w[1][i * t + j]);
            nn += w[1][i * t + j] * w[1][i * t + j];
        }
        d = fmax(d, sqrt(dd / fmax(nn, 1e-300)));
    }
    /* Flop models: Cholesky 10 n^3/3 + 2 n^2 t; eigen 9 n^3 + 4 n^2 t. */
    double fc = 10.0 * n * n * n / 3 + 2.0 * n * n * t, fe = 9.0 * n * n * n + 4.0 * n * n * t;
    printf("refit kind=kernel N=%lld T=%lld alphas=10 threads=%d chol_s=%.3f eigen_s=%.3f "
           "speedup=%.2fx chol_gflops=%.1f eigen_gflops=%.1f max_norm_rel_diff=%.1e peak_mb=%.0f "
           "load1=%.2f\n",
           (long long)n, (long long)t, lacus_get_num_threads(), best[0], best[1], best[1] / best[0],
           fc / best[0] * 1e-9, fe / best[1] * 1e-9, d, peak_rss_mb(), load1());
    free(X);
    free(K);
    free(Y);
    free(ta);
    free(w[0]);
    free(w[1]);
    return 0;
}

static void print_stages(const lacus__prof *pf, double fit_s, double dpeak, double speak,
                         const char *tag);
static void gemm_peaks(double *dpeak, double *speak);

/* The banded random search, both routes on the same data and candidates:
 * every candidate fold by fold (SVD, U^T Y_tr) and through the shared
 * X^T Y (banded.c). Data from lacus_simulate_banded; 10 alphas, 5
 * contiguous folds, n_iter Dirichlet candidates. Each route runs twice,
 * interleaved; the smaller wall and CPU times are kept. */
static int bench_banded(int64_t n, const char *bands, int64_t t, int64_t n_iter, int f32, int stages)
{
    int64_t sizes[16], nb = 0, p = 0;
    for (const char *q = bands; *q && nb < 16;) {
        char *end;
        sizes[nb] = strtoll(q, &end, 10);
        if (end == q || sizes[nb] < 1) {
            fprintf(stderr, BENCH_NAME ": bands \"%s\": expected sizes like 40,120,20\n", bands);
            return 2;
        }
        p += sizes[nb++];
        q = *end == ',' ? end + 1 : end;
    }
    double *X = xmalloc((size_t)(n * p) * sizeof(double)), *Y = xmalloc((size_t)(n * t) * sizeof(double));
    lacus_error err = {0};
    lacus_status st = lacus_simulate_banded(n, sizes, nb, t, 0.3, 2.0, 3, X, Y, NULL, &err);
    if (st) die("simulate", st, err.msg);
    double alphas[10];
    for (int a = 0; a < 10; a++) alphas[a] = pow(10.0, -2.0 + a);
    lacus_ridgecv_params prm = lacus_ridgecv_params_default();
    prm.alphas = alphas;
    prm.n_alphas = 10;
    prm.scan_f32 = f32;
    double *ba[2], *bg[2], *cs[2], *cf[2];
    for (int r = 0; r < 2; r++) {
        ba[r] = xmalloc((size_t)t * sizeof(double));
        bg[r] = xmalloc((size_t)(nb * t) * sizeof(double));
        cs[r] = xmalloc((size_t)t * sizeof(double));
        cf[r] = xmalloc((size_t)(p * t) * sizeof(double));
    }
    double wall[2] = {INFINITY, INFINITY}, cpu[2] = {INFINITY, INFINITY};
    int64_t n_xty = 0;
    /* Stage timers of each route's last run (--stages). */
    lacus__prof prof[2];
    double dpeak = 0.0, speak = 0.0;
    if (stages) gemm_peaks(&dpeak, &speak);
    for (int rep = 0; rep < 2; rep++)
        for (int r = 0; r < 2; r++) {
            memset(&prof[r], 0, sizeof prof[r]);
            double w0 = now(), c0 = cpu_now();
            int64_t used = 0;
            st = lacus__banded_ridgecv_fit_ex(&prm, X, n, sizes, nb, NULL, n_iter, 5, Y, t, ba[r],
                                              bg[r], cs[r], cf[r],
                                              r ? LACUS__BANDED_AUTO : LACUS__BANDED_SVD, &used,
                                              stages ? &prof[r] : NULL, &err);
            if (st) die("banded", st, err.msg);
            if (r) n_xty = used;
            wall[r] = fmin(wall[r], now() - w0);
            cpu[r] = fmin(cpu[r], cpu_now() - c0);
            if (rep == 1 && stages) print_stages(&prof[r], now() - w0, dpeak, speak, r ? "route=xty" : "route=svd");
        }
    int64_t same = 0;
    for (int64_t j = 0; j < t; j++) {
        int ok = ba[0][j] == ba[1][j];
        for (int64_t b = 0; b < nb; b++) ok &= bg[0][b * t + j] == bg[1][b * t + j];
        same += ok;
    }
    double ds = 0.0, sm = 0.0, dc = 0.0, cm = 0.0;
    for (int64_t j = 0; j < t; j++) {
        ds = fmax(ds, fabs(cs[0][j] - cs[1][j]));
        sm = fmax(sm, fabs(cs[0][j]));
    }
    for (int64_t i = 0; i < p * t; i++) {
        dc = fmax(dc, fabs(cf[0][i] - cf[1][i]));
        cm = fmax(cm, fabs(cf[0][i]));
    }
    /* Flop models of the scans (refits and decompositions left out): per
     * candidate and fold, fold by fold 2 p n_tr t (U^T Y_tr) + 2 na n_te p t
     * (predictions); through X^T Y 2 p^2 t + the same predictions, and
     * 4 p n t once (X^T Y and the folds' X_te^T Y_te). Candidates that
     * declined the route (ill-conditioned) count at the fold-by-fold cost. */
    double ntr = n - n / 5.0, nte = n / 5.0, pred = 5 * 2 * 10 * nte * p * (double)t;
    double svd_c = 5 * 2 * p * ntr * (double)t + pred, xty_c = 5 * 2.0 * p * p * (double)t + pred;
    double f_svd = (double)n_iter * svd_c;
    double f_xty = 4.0 * p * n * (double)t + (double)n_xty * xty_c + (double)(n_iter - n_xty) * svd_c;
    printf("banded N=%lld bands=%s P=%lld T=%lld n_iter=%lld alphas=10 folds=5 scan=%s threads=%d "
           "xty_candidates=%lld svd_route_s=%.3f xty_route_s=%.3f speedup=%.2fx svd_route_cpu_s=%.3f "
           "xty_route_cpu_s=%.3f cpu_ratio=%.2fx svd_gflop=%.1f xty_gflop=%.1f same_choice=%.4f "
           "cv_score_diff_rel=%.1e coef_diff_rel=%.1e peak_mb=%.0f load1=%.2f\n",
           (long long)n, bands, (long long)p, (long long)t, (long long)n_iter, f32 ? "f32" : "f64",
           lacus_get_num_threads(), (long long)n_xty, wall[0], wall[1], wall[0] / wall[1], cpu[0],
           cpu[1], cpu[0] / cpu[1], f_svd * 1e-9, f_xty * 1e-9, (double)same / (double)t,
           ds / fmax(sm, 1e-300), dc / fmax(cm, 1e-300), peak_rss_mb(), load1());
    for (int r = 0; r < 2; r++) {
        free(ba[r]);
        free(bg[r]);
        free(cs[r]);
        free(cf[r]);
    }
    free(X);
    free(Y);
    return 0;
}

/* Same-run BLAS peak: the best of 3 square products of order 2000. */
static void gemm_peaks(double *dpeak, double *speak)
{
    const int m = 2000;
    double *A = xmalloc((size_t)m * m * sizeof(double)), *B = xmalloc((size_t)m * m * sizeof(double));
    double *C = xmalloc((size_t)m * m * sizeof(double));
    float *Af = xmalloc((size_t)m * m * sizeof(float)), *Bf = xmalloc((size_t)m * m * sizeof(float));
    float *Cf = xmalloc((size_t)m * m * sizeof(float));
    lacus__rng r;
    lacus__rng_seed(&r, 9);
    for (int64_t i = 0; i < (int64_t)m * m; i++) {
        A[i] = lacus__rng_normal(&r);
        B[i] = lacus__rng_normal(&r);
        Af[i] = (float)A[i];
        Bf[i] = (float)B[i];
    }
    double bd = INFINITY, bs = INFINITY;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, m, m, 1.0, A, m, B, m, 0.0, C, m);
        bd = fmin(bd, now() - t0);
        t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, m, m, 1.0f, Af, m, Bf, m, 0.0f, Cf, m);
        bs = fmin(bs, now() - t0);
    }
    double fl = 2.0 * m * (double)m * m;
    *dpeak = fl / bd * 1e-9;
    *speak = fl / bs * 1e-9;
    free(A);
    free(B);
    free(C);
    free(Af);
    free(Bf);
    free(Cf);
}

static void print_stages(const lacus__prof *pf, double fit_s, double dpeak, double speak,
                         const char *tag)
{
    static const char *names[LACUS__NST] = {"decomp", "xty", "proj", "design", "pred", "score",
                                            "refit"};
    double sum = 0.0;
    for (int st = 0; st < LACUS__NST; st++) {
        sum += pf->sec[st];
        double g = pf->sec[st] > 0 ? pf->flop[st] / pf->sec[st] * 1e-9 : 0.0;
        double peak = pf->f32[st] ? speak : dpeak;
        /* Elementwise stages (design, score) are memory-bound loops, not
         * BLAS: no fraction of the gemm peak. The decompositions' flops are
         * estimates (ridgecv.c). */
        char frac[32] = "-";
        if (st != LACUS__ST_DESIGN && st != LACUS__ST_SCORE)
            snprintf(frac, sizeof frac, "%.3f", g / peak);
        printf("stage %s name=%s prec=%s gflop=%.1f seconds=%.3f gflops=%.1f peak_gflops=%.1f "
               "peak_frac=%s share=%.3f\n",
               tag, names[st], pf->f32[st] ? "f32" : "f64", pf->flop[st] * 1e-9, pf->sec[st], g,
               peak, frac, pf->sec[st] / fit_s);
    }
    printf("stage %s name=other seconds=%.3f share=%.3f dgemm_peak=%.1f sgemm_peak=%.1f load1=%.2f\n",
           tag, fit_s - sum, (fit_s - sum) / fit_s, dpeak, speak, load1());
}

static void load(const char *dir, const char *name, lacus_ndarray *a)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    lacus_error err = {0};
    lacus_status st = lacus_npy_read_matrix(path, a, &err);
    if (st) die(path, st, err.msg);
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: bench_encoding ridge|kernel|refit|scan N P T [--data DIR] [--threads K] [--f32] [--stages]\n"
                        "       bench_encoding banded N BANDS T [--n-iter K] [--threads K] [--f32] [--stages]\n");
        return 2;
    }
    const char *kind = argv[1], *dir = NULL;
    if (!strcmp(kind, "banded")) {
        int64_t n_iter = 20;
        int f32b = 0, stb = 0;
        for (int i = 5; i < argc; i++) {
            if (!strcmp(argv[i], "--f32")) f32b = 1;
            else if (!strcmp(argv[i], "--stages")) stb = 1;
            else if (i + 1 < argc && !strcmp(argv[i], "--n-iter")) n_iter = arg_int(argv[++i], 1);
            else if (i + 1 < argc && !strcmp(argv[i], "--threads")) set_threads((int)arg_int(argv[++i], 1));
        }
        return bench_banded(arg_int(argv[2], 10), argv[3], arg_int(argv[4], 1), n_iter, f32b, stb);
    }
    int64_t n = arg_int(argv[2], 10), p = arg_int(argv[3], 1), t = arg_int(argv[4], 1);
    int threads = 0, f32 = 0, stages = 0;
    for (int i = 5; i < argc; i++) {
        if (!strcmp(argv[i], "--f32")) f32 = 1;
        else if (!strcmp(argv[i], "--stages")) stages = 1;
        else if (i + 1 < argc && !strcmp(argv[i], "--data")) dir = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--threads")) threads = (int)arg_int(argv[++i], 1);
    }
    if (threads) set_threads(threads);
    if (!strcmp(kind, "refit")) return bench_refit(n, p, t);
    if (!strcmp(kind, "scan")) return bench_scan(n, p, t, f32);
    int is_kernel = !strcmp(kind, "kernel");
    lacus_ndarray Xa = {0}, Ya = {0};
    double *X, *Y;
    if (dir) {
        load(dir, "X.npy", &Xa);
        load(dir, "Y.npy", &Ya);
        if (Xa.shape[0] != n || Xa.shape[1] != p || Ya.shape[0] != n || Ya.shape[1] != t) {
            fprintf(stderr, BENCH_NAME ": %s holds other sizes\n", dir);
            return 1;
        }
        X = Xa.data;
        Y = Ya.data;
    } else {
        X = xmalloc((size_t)(n * p) * sizeof(double));
        Y = xmalloc((size_t)(n * t) * sizeof(double));
        lacus__rng r;
        lacus__rng_seed(&r, 1);
        for (int64_t i = 0; i < n * p; i++) X[i] = lacus__rng_normal(&r);
        int64_t q = p < 50 ? p : 50; /* Y from the first 50 features, cheap */
        double *B = xmalloc((size_t)(q * t) * sizeof(double)), *s = xmalloc((size_t)t * sizeof(double));
        for (int64_t i = 0; i < q * t; i++) B[i] = lacus__rng_normal(&r) / sqrt((double)q);
        for (int64_t j = 0; j < t; j++) s[j] = pow(10.0, -1.5 + 2.5 * lacus__rng_uniform(&r));
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)t, (int)q, 1.0, X,
                    (int)p, B, (int)t, 0.0, Y, (int)t);
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < t; j++) Y[i * t + j] = Y[i * t + j] * s[j] + lacus__rng_normal(&r);
        free(B);
        free(s);
    }
    double alphas[10];
    for (int a = 0; a < 10; a++) alphas[a] = pow(10.0, -2.0 + a);
    lacus_ridgecv_params prm = lacus_ridgecv_params_default();
    prm.alphas = alphas;
    prm.n_alphas = 10;
    prm.n_folds = 5;
    prm.scan_f32 = f32;
    double dpeak = 0.0, speak = 0.0;
    lacus__prof prof;
    memset(&prof, 0, sizeof prof);
    if (stages) gemm_peaks(&dpeak, &speak);
    double *best = xmalloc((size_t)t * sizeof(double));
    double *coef = xmalloc((size_t)((is_kernel ? n : p) * t) * sizeof(double));
    lacus_error err = {0};
    double mem0 = peak_rss_mb(), t0 = now();
    lacus_status st;
    double *K = NULL;
    if (is_kernel) {
        /* KernelRidgeCV(kernel="linear") on X: the kernel X X^T is part of
         * the timed work, as in himalaya. */
        K = xmalloc((size_t)(n * n) * sizeof(double));
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)n, (int)p, 1.0, X, (int)p, 0.0, K,
                    (int)n);
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < i; j++) K[i * n + j] = K[j * n + i];
        st = lacus_kernel_ridgecv_fit(&prm, K, n, Y, t, best, NULL, NULL, coef, &err);
    } else if (stages) {
        st = lacus__ridgecv_fit_prof(&prm, X, n, p, Y, t, best, NULL, NULL, coef, &prof, &err);
    } else {
        st = lacus_ridgecv_fit(&prm, X, n, p, Y, t, best, NULL, NULL, coef, &err);
    }
    double secs = now() - t0;
    if (st) die("fit", st, err.msg);
    /* Distinct alphas chosen: the data must exercise the selection. */
    int used[10] = {0}, distinct = 0;
    for (int64_t j = 0; j < t; j++)
        for (int a = 0; a < 10; a++)
            if (best[j] == alphas[a]) used[a] = 1;
    for (int a = 0; a < 10; a++) distinct += used[a];
    /* Flop model of the lacus algorithm (multiply-add = 2), per fold the
     * cheaper of the projection (2 k n_tr t + 2 na n_te k t) and the
     * resolution matrices (2 na n_te k n_tr + 2 na n_te n_tr t); the refit
     * 2 k n t + 2 p k t, or for the kernel by Cholesky n^3/3 per distinct
     * alpha + 2 n^2 t; the kernel X X^T. Other decompositions not counted. */
    double ntr = n - n / 5.0, nte = n / 5.0, k = is_kernel ? ntr : fmin(ntr, (double)p);
    double proj = 2 * k * ntr * t + 10 * 2 * nte * k * t;
    double res = 10 * 2 * nte * k * ntr + 10 * 2 * nte * ntr * t;
    double flops = 5 * fmin(proj, res);
    double kf = is_kernel ? n : fmin((double)n, (double)p);
    if (is_kernel)
        flops += (double)n * n * p + distinct * (double)n * n * n / 3 + 2.0 * n * n * t;
    else
        flops += 2 * kf * n * t + 2 * kf * p * t;
    /* Through X^T Y (ridgecv_gram.c, the primal when n_te + p < n_tr):
     * X^T Y once, per fold Vt (X^T Y - G_f) and the predictions, a refit
     * of 4 p^2 t. */
    if (!is_kernel && nte + p < ntr)
        flops = 2.0 * p * n * t + 5 * (2.0 * p * p * t + 10 * 2 * nte * p * t) + 4.0 * p * p * t;
    int64_t agree = -1;
    if (dir) {
        char path[4096];
        snprintf(path, sizeof path, "%s/alphas.npy", dir);
        lacus_ndarray A = {0};
        if (!lacus_npy_read_matrix(path, &A, &err) && A.shape[0] == t) {
            agree = 0;
            for (int64_t j = 0; j < t; j++)
                agree += fabs(((double *)A.data)[j] - best[j]) <= 1e-6 * best[j];
        }
        lacus_ndarray_free(&A);
    }
    printf("encoding kind=%s%s N=%lld P=%lld T=%lld alphas=10 folds=5 threads=%d lacus_s=%.3f "
           "gflops=%.1f peak_mb=%.0f data_mb=%.0f distinct_alphas=%d",
           kind, f32 ? " scan=f32" : " scan=f64", (long long)n, (long long)p, (long long)t, lacus_get_num_threads(), secs,
           flops / secs * 1e-9, peak_rss_mb(), mem0, distinct);
    if (agree >= 0)
        printf(" same_alpha_as_himalaya=%.4f", (double)agree / (double)t);
    printf(" load1=%.2f\n", load1());
    if (stages && !is_kernel) print_stages(&prof, secs, dpeak, speak, f32 ? "scan=f32" : "scan=f64");
    free(best);
    free(coef);
    free(K);
    if (dir) {
        lacus_ndarray_free(&Xa);
        lacus_ndarray_free(&Ya);
    } else {
        free(X);
        free(Y);
    }
    return 0;
}
