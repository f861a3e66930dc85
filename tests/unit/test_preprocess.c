/* Preprocessing nodes against scikit-learn 1.5.2 / NumPy fixtures
 * (tests/ref/make_present_fixtures.py): MinMaxScaler(-1, 1) and (0, 5),
 * StandardScaler, OneHotEncoder, NVAR-style delay embedding; plus streaming
 * invariance, a large-offset variance property, save/load round trips and
 * bad input. */
#include <float.h>
#include <string.h>

#include "fixture.h"
#include "oom.h"
#include "test.h"

static lacus_prep *make(lacus_prep_kind kind)
{
    lacus_prep_params p = lacus_prep_params_default();
    p.kind = kind;
    lacus_prep *n = NULL;
    if (lacus_prep_create(&p, &n, NULL)) exit(2);
    return n;
}

/* Fits on the fixture's training rows, one partial_fit per sequence. */
static void fit_chunks(lacus_prep *n, const lacus_ndarray *train, const lacus_ndarray *lengths)
{
    int64_t F = train->shape[1], off = 0;
    for (int64_t i = 0; i < lengths->shape[0]; i++) {
        int64_t L = (int64_t)((double *)lengths->data)[i];
        CHECK_STATUS(lacus_prep_partial_fit(n, (double *)train->data + off * F, L, F, F), LACUS_OK);
        off += L;
    }
}

static double max_abs_diff(const double *a, const double *b, int64_t n)
{
    double d = 0;
    for (int64_t i = 0; i < n; i++) d = fmax(d, fabs(a[i] - b[i]));
    return d;
}

static void test_minmax(void)
{
    lacus_npz *z = fx_open("present/scale.npz");
    lacus_ndarray train = fx_get(z, "train"), test = fx_get(z, "test"), len = fx_get(z, "lengths");
    lacus_ndarray mn = fx_get(z, "minmax_min"), mx = fx_get(z, "minmax_max");
    lacus_ndarray want = fx_get(z, "minmax_test"), inv = fx_get(z, "minmax_inv_test");
    lacus_ndarray want05 = fx_get(z, "minmax05_test");
    const int64_t F = train.shape[1], S = test.shape[0];
    double a[8], b[8], y[64 * 4], x[64 * 4];
    TEST("minmax (-1, 1) = sklearn MinMaxScaler") {
        lacus_prep *n = make(LACUS_PREP_MINMAX);
        fit_chunks(n, &train, &len);
        int64_t ns = 0;
        CHECK_STATUS(lacus_prep_get_stats(n, a, b, &ns), LACUS_OK);
        CHECK(ns == train.shape[0]);
        for (int64_t j = 0; j < F; j++) { /* min and max are exact */
            CHECK(a[j] == ((double *)mn.data)[j]);
            CHECK(b[j] == ((double *)mx.data)[j]);
        }
        CHECK_STATUS(lacus_prep_transform(n, test.data, S, F, y, F), LACUS_OK);
        /* Same operations as sklearn (x * scale + min_): a few ulp at most. */
        CHECK(max_abs_diff(y, want.data, S * F) <= 1e-12);
        CHECK(y[2] == -1.0); /* the constant column maps to the range's lower end */
        CHECK(y[0] > 1.0);   /* test[0, 0] = 7.5 lies beyond the training max */
        CHECK_STATUS(lacus_prep_inverse(n, y, S, F, x, F), LACUS_OK);
        CHECK(test_max_rel_diff(x, inv.data, S * F, 1.0) <= 1e-12);
        CHECK(test_max_rel_diff(x, test.data, S * F, 1.0) <= 1e-12);
        lacus_prep_free(n);
    }
    TEST("minmax (0, 5) = sklearn MinMaxScaler(feature_range=(0, 5))") {
        lacus_prep_params p = lacus_prep_params_default();
        p.range_lo = 0.0;
        p.range_hi = 5.0;
        lacus_prep *n = NULL;
        CHECK_STATUS(lacus_prep_create(&p, &n, NULL), LACUS_OK);
        fit_chunks(n, &train, &len);
        CHECK_STATUS(lacus_prep_transform(n, test.data, S, F, y, F), LACUS_OK);
        CHECK(max_abs_diff(y, want05.data, S * F) <= 1e-12);
        lacus_prep_free(n);
    }
    lacus_ndarray *all[] = {&train, &test, &len, &mn, &mx, &want, &inv, &want05};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) lacus_ndarray_free(all[i]);
    lacus_npz_close(z);
}

