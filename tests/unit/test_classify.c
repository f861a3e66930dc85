/* Sequence classification: the three decision rules on a hand-computed
 * example, training against a plain-C ridge on hand-run states, accuracy
 * against a plain-C count, confusion-matrix properties, the synthetic vowels
 * task far above chance, thread invariance, files and bad input. */
#include <string.h>

#include "fixture.h"
#include "oom.h"
#include "test.h"

/* A 2-unit reservoir with identity activation, lr = 1, no bias:
 *   x1[t] = 0.5 x1[t-1] + u[t],   x2[t] = u[t]        (x[-1] = 0) */
static lacus_classifier *tiny(lacus_classify_mode mode, int64_t warmup, int64_t n_classes)
{
    lacus_classifier_params p = lacus_classifier_params_default();
    p.esn.reservoir.n_units = 2;
    p.esn.reservoir.n_inputs = 1;
    p.esn.reservoir.activation = LACUS_ACT_IDENTITY;
    p.esn.reservoir.input_connectivity = 1.0;
    p.esn.reservoir.rc_connectivity = 1.0;
    p.esn.warmup = warmup;
    p.esn.readout.ridge = 0.1;
    p.mode = mode;
    p.n_classes = n_classes;
    lacus_classifier *c = NULL;
    lacus_error err = {0};
    if (lacus_classifier_create(&p, &c, &err)) {
        fprintf(stderr, "create: %s\n", err.msg);
        exit(2);
    }
    lacus_reservoir *r = lacus_esn_reservoir(lacus_classifier_esn(c));
    const double W[4] = {0.5, 0, 0, 0}, Win[2] = {1, 1}, bias[2] = {0, 0};
    if (lacus_reservoir_set_W(r, W) || lacus_reservoir_set_Win(r, Win) || lacus_reservoir_set_bias(r, bias))
        exit(2);
    return c;
}

/* Three sequences: A = [1, 0, 0], B = [0, 1, 1, -1], C = [1, 0, 0, 0]. */
static const double uA[] = {1, 0, 0}, uB[] = {0, 1, 1, -1}, uC[] = {1, 0, 0, 0};
static const double *const u3[] = {uA, uB, uC};
static const int64_t T3[] = {3, 4, 4};

