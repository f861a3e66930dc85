/* Prep and online nodes inside model graphs.
 *  - RLS and LMS readouts in a Model, against ReservoirPy 0.4.2 itself
 *    (tests/ref/make_graph_fixtures.py online): Model.fit (forced teaching,
 *    OnlineNode.fit) and Model.partial_fit (step by step, each node's
 *    prediction after its update fed downstream), within 1e-8.
 *  - Prep nodes: a graph that scales its input (minmax, zscore) or embeds it
 *    (delay) gives the predictions of the same graph without the prep node
 *    fed with data scaled or embedded by hand here (plain C, independent of
 *    src/nodes/preprocess.c), both in the node-by-node and the step-by-step
 *    (feedback) run; save/load is bit-identical.
 * SHOW=1 prints every difference. */
#include <math.h>
#include <string.h>

#include "fixture.h"
#include "test.h"
#include "graph_fixture.h"

static double rel(const char *what, const double *a, const double *b, long n, double tol)
{
    double d = test_max_rel_diff(a, b, n, 1e-300);
    if (getenv("SHOW") || !(d <= tol)) fprintf(stderr, "  %s: max rel diff %.2e (tol %.0e)\n", what, d, tol);
    return d;
}


static void check_weights(lacus_graph *g, int64_t id, lacus_npz *z, const char *wk, const char *bk)
{
    lacus_ndarray Wr = fx_get(z, wk), br = fx_get(z, bk);
    int64_t F = Wr.shape[0], O = Wr.shape[1];
    double *W = calloc((size_t)(F * O), sizeof *W), *b = calloc((size_t)O, sizeof *b);
    CHECK(lacus_graph_node_width(g, id) == O);
    CHECK_STATUS(lacus_online_get_weights(lacus_graph_online(g, id), W, b), LACUS_OK);
    CHECK(rel(wk, W, Wr.data, (long)(F * O), 1e-8) <= 1e-8);
    CHECK(rel(bk, b, br.data, (long)O, 1e-8) <= 1e-8);
    free(W);
    free(b);
    lacus_ndarray_free(&Wr);
    lacus_ndarray_free(&br);
}

/* u >> res0 >> node; Model.fit then run. */
static void online_fit_case(const char *file, lacus_online_method method, double alpha)
{
    lacus_npz *z = fx_open(file);
    lacus_ndarray u = fx_get(z, "u"), ut = fx_get(z, "u_test"), y = fx_get(z, "y0"), pr = fx_get(z, "pred0");
    int64_t T = u.shape[0], Tt = ut.shape[0], I = u.shape[1], O = y.shape[1];
    lacus_graph *g = NULL;
    lacus_error err = {0};
    CHECK_STATUS(lacus_graph_create(&g, &err), LACUS_OK);
    lacus_reservoir_params rp = res_params(z, 0);
    lacus_online_params op = lacus_online_params_default();
    op.method = method;
    op.alpha = alpha;
    op.n_outputs = O;
    int64_t r, o, w[1] = {I};
    CHECK_STATUS(lacus_graph_add_reservoir(g, "res0", &rp, &r), LACUS_OK);
    CHECK_STATUS(lacus_graph_add_online(g, "node", &op, &o), LACUS_OK);
    CHECK_STATUS(lacus_graph_connect(g, r, o, 0), LACUS_OK);
    CHECK(lacus_graph_readouts(g, NULL, 0) == 1);
    CHECK_STATUS(lacus_graph_initialize(g, w), LACUS_OK);
    set_res(g, r, z, 0);
    const double *ud = u.data, *utd = ut.data, *yd = y.data;
    lacus_seqs U = {1, I, &ud, &T}, Ut = {1, I, &utd, &Tt}, Y = {1, O, &yd, &T};
    const lacus_seqs *ins[1] = {&U}, *ins_t[1] = {&Ut}, *tg[1] = {&Y};
    CHECK_STATUS(lacus_graph_fit(g, ins, tg, (int64_t)fx_scalar(z, "warmup")), LACUS_OK);
    check_weights(g, o, z, "Wout0", "bout0");
    double *p = calloc((size_t)(Tt * O), sizeof *p), *q = calloc((size_t)(Tt * O), sizeof *q);
    double *const outs[1] = {p}, *const outs2[1] = {q};
    double *const *per[2] = {NULL, outs}, *const *per2[2] = {NULL, outs2};
    CHECK_STATUS(lacus_graph_run(g, ins_t, per), LACUS_OK);
    CHECK(rel("pred0", p, pr.data, (long)(Tt * O), 1e-8) <= 1e-8);
    /* Save and load: the same predictions, bit for bit. */
    const char *path = fx_tmp_path("graph2_online.npz");
    CHECK_STATUS(lacus_graph_save(g, path, &err), LACUS_OK);
    lacus_graph *h = NULL;
    CHECK_STATUS(lacus_graph_load(path, &h, &err), LACUS_OK);
    if (h) {
        CHECK(lacus_graph_node_kind(h, 1) == LACUS_NODE_ONLINE);
        CHECK_STATUS(lacus_graph_run(h, ins_t, per2), LACUS_OK);
        CHECK(memcmp(p, q, (size_t)(Tt * O) * sizeof *p) == 0);
    }
    lacus_graph_free(h);
    free(p);
    free(q);
    lacus_graph_free(g);
    lacus_ndarray_free(&u);
    lacus_ndarray_free(&ut);
    lacus_ndarray_free(&y);
    lacus_ndarray_free(&pr);
    lacus_npz_close(z);
}

