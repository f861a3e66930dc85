/* Backward tuning, second round: weight sharing (the gradient of a tied
 * weight is the finite difference of moving the whole group, and equals the
 * sum of the untied gradients), the statistical criterion's cross products
 * (adjoint = finite differences) and its projection (constraints met; the
 * mean-only case equals its closed form), and the readout-only solve (equal
 * to the normal equations solved here by hand; zero readout gradient after
 * it; a fed-back readout lowers the free-running cost). */
#include <string.h>

#include "lacus.h"
#include "oom.h"
#include "test.h"

static double cost_at(lacus_tune_net *net, const lacus_tune_criterion *c, const double *u,
                      const double *y, int64_t T, const double *W)
{
    int64_t Nn = lacus_tune_net_n_nodes(net);
    double *x = malloc((size_t)(T * Nn) * sizeof *x), C = NAN;
    lacus_tune_net_set_weights(net, W, NULL);
    lacus_tune_forward(net, u, T, x, NULL);
    lacus_tune_cost(net, c, x, y, NULL, T, &C, NULL);
    free(x);
    return C;
}

static void root_problem(lacus_tune_unit unit, int64_t N, int64_t T, uint64_t seed, double *u, double *y)
{
    lacus_tune_net_params rp = lacus_tune_net_params_default();
    rp.unit = unit;
    rp.n_units = N;
    rp.seed = seed;
    CHECK_STATUS(lacus_tune_root_target(&rp, T, seed + 100, u, y, NULL), LACUS_OK);
}

static lacus_tune_net *learner(lacus_tune_unit unit, int64_t N, uint64_t seed)
{
    lacus_tune_net_params lp = lacus_tune_net_params_default();
    lp.unit = unit;
    lp.n_units = N;
    lp.seed = seed;
    lp.init_mean = -0.1;
    lp.init_std = 0.3 / sqrt((double)N);
    lacus_tune_net *net = NULL;
    CHECK_STATUS(lacus_tune_net_create(&lp, &net, NULL), LACUS_OK);
    return net;
}

/* Two connection weights of different nodes. */
static void two_edges(lacus_tune_net *net, int64_t *a, int64_t *b)
{
    *a = *b = -1;
    for (int64_t j = 0; j < lacus_tune_net_n_weights(net); j++) {
        lacus_tune_weight_info wi;
        lacus_tune_net_weight_info(net, j, &wi);
        if (!wi.sparse || !wi.learnable || wi.edge_src >= lacus_tune_net_n_units(net)) continue;
        if (*a < 0 && wi.edge_dst == 0 && wi.edge_src == 1) *a = j;
        if (*b < 0 && wi.edge_dst == 2 && wi.edge_src == 0) *b = j;
    }
}