static void test_hand_rules(void)
{
    /* Scores: class 0 = x1, class 1 = x2, class 2 = 0.3 (bias only). */
    const double Wout[6] = {1, 0, 0, 0, 1, 0}, b[3] = {0, 0, 0.3};
    lacus_seqs s = {3, 1, u3, T3};
    int64_t lab[3];
    double sc[9];
    TEST("last state") {
        /* last states: A (0.25, 0), B (-0.25, -1), C (0.125, 0): scores
         * (0.25, 0, 0.3) -> 2, (-0.25, -1, 0.3) -> 2, (0.125, 0, 0.3) -> 2 */
        lacus_classifier *c = tiny(LACUS_CLASSIFY_LAST, 0, 3);
        CHECK_STATUS(lacus_classifier_set_readout(c, Wout, b), LACUS_OK);
        CHECK_STATUS(lacus_classifier_predict(c, &s, lab, sc), LACUS_OK);
        CHECK(lab[0] == 2 && lab[1] == 2 && lab[2] == 2);
        CHECK_CLOSE(sc[0], 0.25, 1e-15);
        CHECK_CLOSE(sc[3], -0.25, 1e-15);
        CHECK_CLOSE(sc[4], -1.0, 1e-15);
        CHECK_CLOSE(sc[6], 0.125, 1e-15);
        lacus_classifier_free(c);
    }
    TEST("mean state, warmup 0 and 2") {
        /* A: mean (1.75/3, 1/3) -> 0;  B: (2.25/4, 1/4) -> 0;  C: (1.875/4, 1/4) -> 0 */
        lacus_classifier *c = tiny(LACUS_CLASSIFY_MEAN, 0, 3);
        CHECK_STATUS(lacus_classifier_set_readout(c, Wout, b), LACUS_OK);
        CHECK_STATUS(lacus_classifier_predict(c, &s, lab, sc), LACUS_OK);
        CHECK(lab[0] == 0 && lab[1] == 0 && lab[2] == 0);
        CHECK_CLOSE(sc[0], 1.75 / 3, 1e-15);
        CHECK_CLOSE(sc[1], 1.0 / 3, 1e-15);
        CHECK_CLOSE(sc[3], 0.5625, 1e-15);
        CHECK_CLOSE(sc[6], 0.46875, 1e-15);
        lacus_classifier_free(c);
        /* warmup 2: A (0.25, 0) -> 2;  B (0.625, 0) -> 0;  C (0.1875, 0) -> 2 */
        c = tiny(LACUS_CLASSIFY_MEAN, 2, 3);
        CHECK_STATUS(lacus_classifier_set_readout(c, Wout, b), LACUS_OK);
        CHECK_STATUS(lacus_classifier_predict(c, &s, lab, sc), LACUS_OK);
        CHECK(lab[0] == 2 && lab[1] == 0 && lab[2] == 2);
        CHECK_CLOSE(sc[3], 0.625, 1e-15);
        CHECK_CLOSE(sc[6], 0.1875, 1e-15);
        lacus_classifier_free(c);
    }
    TEST("per-step vote, ties to the lowest class") {
        /* step argmaxes (a tie between x1 = x2 goes to class 0):
         * A: 0 0 2 -> 0 (2/3, 0, 1/3);  B: 2 0 0 2 -> tie 2:2 -> 0 (1/2, 0, 1/2);
         * C: 0 0 2 2 -> tie -> 0 */
        lacus_classifier *c = tiny(LACUS_CLASSIFY_VOTE, 0, 3);
        CHECK_STATUS(lacus_classifier_set_readout(c, Wout, b), LACUS_OK);
        CHECK_STATUS(lacus_classifier_predict(c, &s, lab, sc), LACUS_OK);
        CHECK(lab[0] == 0 && lab[1] == 0 && lab[2] == 0);
        CHECK_CLOSE(sc[0], 2.0 / 3, 1e-15);
        CHECK_CLOSE(sc[2], 1.0 / 3, 1e-15);
        CHECK_CLOSE(sc[3], 0.5, 1e-15);
        CHECK_CLOSE(sc[5], 0.5, 1e-15);
        lacus_classifier_free(c);
        /* warmup 2: A: 2 -> 2;  B: 0 2 -> tie -> 0;  C: 2 2 -> 2 */
        c = tiny(LACUS_CLASSIFY_VOTE, 2, 3);
        CHECK_STATUS(lacus_classifier_set_readout(c, Wout, b), LACUS_OK);
        CHECK_STATUS(lacus_classifier_predict(c, &s, lab, sc), LACUS_OK);
        CHECK(lab[0] == 2 && lab[1] == 0 && lab[2] == 2);
        CHECK_CLOSE(sc[8], 1.0, 1e-15);
        /* a sequence no longer than the warmup votes with its last step */
        const double u1[] = {5};
        const double *const one[] = {u1};
        const int64_t T1[] = {1};
        lacus_seqs s1 = {1, 1, one, T1};
        CHECK_STATUS(lacus_classifier_predict(c, &s1, lab, sc), LACUS_OK);
        CHECK(lab[0] == 0 && sc[0] == 1.0);
        lacus_classifier_free(c);
    }
}

/* Plain-C reference of training: states by the recurrence above, reduced
 * by the mode, then centred ridge on one-hot targets (2 features: a 2x2
 * solve by Cramer's rule). */
