/* Model graphs against ReservoirPy 0.4.2 itself (tests/ref/
 * make_graph_fixtures.py): a chain, a merge, a deep ESN, a chain with
 * output feedback, a hierarchical ESN with a target per readout, and a
 * 3-step delayed feedback. Same W, Win and bias as ReservoirPy's; the
 * trained readouts and the test-run predictions must agree to 1e-8
 * (relative to the largest value). Also: save/load, 1 vs 2 threads.
 * SHOW=1 prints every difference, not only failing ones. */
#include <string.h>

#include "test.h"
#include "graph_fixture.h"

enum { MAXN = 8, MAXR = 4 };

typedef struct {
    const char *name;
    lacus_graph *g;
    int64_t res_id[MAXR], ro_id[2], n_res, n_ro;
    int pred_of[2]; /* which readouts the fixture has predictions of */
} model;

static double **alloc_seq(int64_t T, int64_t w)
{
    double **o = malloc(sizeof *o);
    o[0] = calloc((size_t)(T * w), sizeof(double));
    return o;
}

static void add_res(model *m, lacus_npz *z, int k)
{
    char key[32];
    snprintf(key, sizeof key, "res%d_W", k);
    lacus_ndarray W = fx_get(z, key);
    snprintf(key, sizeof key, "res%d_lr", k);
    lacus_reservoir_params p = lacus_reservoir_params_default();
    p.n_units = W.shape[0];
    p.n_inputs = 1;
    p.lr = fx_scalar(z, key);
    p.sr = 0.0;
    snprintf(key, sizeof key, "res%d", k);
    CHECK_STATUS(lacus_graph_add_reservoir(m->g, key, &p, &m->res_id[m->n_res++]), LACUS_OK);
    lacus_ndarray_free(&W);
}

static void add_ro(model *m, lacus_npz *z, int j)
{
    char key[16];
    snprintf(key, sizeof key, "y%d", j);
    lacus_ndarray y = fx_get(z, key);
    lacus_ridge_params p = lacus_ridge_params_default();
    p.ridge = fx_scalar(z, "ridge");
    p.n_outputs = y.shape[1];
    snprintf(key, sizeof key, "ro%d", j);
    CHECK_STATUS(lacus_graph_add_ridge(m->g, key, &p, &m->ro_id[m->n_ro++]), LACUS_OK);
    lacus_ndarray_free(&y);
}