/* Min-max scaling to [-1, 1] by hand, statistics from train. */
static void minmax_by_hand(const double *train, int64_t T, const double *x, int64_t n, int64_t F,
                           double *out)
{
    for (int64_t j = 0; j < F; j++) {
        double lo = INFINITY, hi = -INFINITY;
        for (int64_t t = 0; t < T; t++) {
            lo = fmin(lo, train[t * F + j]);
            hi = fmax(hi, train[t * F + j]);
        }
        for (int64_t t = 0; t < n; t++) out[t * F + j] = -1.0 + 2.0 * (x[t * F + j] - lo) / (hi - lo);
    }
}

static void zscore_by_hand(const double *train, int64_t T, const double *x, int64_t n, int64_t F,
                           double *out)
{
    for (int64_t j = 0; j < F; j++) {
        double m = 0, v = 0;
        for (int64_t t = 0; t < T; t++) m += train[t * F + j];
        m /= (double)T;
        for (int64_t t = 0; t < T; t++) v += (train[t * F + j] - m) * (train[t * F + j] - m);
        double sd = sqrt(v / (double)T);
        for (int64_t t = 0; t < n; t++) out[t * F + j] = (x[t * F + j] - m) / sd;
    }
}

/* [u[t], u[t-s], ..., u[t-(k-1)s]], zeros before the start. */
static void delay_by_hand(const double *x, int64_t n, int64_t F, int64_t k, int64_t s, double *out)
{
    for (int64_t t = 0; t < n; t++)
        for (int64_t j = 0; j < k; j++)
            for (int64_t f = 0; f < F; f++)
                out[t * k * F + j * F + f] = t - j * s >= 0 ? x[(t - j * s) * F + f] : 0.0;
}

/* A graph in >> [prep >>] res >> ro (and ro >> 1 >> res when feedback). */
static lacus_graph *make(const lacus_prep_params *pp, int feedback, int64_t *ro)
{
    lacus_graph *g = NULL;
    lacus_error err = {0};
    CHECK_STATUS(lacus_graph_create(&g, &err), LACUS_OK);
    lacus_reservoir_params rp = lacus_reservoir_params_default();
    rp.n_units = 40;
    rp.lr = 0.6;
    rp.sr = 0.9;
    rp.seed = 5;
    lacus_ridge_params dp = lacus_ridge_params_default();
    dp.ridge = 1e-4;
    dp.n_outputs = 1;
    int64_t in, p = -1, r;
    CHECK_STATUS(lacus_graph_add_input(g, "in", 2, &in), LACUS_OK);
    if (pp) CHECK_STATUS(lacus_graph_add_prep(g, "scale", pp, &p), LACUS_OK);
    CHECK_STATUS(lacus_graph_add_reservoir(g, "res", &rp, &r), LACUS_OK);
    CHECK_STATUS(lacus_graph_add_ridge(g, "ro", &dp, ro), LACUS_OK);
    if (pp) {
        CHECK_STATUS(lacus_graph_connect(g, in, p, 0), LACUS_OK);
        CHECK_STATUS(lacus_graph_connect(g, p, r, 0), LACUS_OK);
    } else {
        CHECK_STATUS(lacus_graph_connect(g, in, r, 0), LACUS_OK);
    }
    CHECK_STATUS(lacus_graph_connect(g, r, *ro, 0), LACUS_OK);
    if (feedback) CHECK_STATUS(lacus_graph_connect(g, *ro, r, 1), LACUS_OK);
    return g;
}

enum { T = 300, TT = 120, F = 2 };

/* Fits on (u, y), runs on u_test; out (TT). by_hand: the graph has no prep
 * node and the data were transformed here, in which case the reservoir's
 * input width is the transformed one. */