static void reference_fit(lacus_classify_mode mode, int64_t warmup, const lacus_seqs *s,
                          const int64_t *labels, int64_t C, double ridge, double *Wout, double *b)
{
    double rows[64][2], ys[64][8];
    int n = 0;
    for (int64_t i = 0; i < s->n_seqs; i++) {
        double x1 = 0, x2 = 0, m1 = 0, m2 = 0;
        int64_t T = s->n_steps[i], w = warmup < T ? warmup : T - 1, cnt = 0;
        for (int64_t t = 0; t < T; t++) {
            x1 = 0.5 * x1 + s->data[i][t];
            x2 = s->data[i][t];
            if (t >= w) {
                m1 += x1, m2 += x2, cnt++;
                if (mode == LACUS_CLASSIFY_VOTE) {
                    rows[n][0] = x1, rows[n][1] = x2;
                    for (int64_t k = 0; k < C; k++) ys[n][k] = k == labels[i];
                    n++;
                }
            }
        }
        if (mode == LACUS_CLASSIFY_VOTE) continue;
        rows[n][0] = mode == LACUS_CLASSIFY_LAST ? x1 : m1 / cnt;
        rows[n][1] = mode == LACUS_CLASSIFY_LAST ? x2 : m2 / cnt;
        for (int64_t k = 0; k < C; k++) ys[n][k] = k == labels[i];
        n++;
    }
    double mx[2] = {0, 0}, my[8] = {0};
    for (int r = 0; r < n; r++) {
        mx[0] += rows[r][0] / n, mx[1] += rows[r][1] / n;
        for (int64_t k = 0; k < C; k++) my[k] += ys[r][k] / n;
    }
    double A[2][2] = {{ridge, 0}, {0, ridge}}, B[2][8] = {{0}};
    for (int r = 0; r < n; r++)
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) A[i][j] += (rows[r][i] - mx[i]) * (rows[r][j] - mx[j]);
            for (int64_t k = 0; k < C; k++) B[i][k] += (rows[r][i] - mx[i]) * (ys[r][k] - my[k]);
        }
    double det = A[0][0] * A[1][1] - A[0][1] * A[1][0];
    for (int64_t k = 0; k < C; k++) {
        Wout[0 * C + k] = (A[1][1] * B[0][k] - A[0][1] * B[1][k]) / det;
        Wout[1 * C + k] = (A[0][0] * B[1][k] - A[1][0] * B[0][k]) / det;
        b[k] = my[k] - mx[0] * Wout[k] - mx[1] * Wout[C + k];
    }
}

static void test_fit_reference(void)
{
    static const double u0[] = {1, 0.2, -0.3, 0.5}, u1[] = {-1, 0.4, 0.1}, u2[] = {0.3, 0.3, 0.3, 0.3, -2},
                        u3b[] = {2}, u4[] = {-0.5, 1.5, -0.5, 0.7, 0.1, 0.9}, u5[] = {0.8, -0.9};
    const double *const d[] = {u0, u1, u2, u3b, u4, u5};
    const int64_t T[] = {4, 3, 5, 1, 6, 2}, labels[] = {0, 1, 2, 0, 1, 2};
    lacus_seqs s = {6, 1, d, T};
    for (int mode = 0; mode < 3; mode++) {
        TEST(lacus_classify_mode_name((lacus_classify_mode)mode)) {
            lacus_classifier *c = tiny((lacus_classify_mode)mode, 1, 3);
            CHECK_STATUS(lacus_classifier_fit(c, &s, labels), LACUS_OK);
            double W[6], b[3], Wr[6], br[3];
            CHECK_STATUS(lacus_ridge_get_weights(lacus_esn_readout(lacus_classifier_esn(c)), W, b), LACUS_OK);
            reference_fit((lacus_classify_mode)mode, 1, &s, labels, 3, 0.1, Wr, br);
            CHECK(test_max_rel_diff(W, Wr, 6, 1.0) <= 1e-12);
            CHECK(test_max_rel_diff(b, br, 3, 1.0) <= 1e-12);
            lacus_classifier_free(c);
        }
    }
}

