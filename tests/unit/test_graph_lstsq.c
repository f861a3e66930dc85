/* Graph ridge nodes with the least-squares solver (LACUS_SOLVER_LSTSQ):
 * the graph keeps every training row for the node, as lacus_esn_fit does,
 * so in >> reservoir >> ridge(lstsq) gives the ESN's weights with the same
 * solver on the same data (equal, both being dgelsd on the same rows); the
 * model file keeps the solver, a loaded graph predicts the same and can be
 * refitted; and at a ridge where the normal equations are accurate, lstsq
 * and the Cholesky solve agree. */
#include <string.h>

#include "fixture.h"
#include "lacus.h"
#include "test.h"

enum { T = 400, N = 60, WARM = 20, O = 2 };

static lacus_reservoir_params res_params(void)
{
    lacus_reservoir_params rp = lacus_reservoir_params_default();
    rp.n_units = N, rp.n_inputs = 1, rp.lr = 0.5, rp.sr = 0.9, rp.seed = 11;
    return rp;
}

static lacus_graph *graph(lacus_solver solver, double ridge)
{
    lacus_graph *g = NULL;
    lacus_error err = {0};
    if (lacus_graph_create(&g, &err)) return NULL;
    lacus_reservoir_params rp = res_params();
    lacus_ridge_params dp = lacus_ridge_params_default();
    dp.n_outputs = O, dp.ridge = ridge, dp.solver = solver;
    int64_t in, res, ro, w = 1;
    if (lacus_graph_add_input(g, "in", 1, &in) || lacus_graph_add_reservoir(g, "res", &rp, &res) ||
        lacus_graph_add_ridge(g, "ro", &dp, &ro) || lacus_graph_connect(g, in, res, 0) ||
        lacus_graph_connect(g, res, ro, 0) || lacus_graph_initialize(g, &w)) {
        lacus_graph_free(g);
        return NULL;
    }
    return g;
}

static double max_rel(const double *a, const double *b, int64_t n)
{
    double d = 0.0, m = 0.0;
    for (int64_t i = 0; i < n; i++) {
        d = fmax(d, fabs(a[i] - b[i]));
        m = fmax(m, fabs(b[i]));
    }
    return d / m;
}

