#include "common.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One write per message: stderr is unbuffered, and under mpirun the ranks
 * share it, so a message written in pieces interleaves with other ranks'. */
void cli_error(const char *fmt, ...)
{
    static const char prefix[] = "lacus: error: ";
    char buf[4096];
    memcpy(buf, prefix, sizeof prefix - 1);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + sizeof prefix - 1, sizeof buf - sizeof prefix, fmt, ap);
    va_end(ap);
    size_t len = sizeof prefix - 1 + (n < 0 ? 0 : (size_t)n < sizeof buf - sizeof prefix
                                                   ? (size_t)n : sizeof buf - sizeof prefix - 1);
    buf[len++] = '\n';
    fwrite(buf, 1, len, stderr);
}

int cli_json_integer(const cJSON *v, int64_t *out)
{
    if (!cJSON_IsNumber(v)) return 0;
    double d = v->valuedouble, max = 9007199254740992.0; /* 2^53 */
    if (!(d >= -max && d <= max) || d != floor(d)) return 0;
    *out = (int64_t)d;
    return 1;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Appends one array to the set, taking ownership. */
static int push_array(cli_seqs *out, lacus_ndarray *a)
{
    lacus_ndarray *grown = realloc(out->arrays, (size_t)(out->n_arrays + 1) * sizeof *grown);
    if (!grown) return cli_error("out of memory"), -1;
    out->arrays = grown;
    out->arrays[out->n_arrays++] = *a;
    memset(a, 0, sizeof *a);
    return 0;
}

static int load_one(const char *path, const char *what, cli_seqs *out)
{
    lacus_error err = {0};
    if (ends_with(path, ".npz")) {
        lacus_npz *z = NULL;
        if (lacus_npz_open(path, &z, &err)) return cli_error("%s: %s", what, err.msg), -1;
        for (int64_t i = 0; i < lacus_npz_count(z); i++) {
            lacus_ndarray a = {0};
            if (lacus_npz_read(z, lacus_npz_name(z, i), &a, &err) || lacus_ndarray_to_f64(&a, &err)) {
                cli_error("%s: %s", what, err.msg);
                lacus_npz_close(z);
                return -1;
            }
            if (push_array(out, &a)) {
                lacus_ndarray_free(&a);
                lacus_npz_close(z);
                return -1;
            }
        }
        lacus_npz_close(z);
        return 0;
    }
    lacus_ndarray a = {0};
    lacus_status st = ends_with(path, ".csv") || ends_with(path, ".tsv") || ends_with(path, ".txt")
                          ? lacus_csv_read(path, 0, &a, &err)
                          : lacus_npy_read(path, &a, &err);
    if (!st) st = lacus_ndarray_to_f64(&a, &err);
    if (st) return cli_error("%s: %s", what, err.msg), -1;
    if (push_array(out, &a)) {
        lacus_ndarray_free(&a);
        return -1;
    }
    return 0;
}

/* Turns the loaded arrays into sequence pointers: 1-D -> (n, 1), 2-D as
 * is, 3-D -> one sequence per leading index. */
static int index_sequences(cli_seqs *out, const char *what)
{
    int64_t n_seqs = 0, F = -1;
    for (int i = 0; i < out->n_arrays; i++) {
        const lacus_ndarray *a = &out->arrays[i];
        if (a->ndim < 1 || a->ndim > 3)
            return cli_error("%s: array %d has %d dimensions: expected 1, 2 or 3", what, i, a->ndim), -1;
        int64_t f = a->ndim == 1 ? 1 : a->shape[a->ndim - 1];
        if (F >= 0 && f != F)
            return cli_error("%s: sequences have %lld and %lld features: all must agree", what,
                             (long long)F, (long long)f), -1;
        F = f;
        n_seqs += a->ndim == 3 ? a->shape[0] : 1;
    }
    if (n_seqs == 0) return cli_error("%s: no sequences given", what), -1;
    out->ptrs = calloc((size_t)n_seqs, sizeof *out->ptrs);
    out->steps = calloc((size_t)n_seqs, sizeof *out->steps);
    if (!out->ptrs || !out->steps) return cli_error("out of memory"), -1;
    int64_t k = 0;
    for (int i = 0; i < out->n_arrays; i++) {
        const lacus_ndarray *a = &out->arrays[i];
        int64_t reps = a->ndim == 3 ? a->shape[0] : 1, T = a->ndim == 3 ? a->shape[1] : a->shape[0];
        for (int64_t r = 0; r < reps; r++, k++) {
            out->ptrs[k] = (double *)a->data + r * T * F;
            out->steps[k] = T;
            if (T < 1) return cli_error("%s: sequence %lld is empty (0 steps)", what, (long long)k), -1;
        }
    }
    out->s.n_seqs = n_seqs;
    out->s.n_features = F;
    out->s.data = (const double *const *)out->ptrs;
    out->s.n_steps = out->steps;
    return 0;
}

int cli_seqs_load(const opt_list *paths, const char *what, cli_seqs *out)
{
    memset(out, 0, sizeof *out);
    if (paths->n == 0) return cli_error("%s: no file given", what), -1;
    int rc = 0;
    for (int i = 0; i < paths->n && rc == 0; i++) rc = load_one(paths->items[i], what, out);
    if (rc == 0) rc = index_sequences(out, what);
    if (rc) cli_seqs_free(out); /* on failure the caller has nothing to free */
    return rc;
}

void cli_seqs_free(cli_seqs *s)
{
    for (int i = 0; i < s->n_arrays; i++) lacus_ndarray_free(&s->arrays[i]);
    free(s->arrays);
    free(s->ptrs);
    free(s->steps);
    memset(s, 0, sizeof *s);
}

int cli_write_seqs(const char *path, double *const *data, const int64_t *steps, int64_t n_seqs,
                   int64_t n_features)
{
    lacus_error err = {0};
    int equal = 1;
    for (int64_t i = 1; i < n_seqs; i++) equal &= steps[i] == steps[0];
    if (!ends_with(path, ".npz") && equal) {
        lacus_ndarray a = {0};
        a.dtype = LACUS_F64;
        double *buf = NULL;
        if (n_seqs == 1) {
            a.ndim = 2;
            a.shape[0] = steps[0];
            a.shape[1] = n_features;
            a.data = data[0];
        } else {
            size_t one = (size_t)(steps[0] * n_features);
            buf = malloc((size_t)n_seqs * one * sizeof *buf);
            if (!buf) return cli_error("out of memory"), -1;
            for (int64_t i = 0; i < n_seqs; i++) memcpy(buf + i * one, data[i], one * sizeof *buf);
            a.ndim = 3;
            a.shape[0] = n_seqs;
            a.shape[1] = steps[0];
            a.shape[2] = n_features;
            a.data = buf;
        }
        lacus_status st = lacus_npy_write(path, &a, &err);
        free(buf);
        if (st) return cli_error("%s", err.msg), -1;
        return 0;
    }
    if (!ends_with(path, ".npz"))
        return cli_error("%s: sequences have different lengths: write them to an .npz", path), -1;
    lacus_npz_writer *w = NULL;
    if (lacus_npz_writer_open(path, 0, &w, &err)) return cli_error("%s", err.msg), -1;
    for (int64_t i = 0; i < n_seqs; i++) {
        lacus_ndarray a = {0};
        a.dtype = LACUS_F64;
        a.ndim = 2;
        a.shape[0] = steps[i];
        a.shape[1] = n_features;
        a.data = data[i];
        char name[32];
        snprintf(name, sizeof name, "arr_%lld", (long long)i);
        if (lacus_npz_writer_add(w, name, &a, &err)) {
            lacus_npz_writer_abort(w);
            return cli_error("%s", err.msg), -1;
        }
    }
    if (lacus_npz_writer_commit(w, &err)) return cli_error("%s", err.msg), -1;
    return 0;
}

void cli_progress_init(cli_progress *p, const char *label)
{
    p->label = label;
    p->t0 = cli_now();
    p->last = 0.0;
    p->enabled = isatty(STDERR_FILENO);
}

void cli_progress_cb(double fraction, void *user)
{
    cli_progress *p = user;
    if (!p->enabled) return;
    double now = cli_now();
    if (now - p->last < 0.1 && fraction < 1.0) return;
    p->last = now;
    double el = now - p->t0, eta = fraction > 0 ? el * (1.0 - fraction) / fraction : 0.0;
    int w = 30, fill = (int)(fraction * w + 0.5);
    fprintf(stderr, "\r%s [%.*s%*s] %5.1f%%  %.1fs elapsed, ETA %.1fs ", p->label, fill,
            "##############################", w - fill, "", 100.0 * fraction, el, eta);
    fflush(stderr);
}

void cli_progress_done(cli_progress *p)
{
    if (p->enabled) fprintf(stderr, "\r%*s\r", 78, "");
}