static void test_tie(void)
{
    TEST("weight sharing: summed gradient = group finite difference; fit keeps the tie")
    {
        const int64_t N = 4, T = 80;
        double u[80], y[80];
        root_problem(LACUS_TUNE_LNL, N, T, 5, u, y);
        lacus_tune_net *net = learner(LACUS_TUNE_LNL, N, 9), *free_net = NULL;
        CHECK_STATUS(lacus_tune_net_clone(net, &free_net, NULL), LACUS_OK);
        int64_t a, b, nw = lacus_tune_net_n_weights(net);
        two_edges(net, &a, &b);
        CHECK(a >= 0 && b >= 0 && a != b);
        lacus_error err = {0};
        CHECK_STATUS(lacus_tune_net_tie(net, a, b, &err), LACUS_OK);
        CHECK(lacus_tune_net_tied_to(net, b) == (a < b ? a : b));
        double *W = malloc((size_t)nw * sizeof *W), *g = malloc((size_t)nw * sizeof *g),
               *g0 = malloc((size_t)nw * sizeof *g0);
        lacus_tune_net_get_weights(net, W);
        CHECK(W[a] == W[b]);
        /* The untied net at the same point. */
        lacus_tune_net_set_weights(free_net, W, NULL);
        lacus_tune_criterion c = lacus_tune_criterion_default();
        CHECK_STATUS(lacus_tune_gradient(net, &c, u, y, NULL, T, 0, g, NULL, NULL, NULL, NULL, &err), LACUS_OK);
        CHECK_STATUS(lacus_tune_gradient(free_net, &c, u, y, NULL, T, 0, g0, NULL, NULL, NULL, NULL, &err),
                     LACUS_OK);
        CHECK(g[a] == g[b]);
        CHECK_CLOSE(g[a], g0[a] + g0[b], 1e-12);
        CHECK(fabs(g0[a]) > 1e-6 && fabs(g0[b]) > 1e-6); /* both members matter */
        const double h = 1e-6;
        W[a] += h, W[b] += h;
        double cp = cost_at(net, &c, u, y, T, W);
        W[a] -= 2 * h, W[b] -= 2 * h;
        double cm = cost_at(net, &c, u, y, T, W);
        W[a] += h, W[b] += h;
        lacus_tune_net_set_weights(net, W, NULL);
        double fd = (cp - cm) / (2 * h);
        CHECK(fabs(g[a] - fd) <= 1e-6 * fabs(fd));
        /* Every method keeps the members equal and lowers the cost. */
        for (int m = 0; m < 4; m++) {
            lacus_tune_net *k = NULL;
            CHECK_STATUS(lacus_tune_net_clone(net, &k, NULL), LACUS_OK);
            lacus_tune_params p = lacus_tune_params_default();
            p.method = (lacus_tune_method)m;
            p.max_iter = 8;
            lacus_tune_result r;
            CHECK_STATUS(lacus_tune_fit(k, u, y, T, &c, &p, &r, &err), LACUS_OK);
            double *Wk = malloc((size_t)nw * sizeof *Wk);
            lacus_tune_net_get_weights(k, Wk);
            CHECK(Wk[a] == Wk[b]);
            CHECK(Wk[a] != W[a]);
            CHECK(r.cost < r.cost0);
            free(Wk);
            lacus_tune_net_free(k);
        }
        /* set_weights projects onto the tie by the group mean. */
        W[a] = 1.0, W[b] = 0.0;
        lacus_tune_net_set_weights(net, W, NULL);
        lacus_tune_net_get_weights(net, W);
        CHECK(W[a] == 0.5 && W[b] == 0.5);
        /* The structure is frozen after a tie. */
        lacus_tune_kernel kk = lacus_tune_kernel_make(LACUS_TK_ID, 1, 1, 0.1);
        CHECK_STATUS(lacus_tune_net_add_kernel(net, 0, &kk, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "before weights are tied") != NULL);
        /* Bounds that do not overlap, a bad index. */
        lacus_tune_net_set_bounds(free_net, a, 0.0, 1.0);
        lacus_tune_net_set_bounds(free_net, b, 2.0, 3.0);
        CHECK_STATUS(lacus_tune_net_tie(free_net, a, b, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "do not overlap") != NULL);
        CHECK_STATUS(lacus_tune_net_tie(free_net, a, nw, &err), LACUS_ERR_ARG);
        free(W), free(g), free(g0);
        lacus_tune_net_free(net);
        lacus_tune_net_free(free_net);
    }
}