static void fit_run(lacus_graph *g, int64_t ro, const double *u, int64_t Fu, const double *y,
                    const double *ut, double *out)
{
    const double *ud = u, *utd = ut, *yd = y;
    int64_t Tn = T, Ttn = TT;
    lacus_seqs U = {1, Fu, &ud, &Tn}, Ut = {1, Fu, &utd, &Ttn}, Y = {1, 1, &yd, &Tn};
    const lacus_seqs *ins[1] = {&U}, *ins_t[1] = {&Ut}, *tg[1] = {&Y};
    CHECK_STATUS(lacus_graph_fit(g, ins, tg, 10), LACUS_OK);
    if (lacus_graph_errmsg(g)[0]) fprintf(stderr, "  fit: %s\n", lacus_graph_errmsg(g));
    double *const outs[1] = {out};
    double *const *per[4] = {0};
    per[ro] = outs;
    CHECK_STATUS(lacus_graph_run(g, ins_t, per), LACUS_OK);
}

static void prep_case(const char *what, lacus_prep_kind kind, int feedback)
{
    static double u[T * F], ut[TT * F], y[T], hand[T * F * 3], hand_t[TT * F * 3];
    for (int t = 0; t < T + TT; t++) {
        /* Large offsets and scales, so that scaling matters. */
        double a = 50.0 + 20.0 * sin(0.07 * t), b = -3e3 + 800.0 * cos(0.031 * t) * sin(0.011 * t);
        if (t < T) {
            u[t * F] = a;
            u[t * F + 1] = b;
            y[t] = sin(0.07 * (t + 3));
        } else {
            ut[(t - T) * F] = a;
            ut[(t - T) * F + 1] = b;
        }
    }
    lacus_prep_params pp = lacus_prep_params_default();
    pp.kind = kind;
    pp.delay = 3;
    pp.stride = 2;
    int64_t Fh = kind == LACUS_PREP_DELAY ? 3 * F : F;
    if (kind == LACUS_PREP_MINMAX) {
        minmax_by_hand(u, T, u, T, F, hand);
        minmax_by_hand(u, T, ut, TT, F, hand_t);
    } else if (kind == LACUS_PREP_ZSCORE) {
        zscore_by_hand(u, T, u, T, F, hand);
        zscore_by_hand(u, T, ut, TT, F, hand_t);
    } else {
        delay_by_hand(u, T, F, 3, 2, hand);
        delay_by_hand(ut, TT, F, 3, 2, hand_t);
    }
    int64_t ro_a, ro_b;
    lacus_graph *a = make(&pp, feedback, &ro_a), *b = make(NULL, feedback, &ro_b);
    /* b's input node reads the transformed width. */
    lacus_graph_free(b);
    {
        lacus_error err = {0};
        CHECK_STATUS(lacus_graph_create(&b, &err), LACUS_OK);
        lacus_reservoir_params rp = lacus_reservoir_params_default();
        rp.n_units = 40;
        rp.lr = 0.6;
        rp.sr = 0.9;
        rp.seed = 5;
        lacus_ridge_params dp = lacus_ridge_params_default();
        dp.ridge = 1e-4;
        dp.n_outputs = 1;
        int64_t in, r;
        CHECK_STATUS(lacus_graph_add_input(b, "in", Fh, &in), LACUS_OK);
        CHECK_STATUS(lacus_graph_add_reservoir(b, "res", &rp, &r), LACUS_OK);
        CHECK_STATUS(lacus_graph_add_ridge(b, "ro", &dp, &ro_b), LACUS_OK);
        CHECK_STATUS(lacus_graph_connect(b, in, r, 0), LACUS_OK);
        CHECK_STATUS(lacus_graph_connect(b, r, ro_b, 0), LACUS_OK);
        if (feedback) CHECK_STATUS(lacus_graph_connect(b, ro_b, r, 1), LACUS_OK);
    }
    double pa[TT], pb[TT], pc[TT];
    fit_run(a, ro_a, u, F, y, ut, pa);
    CHECK(lacus_graph_node_width(a, 1) == Fh);
    fit_run(b, ro_b, hand, Fh, y, hand_t, pb);
    /* The reservoirs draw the same matrices from the same seed; the scaled
     * data differ from the hand-scaled ones by rounding only. */
    char label[96];
    snprintf(label, sizeof label, "%s: graph with prep vs by hand", what);
    double tol = kind == LACUS_PREP_DELAY ? 0.0 : 1e-9;
    CHECK(rel(label, pa, pb, TT, tol) <= tol);
    /* Save and load: bit-identical. */
    lacus_error err = {0};
    const char *path = fx_tmp_path("graph2_prep.npz");
    CHECK_STATUS(lacus_graph_save(a, path, &err), LACUS_OK);
    lacus_graph *h = NULL;
    CHECK_STATUS(lacus_graph_load(path, &h, &err), LACUS_OK);
    if (h) {
        CHECK(lacus_graph_node_kind(h, 1) == LACUS_NODE_PREP);
        CHECK(lacus_prep_get_kind(lacus_graph_prep(h, 1)) == kind);
        const double *utd = ut;
        int64_t Ttn = TT;
        lacus_seqs Ut = {1, F, &utd, &Ttn};
        const lacus_seqs *ins_t[1] = {&Ut};
        double *const outs[1] = {pc};
        double *const *per[4] = {0};
        per[ro_a] = outs;
        CHECK_STATUS(lacus_graph_run(h, ins_t, per), LACUS_OK);
        CHECK(memcmp(pa, pc, sizeof pa) == 0);
    } else {
        fprintf(stderr, "  load: %s\n", err.msg);
    }
    lacus_graph_free(h);
    lacus_graph_free(a);
    lacus_graph_free(b);
}