static void test_zscore(void)
{
    lacus_npz *z = fx_open("present/scale.npz");
    lacus_ndarray train = fx_get(z, "train"), test = fx_get(z, "test"), len = fx_get(z, "lengths");
    lacus_ndarray mean = fx_get(z, "zscore_mean"), var = fx_get(z, "zscore_var");
    lacus_ndarray want = fx_get(z, "zscore_test"), inv = fx_get(z, "zscore_inv_test");
    const int64_t F = train.shape[1], S = test.shape[0], R = train.shape[0];
    double a[8], b[8], y[64 * 4], x[64 * 4];
    TEST("zscore = sklearn StandardScaler") {
        lacus_prep *n = make(LACUS_PREP_ZSCORE);
        fit_chunks(n, &train, &len);
        CHECK_STATUS(lacus_prep_get_stats(n, a, b, NULL), LACUS_OK);
        for (int64_t j = 0; j < F; j++) {
            CHECK_CLOSE(a[j], ((double *)mean.data)[j], 1e-14);
            /* Column 2 is constant: both give exactly 0. Column 1 (1e6 +
             * N(0, 1e-3)) has var 1e-6: the shifted two-pass sums keep it to
             * a few ulp (the textbook sums would lose 9 digits). */
            double v = ((double *)var.data)[j];
            CHECK(fabs(b[j] - v) <= 1e-14 * v);
        }
        CHECK(b[2] == 0.0);
        CHECK_STATUS(lacus_prep_transform(n, test.data, S, F, y, F), LACUS_OK);
        /* z = (x - mean) / sd: the rounding of a mean of 1e6 (eps |mean|,
         * ~2e-10) is amplified by 1 / sd = 1e3 in column 1, so its bound is
         * 16 eps |mean| / sd; the other columns agree to 1e-12. */
        const double sd1 = sqrt(((double *)var.data)[1]);
        const double tol1 = 16 * DBL_EPSILON * ((double *)mean.data)[1] / sd1;
        for (int64_t t = 0; t < S; t++)
            for (int64_t j = 0; j < F; j++) {
                double d = fabs(y[t * F + j] - ((double *)want.data)[t * F + j]);
                CHECK(d <= (j == 1 ? tol1 : 1e-12));
            }
        for (int64_t t = 0; t < S; t++) CHECK(y[t * F + 2] == 0.0); /* constant -> 0, not NaN */
        CHECK_STATUS(lacus_prep_inverse(n, y, S, F, x, F), LACUS_OK);
        CHECK(test_max_rel_diff(x, inv.data, S * F, 1.0) <= 1e-12);
        lacus_prep_free(n);
    }
    TEST("zscore statistics do not depend on the chunking") {
        lacus_prep *one = make(LACUS_PREP_ZSCORE), *rows = make(LACUS_PREP_ZSCORE);
        CHECK_STATUS(lacus_prep_partial_fit(one, train.data, R, F, F), LACUS_OK);
        for (int64_t t = 0; t < R; t++)
            CHECK_STATUS(lacus_prep_partial_fit(rows, (double *)train.data + t * F, 1, F, F), LACUS_OK);
        double a2[8], b2[8];
        lacus_prep_get_stats(one, a, b, NULL);
        lacus_prep_get_stats(rows, a2, b2, NULL);
        for (int64_t j = 0; j < F; j++) {
            CHECK_CLOSE(a[j], a2[j], 1e-14);
            CHECK(fabs(b[j] - b2[j]) <= 1e-13 * b[j]); /* row by row, even at offset 1e6 */
        }
        lacus_prep_free(one);
        lacus_prep_free(rows);
    }
    TEST("variance survives an offset of 1e9 (the naive sum of squares does not)") {
        enum { T = 1000 };
        static double u[T], w[T];
        uint64_t s = 12345;
        double naive_sx = 0, naive_sxx = 0;
        for (int t = 0; t < T; t++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            u[t] = (double)(s >> 11) / 9007199254740992.0 - 0.5; /* U(-0.5, 0.5) */
            w[t] = u[t] + 1e9;
            naive_sx += w[t];
            naive_sxx += w[t] * w[t];
        }
        lacus_prep *p0 = make(LACUS_PREP_ZSCORE), *p1 = make(LACUS_PREP_ZSCORE);
        for (int c = 0; c < T; c += 100) { /* ten chunks */
            lacus_prep_partial_fit(p0, u + c, 100, 1, 1);
            lacus_prep_partial_fit(p1, w + c, 100, 1, 1);
        }
        double v0, v1;
        lacus_prep_get_stats(p0, NULL, &v0, NULL);
        lacus_prep_get_stats(p1, NULL, &v1, NULL);
        /* Shifted data carry rounding of 1e9 eps = 1.1e-7 each: relative
         * error of the variance (~1/12) about 1e-6 at most. */
        CHECK(fabs(v1 - v0) <= 1e-5 * v0);
        double naive = naive_sxx / T - (naive_sx / T) * (naive_sx / T);
        CHECK(!(fabs(naive - v0) <= 1e-2 * v0)); /* what the check guards against */
        lacus_prep_free(p0);
        lacus_prep_free(p1);
    }
    lacus_ndarray *all[] = {&train, &test, &len, &mean, &var, &want, &inv};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) lacus_ndarray_free(all[i]);
    lacus_npz_close(z);
}

