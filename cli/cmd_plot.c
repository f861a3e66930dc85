/* lacus plot KIND: run outputs (.npy/.npz/.csv) to PNG through the shared
 * gnuplot module (src/core/plot.h; the only internal header the command
 * uses, since plotting is a reporting service, not part of the library's
 * API). Kinds: truth (truth vs prediction, generation horizon), states
 * (traces of the first units), errors (per-layer or per-output error bars),
 * spectrum (eigenvalues of W in the complex plane, power spectrum of a
 * signal), confusion (matrix image). Inputs are checked before anything is
 * drawn: a missing file, a wrong shape or a NaN is an error naming the file,
 * and no PNG appears (the module writes atomically). */
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "core/plot.h"

#define MAX_PANELS 6

typedef struct {
    const char *out, *title;
    int64_t width, height;
} fig_opts;

#define FIG_OPTS(f)                                                          \
    {"output", OPT_STRING, &(f).out, "PNG file to write (required)"},        \
    {"width", OPT_INT, &(f).width, "width in pixels"},                       \
    {"height", OPT_INT, &(f).height, "height in pixels"},                    \
    {"title", OPT_STRING, &(f).title, "figure title (default: none)"}

static int check_fig(const fig_opts *f)
{
    if (!f->out) return cli_error("plot: --output is required"), 2;
    if (f->width < 100 || f->width > 10000 || f->height < 100 || f->height > 10000)
        return cli_error("plot: --width %lld --height %lld: each must be in [100, 10000]",
                         (long long)f->width, (long long)f->height), 2;
    return 0;
}

/* Reads a 2-D matrix (1-D -> one column) from .npy or .csv, all finite. */
static int load_matrix(const char *path, const char *what, lacus_ndarray *a)
{
    lacus_error err = {0};
    memset(a, 0, sizeof *a);
    if (!path) return cli_error("plot: %s is required", what), -1;
    size_t n = strlen(path);
    int csv = n > 4 && (!strcmp(path + n - 4, ".csv") || !strcmp(path + n - 4, ".txt"));
    lacus_status st = csv ? lacus_csv_read(path, 0, a, &err) : lacus_npy_read_matrix(path, a, &err);
    if (!st && csv && a->ndim == 1) { /* one column */
        a->ndim = 2;
        a->shape[1] = 1;
    }
    if (st) return cli_error("%s: %s", what, err.msg), -1;
    if (a->shape[0] < 1 || a->shape[1] < 1) {
        cli_error("%s: %s is empty", what, path);
        lacus_ndarray_free(a);
        return -1;
    }
    const double *v = a->data;
    for (int64_t i = 0; i < a->shape[0] * a->shape[1]; i++)
        if (!isfinite(v[i])) {
            cli_error("%s: %s has a non-finite value (%g) at row %lld, column %lld", what, path, v[i],
                      (long long)(i / a->shape[1]), (long long)(i % a->shape[1]));
            lacus_ndarray_free(a);
            return -1;
        }
    return 0;
}

static int finish(lacus__plot *p, const fig_opts *f)
{
    lacus_error err = {0};
    if (lacus__plot_close(p, &err)) return cli_error("plot: %s", err.msg), 1;
    printf("wrote %s (%lldx%lld)\n", f->out, (long long)f->width, (long long)f->height);
    return 0;
}

static int open_fig(lacus__plot **p, const fig_opts *f, int rows, int cols)
{
    lacus_error err = {0};
    if (lacus__plot_open(p, f->out, (int)f->width, (int)f->height, rows, cols, f->title, &err))
        return cli_error("plot: %s", err.msg), -1;
    return 0;
}

/* One column of a row-major (T, C) matrix. */
static void column(const lacus_ndarray *a, int64_t j, double *dst)
{
    const double *v = a->data;
    for (int64_t t = 0; t < a->shape[0]; t++) dst[t] = v[t * a->shape[1] + j];
}

