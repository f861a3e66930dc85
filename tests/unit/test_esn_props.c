/* ESN properties: bit-identical results with 1 and 2 threads (sequences in
 * parallel, and one long sequence split inside each step), noise that is
 * reproducible and thread-invariant, save-then-load giving identical
 * predictions, and a model file from a newer format refused clearly. */
#include <string.h>

#include "core/rng.h"
#include "fixture.h"
#include "test.h"

typedef struct {
    int64_t n_seqs, steps[9];
    double *u[9], *y[9];
} dataset;

static void make_data(dataset *d, int64_t n_seqs, int64_t base)
{
    lacus__rng r;
    lacus__rng_seed(&r, 5);
    d->n_seqs = n_seqs;
    for (int64_t i = 0; i < n_seqs; i++) {
        d->steps[i] = base + 37 * i;
        d->u[i] = malloc((size_t)(d->steps[i] * 2) * sizeof(double));
        d->y[i] = malloc((size_t)(d->steps[i]) * sizeof(double));
        for (int64_t t = 0; t < d->steps[i]; t++) {
            d->u[i][2 * t] = sin(0.1 * (double)t + (double)i);
            d->u[i][2 * t + 1] = lacus__rng_uniform(&r) - 0.5;
            d->y[i][t] = t > 2 ? d->u[i][2 * (t - 3)] * d->u[i][2 * (t - 1) + 1] : 0.0;
        }
    }
}

static void free_data(dataset *d)
{
    for (int64_t i = 0; i < d->n_seqs; i++) free(d->u[i]), free(d->y[i]);
}

/* Fits and runs with the given thread count; returns Wout and predictions. */
static void fit_run(const lacus_esn_params *p, dataset *d, int threads, double *W, double **pred)
{
    lacus_set_num_threads(threads);
    lacus_esn *m = NULL;
    lacus_error err = {0};
    CHECK_STATUS(lacus_esn_create(p, &m, &err), LACUS_OK);
    lacus_seqs U = {d->n_seqs, 2, (const double *const *)d->u, d->steps};
    lacus_seqs Y = {d->n_seqs, 1, (const double *const *)d->y, d->steps};
    CHECK_STATUS(lacus_esn_fit(m, &U, &Y), LACUS_OK);
    lacus_ridge_get_weights(lacus_esn_readout(m), W, NULL);
    CHECK_STATUS(lacus_esn_run(m, &U, pred), LACUS_OK);
    lacus_esn_free(m);
}

static int same_run(const lacus_esn_params *p, dataset *d)
{
    int64_t F = p->reservoir.n_units;
    double *W1 = calloc((size_t)F, sizeof *W1), *W2 = calloc((size_t)F, sizeof *W2);
    double *p1[6], *p2[6];
    for (int64_t i = 0; i < d->n_seqs; i++) {
        p1[i] = calloc((size_t)d->steps[i], sizeof(double));
        p2[i] = calloc((size_t)d->steps[i], sizeof(double));
    }
    fit_run(p, d, 1, W1, p1);
    fit_run(p, d, 2, W2, p2);
    int same = memcmp(W1, W2, (size_t)F * sizeof *W1) == 0;
    if (!same) fprintf(stderr, "readouts differ by %.3g\n", test_max_rel_diff(W1, W2, F, 1e-300));
    for (int64_t i = 0; i < d->n_seqs; i++) {
        same &= memcmp(p1[i], p2[i], (size_t)d->steps[i] * sizeof(double)) == 0;
        free(p1[i]);
        free(p2[i]);
    }
    free(W1);
    free(W2);
    return same;
}

static lacus_esn_params params(int64_t N)
{
    lacus_esn_params p = lacus_esn_params_default();
    p.reservoir.n_units = N;
    p.reservoir.n_inputs = 2;
    p.reservoir.lr = 0.5;
    p.reservoir.sr = 0.9;
    p.reservoir.rc_connectivity = N > 500 ? 0.01 : 0.1;
    p.reservoir.bias_scaling = 0.2;
    p.readout.ridge = 1e-4;
    p.warmup = 20;
    return p;
}