static void test_metrics(void)
{
    TEST("accuracy = a plain count") {
        int64_t t[200], p[200];
        uint64_t st = 7;
        int64_t hits = 0;
        for (int i = 0; i < 200; i++) {
            st = st * 6364136223846793005ULL + 1442695040888963407ULL;
            t[i] = (int64_t)(st >> 60) % 5;
            p[i] = (st >> 20) % 3 == 0 ? (t[i] + 1) % 5 : t[i];
            hits += t[i] == p[i];
        }
        double acc = -1;
        CHECK_STATUS(lacus_accuracy(t, p, 200, &acc, NULL), LACUS_OK);
        CHECK(acc == (double)hits / 200.0);
        CHECK(hits > 100 && hits < 180); /* the generator made some errors */
        const int64_t a[5] = {0, 1, 2, 2, 1}, b[5] = {0, 2, 2, 2, 1};
        CHECK_STATUS(lacus_accuracy(a, b, 5, &acc, NULL), LACUS_OK);
        CHECK(acc == 0.8);
        CHECK_STATUS(lacus_accuracy(a, b, 0, &acc, NULL), LACUS_ERR_SHAPE);
        /* confusion: rows true, columns predicted; its properties */
        int64_t cm[25];
        CHECK_STATUS(lacus_confusion_matrix(t, p, 200, 5, cm, NULL), LACUS_OK);
        int64_t total = 0, trace = 0;
        for (int i = 0; i < 5; i++) {
            int64_t row = 0, col = 0, nt = 0, np = 0;
            for (int j = 0; j < 5; j++) row += cm[i * 5 + j], col += cm[j * 5 + i];
            for (int k = 0; k < 200; k++) nt += t[k] == i, np += p[k] == i;
            CHECK(row == nt && col == np);
            trace += cm[i * 5 + i];
            for (int j = 0; j < 5; j++) total += cm[i * 5 + j];
        }
        CHECK(total == 200 && trace == hits);
        int64_t c3[9];
        CHECK_STATUS(lacus_confusion_matrix(a, b, 5, 3, c3, NULL), LACUS_OK);
        const int64_t want[9] = {1, 0, 0, 0, 1, 1, 0, 0, 2};
        CHECK(memcmp(c3, want, sizeof want) == 0);
        lacus_error err = {0};
        CHECK_STATUS(lacus_confusion_matrix(a, b, 5, 2, c3, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "sample 1") != NULL);
    }
}

typedef struct {
    double *x;
    int64_t *len, *lab, n;
    double **ptr;
    lacus_seqs s;
} vowels_set;

static void vowels_make(vowels_set *v, int64_t per, uint64_t seed)
{
    lacus_vowels_params p = lacus_vowels_params_default();
    p.n_per_class = per;
    p.seed = seed;
    v->n = per * LACUS_VOWELS_CLASSES;
    v->len = malloc((size_t)v->n * sizeof *v->len);
    v->lab = malloc((size_t)v->n * sizeof *v->lab);
    v->ptr = malloc((size_t)v->n * sizeof *v->ptr);
    if (lacus_vowels_lengths(&p, v->len, NULL)) exit(2);
    int64_t rows = 0;
    for (int64_t i = 0; i < v->n; i++) rows += v->len[i];
    v->x = malloc((size_t)(rows * LACUS_VOWELS_DIMS) * sizeof *v->x);
    if (lacus_vowels(&p, v->x, NULL, v->lab, NULL)) exit(2);
    for (int64_t i = 0, off = 0; i < v->n; off += v->len[i] * LACUS_VOWELS_DIMS, i++) v->ptr[i] = v->x + off;
    v->s = (lacus_seqs){v->n, LACUS_VOWELS_DIMS, (const double *const *)v->ptr, v->len};
}

static void vowels_free(vowels_set *v)
{
    free(v->x), free(v->len), free(v->lab), free(v->ptr);
}

static void test_vowels_generator(void)
{
    TEST("vowels: shape, determinism, lengths") {
        vowels_set a, b, c;
        vowels_make(&a, 10, 1);
        vowels_make(&b, 10, 1);
        vowels_make(&c, 10, 2);
        int64_t rows = 0, lmin = 1000, lmax = 0;
        for (int64_t i = 0; i < a.n; i++) {
            rows += a.len[i];
            lmin = a.len[i] < lmin ? a.len[i] : lmin;
            lmax = a.len[i] > lmax ? a.len[i] : lmax;
            CHECK(a.lab[i] == i / 10);
        }
        CHECK(lmin >= 7 && lmax <= 29 && lmax - lmin >= 15);
        CHECK(memcmp(a.x, b.x, (size_t)(rows * 12) * sizeof(double)) == 0);
        CHECK(memcmp(a.len, c.len, (size_t)a.n * sizeof(int64_t)) != 0 || a.x[0] != c.x[0]);
        for (int64_t i = 0; i < rows * 12; i++) CHECK(isfinite(a.x[i]) && fabs(a.x[i]) < 10);
        vowels_free(&a), vowels_free(&b), vowels_free(&c);
        lacus_vowels_params p = lacus_vowels_params_default();
        lacus_error err = {0};
        int64_t len[9];
        p.min_len = 30;
        CHECK_STATUS(lacus_vowels_lengths(&p, len, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "min_len") != NULL);
        p = lacus_vowels_params_default();
        p.noise = -1;
        CHECK_STATUS(lacus_vowels_lengths(&p, len, &err), LACUS_ERR_ARG);
    }
}