int main(void)
{
    /* Input: the MSO2 series; targets: the next value and its square. */
    static double u[T], y[T * O], next[T + 1];
    CHECK_STATUS(lacus_mso2(T + 1, 1, next, NULL), LACUS_OK);
    for (int t = 0; t < T; t++) u[t] = next[t], y[t * O] = next[t + 1], y[t * O + 1] = u[t] * u[t];
    const double *up = u, *yp = y;
    int64_t steps = T;
    lacus_seqs U = {1, 1, &up, &steps}, Y = {1, O, &yp, &steps};
    const lacus_seqs *ins[1] = {&U}, *tg[1] = {&Y};
    const int64_t F = N;
    double We[N * O], be[O], Wg[N * O], bg[O];

    TEST("graph ridge node with lstsq = ESN with lstsq (ridge 0 and 1e-6)") {
        for (int k = 0; k < 2; k++) {
            double ridge = k ? 1e-6 : 0.0;
            lacus_esn_params ep = lacus_esn_params_default();
            ep.reservoir = res_params();
            ep.readout.ridge = ridge, ep.readout.solver = LACUS_SOLVER_LSTSQ;
            ep.warmup = WARM;
            lacus_esn *e = NULL;
            CHECK_STATUS(lacus_esn_create(&ep, &e, NULL), LACUS_OK);
            CHECK_STATUS(lacus_esn_fit(e, &U, &Y), LACUS_OK);
            CHECK(lacus_ridge_last_solver(lacus_esn_readout(e)) == LACUS_SOLVER_LSTSQ);
            lacus_ridge_get_weights(lacus_esn_readout(e), We, be);
            lacus_graph *g = graph(LACUS_SOLVER_LSTSQ, ridge);
            CHECK(g != NULL);
            if (!g) continue;
            lacus_status st = lacus_graph_fit(g, ins, tg, WARM);
            CHECK_STATUS(st, LACUS_OK);
            if (st) printf("graph fit: %s\n", lacus_graph_errmsg(g));
            lacus_ridge *r = lacus_graph_ridge(g, lacus_graph_find(g, "ro"));
            CHECK(lacus_ridge_last_solver(r) == LACUS_SOLVER_LSTSQ);
            CHECK(lacus_ridge_n_samples(r) == T - WARM);
            lacus_ridge_get_weights(r, Wg, bg);
            double dw = max_rel(Wg, We, F * O), db = max_rel(bg, be, O);
            printf("ridge %g: graph vs ESN, lstsq: max rel |dWout| %.3g, |db| %.3g (%s)\n", ridge,
                   dw, db, memcmp(Wg, We, sizeof We) || memcmp(bg, be, sizeof be) ? "not bitwise" : "bitwise");
            CHECK(memcmp(Wg, We, sizeof We) == 0 && memcmp(bg, be, sizeof be) == 0);
            lacus_graph_free(g);
            lacus_esn_free(e);
        }
    }

    TEST("lstsq = Cholesky at ridge 1e-2 on the graph; the solver is saved, reloaded, refitted") {
        lacus_graph *a = graph(LACUS_SOLVER_LSTSQ, 1e-2), *c = graph(LACUS_SOLVER_PRIMAL, 1e-2);
        CHECK_STATUS(lacus_graph_fit(a, ins, tg, WARM), LACUS_OK);
        CHECK_STATUS(lacus_graph_fit(c, ins, tg, WARM), LACUS_OK);
        int64_t ro = lacus_graph_find(a, "ro");
        lacus_ridge_get_weights(lacus_graph_ridge(a, ro), Wg, bg);
        lacus_ridge_get_weights(lacus_graph_ridge(c, ro), We, be);
        double d = max_rel(Wg, We, F * O);
        printf("ridge 1e-2: lstsq vs Cholesky max rel |dWout| %.3g\n", d);
        CHECK(d <= 1e-9);
        CHECK(d > 0.0); /* two different solvers really ran */
        const char *path = fx_tmp_path("graph_lstsq.npz");
        lacus_error err = {0};
        CHECK_STATUS(lacus_graph_save(a, path, &err), LACUS_OK);
        lacus_graph *b = NULL;
        CHECK_STATUS(lacus_graph_load(path, &b, &err), LACUS_OK);
        if (b) {
            double pa[T * O], pb[T * O];
            double *oa[1] = {pa}, *ob[1] = {pb};
            double *const *outa[3] = {NULL, NULL, oa}, *const *outb[3] = {NULL, NULL, ob};
            CHECK_STATUS(lacus_graph_run(a, ins, outa), LACUS_OK);
            CHECK_STATUS(lacus_graph_run(b, ins, outb), LACUS_OK);
            CHECK(memcmp(pa, pb, sizeof pa) == 0);
            /* The manifest says lstsq; refitting the loaded graph keeps the rows again. */
            void *buf = NULL;
            size_t len = 0;
            lacus_npz *z = NULL;
            CHECK_STATUS(lacus_npz_open(path, &z, &err), LACUS_OK);
            CHECK_STATUS(lacus_npz_read_bytes(z, "manifest.json", &buf, &len, &err), LACUS_OK);
            CHECK(buf && strstr(buf, "\"lstsq\"") != NULL);
            lacus_free(buf);
            lacus_npz_close(z);
            CHECK_STATUS(lacus_graph_fit(b, ins, tg, WARM), LACUS_OK);
            lacus_ridge_get_weights(lacus_graph_ridge(b, ro), We, be);
            CHECK(lacus_ridge_last_solver(lacus_graph_ridge(b, ro)) == LACUS_SOLVER_LSTSQ);
            CHECK(memcmp(Wg, We, sizeof We) == 0);
        }
        lacus_graph_free(a);
        lacus_graph_free(b);
        lacus_graph_free(c);
    }
    TEST_MAIN_END();
}