static void test_onehot(void)
{
    lacus_npz *z = fx_open("present/onehot.npz");
    lacus_ndarray tr = fx_get(z, "labels_train"), cats = fx_get(z, "categories");
    lacus_ndarray te = fx_get(z, "labels_test"), want = fx_get(z, "onehot_test");
    const int64_t n = tr.shape[0], m = te.shape[0], K = cats.shape[0];
    double y[16 * 8], back[16], got[16];
    TEST("one-hot = sklearn OneHotEncoder") {
        lacus_prep *p = make(LACUS_PREP_ONEHOT);
        CHECK_STATUS(lacus_prep_partial_fit(p, tr.data, n, 1, 1), LACUS_OK);
        CHECK(lacus_prep_n_outputs(p) == K);
        CHECK_STATUS(lacus_prep_get_stats(p, got, NULL, NULL), LACUS_OK);
        for (int64_t k = 0; k < K; k++) CHECK(got[k] == ((double *)cats.data)[k]);
        CHECK_STATUS(lacus_prep_transform(p, te.data, m, 1, y, K), LACUS_OK);
        CHECK(memcmp(y, want.data, (size_t)(m * K) * sizeof(double)) == 0);
        CHECK_STATUS(lacus_prep_inverse(p, y, m, K, back, 1), LACUS_OK);
        CHECK(memcmp(back, te.data, (size_t)m * sizeof(double)) == 0);
        double unseen[2] = {3, 5};
        CHECK_STATUS(lacus_prep_transform(p, unseen, 2, 1, y, K), LACUS_ERR_ARG);
        CHECK(strstr(lacus_prep_errmsg(p), "row 1: label 5 was not seen") != NULL);
        double frac = 2.5;
        CHECK_STATUS(lacus_prep_partial_fit(p, &frac, 1, 1, 1), LACUS_ERR_ARG);
        CHECK(strstr(lacus_prep_errmsg(p), "integers") != NULL);
        CHECK_STATUS(lacus_prep_partial_fit(p, tr.data, 2, 2, 2), LACUS_ERR_SHAPE);
        lacus_prep_free(p);
    }
    lacus_ndarray *all[] = {&tr, &cats, &te, &want};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) lacus_ndarray_free(all[i]);
    lacus_npz_close(z);
}

