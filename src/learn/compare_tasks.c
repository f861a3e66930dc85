/* The tasks of the comparison harness (lacus compare): generated from the
 * seed with the library's own generators, so that every model (and the
 * PyTorch baseline, through lacus_compare_export) sees the same numbers. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "learn/compare.h"

#define STREAM_CMP 131

static const char *const task_names[] = {"mg84", "narma10", "mc", "lgssm", "seq4"};

const char *lacus_cmp_task_name(lacus_cmp_task t)
{
    return (unsigned)t < LACUS_CMP_N_TASKS ? task_names[t] : NULL;
}

lacus_status lacus_cmp_task_parse(const char *name, lacus_cmp_task *out, lacus_error *err)
{
    for (int i = 0; name && i < LACUS_CMP_N_TASKS; i++)
        if (!strcmp(name, task_names[i])) {
            *out = (lacus_cmp_task)i;
            return LACUS_OK;
        }
    return lacus__fail(err, LACUS_ERR_ARG, "task '%s': unknown (one of mg84, narma10, mc, lgssm, seq4)",
                       name ? name : "(null)");
}

lacus_compare_params lacus_compare_params_default(void)
{
    lacus_compare_params p;
    memset(&p, 0, sizeof p);
    p.n_units = 200, p.seed = 42, p.n_train = 4000, p.n_test = 1000, p.n_seqs = 400;
    p.tune_iters = 20;
    return p;
}

void lacus__cmp_lgssm_system(double *A, double *B, double *C)
{
    const double th = 0.3;
    A[0] = 0.95 * cos(th), A[1] = -0.95 * sin(th), A[2] = 0.95 * sin(th), A[3] = 0.95 * cos(th);
    B[0] = 0.5, B[1] = -0.3;
    C[0] = 1.0, C[1] = 0.4, C[2] = -0.3, C[3] = 0.8;
}

void lacus__cmp_free(lacus__cmp_data *d)
{
    if (!d) return;
    lacus__free(d->u_train), lacus__free(d->y_train), lacus__free(d->u_test), lacus__free(d->y_test);
    lacus__free(d->lab_train), lacus__free(d->lab_test);
    memset(d, 0, sizeof *d);
}

static lacus_status alloc_series(lacus__cmp_data *d, lacus_error *err)
{
    d->u_train = LACUS__NEW(double, d->n_train * d->M);
    d->y_train = LACUS__NEW(double, d->n_train * d->O);
    d->u_test = LACUS__NEW(double, d->n_test * d->M);
    d->y_test = LACUS__NEW(double, d->n_test * d->O);
    if (!d->u_train || !d->y_train || !d->u_test || !d->y_test)
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for the %s data",
                           lacus_cmp_task_name(d->task));
    return LACUS_OK;
}

/* Splits a (n, w) series s into train and test rows. */
static void split(const double *s, int64_t w, int64_t n_train, int64_t n_test, double *tr, double *te)
{
    memcpy(tr, s, (size_t)(n_train * w) * sizeof *s);
    memcpy(te, s + n_train * w, (size_t)(n_test * w) * sizeof *s);
}

static lacus_status make_seq4(const lacus_compare_params *p, lacus__cmp_data *d, lacus_error *err)
{
    int64_t L = d->seq_len = LACUS__CMP_SEQ_LEN;
    d->n_seq_train = p->n_seqs;
    d->n_seq_test = p->n_seqs / 2;
    d->classify = 1;
    d->M = 1, d->O = 4;
    int64_t n = d->n_seq_train + d->n_seq_test;
    double *u = LACUS__NEW(double, n * L);
    int32_t *lab = LACUS__NEW(int32_t, n);
    if (!u || !lab) {
        lacus__free(u), lacus__free(lab);
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for the seq4 data");
    }
    lacus__rng rng;
    lacus__rng_stream(&rng, p->seed, STREAM_CMP, LACUS_CMP_SEQ4);
    for (int64_t s = 0; s < n; s++) {
        int c = (int)lacus__rng_below(&rng, 4);
        double ph = lacus__rng_uniform(&rng), amp = 0.7 + 0.6 * lacus__rng_uniform(&rng);
        double per = c == 1 ? 7.0 : 10.0;
        lab[s] = c;
        for (int64_t t = 0; t < L; t++) {
            double f = t / per + ph, v;
            f -= floor(f);
            if (c <= 1) v = sin(6.283185307179586 * f);
            else if (c == 2) v = f < 0.5 ? 1.0 : -1.0;
            else v = 2.0 * f - 1.0;
            u[s * L + t] = amp * v + 0.6 * lacus__rng_normal(&rng);
        }
    }
    d->u_train = u;
    d->lab_train = lab;
    /* the test part lives after the training part in the same buffers */
    d->u_test = NULL;
    d->lab_test = NULL;
    return LACUS_OK;
}