/* Sets ReservoirPy's matrices, fits, runs, compares. */
static void check_model(model *m, lacus_npz *z)
{
    lacus_ndarray u = fx_get(z, "u"), ut = fx_get(z, "u_test");
    int64_t T = u.shape[0], Tt = ut.shape[0], I = u.shape[1];
    int64_t n_in = lacus_graph_inputs(m->g, NULL, 0);
    int64_t widths[MAXN];
    for (int64_t k = 0; k < n_in; k++) widths[k] = I;
    CHECK_STATUS(lacus_graph_initialize(m->g, widths), LACUS_OK);
    for (int k = 0; k < m->n_res; k++) set_res(m->g, m->res_id[k], z, k);
    char key[32];
    const double *ud = u.data, *utd = ut.data;
    lacus_seqs U = {1, I, &ud, &T}, Ut = {1, I, &utd, &Tt};
    const lacus_seqs *ins[MAXN], *ins_t[MAXN], *tg[2];
    for (int64_t k = 0; k < n_in; k++) {
        ins[k] = &U;
        ins_t[k] = &Ut;
    }
    lacus_ndarray y[2];
    const double *yd[2];
    lacus_seqs Y[2];
    for (int j = 0; j < m->n_ro; j++) {
        snprintf(key, sizeof key, "y%d", j);
        y[j] = fx_get(z, key);
        yd[j] = y[j].data;
        Y[j] = (lacus_seqs){1, y[j].shape[1], &yd[j], &T};
        tg[j] = &Y[j];
    }
    CHECK_STATUS(lacus_graph_fit(m->g, ins, tg, (int64_t)fx_scalar(z, "warmup")), LACUS_OK);
    if (lacus_graph_errmsg(m->g)[0]) fprintf(stderr, "%s: %s\n", m->name, lacus_graph_errmsg(m->g));
    for (int j = 0; j < m->n_ro; j++) {
        lacus_ridge *r = lacus_graph_ridge(m->g, m->ro_id[j]);
        snprintf(key, sizeof key, "Wout%d", j);
        lacus_ndarray Wr = fx_get(z, key);
        snprintf(key, sizeof key, "bout%d", j);
        lacus_ndarray br = fx_get(z, key);
        double *W = calloc((size_t)(Wr.shape[0] * Wr.shape[1]), sizeof(double));
        double *b = calloc((size_t)Wr.shape[1], sizeof(double));
        CHECK_STATUS(lacus_ridge_get_weights(r, W, b), LACUS_OK);
        double dW = test_max_rel_diff(W, Wr.data, (long)(Wr.shape[0] * Wr.shape[1]), 1e-300);
        double db = test_max_rel_diff(b, br.data, (long)Wr.shape[1], 1e-300);
        if (getenv("SHOW") || !(dW <= 1e-8 && db <= 1e-8)) fprintf(stderr, "%s ro%d: Wout %.2e bout %.2e\n", m->name, j, dW, db);
        CHECK(dW <= 1e-8);
        CHECK(db <= 1e-8);
        free(W);
        free(b);
        lacus_ndarray_free(&Wr);
        lacus_ndarray_free(&br);
    }
    /* Run: predictions of each readout the fixture has; 1 and 2 threads. */
    for (int threads = 1; threads <= 2; threads++) {
        lacus_set_num_threads(threads);
        double *const *outs[MAXN] = {0};
        double **p[2] = {0};
        for (int j = 0; j < m->n_ro; j++)
            if (m->pred_of[j]) outs[m->ro_id[j]] = p[j] = alloc_seq(Tt, Y[j].n_features);
        CHECK_STATUS(lacus_graph_run(m->g, ins_t, outs), LACUS_OK);
        for (int j = 0; j < m->n_ro; j++) {
            if (!m->pred_of[j]) continue;
            snprintf(key, sizeof key, "pred%d", j);
            lacus_ndarray pr = fx_get(z, key);
            double d = test_max_rel_diff(p[j][0], pr.data, (long)(Tt * Y[j].n_features), 1e-300);
            if (getenv("SHOW") || !(d <= 1e-8)) fprintf(stderr, "%s pred%d (%d threads): %.2e\n", m->name, j, threads, d);
            CHECK(d <= 1e-8);
            lacus_ndarray_free(&pr);
            free(p[j][0]);
            free(p[j]);
        }
    }
    /* Save and load: the same predictions bit for bit. */
    const char *path = fx_tmp_path("graph.npz");
    lacus_error err = {0};
    CHECK_STATUS(lacus_graph_save(m->g, path, &err), LACUS_OK);
    lacus_graph *h = NULL;
    CHECK_STATUS(lacus_graph_load(path, &h, &err), LACUS_OK);
    if (h) {
        int j = m->pred_of[0] ? 0 : 1;
        double **a = alloc_seq(Tt, Y[j].n_features), **b = alloc_seq(Tt, Y[j].n_features);
        double *const *oa[MAXN] = {0}, *const *ob[MAXN] = {0};
        oa[m->ro_id[j]] = a;
        ob[m->ro_id[j]] = b;
        CHECK_STATUS(lacus_graph_run(m->g, ins_t, oa), LACUS_OK);
        CHECK_STATUS(lacus_graph_run(h, ins_t, ob), LACUS_OK);
        CHECK(memcmp(a[0], b[0], (size_t)(Tt * Y[j].n_features) * sizeof(double)) == 0);
        CHECK(lacus_graph_n_nodes(h) == lacus_graph_n_nodes(m->g));
        free(a[0]); free(a); free(b[0]); free(b);
        lacus_graph_free(h);
    } else {
        fprintf(stderr, "%s: load: %s\n", m->name, err.msg);
    }
    for (int j = 0; j < m->n_ro; j++) lacus_ndarray_free(&y[j]);
    lacus_ndarray_free(&u);
    lacus_ndarray_free(&ut);
}