static void test_stat_cross(void)
{
    TEST("stat criterion with cross products: adjoint = finite differences")
    {
        const int64_t N = 3, T = 120;
        double u[120], y1[120], y[240];
        root_problem(LACUS_TUNE_LNL, N, T, 21, u, y1);
        for (int64_t t = 0; t < T; t++) y[2 * t] = y1[t], y[2 * t + 1] = 0.5 * y1[t] + 0.1;
        lacus_tune_net *net = learner(LACUS_TUNE_LNL, N, 22);
        lacus_tune_criterion c = lacus_tune_criterion_default();
        c.type = LACUS_TUNE_STAT;
        c.n_observed = 2;
        c.stat_lags = 3;
        c.stat_cross = 1;
        CHECK(lacus_tune_stat_count(&c) == 2 * 4 + 1);
        int64_t nw = lacus_tune_net_n_weights(net);
        double *g = malloc((size_t)nw * sizeof *g), *W = malloc((size_t)nw * sizeof *W);
        lacus_error err = {0};
        double C;
        CHECK_STATUS(lacus_tune_gradient(net, &c, u, y, NULL, T, 0, g, &C, NULL, NULL, NULL, &err), LACUS_OK);
        lacus_tune_net_get_weights(net, W);
        c.stat_cross = 0;
        double Cnc = cost_at(net, &c, u, y, T, W);
        c.stat_cross = 1;
        CHECK(C > Cnc); /* the cross term is counted */
        double worst = 0, gmax = 0;
        int64_t nc = 0;
        for (int64_t j = 0; j < nw; j++) gmax = fmax(gmax, fabs(g[j]));
        for (int64_t j = 0; j < nw; j++) {
            lacus_tune_weight_info wi;
            lacus_tune_net_weight_info(net, j, &wi);
            if (!wi.learnable) continue;
            double w0 = W[j], h = 1e-7;
            W[j] = w0 + h;
            double cp = cost_at(net, &c, u, y, T, W);
            W[j] = w0 - h;
            double cm = cost_at(net, &c, u, y, T, W);
            W[j] = w0;
            double fd = (cp - cm) / (2 * h), e = fabs(g[j] - fd) / fmax(fabs(fd), 1e-3 * gmax);
            worst = fmax(worst, e);
            nc++;
        }
        lacus_tune_net_set_weights(net, W, NULL);
        /* The fit with the projection as GN desired values (reinject). */
        lacus_tune_params p = lacus_tune_params_default();
        p.method = LACUS_TUNE_GN;
        p.reinject = 1;
        p.max_iter = 6;
        lacus_tune_result r;
        lacus_tune_net *k = NULL;
        CHECK_STATUS(lacus_tune_net_clone(net, &k, NULL), LACUS_OK);
        CHECK_STATUS(lacus_tune_fit(k, u, y, T, &c, &p, &r, &err), LACUS_OK);
        printf("stat+cross fit with projection reinjection: cost %.4g -> %.4g in %lld its\n", r.cost0, r.cost,
               (long long)r.iterations);
        CHECK(r.cost < r.cost0);
        lacus_tune_net_free(k);
        printf("stat+cross adjoint: %lld weights, max rel err %.2e\n", (long long)nc, worst);
        CHECK(nc > 10);
        CHECK(worst < 1e-5);
        free(g), free(W);
        lacus_tune_net_free(net);
    }
}

static void test_stat_project(void)
{
    TEST("stat projection: mean-only closed form; lags + cross constraints met")
    {
        const int64_t T = 200;
        double z[400], y[400], zp[400], om[64], omt[64], v;
        uint64_t s = 12345;
        for (int64_t i = 0; i < 2 * T; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            z[i] = (double)(s >> 11) / 9007199254740992.0 - 0.5;
            y[i] = 0.8 * sin(0.07 * (double)i) + 0.2;
        }
        lacus_tune_criterion c = lacus_tune_criterion_default();
        c.type = LACUS_TUNE_STAT;
        c.n_observed = 1;
        c.stat_lags = 0; /* the mean alone: the projection is the shift by the mean difference */
        lacus_error err = {0};
        CHECK_STATUS(lacus_tune_stat_project(&c, z, y, T, 0, zp, &v, &err), LACUS_OK);
        double mz = 0, my = 0;
        for (int64_t t = 0; t < T; t++) mz += z[t], my += y[t];
        double worst = 0;
        for (int64_t t = 0; t < T; t++) worst = fmax(worst, fabs(zp[t] - (z[t] + (my - mz) / T)));
        CHECK(worst < 1e-14);
        c.n_observed = 2;
        c.stat_lags = 2;
        c.stat_cross = 1;
        c.warmup = 10;
        CHECK_STATUS(lacus_tune_stat_project(&c, z, y, T, 0, zp, &v, &err), LACUS_OK);
        int64_t K = lacus_tune_stat_count(&c);
        CHECK(K == 7);
        CHECK_STATUS(lacus_tune_stat_observables(&c, zp, 2, T, om, &err), LACUS_OK);
        CHECK_STATUS(lacus_tune_stat_observables(&c, y, 2, T, omt, &err), LACUS_OK);
        for (int64_t k = 0; k < K; k++) CHECK(fabs(om[k] - omt[k]) < 1e-10);
        CHECK(memcmp(zp, z, 20 * sizeof *z) == 0); /* the warm-up is copied */
        /* Started near the manifold (the target plus small noise), the
         * minimum-norm projection moves no farther than the target is. */
        double zn[400], dz = 0, dy = 0;
        for (int64_t i = 0; i < 2 * T; i++) zn[i] = y[i] + 1e-3 * z[i];
        CHECK_STATUS(lacus_tune_stat_project(&c, zn, y, T, 0, zp, &v, &err), LACUS_OK);
        for (int64_t i = 20; i < 2 * T; i++)
            dz += (zp[i] - zn[i]) * (zp[i] - zn[i]), dy += (y[i] - zn[i]) * (y[i] - zn[i]);
        CHECK(dz > 0 && dz <= dy);
        /* A point on the manifold stays where it is. */
        CHECK_STATUS(lacus_tune_stat_project(&c, y, y, T, 0, zp, &v, &err), LACUS_OK);
        CHECK(memcmp(zp, y, sizeof y) == 0);
        /* An unreachable constraint: a target "variance" below 0 cannot be met. */
        double yneg[400];
        for (int64_t i = 0; i < 2 * T; i++) yneg[i] = y[i];
        c.n_observed = 1;
        c.stat_lags = 1;
        c.stat_cross = 0;
        c.warmup = 0;
        double om1[4];
        CHECK_STATUS(lacus_tune_stat_observables(&c, yneg, 1, T, om1, &err), LACUS_OK);
        c.type = LACUS_TUNE_L2;
        CHECK_STATUS(lacus_tune_stat_project(&c, z, y, T, 0, zp, &v, &err), LACUS_ERR_ARG);
    }
}