static void test_delay(void)
{
    lacus_npz *z = fx_open("present/delay.npz");
    lacus_ndarray x = fx_get(z, "x"), zeros = fx_get(z, "zeros"), dropped = fx_get(z, "dropped");
    const int64_t T = x.shape[0], F = x.shape[1];
    double y[64], back[32];
    TEST("delay embedding = NVAR linear features (zeros before the start, or dropped)") {
        lacus_prep_params p = lacus_prep_params_default();
        p.kind = LACUS_PREP_DELAY;
        p.delay = 3;
        p.stride = 2;
        lacus_prep *n = NULL;
        CHECK_STATUS(lacus_prep_create(&p, &n, NULL), LACUS_OK);
        CHECK_STATUS(lacus_prep_transform(n, x.data, T, F, y, 3 * F), LACUS_OK);
        CHECK(lacus_prep_n_outputs(n) == 3 * F);
        CHECK(memcmp(y, zeros.data, (size_t)(T * 3 * F) * sizeof(double)) == 0);
        CHECK_STATUS(lacus_prep_inverse(n, y, T, 3 * F, back, F), LACUS_OK);
        CHECK(memcmp(back, x.data, (size_t)(T * F) * sizeof(double)) == 0);
        lacus_prep_free(n);
        p.delay_drop = 1;
        CHECK_STATUS(lacus_prep_create(&p, &n, NULL), LACUS_OK);
        CHECK(lacus_prep_out_rows(n, T) == dropped.shape[0]);
        CHECK(lacus_prep_out_rows(n, 3) == 0);
        CHECK_STATUS(lacus_prep_transform(n, x.data, T, F, y, 3 * F), LACUS_OK);
        CHECK(memcmp(y, dropped.data, (size_t)(dropped.shape[0] * 3 * F) * sizeof(double)) == 0);
        lacus_prep_free(n);
    }
    lacus_ndarray_free(&x);
    lacus_ndarray_free(&zeros);
    lacus_ndarray_free(&dropped);
    lacus_npz_close(z);
    TEST("delay embedding = ReservoirPy 0.4.2 NVAR's linear features") {
        z = fx_open("present/nvar_delay.npz");
        lacus_ndarray u = fx_get(z, "x"), lin = fx_get(z, "linear"), k = fx_get(z, "delay"),
                      s = fx_get(z, "strides");
        lacus_prep_params p = lacus_prep_params_default();
        p.kind = LACUS_PREP_DELAY;
        p.delay = (int64_t) * (double *)k.data;
        p.stride = (int64_t) * (double *)s.data;
        lacus_prep *n = NULL;
        CHECK_STATUS(lacus_prep_create(&p, &n, NULL), LACUS_OK);
        CHECK_STATUS(lacus_prep_partial_fit(n, u.data, 1, u.shape[1], u.shape[1]), LACUS_OK); /* width */
        const int64_t Tn = u.shape[0], O = lin.shape[1];
        CHECK(lacus_prep_n_outputs(n) == O);
        double *out = calloc((size_t)(Tn * O), sizeof *out);
        CHECK_STATUS(lacus_prep_transform(n, u.data, Tn, u.shape[1], out, O), LACUS_OK);
        CHECK(memcmp(out, lin.data, (size_t)(Tn * O) * sizeof *out) == 0);
        free(out);
        lacus_prep_free(n);
        lacus_ndarray_free(&u), lacus_ndarray_free(&lin), lacus_ndarray_free(&k), lacus_ndarray_free(&s);
        lacus_npz_close(z);
    }
}