static model start(const char *name)
{
    model m;
    memset(&m, 0, sizeof m);
    m.name = name;
    m.pred_of[0] = 1;
    lacus_error err = {0};
    CHECK_STATUS(lacus_graph_create(&m.g, &err), LACUS_OK);
    return m;
}

static void finish_case(model *m, const char *file)
{
    lacus_npz *z = fx_open(file);
    check_model(m, z);
    lacus_npz_close(z);
    lacus_graph_free(m->g);
}

int main(void)
{
    lacus_graph *G;
    TEST("chain: u >> res0 >> res1 >> ro") {
        model m = start("chain");
        lacus_npz *z = fx_open("graph/chain.npz");
        add_res(&m, z, 0); add_res(&m, z, 1); add_ro(&m, z, 0);
        lacus_npz_close(z);
        G = m.g;
        CHECK_STATUS(lacus_graph_connect(G, m.res_id[0], m.res_id[1], 0), LACUS_OK);
        CHECK_STATUS(lacus_graph_connect(G, m.res_id[1], m.ro_id[0], 0), LACUS_OK);
        CHECK(lacus_graph_inputs(G, NULL, 0) == 1);
        finish_case(&m, "graph/chain.npz");
    }
    TEST("merge: [res0, res1] >> ro, both reading u") {
        model m = start("merge");
        lacus_npz *z = fx_open("graph/merge.npz");
        add_res(&m, z, 0); add_res(&m, z, 1); add_ro(&m, z, 0);
        lacus_npz_close(z);
        CHECK_STATUS(lacus_graph_connect(m.g, m.res_id[0], m.ro_id[0], 0), LACUS_OK);
        CHECK_STATUS(lacus_graph_connect(m.g, m.res_id[1], m.ro_id[0], 0), LACUS_OK);
        CHECK(lacus_graph_inputs(m.g, NULL, 0) == 2);
        finish_case(&m, "graph/merge.npz");
    }
    TEST("deep ESN (lacus_graph_deep_esn): in >> res0 >> res1 >> res2, [in, res...] >> ro") {
        model m = start("deep");
        lacus_npz *z = fx_open("graph/deep.npz");
        lacus_reservoir_params lp[3];
        for (int k = 0; k < 3; k++) {
            char key[32];
            snprintf(key, sizeof key, "res%d_W", k);
            lacus_ndarray W = fx_get(z, key);
            lp[k] = lacus_reservoir_params_default();
            lp[k].n_units = W.shape[0];
            lp[k].sr = 0.0;
            snprintf(key, sizeof key, "res%d_lr", k);
            lp[k].lr = fx_scalar(z, key);
            lacus_ndarray_free(&W);
        }
        lacus_ndarray y = fx_get(z, "y0");
        lacus_ridge_params rp = lacus_ridge_params_default();
        rp.ridge = fx_scalar(z, "ridge");
        rp.n_outputs = y.shape[1];
        lacus_ndarray_free(&y);
        lacus_npz_close(z);
        CHECK_STATUS(lacus_graph_deep_esn(m.g, 2, 3, lp, &rp, 1), LACUS_OK);
        m.n_res = 3;
        for (int k = 0; k < 3; k++) m.res_id[k] = 1 + k;
        m.n_ro = 1;
        m.ro_id[0] = 4;
        CHECK(lacus_graph_node_kind(m.g, 4) == LACUS_NODE_RIDGE);
        finish_case(&m, "graph/deep.npz");
    }
    TEST("feedback: u >> res0 >> res1 >> ro, res0 << ro") {
        model m = start("feedback");
        lacus_npz *z = fx_open("graph/feedback.npz");
        add_res(&m, z, 0); add_res(&m, z, 1); add_ro(&m, z, 0);
        lacus_npz_close(z);
        CHECK_STATUS(lacus_graph_connect(m.g, m.res_id[0], m.res_id[1], 0), LACUS_OK);
        CHECK_STATUS(lacus_graph_connect(m.g, m.res_id[1], m.ro_id[0], 0), LACUS_OK);
        CHECK_STATUS(lacus_graph_connect(m.g, m.ro_id[0], m.res_id[0], 1), LACUS_OK);
        finish_case(&m, "graph/feedback.npz");
    }
    TEST("hierarchical: u >> res0 >> ro0 >> res1 >> ro1, forced teaching") {
        model m = start("hierarchical");
        lacus_npz *z = fx_open("graph/hierarchical.npz");
        add_res(&m, z, 0);
        add_ro(&m, z, 0);
        add_res(&m, z, 1);
        add_ro(&m, z, 1);
        lacus_npz_close(z);
        m.pred_of[0] = 0;
        m.pred_of[1] = 1;
        CHECK_STATUS(lacus_graph_connect(m.g, m.res_id[0], m.ro_id[0], 0), LACUS_OK);
        CHECK_STATUS(lacus_graph_connect(m.g, m.ro_id[0], m.res_id[1], 0), LACUS_OK);
        CHECK_STATUS(lacus_graph_connect(m.g, m.res_id[1], m.ro_id[1], 0), LACUS_OK);
        finish_case(&m, "graph/hierarchical.npz");
    }
    TEST("3-step delay: u >> res0 >> ro, ro >> 3 >> res0") {
        model m = start("delay");
        lacus_npz *z = fx_open("graph/delay.npz");
        add_res(&m, z, 0); add_ro(&m, z, 0);
        lacus_npz_close(z);
        CHECK_STATUS(lacus_graph_connect(m.g, m.res_id[0], m.ro_id[0], 0), LACUS_OK);
        CHECK_STATUS(lacus_graph_connect(m.g, m.ro_id[0], m.res_id[0], 3), LACUS_OK);
        finish_case(&m, "graph/delay.npz");
    }
    TEST("misuse") {
        lacus_error err = {0};
        lacus_graph *g = NULL;
        CHECK_STATUS(lacus_graph_create(&g, &err), LACUS_OK);
        lacus_reservoir_params p = lacus_reservoir_params_default();
        p.n_units = 10;
        lacus_ridge_params rp = lacus_ridge_params_default();
        rp.n_outputs = 1;
        int64_t a, b, c, in;
        CHECK_STATUS(lacus_graph_add_input(g, "in", 2, &in), LACUS_OK);
        CHECK_STATUS(lacus_graph_add_reservoir(g, "a", &p, &a), LACUS_OK);
        CHECK_STATUS(lacus_graph_add_reservoir(g, "a", &p, &b), LACUS_ERR_ARG);
        CHECK(strstr(lacus_graph_errmsg(g), "exists already") != NULL);
        CHECK_STATUS(lacus_graph_add_reservoir(g, "b", &p, &b), LACUS_OK);
        CHECK_STATUS(lacus_graph_add_ridge(g, "ro", &rp, &c), LACUS_OK);
        CHECK_STATUS(lacus_graph_connect(g, a, in, 0), LACUS_ERR_ARG);
        CHECK_STATUS(lacus_graph_connect(g, a, 9, 0), LACUS_ERR_ARG);
        CHECK_STATUS(lacus_graph_connect(g, a, a, 0), LACUS_ERR_ARG);
        CHECK_STATUS(lacus_graph_connect(g, in, a, 0), LACUS_OK);
        CHECK_STATUS(lacus_graph_connect(g, a, b, 0), LACUS_OK);
        CHECK_STATUS(lacus_graph_connect(g, b, a, 0), LACUS_OK); /* a cycle */
        CHECK_STATUS(lacus_graph_connect(g, b, c, 0), LACUS_OK);
        int64_t w[1] = {2};
        CHECK_STATUS(lacus_graph_initialize(g, w), LACUS_ERR_ARG);
        CHECK(strstr(lacus_graph_errmsg(g), "cycle") != NULL);
        lacus_graph_free(g);
    }
    TEST_MAIN_END();
}