/* Solves A x = b (n x n, row-major) by Gaussian elimination with partial
 * pivoting: the independent reference of the readout solve. */
static void gauss(long double *A, long double *b, int n)
{
    for (int i = 0; i < n; i++) {
        int p = i;
        for (int r = i + 1; r < n; r++)
            if (fabsl(A[r * n + i]) > fabsl(A[p * n + i])) p = r;
        for (int k = 0; k < n; k++) {
            long double t = A[i * n + k];
            A[i * n + k] = A[p * n + k];
            A[p * n + k] = t;
        }
        long double t = b[i];
        b[i] = b[p];
        b[p] = t;
        for (int r = i + 1; r < n; r++) {
            long double f = A[r * n + i] / A[i * n + i];
            for (int k = i; k < n; k++) A[r * n + k] -= f * A[i * n + k];
            b[r] -= f * b[i];
        }
    }
    for (int i = n - 1; i >= 0; i--) {
        for (int k = i + 1; k < n; k++) b[i] -= A[i * n + k] * b[k];
        b[i] /= A[i * n + i];
    }
}

static void test_readout(void)
{
    TEST("readout-only solve = normal equations; zero readout gradient; ridge")
    {
        enum { N = 12, T = 300, WU = 20 };
        static double W[N * N], Win[N], Wout[N], x[T * (N + 1 + N)], u[T], y[T];
        uint64_t s = 777;
        for (int i = 0; i < N * N; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            double r = (double)(s >> 11) / 9007199254740992.0 - 0.5;
            W[i] = (i % 3 == 0) ? 0.5 * r : 0.0;
        }
        for (int i = 0; i < N; i++) Win[i] = (i % 2 ? 0.7 : -0.5) * (1.0 + 0.1 * i), Wout[i] = 0.0;
        for (int t = 0; t < T; t++) u[t] = sin(0.3 * t) + 0.5 * sin(0.071 * t);
        for (int t = 0; t < T; t++) y[t] = t >= 2 ? u[t - 2] : 0.0;
        lacus_tune_net *net = NULL;
        lacus_error err = {0};
        CHECK_STATUS(lacus_tune_net_from_esn(N, 1, 1, 0.6, W, Win, NULL, Wout, NULL, &net, &err), LACUS_OK);
        lacus_tune_criterion c = lacus_tune_criterion_default();
        c.warmup = WU;
        lacus_tune_params p = lacus_tune_params_default();
        p.method = LACUS_TUNE_READOUT;
        lacus_tune_result r;
        lacus_tune_net *k = NULL;
        CHECK_STATUS(lacus_tune_net_clone(net, &k, NULL), LACUS_OK);
        CHECK_STATUS(lacus_tune_fit(k, u, y, T, &c, &p, &r, &err), LACUS_OK);
        double Wt[N * N], Wo[N], bo;
        CHECK_STATUS(lacus_tune_net_to_esn(k, Wt, Wo, &bo, &err), LACUS_OK);
        CHECK(memcmp(Wt, W, sizeof W) == 0); /* only the readout moves */
        /* Reference: states from the forward pass, [x 1] normal equations. */
        int64_t Nn = lacus_tune_net_n_nodes(net);
        CHECK_STATUS(lacus_tune_forward(net, u, T, x, &err), LACUS_OK);
        for (int ridge_case = 0; ridge_case < 2; ridge_case++) {
            double ridge = ridge_case ? 0.5 : 0.0;
            long double A[(N + 1) * (N + 1)], b[N + 1];
            memset(A, 0, sizeof A), memset(b, 0, sizeof b);
            for (int t = WU; t < T; t++) {
                double f[N + 1];
                for (int i = 0; i < N; i++) f[i] = x[t * Nn + 1 + i];
                f[N] = 1.0;
                for (int i = 0; i <= N; i++) {
                    b[i] += f[i] * y[t];
                    for (int j = 0; j <= N; j++) A[i * (N + 1) + j] += f[i] * f[j];
                }
            }
            for (int i = 0; i <= N; i++) A[i * (N + 1) + i] += ridge;
            gauss(A, b, N + 1);
            if (ridge_case) {
                lacus_tune_net_free(k);
                CHECK_STATUS(lacus_tune_net_clone(net, &k, NULL), LACUS_OK);
                CHECK_STATUS(lacus_tune_fit_readout(k, u, y, T, &c, ridge, &r, &err), LACUS_OK);
                CHECK_STATUS(lacus_tune_net_to_esn(k, Wt, Wo, &bo, &err), LACUS_OK);
            }
            /* With a ridge, the line search of the (unregularised) free-run
             * criterion scales the ridge solution: compare directions. */
            double su = 0, sb = 0, bmax = 0, worst = 0, ref[N + 1], got[N + 1];
            for (int i = 0; i < N; i++) ref[i] = (double)b[i], got[i] = Wo[i];
            ref[N] = (double)b[N], got[N] = bo;
            for (int i = 0; i <= N; i++) su += got[i] * ref[i], sb += ref[i] * ref[i], bmax = fmax(bmax, fabs(ref[i]));
            double scale = ridge_case ? su / sb : 1.0;
            for (int i = 0; i <= N; i++) worst = fmax(worst, fabs(got[i] - scale * ref[i]) / bmax);
            if (ridge_case) CHECK(scale > 0.5 && scale < 2.0);
            printf("readout (ridge %g) vs normal equations: max rel diff %.2e (line-search scale %.4f), nrmse %.4f -> %.4f\n", ridge,
                   worst, scale, r.nrmse0, r.nrmse);
            CHECK(worst < 1e-8);
            CHECK(r.nrmse < 0.5 * r.nrmse0);
        }
        /* At the unregularised solution the readout gradient vanishes. */
        lacus_tune_net_free(k);
        CHECK_STATUS(lacus_tune_net_clone(net, &k, NULL), LACUS_OK);
        CHECK_STATUS(lacus_tune_fit(k, u, y, T, &c, &p, &r, &err), LACUS_OK);
        int64_t nw = lacus_tune_net_n_weights(k);
        double *g = malloc((size_t)nw * sizeof *g), gmax = 0, gro = 0;
        CHECK_STATUS(lacus_tune_gradient(k, &c, u, y, NULL, T, 0, g, NULL, NULL, NULL, NULL, &err), LACUS_OK);
        for (int64_t j = 0; j < nw; j++) {
            lacus_tune_weight_info wi;
            lacus_tune_net_weight_info(k, j, &wi);
            if (!wi.learnable) continue;
            if (wi.node == 0) gro = fmax(gro, fabs(g[j]));
            else gmax = fmax(gmax, fabs(g[j]));
        }
        CHECK(gro < 1e-9 * fmax(gmax, 1.0));
        free(g);
        lacus_tune_net_free(k);
        /* Errors: stat criterion; no learnable readout weight. */
        c.type = LACUS_TUNE_STAT;
        CHECK_STATUS(lacus_tune_fit_readout(net, u, y, T, &c, 0.0, &r, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "stat") != NULL);
        c.type = LACUS_TUNE_L2;
        c.observed = (const int64_t[]){1}; /* a state node: fixed weights */
        CHECK_STATUS(lacus_tune_fit_readout(net, u, y, T, &c, 0.0, &r, &err), LACUS_ERR_ARG);
        CHECK_STATUS(lacus_tune_fit_readout(net, u, y, T, &(lacus_tune_criterion){.type = LACUS_TUNE_L2,
                     .nu = 0.1, .n_observed = 1}, -1.0, &r, &err), LACUS_ERR_ARG);
        lacus_tune_net_free(net);
    }
    TEST("readout-only solve with output feedback: the free-running cost goes down")
    {
        const int64_t N = 4, T = 120;
        double u[120], y[120];
        root_problem(LACUS_TUNE_LINEAR, N, T, 31, u, y);
        lacus_tune_net *net = learner(LACUS_TUNE_LINEAR, N, 32);
        int64_t nw = lacus_tune_net_n_weights(net);
        double *W0 = malloc((size_t)nw * sizeof *W0), *W1 = malloc((size_t)nw * sizeof *W1);
        lacus_tune_net_get_weights(net, W0);
        lacus_tune_criterion c = lacus_tune_criterion_default();
        lacus_tune_result r;
        lacus_error err = {0};
        CHECK_STATUS(lacus_tune_fit_readout(net, u, y, T, &c, 0.0, &r, &err), LACUS_OK);
        lacus_tune_net_get_weights(net, W1);
        printf("fed-back readout: cost %.4g -> %.4g\n", r.cost0, r.cost);
        CHECK(r.cost < r.cost0);
        int moved0 = 0, moved_other = 0;
        for (int64_t j = 0; j < nw; j++) {
            lacus_tune_weight_info wi;
            lacus_tune_net_weight_info(net, j, &wi);
            if (W1[j] != W0[j]) { if (wi.node == 0) moved0++; else moved_other++; }
        }
        CHECK(moved0 > 0 && moved_other == 0);
        free(W0), free(W1);
        lacus_tune_net_free(net);
    }
}