static void test_save_load(void)
{
    double x[40 * 3], y0[40 * 6], y1[40 * 6];
    for (int i = 0; i < 40 * 3; i++) x[i] = sin(0.7 * i) * (i % 3 + 1) + (i % 3 == 2 ? 100 : 0);
    for (int i = 0; i < 40; i++) x[i * 3 + 1] = (double)(i % 4); /* integer column for one-hot */
    for (int kind = 0; kind < 4; kind++) {
        TEST(lacus_prep_kind_name((lacus_prep_kind)kind)) {
            lacus_prep_params p = lacus_prep_params_default();
            p.kind = (lacus_prep_kind)kind;
            lacus_prep *n = NULL, *m = NULL;
            CHECK_STATUS(lacus_prep_create(&p, &n, NULL), LACUS_OK);
            int64_t F = kind == LACUS_PREP_ONEHOT ? 1 : 3;
            const double *in = kind == LACUS_PREP_ONEHOT ? x + 1 : x;
            CHECK_STATUS(lacus_prep_partial_fit(n, in, 40, F, 3), LACUS_OK);
            const char *path = fx_tmp_path("prep.npz");
            lacus_error err = {0};
            CHECK_STATUS(lacus_prep_save(n, path, &err), LACUS_OK);
            CHECK_STATUS(lacus_prep_load(path, &m, &err), LACUS_OK);
            if (!m) break;
            int64_t O = lacus_prep_n_outputs(n);
            CHECK(lacus_prep_n_outputs(m) == O && lacus_prep_n_features(m) == F);
            CHECK_STATUS(lacus_prep_transform(n, in, 40, 3, y0, O), LACUS_OK);
            CHECK_STATUS(lacus_prep_transform(m, in, 40, 3, y1, O), LACUS_OK);
            /* min/max and categories are stored exactly; a loaded z-score
             * node centres on the stored mean rather than on the first value
             * seen, which moves z by a few eps |x| / sd (|x| ~ 100, sd ~ 1). */
            CHECK(test_max_rel_diff(y1, y0, 40 * O, 1.0) <= (kind == LACUS_PREP_ZSCORE ? 1e-13 : 0.0));
            lacus_prep_free(n);
            lacus_prep_free(m);
        }
    }
}

/* An .npz with the given manifest text and no members. */
static const char *write_manifest(const char *name, const char *json)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s", fx_tmp_path(name));
    lacus_npz_writer *w = NULL;
    if (lacus_npz_writer_open(path, 0, &w, NULL) ||
        lacus_npz_writer_add_bytes(w, "manifest.json", json, strlen(json), NULL) ||
        lacus_npz_writer_commit(w, NULL))
        exit(2);
    return path;
}