int main(void)
{
    TEST("RLS node in a Model, fit (forced teaching) and run, vs ReservoirPy") {
        online_fit_case("graph2/online_fit_rls.npz", LACUS_ONLINE_RLS, 1e-3);
    }
    TEST("LMS node in a Model, fit and run, vs ReservoirPy") {
        online_fit_case("graph2/online_fit_lms.npz", LACUS_ONLINE_LMS, 0.02);
    }
    TEST("partial_fit: in >> res0, [in, res0] >> rls >> res1 >> lms, vs ReservoirPy") {
        lacus_npz *z = fx_open("graph2/online_partial.npz");
        lacus_ndarray u = fx_get(z, "u"), ut = fx_get(z, "u_test");
        lacus_ndarray yr = fx_get(z, "y_rls"), yl = fx_get(z, "y_lms"), yr2 = fx_get(z, "y2_rls"),
                      yl2 = fx_get(z, "y2_lms"), o1 = fx_get(z, "train_lms"), o2 = fx_get(z, "train2_lms");
        int64_t T1 = u.shape[0], T2 = ut.shape[0], I = u.shape[1];
        int64_t a, b;
        lacus_graph *g = online_chain(z, I, &a, &b);
        for (int pass = 0; pass < 2; pass++) {
            lacus_ndarray *x = pass ? &ut : &u, *y1 = pass ? &yr2 : &yr, *y2 = pass ? &yl2 : &yl;
            lacus_ndarray *ref = pass ? &o2 : &o1;
            int64_t n = pass ? T2 : T1;
            const double *xd = x->data, *y1d = y1->data, *y2d = y2->data;
            lacus_seqs X = {1, I, &xd, &n}, Y1 = {1, 2, &y1d, &n}, Y2 = {1, 1, &y2d, &n};
            const lacus_seqs *ins[1] = {&X}, *tg[2] = {&Y1, &Y2};
            double *o = calloc((size_t)n, sizeof *o);
            double *const outs[1] = {o};
            double *const *per[5] = {0};
            per[b] = outs;
            CHECK_STATUS(lacus_graph_partial_fit(g, ins, tg, per), LACUS_OK);
            if (lacus_graph_errmsg(g)[0]) fprintf(stderr, "  %s\n", lacus_graph_errmsg(g));
            CHECK(rel(pass ? "train2_lms" : "train_lms", o, ref->data, (long)n, 1e-8) <= 1e-8);
            free(o);
        }
        check_weights(g, a, z, "Wout_rls", "bout_rls");
        check_weights(g, b, z, "Wout_lms", "bout_lms");
        /* Targets of the wrong width are refused before any step. */
        {
            const double *xd = u.data, *y1d = yl.data;
            lacus_seqs X = {1, I, &xd, &T1}, Bad = {1, 1, &y1d, &T1};
            const lacus_seqs *ins[1] = {&X}, *tg[2] = {&Bad, &Bad};
            CHECK_STATUS(lacus_graph_partial_fit(g, ins, tg, NULL), LACUS_ERR_SHAPE);
            CHECK(strstr(lacus_graph_errmsg(g), "rls") != NULL);
        }
        lacus_graph_free(g);
        lacus_ndarray *all[] = {&u, &ut, &yr, &yl, &yr2, &yl2, &o1, &o2};
        for (size_t k = 0; k < sizeof all / sizeof *all; k++) lacus_ndarray_free(all[k]);
        lacus_npz_close(z);
    }
    TEST("minmax prep node = scaling to [-1, 1] by hand") { prep_case("minmax", LACUS_PREP_MINMAX, 0); }
    TEST("zscore prep node = standardising by hand") { prep_case("zscore", LACUS_PREP_ZSCORE, 0); }
    TEST("delay prep node = embedding by hand") { prep_case("delay", LACUS_PREP_DELAY, 0); }
    TEST("minmax prep node, step-by-step run (output feedback)") { prep_case("minmax+feedback", LACUS_PREP_MINMAX, 1); }
    TEST("delay prep node, step-by-step run (output feedback)") { prep_case("delay+feedback", LACUS_PREP_DELAY, 1); }
    TEST("lacus_graph_fit_dist on one process = lacus_graph_fit (to rounding), 3 sequences") {
        enum { S = 3, TS = 150 };
        static double u[S][TS * 2], y[S][TS];
        const double *ud[S], *yd[S];
        int64_t steps[S] = {TS, TS - 20, TS - 47};
        for (int q = 0; q < S; q++) {
            for (int t = 0; t < TS; t++) {
                u[q][2 * t] = 10.0 + 3.0 * sin(0.09 * t + q);
                u[q][2 * t + 1] = cos(0.05 * t * (q + 1));
                y[q][t] = sin(0.09 * (t + 2) + q);
            }
            ud[q] = u[q];
            yd[q] = y[q];
        }
        lacus_seqs U = {S, 2, ud, steps}, Y = {S, 1, yd, steps};
        const lacus_seqs *ins[1] = {&U}, *tg[1] = {&Y};
        lacus_prep_params pp = lacus_prep_params_default();
        int64_t ro1, ro2;
        lacus_graph *a = make(&pp, 0, &ro1), *b = make(&pp, 0, &ro2);
        CHECK_STATUS(lacus_graph_fit(a, ins, tg, 5), LACUS_OK);
        CHECK_STATUS(lacus_graph_fit_dist(b, ins, tg, 5), LACUS_OK);
        double Wa[41], Wb[41], ba, bb;
        CHECK_STATUS(lacus_ridge_get_weights(lacus_graph_ridge(a, ro1), Wa, &ba), LACUS_OK);
        CHECK_STATUS(lacus_ridge_get_weights(lacus_graph_ridge(b, ro2), Wb, &bb), LACUS_OK);
        CHECK(rel("dist vs plain Wout", Wa, Wb, 40, 1e-9) <= 1e-9);
        CHECK(rel("dist vs plain bout", &ba, &bb, 1, 1e-9) <= 1e-9);
        lacus_graph_free(a);
        lacus_graph_free(b);
    }
    TEST("prep misuse: onehot, delay_drop, NaN in the data") {
        lacus_graph *g = NULL;
        lacus_error err = {0};
        CHECK_STATUS(lacus_graph_create(&g, &err), LACUS_OK);
        lacus_prep_params pp = lacus_prep_params_default();
        int64_t id;
        pp.kind = LACUS_PREP_ONEHOT;
        CHECK_STATUS(lacus_graph_add_prep(g, "oh", &pp, &id), LACUS_ERR_UNSUPPORTED);
        CHECK(strstr(lacus_graph_errmsg(g), "onehot") != NULL);
        pp.kind = LACUS_PREP_DELAY;
        pp.delay_drop = 1;
        CHECK_STATUS(lacus_graph_add_prep(g, "d", &pp, &id), LACUS_ERR_UNSUPPORTED);
        pp = lacus_prep_params_default();
        pp.range_lo = 2;
        pp.range_hi = 1;
        CHECK_STATUS(lacus_graph_add_prep(g, "bad", &pp, &id), LACUS_ERR_ARG);
        lacus_graph_free(g);
        int64_t ro;
        pp = lacus_prep_params_default();
        g = make(&pp, 0, &ro);
        double u[40], y[20];
        for (int i = 0; i < 40; i++) u[i] = i;
        for (int i = 0; i < 20; i++) y[i] = 0.1 * i;
        u[13] = NAN;
        const double *ud = u, *yd = y;
        int64_t n = 20;
        lacus_seqs U = {1, 2, &ud, &n}, Y = {1, 1, &yd, &n};
        const lacus_seqs *ins[1] = {&U}, *tg[1] = {&Y};
        lacus_status st = lacus_graph_fit(g, ins, tg, 0);
        CHECK(st == LACUS_ERR_NUMERIC || st == LACUS_ERR_ARG);
        CHECK(strstr(lacus_graph_errmsg(g), "scale") != NULL || strstr(lacus_graph_errmsg(g), "NaN") != NULL);
        lacus_graph_free(g);
    }
    TEST_MAIN_END();
}