/* Every allocation of the new calls failing in turn: a clean
 * LACUS_ERR_NOMEM (or success when the point is not reached), no crash, no
 * leak (ASan), the net unchanged by a failed readout solve. */
static void test_oom(void)
{
    TEST("allocation failures: readout solve, projection, tie, stat criterion")
    {
        const int64_t N = 3, T = 60;
        double u[60], y[60], y2[120], z[120], zp[120];
        root_problem(LACUS_TUNE_LNL, N, T, 41, u, y);
        for (int64_t t = 0; t < T; t++) y2[2 * t] = y[t], y2[2 * t + 1] = 0.3 * y[t], z[2 * t] = u[t], z[2 * t + 1] = -u[t];
        lacus_tune_criterion c = lacus_tune_criterion_default();
        int64_t fails = 0, calls = 0;
        for (long k = 1; k < 400; k++) {
            lacus_tune_net *net = learner(LACUS_TUNE_LINEAR, N, 42);
            int64_t nw = lacus_tune_net_n_weights(net);
            double W0[64], W1[64];
            lacus_tune_net_get_weights(net, W0);
            lacus_error err = {0};
            oom_arm(k);
            lacus_status st = lacus_tune_fit_readout(net, u, y, T, &c, 0.0, NULL, &err);
            int reached = oom_reached(), any = reached;
            oom_disarm();
            lacus_tune_net_get_weights(net, W1);
            if (reached) {
                CHECK_STATUS(st, LACUS_ERR_NOMEM);
                CHECK(memcmp(W0, W1, (size_t)nw * sizeof *W0) == 0);
                fails++;
            } else {
                CHECK_STATUS(st, LACUS_OK);
            }
            oom_arm(k);
            st = lacus_tune_net_tie(net, 1, 2, &err);
            reached = oom_reached();
            any |= reached;
            oom_disarm();
            CHECK_STATUS(st, reached ? LACUS_ERR_NOMEM : LACUS_OK);
            lacus_tune_criterion cs = c;
            cs.type = LACUS_TUNE_STAT, cs.n_observed = 2, cs.stat_lags = 2, cs.stat_cross = 1;
            oom_arm(k);
            st = lacus_tune_stat_project(&cs, z, y2, T, 0, zp, NULL, &err);
            reached = oom_reached();
            any |= reached;
            oom_disarm();
            CHECK(st == (reached ? LACUS_ERR_NOMEM : LACUS_OK) || (!reached && st == LACUS_ERR_NOT_CONVERGED));
            calls++;
            lacus_tune_net_free(net);
            if (!any) break;
        }
        printf("allocation failures: %lld failure points of the readout solve, sweep of %lld\n", (long long)fails,
               (long long)calls);
        CHECK(fails >= 5);
    }
}

int main(void)
{
    test_oom();
    test_tie();
    test_stat_cross();
    test_stat_project();
    test_readout();
    TEST_MAIN_END();
}