static lacus_classifier *vowels_classifier(lacus_classify_mode mode)
{
    lacus_classifier_params p = lacus_classifier_params_default();
    p.esn.reservoir.n_units = 200;
    p.esn.reservoir.n_inputs = LACUS_VOWELS_DIMS;
    p.esn.reservoir.sr = 0.9;
    p.esn.reservoir.lr = 0.5;
    p.esn.reservoir.input_scaling = 0.5;
    p.esn.readout.ridge = 1e-3;
    p.mode = mode;
    p.n_classes = LACUS_VOWELS_CLASSES;
    lacus_classifier *c = NULL;
    if (lacus_classifier_create(&p, &c, NULL)) exit(2);
    return c;
}

static void test_vowels_task(void)
{
    vowels_set tr, te;
    vowels_make(&tr, 30, 1);
    vowels_make(&te, 20, 2);
    int64_t *pred = malloc((size_t)te.n * sizeof *pred), *pred2 = malloc((size_t)te.n * sizeof *pred2);
    double *sc = malloc((size_t)(te.n * 9) * sizeof *sc), *sc2 = malloc((size_t)(te.n * 9) * sizeof *sc2);
    for (int mode = 0; mode < 3; mode++) {
        TEST(lacus_classify_mode_name((lacus_classify_mode)mode)) {
            lacus_classifier *c = vowels_classifier((lacus_classify_mode)mode);
            CHECK_STATUS(lacus_classifier_fit(c, &tr.s, tr.lab), LACUS_OK);
            CHECK_STATUS(lacus_classifier_predict(c, &te.s, pred, sc), LACUS_OK);
            double acc = 0;
            CHECK_STATUS(lacus_accuracy(te.lab, pred, te.n, &acc, NULL), LACUS_OK);
            printf("vowels %s: test accuracy %.4f (chance 0.111)\n",
                   lacus_classify_mode_name((lacus_classify_mode)mode), acc);
            CHECK(acc >= 0.80); /* measured 0.93-0.98 with these settings */
            /* one thread gives the same numbers as two */
            lacus_set_num_threads(1);
            lacus_classifier *c1 = vowels_classifier((lacus_classify_mode)mode);
            CHECK_STATUS(lacus_classifier_fit(c1, &tr.s, tr.lab), LACUS_OK);
            CHECK_STATUS(lacus_classifier_predict(c1, &te.s, pred2, sc2), LACUS_OK);
            lacus_set_num_threads(2);
            CHECK(memcmp(sc, sc2, (size_t)(te.n * 9) * sizeof *sc) == 0);
            /* save / load: the same predictions; the file is also an ESN file */
            const char *path = fx_tmp_path("clf.npz");
            lacus_error err = {0};
            lacus_classifier *l = NULL;
            CHECK_STATUS(lacus_classifier_save(c, path, &err), LACUS_OK);
            CHECK_STATUS(lacus_classifier_load(path, &l, &err), LACUS_OK);
            if (l) {
                CHECK((int)lacus_classifier_mode(l) == mode && lacus_classifier_n_classes(l) == 9);
                CHECK_STATUS(lacus_classifier_predict(l, &te.s, pred2, sc2), LACUS_OK);
                CHECK(memcmp(sc, sc2, (size_t)(te.n * 9) * sizeof *sc) == 0);
            }
            lacus_esn *e = NULL;
            CHECK_STATUS(lacus_esn_load(path, &e, &err), LACUS_OK);
            CHECK(e && lacus_esn_n_outputs(e) == 9);
            if (mode == 0 && e) { /* a plain ESN file is not a classifier */
                CHECK_STATUS(lacus_esn_save(e, fx_tmp_path("esn.npz"), &err), LACUS_OK);
                lacus_classifier *bad = NULL;
                CHECK_STATUS(lacus_classifier_load(fx_tmp_path("esn.npz"), &bad, &err), LACUS_ERR_FORMAT);
                CHECK(strstr(err.msg, "classifier.json") != NULL && bad == NULL);
            }
            lacus_esn_free(e);
            lacus_classifier_free(l);
            lacus_classifier_free(c1);
            lacus_classifier_free(c);
        }
    }
    free(pred), free(pred2), free(sc), free(sc2);
    vowels_free(&tr);
    vowels_free(&te);
}

