/* lacus_prep_fit_dist in one process (no launcher: one rank), against the
 * scikit-learn 1.5.2 fixtures of test_preprocess (MinMaxScaler,
 * StandardScaler, OneHotEncoder) and against lacus_prep_fit: minmax and
 * onehot exact, zscore within 1e-14; the sequences given in another order
 * (same ids) give the same node bit for bit, which is what makes the
 * multi-rank node (tests/cli/test_mpi_prep.sh) independent of the spread.
 * Plus bad input: NaN named by the sequence's id, NULL ids, empty data. */
#include <string.h>

#include "fixture.h"
#include "test.h"

static lacus_prep *make(lacus_prep_kind kind)
{
    lacus_prep_params p = lacus_prep_params_default();
    p.kind = kind;
    lacus_prep *n = NULL;
    if (lacus_prep_create(&p, &n, NULL)) exit(2);
    return n;
}

/* The fixture's training rows cut into its sequences; order[i] is the
 * position of the sequence placed i-th, ids[i] its global id. */
typedef struct split {
    const double *ptr[16];
    int64_t steps[16], ids[16], n;
} split;

static void cut(const lacus_ndarray *train, const lacus_ndarray *len, int reverse, split *s)
{
    int64_t F = train->shape[1], off = 0, n = len->shape[0];
    const double *p[16];
    int64_t st[16];
    for (int64_t i = 0; i < n && i < 16; i++) {
        st[i] = (int64_t)((double *)len->data)[i];
        p[i] = (double *)train->data + off * F;
        off += st[i];
    }
    s->n = n < 16 ? n : 16;
    for (int64_t i = 0; i < s->n; i++) {
        int64_t k = reverse ? s->n - 1 - i : i;
        s->ptr[i] = p[k];
        s->steps[i] = st[k];
        s->ids[i] = 1000 + k; /* any unique numbers */
    }
}