static void test_bad_input(void)
{
    lacus_error err = {0};
    lacus_prep *n = NULL;
    TEST("bad parameters") {
        lacus_prep_params p = lacus_prep_params_default();
        p.range_lo = 1.0;
        p.range_hi = 1.0;
        CHECK_STATUS(lacus_prep_create(&p, &n, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "lo < hi") != NULL);
        p = lacus_prep_params_default();
        p.range_hi = NAN;
        CHECK_STATUS(lacus_prep_create(&p, &n, &err), LACUS_ERR_ARG);
        p = lacus_prep_params_default();
        p.kind = LACUS_PREP_DELAY;
        p.delay = 0;
        CHECK_STATUS(lacus_prep_create(&p, &n, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "delay = 0") != NULL);
        p.delay = 2;
        p.stride = -1;
        CHECK_STATUS(lacus_prep_create(&p, &n, &err), LACUS_ERR_ARG);
        lacus_prep_kind k;
        CHECK_STATUS(lacus_prep_kind_parse("minmaxx", &k), LACUS_ERR_ARG);
    }
    TEST("bad data") {
        n = make(LACUS_PREP_MINMAX);
        double x[6] = {1, 2, 3, NAN, 5, 6}, y[6];
        CHECK_STATUS(lacus_prep_transform(n, x, 1, 3, y, 3), LACUS_ERR_STATE);
        CHECK_STATUS(lacus_prep_partial_fit(n, x, 2, 3, 3), LACUS_ERR_NUMERIC);
        CHECK(strstr(lacus_prep_errmsg(n), "[1, 0] is NaN") != NULL);
        CHECK(!lacus_prep_is_fitted(n));
        CHECK_STATUS(lacus_prep_partial_fit(n, x, 1, 3, 3), LACUS_OK);
        CHECK_STATUS(lacus_prep_partial_fit(n, x, 1, 2, 2), LACUS_ERR_SHAPE);
        CHECK_STATUS(lacus_prep_transform(n, x, 2, 3, y, 3), LACUS_ERR_NUMERIC);
        CHECK_STATUS(lacus_prep_transform(n, x, 1, 3, y, 2), LACUS_ERR_SHAPE);
        CHECK_STATUS(lacus_prep_save(n, fx_tmp_path("ok.npz"), &err), LACUS_OK);
        lacus_prep_free(n);
        n = make(LACUS_PREP_ZSCORE);
        CHECK_STATUS(lacus_prep_save(n, fx_tmp_path("unfitted.npz"), &err), LACUS_ERR_STATE);
        lacus_seqs empty = {0, 3, NULL, NULL};
        CHECK_STATUS(lacus_prep_fit(n, &empty), LACUS_ERR_ARG);
        lacus_prep_free(n);
    }
    TEST("bad files") {
        const char *p = write_manifest("newer.npz", "{\"format\": \"lacus-prep\", \"format_version\": 99}");
        CHECK_STATUS(lacus_prep_load(p, &n, &err), LACUS_ERR_UNSUPPORTED);
        CHECK(strstr(err.msg, "version 99") != NULL && n == NULL);
        p = write_manifest("wrong.npz", "{\"format\": \"lacus-model\", \"format_version\": 1}");
        CHECK_STATUS(lacus_prep_load(p, &n, &err), LACUS_ERR_FORMAT);
        CHECK(strstr(err.msg, "lacus-prep") != NULL);
        p = write_manifest("nomember.npz",
                           "{\"format\": \"lacus-prep\", \"format_version\": 1, \"kind\": \"zscore\", "
                           "\"range\": [-1, 1], \"delay\": 2, \"stride\": 1, \"delay_drop\": false, "
                           "\"n_features\": 3, \"n_samples\": 10}");
        CHECK_STATUS(lacus_prep_load(p, &n, &err), LACUS_ERR_FORMAT);
        CHECK(strstr(err.msg, "mean") != NULL);
        {   /* a manifest that lies about the width: refused, nothing huge allocated */
            const char *json = "{\"format\": \"lacus-prep\", \"format_version\": 1, \"kind\": \"minmax\", "
                               "\"range\": [-1, 1], \"delay\": 2, \"stride\": 1, \"delay_drop\": false, "
                               "\"n_features\": 1000000000, \"n_samples\": 10}";
            double v[3] = {0, 1, 2};
            lacus_ndarray a = {LACUS_F64, 1, {3}, v};
            lacus_npz_writer *w = NULL;
            const char *lp = fx_tmp_path("lying.npz");
            CHECK(!lacus_npz_writer_open(lp, 0, &w, NULL) &&
                  !lacus_npz_writer_add_bytes(w, "manifest.json", json, strlen(json), NULL) &&
                  !lacus_npz_writer_add(w, "data_min", &a, NULL) && !lacus_npz_writer_add(w, "data_max", &a, NULL) &&
                  !lacus_npz_writer_commit(w, NULL));
            CHECK_STATUS(lacus_prep_load(lp, &n, &err), LACUS_ERR_FORMAT);
            CHECK(strstr(err.msg, "data_min has the wrong shape") != NULL);
        }
        p = write_manifest("badkind.npz",
                           "{\"format\": \"lacus-prep\", \"format_version\": 1, \"kind\": \"pca\"}");
        CHECK_STATUS(lacus_prep_load(p, &n, &err), LACUS_ERR_FORMAT);
        CHECK(strstr(err.msg, "kind") != NULL);
        CHECK_STATUS(lacus_prep_load(fx_tmp_path("missing.npz"), &n, &err), LACUS_ERR_IO);
    }
}

static void test_oom(void)
{
    TEST("every allocation failure is reported cleanly") {
        double x[20];
        for (int i = 0; i < 20; i++) x[i] = (double)(i % 7);
        for (int kind = 0; kind < 3; kind++) { /* minmax, zscore, onehot */
            int reached = 1;
            int64_t F = kind == LACUS_PREP_ONEHOT ? 1 : 2;
            for (long k = 1; reached && k < 200; k++) {
                lacus_prep *n = NULL;
                lacus_prep_params p = lacus_prep_params_default();
                p.kind = (lacus_prep_kind)kind;
                oom_arm(k);
                lacus_status st = lacus_prep_create(&p, &n, NULL);
                if (!st) st = lacus_prep_partial_fit(n, x, 10, F, F);
                reached = oom_reached();
                oom_disarm();
                CHECK(st == (reached ? LACUS_ERR_NOMEM : LACUS_OK));
                lacus_prep_free(n);
            }
        }
    }
}

int main(void)
{
    test_minmax();
    test_zscore();
    test_onehot();
    test_delay();
    test_save_load();
    test_bad_input();
    test_oom();
    TEST_MAIN_END();
}