lacus_status lacus__cmp_make(const lacus_compare_params *p, lacus_cmp_task t, lacus__cmp_data *d,
                             lacus_error *err)
{
    memset(d, 0, sizeof *d);
    d->task = t;
    d->n_train = p->n_train, d->n_test = p->n_test;
    int64_t n = p->n_train + p->n_test;
    lacus_status st = LACUS_OK;
    double *buf = NULL, *buf2 = NULL;
    switch (t) {
    case LACUS_CMP_MG84: {
        const int64_t H = 84;
        d->M = d->O = 1;
        if ((st = alloc_series(d, err))) break;
        buf = LACUS__NEW(double, n + H);
        if (!buf) { st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for mg84"); break; }
        lacus_mackey_glass_params mp = lacus_mackey_glass_params_default();
        if ((st = lacus_mackey_glass(n + H, &mp, buf, err))) break;
        double m = 0.0, v = 0.0;
        for (int64_t i = 0; i < n + H; i++) m += buf[i];
        m /= (double)(n + H);
        for (int64_t i = 0; i < n + H; i++) v += (buf[i] - m) * (buf[i] - m);
        v = sqrt(v / (double)(n + H));
        for (int64_t i = 0; i < n + H; i++) buf[i] = (buf[i] - m) / v;
        split(buf, 1, d->n_train, d->n_test, d->u_train, d->u_test);
        split(buf + H, 1, d->n_train, d->n_test, d->y_train, d->y_test);
        break;
    }
    case LACUS_CMP_NARMA10: {
        d->M = d->O = 1;
        if ((st = alloc_series(d, err))) break;
        buf = LACUS__NEW(double, n + 10);
        buf2 = LACUS__NEW(double, n);
        if (!buf || !buf2) { st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for narma10"); break; }
        lacus_narma_params np = lacus_narma_params_default();
        np.order = 10;
        np.seed = p->seed;
        if ((st = lacus_narma(n, &np, buf, buf2, err))) break;
        /* y_out[i] = y[10 + i] = f(y[9 + i], u[9 + i], u[i - 1]): the row
         * that predicts it sees u[9 + i] (the newest input it depends on) */
        split(buf + 9, 1, d->n_train, d->n_test, d->u_train, d->u_test);
        split(buf2, 1, d->n_train, d->n_test, d->y_train, d->y_test);
        break;
    }
    case LACUS_CMP_MC: {
        d->M = 1, d->O = LACUS__CMP_MC_K;
        if ((st = alloc_series(d, err))) break;
        buf = LACUS__NEW(double, n);
        if (!buf) { st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for mc"); break; }
        lacus__rng rng;
        lacus__rng_stream(&rng, p->seed, STREAM_CMP, LACUS_CMP_MC);
        for (int64_t i = 0; i < n; i++) buf[i] = -0.8 + 1.6 * lacus__rng_uniform(&rng);
        split(buf, 1, d->n_train, d->n_test, d->u_train, d->u_test);
        for (int64_t i = 0; i < n; i++)
            for (int64_t k = 1; k <= LACUS__CMP_MC_K; k++) {
                double v = i - k >= 0 ? buf[i - k] : 0.0;
                if (i < d->n_train) d->y_train[i * d->O + k - 1] = v;
                else d->y_test[(i - d->n_train) * d->O + k - 1] = v;
            }
        break;
    }
    case LACUS_CMP_LGSSM: {
        d->M = d->O = 2;
        if ((st = alloc_series(d, err))) break;
        lacus__cmp_lgssm_system(d->A, d->B, d->C);
        /* no control input here: B u with u = 0 */
        lacus_lgssm sys = {2, 2, 0, d->A, NULL, d->C, 1.0, 1.0};
        buf = LACUS__NEW(double, 2 * n);
        buf2 = LACUS__NEW(double, 2 * n);
        if (!buf || !buf2) { st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for lgssm"); break; }
        if ((st = lacus_lgssm_sample(&sys, n, p->seed, NULL, buf2, buf, err))) break;
        split(buf, 2, d->n_train, d->n_test, d->u_train, d->u_test);   /* observations y */
        split(buf2, 2, d->n_train, d->n_test, d->y_train, d->y_test);  /* latents x */
        break;
    }
    case LACUS_CMP_SEQ4:
        st = make_seq4(p, d, err);
        break;
    default:
        st = lacus__fail(err, LACUS_ERR_ARG, "task %d: unknown", (int)t);
    }
    lacus__free(buf), lacus__free(buf2);
    if (st) lacus__cmp_free(d);
    return st;
}

static lacus_status add(lacus_npz_writer *w, const char *name, double *data, int ndim, int64_t a,
                        int64_t b, int64_t c, lacus_error *err)
{
    lacus_ndarray arr = {LACUS_F64, ndim, {a, b, c}, data};
    return lacus_npz_writer_add(w, name, &arr, err);
}

lacus_status lacus_compare_export(const lacus_compare_params *p, lacus_cmp_task task,
                                  const char *dir, lacus_error *err)
{
    if (!p || !dir) return lacus__fail(err, LACUS_ERR_ARG, "parameters and directory must be given");
    lacus__cmp_data d;
    lacus_status st = lacus__cmp_make(p, task, &d, err);
    if (st) return st;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.npz", dir, lacus_cmp_task_name(task));
    lacus_npz_writer *w = NULL;
    if ((st = lacus_npz_writer_open(path, 0, &w, err))) {
        lacus__cmp_free(&d);
        return st;
    }
    double warm = d.classify ? 0.0 : LACUS__CMP_WARMUP;
    if (d.classify) {
        int64_t n = d.n_seq_train + d.n_seq_test, L = d.seq_len;
        double *oh = LACUS__ZNEW(double, n * 4);
        if (!oh) st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory");
        for (int64_t s = 0; !st && s < n; s++) oh[s * 4 + d.lab_train[s]] = 1.0;
        if (!st) st = add(w, "u_train", d.u_train, 3, d.n_seq_train, L, 1, err);
        if (!st) st = add(w, "y_train", oh, 2, d.n_seq_train, 4, 0, err);
        if (!st) st = add(w, "u_test", d.u_train + d.n_seq_train * L, 3, d.n_seq_test, L, 1, err);
        if (!st) st = add(w, "y_test", oh + d.n_seq_train * 4, 2, d.n_seq_test, 4, 0, err);
        lacus__free(oh);
    } else {
        st = add(w, "u_train", d.u_train, 2, d.n_train, d.M, 0, err);
        if (!st) st = add(w, "y_train", d.y_train, 2, d.n_train, d.O, 0, err);
        if (!st) st = add(w, "u_test", d.u_test, 2, d.n_test, d.M, 0, err);
        if (!st) st = add(w, "y_test", d.y_test, 2, d.n_test, d.O, 0, err);
    }
    if (!st) st = add(w, "warmup", &warm, 0, 0, 0, 0, err);
    if (st) lacus_npz_writer_abort(w);
    else st = lacus_npz_writer_commit(w, err);
    lacus__cmp_free(&d);
    return st;
}