static void test_scalers(void)
{
    lacus_npz *z = fx_open("present/scale.npz");
    lacus_ndarray train = fx_get(z, "train"), len = fx_get(z, "lengths");
    lacus_ndarray mn = fx_get(z, "minmax_min"), mx = fx_get(z, "minmax_max");
    lacus_ndarray mean = fx_get(z, "zscore_mean"), var = fx_get(z, "zscore_var");
    const int64_t F = train.shape[1], R = train.shape[0];
    split fw, bw;
    cut(&train, &len, 0, &fw);
    cut(&train, &len, 1, &bw);
    lacus_seqs sf = {fw.n, F, fw.ptr, fw.steps}, sb = {bw.n, F, bw.ptr, bw.steps};
    double a[8], b[8], a2[8], b2[8];
    int64_t ns = 0;
    TEST("minmax over ranks = MinMaxScaler, exactly") {
        CHECK(fw.n >= 2); /* the fixture has several sequences to reorder */
        lacus_prep *p = make(LACUS_PREP_MINMAX);
        CHECK_STATUS(lacus_prep_fit_dist(p, &sb, bw.ids), LACUS_OK);
        CHECK_STATUS(lacus_prep_get_stats(p, a, b, &ns), LACUS_OK);
        CHECK(ns == R);
        for (int64_t j = 0; j < F; j++) {
            CHECK(a[j] == ((double *)mn.data)[j]);
            CHECK(b[j] == ((double *)mx.data)[j]);
        }
        lacus_prep_free(p);
    }
    TEST("zscore over ranks = StandardScaler and lacus_prep_fit within 1e-14, order-free") {
        lacus_prep *p = make(LACUS_PREP_ZSCORE), *q = make(LACUS_PREP_ZSCORE), *r = make(LACUS_PREP_ZSCORE);
        CHECK_STATUS(lacus_prep_fit_dist(p, &sf, fw.ids), LACUS_OK);
        CHECK_STATUS(lacus_prep_fit_dist(q, &sb, bw.ids), LACUS_OK);
        CHECK_STATUS(lacus_prep_fit(r, &sf), LACUS_OK);
        CHECK_STATUS(lacus_prep_get_stats(p, a, b, &ns), LACUS_OK);
        CHECK_STATUS(lacus_prep_get_stats(q, a2, b2, NULL), LACUS_OK);
        CHECK(ns == R);
        /* Same ids, other order: the same shift K and the same rounded
         * double-double sums, so the same bits. */
        CHECK(memcmp(a, a2, (size_t)F * sizeof *a) == 0);
        CHECK(memcmp(b, b2, (size_t)F * sizeof *b) == 0);
        for (int64_t j = 0; j < F; j++) {
            CHECK_CLOSE(a[j], ((double *)mean.data)[j], 1e-14);
            double v = ((double *)var.data)[j];
            CHECK(fabs(b[j] - v) <= 1e-14 * v); /* column 1: var 1e-6 at offset 1e6 */
        }
        CHECK(b[2] == 0.0); /* the constant column */
        CHECK_STATUS(lacus_prep_get_stats(r, a2, b2, NULL), LACUS_OK);
        for (int64_t j = 0; j < F; j++) {
            CHECK_CLOSE(a[j], a2[j], 1e-14);
            CHECK(fabs(b[j] - b2[j]) <= 1e-14 * b2[j]);
        }
        /* Transforms agree with the single-process node to rounding. */
        double y[64 * 4], y2[64 * 4];
        int64_t n = R < 64 ? R : 64;
        CHECK_STATUS(lacus_prep_transform(p, train.data, n, F, y, F), LACUS_OK);
        CHECK_STATUS(lacus_prep_transform(r, train.data, n, F, y2, F), LACUS_OK);
        CHECK(test_max_rel_diff(y, y2, n * F, 1.0) <= 1e-9); /* col 1: eps * 1e6 / 1e-3 */
        lacus_prep_free(p);
        lacus_prep_free(q);
        lacus_prep_free(r);
    }
    TEST("bad input: NaN named by id, NULL ids, empty, no sequences") {
        lacus_prep *p = make(LACUS_PREP_ZSCORE);
        static double bad[3 * 4];
        memcpy(bad, train.data, sizeof bad);
        bad[7] = NAN;
        const double *pp[2] = {train.data, bad};
        int64_t st[2] = {3, 3}, ids[2] = {5, 77};
        lacus_seqs s = {2, F, pp, st};
        CHECK_STATUS(lacus_prep_fit_dist(p, &s, ids), LACUS_ERR_NUMERIC);
        CHECK(strstr(lacus_prep_errmsg(p), "sequence 77") != NULL);
        CHECK(strstr(lacus_prep_errmsg(p), "NaN") != NULL);
        /* a failed fit leaves the node unfitted */
        CHECK_STATUS(lacus_prep_get_stats(p, a, b, NULL), LACUS_ERR_STATE);
        CHECK_STATUS(lacus_prep_fit_dist(p, &sf, NULL), LACUS_ERR_ARG);
        int64_t zero[2] = {0, 0};
        lacus_seqs e = {2, F, pp, zero};
        CHECK_STATUS(lacus_prep_fit_dist(p, &e, ids), LACUS_ERR_ARG);
        CHECK(strstr(lacus_prep_errmsg(p), "empty") != NULL);
        lacus_seqs none = {0, F, NULL, NULL};
        CHECK_STATUS(lacus_prep_fit_dist(p, &none, NULL), LACUS_ERR_ARG);
        CHECK(strstr(lacus_prep_errmsg(p), "no sequences") != NULL);
        lacus_prep_free(p);
    }
    lacus_ndarray *all[] = {&train, &len, &mn, &mx, &mean, &var};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) lacus_ndarray_free(all[i]);
    lacus_npz_close(z);
}

static void test_onehot(void)
{
    lacus_npz *z = fx_open("present/onehot.npz");
    lacus_ndarray tr = fx_get(z, "labels_train"), cats = fx_get(z, "categories");
    const int64_t n = tr.shape[0], K = cats.shape[0];
    TEST("onehot over ranks = OneHotEncoder's categories") {
        /* The labels cut in three sequences, given last first. */
        const double *pp[3];
        int64_t st[3], ids[3] = {2, 1, 0}, c = n / 3;
        pp[0] = (double *)tr.data + 2 * c, st[0] = n - 2 * c;
        pp[1] = (double *)tr.data + c, st[1] = c;
        pp[2] = (double *)tr.data, st[2] = c;
        lacus_seqs s = {3, 1, pp, st};
        lacus_prep *p = make(LACUS_PREP_ONEHOT);
        CHECK_STATUS(lacus_prep_fit_dist(p, &s, ids), LACUS_OK);
        CHECK(lacus_prep_n_outputs(p) == K);
        double got[16];
        int64_t ns = 0;
        CHECK_STATUS(lacus_prep_get_stats(p, got, NULL, &ns), LACUS_OK);
        CHECK(ns == n);
        for (int64_t k = 0; k < K && k < 16; k++) CHECK(got[k] == ((double *)cats.data)[k]);
        lacus_prep_free(p);
    }
    lacus_ndarray_free(&tr);
    lacus_ndarray_free(&cats);
    lacus_npz_close(z);
}

int main(void)
{
    test_scalers();
    test_onehot();
    TEST_MAIN_END();
}