int main(void)
{
    dataset d;
    make_data(&d, 6, 300);
    TEST("1 and 2 threads: identical readout and predictions, 6 sequences")
    {
        lacus_esn_params p = params(120);
        CHECK(same_run(&p, &d));
        p.reservoir.noise_rc = 0.01;
        p.reservoir.noise_in = 0.05;
        CHECK(same_run(&p, &d));
        p.reservoir.activation = LACUS_ACT_SOFTMAX;
        CHECK(same_run(&p, &d));
    }
    TEST("1 and 2 threads: identical with one long sequence split inside each step")
    {
        dataset one;
        make_data(&one, 1, 700);
        lacus_esn_params p = params(1100);
        p.reservoir.noise_rc = 0.001;
        CHECK(same_run(&p, &one));
        free_data(&one);
    }
    TEST("run_many (lockstep batches of 1 to 8 lanes, 1 or 2 threads) equals running each "
         "sequence alone, bit for bit")
    {
        /* Nine sequences of unequal length: with one thread all 8 slots
         * fill, then the lane count falls one by one as sequences end; with
         * two threads each takes 4, then fewer. Every lane count 1-8 of the
         * vector kernel (masked and unmasked) is met. */
        dataset nine;
        make_data(&nine, 9, 120);
        for (int big = 0; big < 2; big++)
            for (int threads = 1; threads <= 2; threads++) {
                lacus_set_num_threads(threads);
                lacus_reservoir_params p = params(big ? 1100 : 90).reservoir;
                lacus_reservoir *r = NULL;
                lacus_error err = {0};
                CHECK_STATUS(lacus_reservoir_create(&p, &r, &err), LACUS_OK);
                int64_t N = p.n_units;
                double *many[9], *one = NULL;
                for (int64_t i = 0; i < nine.n_seqs; i++)
                    many[i] = calloc((size_t)(nine.steps[i] * N), sizeof(double));
                lacus_seqs U = {nine.n_seqs, 2, (const double *const *)nine.u, nine.steps};
                CHECK_STATUS(lacus_reservoir_run_many(r, &U, many), LACUS_OK);
                int same = 1;
                for (int64_t i = 0; i < nine.n_seqs; i++) {
                    one = realloc(one, (size_t)(nine.steps[i] * N) * sizeof(double));
                    CHECK_STATUS(lacus_reservoir_run(r, nine.u[i], nine.steps[i], 1, one), LACUS_OK);
                    same &= memcmp(one, many[i], (size_t)(nine.steps[i] * N) * sizeof(double)) == 0;
                    free(many[i]);
                }
                CHECK(same);
                free(one);
                lacus_reservoir_free(r);
            }
        free_data(&nine);
    }
    TEST("streaming partial_fit in chunks equals fit on whole sequences; noise ignores chunking")
    {
        /* Summing the same rows in other groups changes X^T X in its last
         * bits; the solve amplifies that by cond(X^T X + ridge I), about
         * ||X||^2 / ridge. With ridge 1 that keeps differences near 1e-11, so
         * a 1e-9 tolerance still catches any row or state handled wrongly. */
        lacus_esn_params p = params(100);
        p.readout.ridge = 1.0;
        int64_t F = p.reservoir.n_units;
        double W1[100], W2[100], W3[100];
        lacus_error err = {0};
        lacus_esn *a = NULL, *b = NULL, *c = NULL;
        CHECK_STATUS(lacus_esn_create(&p, &a, &err), LACUS_OK);
        lacus_seqs U = {d.n_seqs, 2, (const double *const *)d.u, d.steps};
        lacus_seqs Y = {d.n_seqs, 1, (const double *const *)d.y, d.steps};
        CHECK_STATUS(lacus_esn_fit(a, &U, &Y), LACUS_OK);
        lacus_ridge_get_weights(lacus_esn_readout(a), W1, NULL);
        p.reservoir.noise_rc = 1e-3;
        p.reservoir.noise_in = 1e-2;
        CHECK_STATUS(lacus_esn_create(&p, &b, &err), LACUS_OK);
        CHECK_STATUS(lacus_esn_create(&p, &c, &err), LACUS_OK);
        lacus_esn *noiseless = NULL;
        p.reservoir.noise_rc = p.reservoir.noise_in = 0.0;
        CHECK_STATUS(lacus_esn_create(&p, &noiseless, &err), LACUS_OK);
        for (int64_t i = 0; i < d.n_seqs; i++) {
            /* b: chunks of 37 steps; c: chunks of 100; noiseless: 53 */
            int64_t sizes[3] = {37, 100, 53};
            lacus_esn *ms[3] = {b, c, noiseless};
            for (int k = 0; k < 3; k++)
                for (int64_t t = 0; t < d.steps[i]; t += sizes[k]) {
                    int64_t n = d.steps[i] - t < sizes[k] ? d.steps[i] - t : sizes[k];
                    CHECK_STATUS(lacus_esn_partial_fit(ms[k], d.u[i] + 2 * t, d.y[i] + t, n, 1, t == 0), LACUS_OK);
                }
        }
        CHECK_STATUS(lacus_esn_solve(b), LACUS_OK);
        CHECK_STATUS(lacus_esn_solve(c), LACUS_OK);
        CHECK_STATUS(lacus_esn_solve(noiseless), LACUS_OK);
        lacus_ridge_get_weights(lacus_esn_readout(b), W2, NULL);
        lacus_ridge_get_weights(lacus_esn_readout(c), W3, NULL);
        CHECK(test_max_rel_diff(W2, W3, F, 1e-300) < 1e-9);
        double *pa[6], *pn[6];
        for (int64_t i = 0; i < d.n_seqs; i++) {
            pa[i] = calloc((size_t)d.steps[i], sizeof(double));
            pn[i] = calloc((size_t)d.steps[i], sizeof(double));
        }
        CHECK_STATUS(lacus_esn_run(a, &U, pa), LACUS_OK);
        CHECK_STATUS(lacus_esn_run(noiseless, &U, pn), LACUS_OK);
        for (int64_t i = 0; i < d.n_seqs; i++) {
            CHECK(test_max_rel_diff(pn[i], pa[i], d.steps[i], 1e-300) < 1e-9);
            free(pa[i]);
            free(pn[i]);
        }
        CHECK(test_max_rel_diff(W3, W1, F, 1e-300) > 1e-6); /* the noise did something */
        CHECK_STATUS(lacus_esn_partial_fit(noiseless, d.u[0], d.y[0], 5, 2, 0), LACUS_ERR_SHAPE);
        lacus_esn_free(a);
        lacus_esn_free(b);
        lacus_esn_free(c);
        lacus_esn_free(noiseless);
    }
    TEST("save then load gives identical predictions; manifest is readable JSON")
    {
        lacus_esn_params p = params(80);
        p.feed_input = 1;
        lacus_esn *m = NULL, *m2 = NULL;
        lacus_error err = {0};
        CHECK_STATUS(lacus_esn_create(&p, &m, &err), LACUS_OK);
        lacus_seqs U = {d.n_seqs, 2, (const double *const *)d.u, d.steps};
        lacus_seqs Y = {d.n_seqs, 1, (const double *const *)d.y, d.steps};
        CHECK_STATUS(lacus_esn_fit(m, &U, &Y), LACUS_OK);
        char path[512];
        snprintf(path, sizeof path, "%s/model.npz", fx_tmp());
        CHECK_STATUS(lacus_esn_save(m, path, &err), LACUS_OK);
        CHECK_STATUS(lacus_esn_load(path, &m2, &err), LACUS_OK);
        double *a[6], *b[6];
        int same = 1;
        for (int64_t i = 0; i < d.n_seqs; i++) {
            a[i] = calloc((size_t)d.steps[i], sizeof(double));
            b[i] = calloc((size_t)d.steps[i], sizeof(double));
        }
        CHECK_STATUS(lacus_esn_run(m, &U, a), LACUS_OK);
        CHECK_STATUS(lacus_esn_run(m2, &U, b), LACUS_OK);
        for (int64_t i = 0; i < d.n_seqs; i++) {
            same &= memcmp(a[i], b[i], (size_t)d.steps[i] * sizeof(double)) == 0;
            free(a[i]);
            free(b[i]);
        }
        CHECK(same);
        lacus_npz *z = NULL;
        CHECK_STATUS(lacus_npz_open(path, &z, &err), LACUS_OK);
        void *buf = NULL;
        size_t len = 0;
        CHECK_STATUS(lacus_npz_read_bytes(z, "manifest.json", &buf, &len, &err), LACUS_OK);
        CHECK(buf && strstr(buf, "\"format_version\":\t1") && strstr(buf, "\"equation\""));
        lacus_free(buf);
        lacus_npz_close(z);
        lacus_esn_free(m);
        lacus_esn_free(m2);
    }
    TEST("a newer model format version is refused with a clear message")
    {
        char path[512];
        snprintf(path, sizeof path, "%s/future.npz", fx_tmp());
        lacus_npz_writer *w = NULL;
        lacus_error err = {0};
        const char *man = "{\"format\": \"lacus-model\", \"format_version\": 99, \"kind\": \"esn\"}";
        CHECK_STATUS(lacus_npz_writer_open(path, 0, &w, &err), LACUS_OK);
        CHECK_STATUS(lacus_npz_writer_add_bytes(w, "manifest.json", man, strlen(man), &err), LACUS_OK);
        CHECK_STATUS(lacus_npz_writer_commit(w, &err), LACUS_OK);
        lacus_esn *m = NULL;
        CHECK_STATUS(lacus_esn_load(path, &m, &err), LACUS_ERR_UNSUPPORTED);
        CHECK(strstr(err.msg, "format version 99") != NULL);
        CHECK(m == NULL);
    }
    TEST("integer manifest keys out of range or fractional are refused, not cast")
    {
        /* model.npz from the save/load test, its manifest's "n_units": 80
         * and "warmup" replaced; casting 1e300 or inf to an integer was
         * undefined behaviour before the range check. */
        char path[512], bad_path[512];
        snprintf(path, sizeof path, "%s/model.npz", fx_tmp());
        snprintf(bad_path, sizeof bad_path, "%s/bad_int.npz", fx_tmp());
        const char *key[] = {"\"n_units\":\t80", "\"n_units\":\t80", "\"n_units\":\t80",
                             "\"warmup\":\t"};
        const char *val[] = {"\"n_units\": 1e300", "\"n_units\": 1e999", "\"n_units\": 80.5",
                             "\"warmup\": -1e300, \"x\":\t"};
        for (int c = 0; c < 4; c++) {
            lacus_npz *z = NULL;
            lacus_npz_writer *w = NULL;
            lacus_error err = {0};
            CHECK_STATUS(lacus_npz_open(path, &z, &err), LACUS_OK);
            CHECK_STATUS(lacus_npz_writer_open(bad_path, 0, &w, &err), LACUS_OK);
            for (int64_t i = 0; i < lacus_npz_count(z); i++) {
                const char *name = lacus_npz_name(z, i);
                void *buf = NULL;
                size_t len = 0;
                CHECK_STATUS(lacus_npz_read_bytes(z, name, &buf, &len, &err), LACUS_OK);
                char edited[8192];
                if (!strcmp(name, "manifest.json")) {
                    const char *at = strstr(buf, key[c]);
                    CHECK(at != NULL && len + 64 < sizeof edited);
                    if (!at) break;
                    size_t pre = (size_t)(at - (const char *)buf);
                    len = (size_t)snprintf(edited, sizeof edited, "%.*s%s%s", (int)pre,
                                           (const char *)buf, val[c], at + strlen(key[c]));
                }
                CHECK_STATUS(lacus_npz_writer_add_bytes(w, name, strcmp(name, "manifest.json") ? buf : edited,
                                                        len, &err), LACUS_OK);
                lacus_free(buf);
            }
            lacus_npz_close(z);
            CHECK_STATUS(lacus_npz_writer_commit(w, &err), LACUS_OK);
            lacus_esn *m = NULL;
            CHECK_STATUS(lacus_esn_load(bad_path, &m, &err), LACUS_ERR_FORMAT);
            CHECK(strstr(err.msg, c < 3 ? "\"n_units\" is missing or not an integer in [1, "
                                        : "\"warmup\" is missing or not an integer in [0, ") != NULL);
            CHECK(m == NULL);
        }
    }
    TEST("fit rejects bad sequences with precise messages")
    {
        lacus_esn_params p = params(30);
        lacus_esn *m = NULL;
        lacus_error err = {0};
        CHECK_STATUS(lacus_esn_create(&p, &m, &err), LACUS_OK);
        lacus_seqs U = {d.n_seqs, 2, (const double *const *)d.u, d.steps};
        int64_t other[6];
        memcpy(other, d.steps, sizeof other);
        other[2] -= 1;
        lacus_seqs Y = {d.n_seqs, 1, (const double *const *)d.y, other};
        CHECK_STATUS(lacus_esn_fit(m, &U, &Y), LACUS_ERR_SHAPE);
        CHECK(strstr(lacus_esn_errmsg(m), "sequence 2") != NULL);
        lacus_seqs U3 = {d.n_seqs, 3, (const double *const *)d.u, d.steps};
        CHECK_STATUS(lacus_esn_fit(m, &U3, &Y), LACUS_ERR_SHAPE);
        d.u[1][7] = INFINITY;
        Y.n_steps = d.steps;
        CHECK_STATUS(lacus_esn_fit(m, &U, &Y), LACUS_ERR_NUMERIC);
        CHECK(strstr(lacus_esn_errmsg(m), "inputs sequence 1[3, 1] is Inf") != NULL);
        d.u[1][7] = 0.0;
        double *run_out[6] = {0};
        CHECK_STATUS(lacus_esn_run(m, &U, run_out), LACUS_ERR_STATE);
        lacus_esn_params big = params(30);
        big.warmup = 100000;
        lacus_esn *m2 = NULL;
        CHECK_STATUS(lacus_esn_create(&big, &m2, &err), LACUS_OK);
        CHECK_STATUS(lacus_esn_fit(m2, &U, &Y), LACUS_ERR_SHAPE);
        CHECK(strstr(lacus_esn_errmsg(m2), "warmup") != NULL);
        lacus_esn_free(m2);
        lacus_esn_free(m);
    }
    free_data(&d);
    TEST_MAIN_END();
}