static void test_bad_input(void)
{
    TEST("bad parameters and data") {
        lacus_classifier_params p = lacus_classifier_params_default();
        p.esn.reservoir.n_units = 10;
        p.esn.reservoir.n_inputs = 1;
        p.esn.readout.ridge = 1e-3;
        lacus_classifier *c = NULL;
        lacus_error err = {0};
        p.n_classes = 1;
        CHECK_STATUS(lacus_classifier_create(&p, &c, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "n_classes = 1") != NULL);
        p.n_classes = 3;
        p.esn.feed_input = 1;
        CHECK_STATUS(lacus_classifier_create(&p, &c, &err), LACUS_ERR_UNSUPPORTED);
        p.esn.feed_input = 0;
        p.mode = (lacus_classify_mode)7;
        CHECK_STATUS(lacus_classifier_create(&p, &c, &err), LACUS_ERR_ARG);
        p.mode = LACUS_CLASSIFY_MEAN;
        CHECK_STATUS(lacus_classifier_create(&p, &c, &err), LACUS_OK);
        lacus_seqs s = {3, 1, u3, T3};
        int64_t lab[3] = {0, 3, 1}, out[3];
        CHECK_STATUS(lacus_classifier_predict(c, &s, out, NULL), LACUS_ERR_STATE);
        CHECK_STATUS(lacus_classifier_fit(c, &s, lab), LACUS_ERR_ARG);
        CHECK(strstr(lacus_classifier_errmsg(c), "sequence 1 is 3") != NULL);
        lab[1] = 2;
        const double nan_u[] = {1, NAN, 0};
        const double *const dn[] = {uA, nan_u, uC};
        lacus_seqs sn = {3, 1, dn, T3};
        CHECK_STATUS(lacus_classifier_fit(c, &sn, lab), LACUS_ERR_NUMERIC);
        lacus_seqs wrong = {3, 2, u3, T3};
        CHECK_STATUS(lacus_classifier_fit(c, &wrong, lab), LACUS_ERR_SHAPE);
        CHECK_STATUS(lacus_classifier_fit(c, &s, lab), LACUS_OK);
        CHECK_STATUS(lacus_classifier_predict(c, &sn, out, NULL), LACUS_ERR_NUMERIC);
        lacus_classify_mode m;
        CHECK_STATUS(lacus_classify_mode_parse("majority", &m), LACUS_ERR_ARG);
        lacus_classifier_free(c);
    }
}

static void test_oom(void)
{
    TEST("every allocation failure in create, fit, predict and save is reported cleanly") {
        static const double u0[] = {1, 0.2, -0.3, 0.5}, u1[] = {-1, 0.4, 0.1}, u2[] = {0.3, 0.3, -2};
        const double *const d[] = {u0, u1, u2};
        const int64_t T[] = {4, 3, 3}, labels[] = {0, 1, 1};
        lacus_seqs s = {3, 1, d, T};
        for (int mode = 0; mode < 3; mode++) {
            int reached = 1;
            for (long k = 1; reached && k < 400; k++) {
                lacus_classifier_params p = lacus_classifier_params_default();
                p.esn.reservoir.n_units = 8;
                p.esn.reservoir.n_inputs = 1;
                p.esn.readout.ridge = 1e-2;
                p.mode = (lacus_classify_mode)mode;
                p.n_classes = 2;
                lacus_classifier *c = NULL;
                int64_t pred[3];
                oom_arm(k);
                lacus_status st = lacus_classifier_create(&p, &c, NULL);
                if (!st) st = lacus_classifier_fit(c, &s, labels);
                if (!st) st = lacus_classifier_predict(c, &s, pred, NULL);
                if (!st) st = lacus_classifier_save(c, fx_tmp_path("oom.npz"), NULL);
                reached = oom_reached();
                oom_disarm();
                CHECK(st == (reached ? LACUS_ERR_NOMEM : LACUS_OK));
                lacus_classifier_free(c);
            }
            CHECK(!reached); /* the loop ran to a success */
        }
    }
}

int main(void)
{
    test_hand_rules();
    test_fit_reference();
    test_metrics();
    test_vowels_generator();
    test_vowels_task();
    test_bad_input();
    test_oom();
    TEST_MAIN_END();
}