static int plot_truth(int argc, char **argv, fig_opts *f)
{
    const char *truth = NULL, *pred = NULL;
    int64_t horizon = -1, cols = 4, steps = 0;
    opt table[] = {
        FIG_OPTS(*f),
        {"truth", OPT_STRING, &truth, "true values (T, outputs) .npy/.csv (required)"},
        {"pred", OPT_STRING, &pred, "predictions, same shape (required)"},
        {"horizon", OPT_INT, &horizon, "step where closed-loop generation starts (a vertical marker; -1: none)"},
        {"columns", OPT_INT, &cols, "plot at most this many output columns, one panel each (1..6)"},
        {"steps", OPT_INT, &steps, "only the first T steps (0: all)"},
    };
    verb_spec v = {"plot truth", "--truth Y.npy --pred P.npy --output fig.png [--horizon K]",
                   "Truth vs prediction, one panel per output column.", table,
                   (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? 0 : 2;
    if ((r = check_fig(f))) return r;
    if (cols < 1 || cols > MAX_PANELS) return cli_error("plot: --columns %lld: must be in [1, %d]", (long long)cols, MAX_PANELS), 2;
    if (steps < 0) return cli_error("plot: --steps %lld: must be >= 0", (long long)steps), 2;
    lacus_ndarray Y, P;
    if (load_matrix(truth, "--truth", &Y)) return 1;
    if (load_matrix(pred, "--pred", &P)) {
        lacus_ndarray_free(&Y);
        return 1;
    }
    int rc = 1;
    double *a = NULL, *b = NULL;
    lacus__plot *p = NULL;
    if (P.shape[0] != Y.shape[0] || P.shape[1] != Y.shape[1]) {
        cli_error("plot truth: --truth is (%lld, %lld) but --pred is (%lld, %lld): shapes must agree",
                  (long long)Y.shape[0], (long long)Y.shape[1], (long long)P.shape[0], (long long)P.shape[1]);
        goto done;
    }
    const int64_t T = steps && steps < Y.shape[0] ? steps : Y.shape[0];
    if (horizon >= T || horizon < -1) {
        cli_error("plot truth: --horizon %lld: must be -1 or in [0, %lld)", (long long)horizon, (long long)T);
        goto done;
    }
    int64_t np = Y.shape[1] < cols ? Y.shape[1] : cols;
    a = malloc((size_t)Y.shape[0] * sizeof *a); /* column() copies every row */
    b = malloc((size_t)Y.shape[0] * sizeof *b);
    if (!a || !b) {
        cli_error("out of memory");
        goto done;
    }
    if (open_fig(&p, f, (int)np, 1)) goto done;
    for (int64_t j = 0; j < np; j++) {
        char ttl[64], yl[32];
        snprintf(ttl, sizeof ttl, "output %lld", (long long)j);
        snprintf(yl, sizeof yl, "y[%lld]", (long long)j);
        lacus__plot_panel(p, np > 1 ? ttl : NULL, j == np - 1 ? "step" : NULL, yl);
        column(&Y, j, a);
        column(&P, j, b);
        lacus__plot_series(p, LACUS__PLOT_LINES, NULL, a, NULL, T, "truth");
        lacus__plot_series(p, LACUS__PLOT_LINES, NULL, b, NULL, T, "prediction");
        if (horizon >= 0) {
            double lo = a[0], hi = a[0];
            for (int64_t t = 0; t < T; t++) {
                lo = fmin(lo, fmin(a[t], b[t]));
                hi = fmax(hi, fmax(a[t], b[t]));
            }
            double hx[2] = {(double)horizon, (double)horizon}, hy[2] = {lo, hi};
            lacus__plot_series(p, LACUS__PLOT_LINES, hx, hy, NULL, 2, j == 0 ? "generation starts" : NULL);
        }
    }
    rc = finish(p, f);
    p = NULL;
done:
    lacus__plot_free(p);
    free(a);
    free(b);
    lacus_ndarray_free(&Y);
    lacus_ndarray_free(&P);
    return rc;
}

/* States of a model's reservoir on an input sequence, from a zero state:
 * *out (T, N) malloc'd. Returns 0, or 1 after printing the error. */
static int run_states(const char *model, const char *input, double **out, int64_t *T, int64_t *N)
{
    lacus_error err = {0};
    lacus_esn *m = NULL;
    lacus_ndarray U;
    *out = NULL;
    if (lacus_esn_load(model, &m, &err)) return cli_error("--model: %s", err.msg), 1;
    if (load_matrix(input, "--input", &U)) {
        lacus_esn_free(m);
        return 1;
    }
    lacus_reservoir *r = lacus_esn_reservoir(m);
    int rc = 1;
    *T = U.shape[0];
    *N = lacus_reservoir_n_units(r);
    if (U.shape[1] != lacus_reservoir_n_inputs(r))
        cli_error("--input has %lld columns, the reservoir of %s reads %lld", (long long)U.shape[1],
                  model, (long long)lacus_reservoir_n_inputs(r));
    else if (!(*out = malloc((size_t)(*T * *N) * sizeof **out)))
        cli_error("out of memory for %lld x %lld states", (long long)*T, (long long)*N);
    else if (lacus_reservoir_run(r, U.data, *T, 1, *out))
        cli_error("plot states: %s", lacus_reservoir_errmsg(r));
    else
        rc = 0;
    if (rc) {
        free(*out);
        *out = NULL;
    }
    lacus_ndarray_free(&U);
    lacus_esn_free(m);
    return rc;
}

static int plot_states(int argc, char **argv, fig_opts *f)
{
    const char *states = NULL, *model = NULL, *input = NULL;
    int64_t units = 8, steps = 0;
    opt table[] = {
        FIG_OPTS(*f),
        {"states", OPT_STRING, &states, "reservoir states (T, units) .npy"},
        {"model", OPT_STRING, &model, "or: a model (.npz) whose reservoir runs on --input"},
        {"input", OPT_STRING, &input, "with --model: one input sequence (T, inputs) .npy/.csv"},
        {"units", OPT_INT, &units, "traces of the first k units (1..64)"},
        {"steps", OPT_INT, &steps, "only the first T steps (0: all)"},
    };
    verb_spec v = {"plot states", "--states S.npy | --model M.npz --input U.npy --output fig.png [--units 8]",
                   "Traces of the first units of a state matrix, or of a model's reservoir run on an\n"
                   "input sequence from a zero state.", table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? 0 : 2;
    if ((r = check_fig(f))) return r;
    if (units < 1 || units > 64) return cli_error("plot: --units %lld: must be in [1, 64]", (long long)units), 2;
    if (steps < 0) return cli_error("plot: --steps %lld: must be >= 0", (long long)steps), 2;
    if (!states == !model || (model && !input) || (input && !model))
        return cli_error("plot states: give --states, or --model with --input"), 2;
    lacus_ndarray S = {0};
    double *run = NULL, *data;
    int64_t rows, cols;
    if (states) {
        if (load_matrix(states, "--states", &S)) return 1;
        data = S.data, rows = S.shape[0], cols = S.shape[1];
    } else {
        if (run_states(model, input, &run, &rows, &cols)) return 1;
        data = run;
    }
    int64_t T = steps && steps < rows ? steps : rows;
    int64_t k = units < cols ? units : cols;
    double *a = malloc((size_t)T * sizeof *a);
    lacus__plot *p = NULL;
    int rc = 1;
    if (!a) cli_error("out of memory");
    else if (!open_fig(&p, f, 1, 1)) {
        char ttl[64];
        snprintf(ttl, sizeof ttl, "first %lld of %lld units", (long long)k, (long long)cols);
        lacus__plot_panel(p, ttl, "step", "x");
        for (int64_t j = 0; j < k; j++) {
            for (int64_t t = 0; t < T; t++) a[t] = data[t * cols + j];
            char lab[32];
            snprintf(lab, sizeof lab, "unit %lld", (long long)j);
            lacus__plot_series(p, LACUS__PLOT_LINES, NULL, a, NULL, T, k <= 10 ? lab : NULL);
        }
        rc = finish(p, f);
    }
    free(a);
    free(run);
    lacus_ndarray_free(&S);
    return rc;
}

static int plot_errors(int argc, char **argv, fig_opts *f)
{
    const char *input = NULL, *xlabel = "layer", *ylabel = "error";
    int logy = 0;
    opt table[] = {
        FIG_OPTS(*f),
        {"input", OPT_STRING, &input, "errors (L, 1) = values, or (L, 2) = value and +- error, .npy/.csv (required)"},
        {"xlabel", OPT_STRING, &xlabel, "x axis label (the index runs 1..L)"},
        {"ylabel", OPT_STRING, &ylabel, "y axis label"},
        {"log", OPT_FLAG, &logy, "logarithmic y axis (values must be > 0)"},
    };
    verb_spec v = {"plot errors", "--input errors.csv --output fig.png",
                   "Per-layer (or per-output) errors as bars, or points with error bars.", table,
                   (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? 0 : 2;
    if ((r = check_fig(f))) return r;
    lacus_ndarray E;
    if (load_matrix(input, "--input", &E)) return 1;
    const int64_t L = E.shape[0], C = E.shape[1];
    int rc = 1;
    double *x = malloc((size_t)L * sizeof *x), *y = malloc((size_t)L * sizeof *y),
           *e = malloc((size_t)L * sizeof *e);
    lacus__plot *p = NULL;
    if (C > 2) {
        cli_error("plot errors: %s has %lld columns: expected 1 (values) or 2 (value, error)", input,
                  (long long)C);
        goto done;
    }
    if (!x || !y || !e) {
        cli_error("out of memory");
        goto done;
    }
    for (int64_t i = 0; i < L; i++) {
        x[i] = (double)(i + 1);
        y[i] = ((double *)E.data)[i * C];
        e[i] = C == 2 ? ((double *)E.data)[i * C + 1] : 0.0;
        if (C == 2 && e[i] < 0) {
            cli_error("plot errors: %s: error bar at row %lld is negative (%g)", input, (long long)i, e[i]);
            goto done;
        }
        if (logy && y[i] <= 0) {
            cli_error("plot errors: --log needs values > 0; row %lld is %g", (long long)i, y[i]);
            goto done;
        }
    }
    if (open_fig(&p, f, 1, 1)) goto done;
    lacus__plot_panel(p, NULL, xlabel, ylabel);
    lacus__plot_log(p, 0, logy);
    lacus__plot_xrange(p, 0.5, (double)L + 0.5);
    lacus__plot_series(p, C == 2 ? LACUS__PLOT_ERRORBARS : LACUS__PLOT_BARS, x, y, e, L, NULL);
    rc = finish(p, f);
    p = NULL;
done:
    lacus__plot_free(p);
    free(x);
    free(y);
    free(e);
    lacus_ndarray_free(&E);
    return rc;
}

/* Eigenvalues of the model's recurrent W (dense LAPACK dgeev). */
static int model_eigenvalues(const char *path, double **re, double **im, int64_t *n)
{
    lacus_error err = {0};
    lacus_esn *m = NULL;
    if (lacus_esn_load(path, &m, &err)) return cli_error("--model: %s", err.msg), -1;
    lacus_reservoir *r = lacus_esn_reservoir(m);
    int64_t N = lacus_reservoir_n_units(r);
    if (N > 4000) {
        lacus_esn_free(m);
        return cli_error("--model: %lld units: the dense eigenvalue plot is limited to 4000", (long long)N), -1;
    }
    double *W = malloc((size_t)(N * N) * sizeof *W);
    *re = malloc((size_t)N * sizeof **re);
    *im = malloc((size_t)N * sizeof **im);
    int rc = -1;
    if (!W || !*re || !*im) cli_error("out of memory for a %lld x %lld matrix", (long long)N, (long long)N);
    else if (lacus_reservoir_get_W(r, W)) cli_error("--model: %s", lacus_reservoir_errmsg(r));
    else if (LAPACKE_dgeev(LAPACK_ROW_MAJOR, 'N', 'N', (lapack_int)N, W, (lapack_int)N, *re, *im,
                           NULL, 1, NULL, 1) != 0)
        cli_error("--model: the eigenvalue solver (LAPACK dgeev) did not converge");
    else rc = 0;
    free(W);
    lacus_esn_free(m);
    if (rc) {
        free(*re);
        free(*im);
        *re = *im = NULL;
    }
    *n = N;
    return rc;
}

/* Welch power spectrum of one column: Hann-windowed segments of `seg`
 * samples, half overlapping, averaged; frequencies in cycles per step. A
 * direct DFT per segment (seg^2 / 2 multiply-adds, about 33k for 256): FFTW
 * is optional in this build and the plot needs only a few hundred bins. */
static void welch(const double *x, int64_t T, int64_t seg, double *freq, double *pow_out)
{
    const double two_pi = 6.283185307179586;
    int64_t nb = seg / 2 + 1, nseg = 0;
    for (int64_t k = 0; k < nb; k++) freq[k] = (double)k / (double)seg, pow_out[k] = 0.0;
    for (int64_t s0 = 0; s0 + seg <= T; s0 += seg / 2, nseg++) {
        double mean = 0.0;
        for (int64_t t = 0; t < seg; t++) mean += x[s0 + t];
        mean /= (double)seg;
        for (int64_t k = 0; k < nb; k++) {
            double re = 0.0, im = 0.0;
            for (int64_t t = 0; t < seg; t++) {
                double w = 0.5 - 0.5 * cos(two_pi * (double)t / (double)(seg - 1));
                double v = w * (x[s0 + t] - mean);
                re += v * cos(two_pi * (double)(k * t % seg) / (double)seg);
                im -= v * sin(two_pi * (double)(k * t % seg) / (double)seg);
            }
            pow_out[k] += re * re + im * im;
        }
    }
    for (int64_t k = 0; k < nb; k++) pow_out[k] = pow_out[k] / (double)nseg + 1e-300;
}

static int plot_spectrum(int argc, char **argv, fig_opts *f)
{
    const char *model = NULL, *signal = NULL;
    int64_t seg = 256;
    opt table[] = {
        FIG_OPTS(*f),
        {"model", OPT_STRING, &model, "ESN model (.npz): eigenvalues of W in the complex plane"},
        {"signal", OPT_STRING, &signal, "signal (T, channels) .npy/.csv: Welch power spectrum (first 4 channels)"},
        {"segment", OPT_INT, &seg, "Welch segment length (8..4096; T must be >= it)"},
    };
    verb_spec v = {"plot spectrum", "--model model.npz | --signal x.npy --output fig.png",
                   "Eigenvalues of a model's W (with the unit circle and the spectral radius), and/or\n"
                   "the power spectrum of a signal. Give one or both.", table,
                   (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? 0 : 2;
    if ((r = check_fig(f))) return r;
    if (!model && !signal) return cli_error("plot spectrum: give --model, --signal or both"), 2;
    if (seg < 8 || seg > 4096) return cli_error("plot spectrum: --segment %lld: must be in [8, 4096]", (long long)seg), 2;
    double *re = NULL, *im = NULL, *fr = NULL, *pw = NULL, *col = NULL;
    int64_t N = 0;
    lacus_ndarray X = {0};
    lacus__plot *p = NULL;
    int rc = 1;
    if (model && model_eigenvalues(model, &re, &im, &N)) goto done;
    if (signal) {
        if (load_matrix(signal, "--signal", &X)) goto done;
        if (X.shape[0] < seg) {
            cli_error("plot spectrum: %s has %lld steps, fewer than --segment %lld", signal,
                      (long long)X.shape[0], (long long)seg);
            goto done;
        }
        fr = malloc((size_t)(seg / 2 + 1) * sizeof *fr);
        pw = malloc((size_t)(seg / 2 + 1) * sizeof *pw);
        col = malloc((size_t)X.shape[0] * sizeof *col);
        if (!fr || !pw || !col) {
            cli_error("out of memory");
            goto done;
        }
    }
    if (open_fig(&p, f, 1, model && signal ? 2 : 1)) goto done;
    if (model) {
        double rho = 0.0;
        for (int64_t i = 0; i < N; i++) rho = fmax(rho, hypot(re[i], im[i]));
        char ttl[96];
        snprintf(ttl, sizeof ttl, "eigenvalues of W (N = %lld, radius %.4g)", (long long)N, rho);
        lacus__plot_panel(p, ttl, "Re", "Im");
        double cx[129], cy[129], lim = fmax(1.05, 1.05 * rho);
        for (int k = 0; k <= 128; k++) {
            cx[k] = cos(6.283185307179586 * k / 128.0);
            cy[k] = sin(6.283185307179586 * k / 128.0);
        }
        lacus__plot_xrange(p, -lim, lim);
        lacus__plot_yrange(p, -lim, lim);
        lacus__plot_series(p, LACUS__PLOT_LINES, cx, cy, NULL, 129, "unit circle");
        lacus__plot_series(p, LACUS__PLOT_POINTS, re, im, NULL, N, "eigenvalues");
    }
    if (signal) {
        lacus__plot_panel(p, "power spectrum (Welch, Hann)", "frequency (cycles/step)", "power");
        lacus__plot_log(p, 0, 1);
        int64_t nch = X.shape[1] < 4 ? X.shape[1] : 4;
        for (int64_t j = 0; j < nch; j++) {
            column(&X, j, col);
            welch(col, X.shape[0], seg, fr, pw);
            char lab[32];
            snprintf(lab, sizeof lab, "channel %lld", (long long)j);
            lacus__plot_series(p, LACUS__PLOT_LINES, fr, pw, NULL, seg / 2 + 1, lab);
        }
    }
    rc = finish(p, f);
    p = NULL;
done:
    lacus__plot_free(p);
    free(re);
    free(im);
    free(fr);
    free(pw);
    free(col);
    lacus_ndarray_free(&X);
    return rc;
}

static int plot_confusion(int argc, char **argv, fig_opts *f)
{
    const char *input = NULL;
    int normalize = 0;
    opt table[] = {
        FIG_OPTS(*f),
        {"input", OPT_STRING, &input, "confusion matrix (C, C) .npy (from lacus classify), rows = true class (required)"},
        {"normalize", OPT_FLAG, &normalize, "divide each row by its total (recall per class)"},
    };
    verb_spec v = {"plot confusion", "--input C.npy --output fig.png [--normalize]",
                   "A confusion matrix as an image (row 0 at the top).", table,
                   (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? 0 : 2;
    if ((r = check_fig(f))) return r;
    lacus_ndarray M;
    if (load_matrix(input, "--input", &M)) return 1;
    int rc = 1;
    const int64_t C = M.shape[0];
    double *z = M.data, zmax = 0.0;
    lacus__plot *p = NULL;
    if (M.shape[1] != C || C < 2) {
        cli_error("plot confusion: %s is (%lld, %lld): expected a square matrix, at least 2 x 2", input,
                  (long long)C, (long long)M.shape[1]);
        goto done;
    }
    for (int64_t i = 0; i < C; i++) {
        double tot = 0.0;
        for (int64_t j = 0; j < C; j++) {
            if (z[i * C + j] < 0) {
                cli_error("plot confusion: %s: entry (%lld, %lld) is negative", input, (long long)i, (long long)j);
                goto done;
            }
            tot += z[i * C + j];
        }
        for (int64_t j = 0; normalize && tot > 0 && j < C; j++) z[i * C + j] /= tot;
        for (int64_t j = 0; j < C; j++) zmax = fmax(zmax, z[i * C + j]);
    }
    if (open_fig(&p, f, 1, 1)) goto done;
    lacus__plot_panel(p, normalize ? "confusion (row-normalised)" : "confusion (counts)",
                      "predicted class", "true class");
    lacus__plot_image(p, z, C, C, 0.0, zmax > 0 ? zmax : 1.0, "viridis");
    rc = finish(p, f);
    p = NULL;
done:
    lacus__plot_free(p);
    lacus_ndarray_free(&M);
    return rc;
}

int cmd_plot(int argc, char **argv)
{
    const char *kind = argc >= 3 ? argv[2] : "";
    fig_opts f = {NULL, NULL, 900, 600};
    if (!strcmp(kind, "truth")) return plot_truth(argc, argv, &f);
    if (!strcmp(kind, "states")) return plot_states(argc, argv, &f);
    if (!strcmp(kind, "errors")) return plot_errors(argc, argv, &f);
    if (!strcmp(kind, "spectrum")) return plot_spectrum(argc, argv, &f);
    if (!strcmp(kind, "confusion")) return plot_confusion(argc, argv, &f);
    FILE *o = !strcmp(kind, "--help") || !strcmp(kind, "-h") ? stdout : stderr;
    fprintf(o, "usage: lacus plot KIND --output fig.png [options]  (lacus plot KIND --help)\n"
               "  truth      truth vs prediction (--horizon K marks where generation starts)\n"
               "  states     traces of the first units of a state matrix (or of a model run on an input)\n"
               "  errors     per-layer / per-output errors (bars or error bars)\n"
               "  spectrum   eigenvalues of a model's W, power spectrum of a signal\n"
               "  confusion  a confusion matrix as an image\n"
               "PNG through gnuplot (Debian package gnuplot-nox).\n");
    if (o == stdout) return 0;
    if (*kind) cli_error("plot: unknown kind \"%s\"", kind);
    return 2;
}
