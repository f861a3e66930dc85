/* The contiguous path of sigmoid-type kernels (srun in tune_internal.h):
 * a run of SIG4 or TANH kernels over consecutive nodes is evaluated from a
 * per-step memo as one dot product (forward) or two axpys (backward,
 * curvature). The reference is the same net with those kernels turned into
 * user kernels computing the same expression, which the passes evaluate
 * kernel by kernel in sequential order (the pre-fast-path code):
 *   - forward: the four-lane dot product only reorders a sum, so the
 *     trajectories agree to 1e-14 relative (not bit for bit; measured
 *     ~1e-16), on the AIF unit (sharpness 5 and 100) and on a TANH net
 *     with lag-1 sources (the t < lag start takes the kernel-by-kernel
 *     path);
 *   - backward (eps, gradient) and curvature: bit-identical on the same
 *     trajectory (every entry receives the same single product in the
 *     same order);
 *   - without memory for the memo (allocator failing), the passes fall back
 *     to the kernel-by-kernel loop: bit-identical to the reference;
 *   - the runs are found: one run of N per AIF unit, none in a sparse net
 *     whose presynaptic picks are not consecutive. */
#include <string.h>

#include "test.h"
#include "lacus.h"
#include "learn/tune_internal.h"

static double u_sig4(const double *v, int n, const double *p, void *user)
{
    (void)n, (void)p, (void)user;
    return lacus__sig4(v[0]);
}

static double u_dsig4(const double *v, int n, int k, const double *p, void *user)
{
    (void)n, (void)k, (void)p, (void)user;
    double s = lacus__sig4(v[0]);
    return 4.0 * s * (1.0 - s);
}

static double u_tanh(const double *v, int n, const double *p, void *user)
{
    (void)n, (void)p, (void)user;
    return tanh(v[0]);
}

static double u_dtanh(const double *v, int n, int k, const double *p, void *user)
{
    (void)n, (void)k, (void)p, (void)user;
    double th = tanh(v[0]);
    return 1.0 - th * th;
}

/* A copy of net whose SIG4 / TANH kernels are user kernels (no runs). */
static lacus_tune_net *reference(const lacus_tune_net *net)
{
    lacus_tune_net *r = NULL;
    CHECK_STATUS(lacus_tune_net_clone(net, &r, NULL), LACUS_OK);
    for (int64_t j = 0; j < r->n_w; j++) {
        lacus_tune_kernel *k = &r->k[j];
        if (k->kind == LACUS_TK_SIG4) k->fn = u_sig4, k->dfn = u_dsig4, k->kind = LACUS_TK_USER;
        if (k->kind == LACUS_TK_TANH) k->fn = u_tanh, k->dfn = u_dtanh, k->kind = LACUS_TK_USER;
    }
    for (int64_t n = 0; n < r->n_nodes; n++) lacus__tune_relink(r, n);
    return r;
}

static int64_t longest_srun(const lacus_tune_net *net)
{
    int64_t m = 0;
    for (int64_t j = 0; j < net->n_w; j++)
        if (net->srun[j] > m) m = net->srun[j];
    return m;
}

static int fail_alloc = 0;
static void *t_malloc(size_t n, void *u) { (void)u; return fail_alloc ? NULL : malloc(n); }
static void *t_realloc(void *p, size_t n, void *u) { (void)u; return fail_alloc ? NULL : realloc(p, n); }
static void t_free(void *p, void *u) { (void)u; free(p); }

/* Forward to 1e-14, backward and curvature bit for bit, the fallback bit
 * for bit; returns the forward difference. */
static double compare(lacus_tune_net *net, const double *u, int64_t T)
{
    lacus_tune_net *ref = reference(net);
    CHECK(longest_srun(ref) == 0);
    int64_t Nn = net->n_nodes, TN = T * Nn, nw = net->n_w;
    double *xf = calloc((size_t)TN, 8), *xr = calloc((size_t)TN, 8), *xa = calloc((size_t)TN, 8);
    double *ef = calloc((size_t)TN, 8), *er = calloc((size_t)TN, 8), *acc = calloc((size_t)TN, 8);
    double *gf = calloc((size_t)nw, 8), *gr = calloc((size_t)nw, 8);
    double *hf = calloc((size_t)TN, 8), *hr = calloc((size_t)TN, 8), *dr = calloc((size_t)T, 8);
    CHECK(lacus__tune_simulate(net, net->W, u, T, xf) < 0);
    CHECK(lacus__tune_simulate(ref, ref->W, u, T, xr) < 0);
    double dx = test_max_rel_diff(xf, xr, (long)TN, 1e-300);
    CHECK(dx <= 1e-14);
    /* backward and curvature on one trajectory (the reference's) */
    for (int64_t t = 0; t < T; t++) dr[t] = xr[t * Nn] - 0.3 * sin(0.1 * (double)t);
    int64_t obs = 0;
    lacus__tune_backward(net, net->W, &obs, 1, u, xr, dr, T, 0, ef, acc, gf, NULL);
    lacus__tune_backward(ref, ref->W, &obs, 1, u, xr, dr, T, 0, er, acc, gr, NULL);
    CHECK(memcmp(ef, er, (size_t)TN * 8) == 0);
    CHECK(memcmp(gf, gr, (size_t)nw * 8) == 0);
    for (int64_t t = 0; t < T; t++) dr[t] = 1.0;
    lacus__tune_curvature(net, net->W, &obs, 1, u, xr, dr, T, hf, acc);
    lacus__tune_curvature(ref, ref->W, &obs, 1, u, xr, dr, T, hr, acc);
    CHECK(memcmp(hf, hr, (size_t)TN * 8) == 0);
    /* no memory for the memo: kernel by kernel, as the reference */
    lacus_allocator al = {t_malloc, t_realloc, t_free, NULL};
    lacus_set_allocator(&al);
    fail_alloc = 1;
    int64_t bad = lacus__tune_simulate(net, net->W, u, T, xa);
    fail_alloc = 0;
    lacus_set_allocator(NULL);
    CHECK(bad < 0);
    CHECK(memcmp(xa, xr, (size_t)TN * 8) == 0);
    free(xf), free(xr), free(xa), free(ef), free(er), free(acc), free(gf), free(gr), free(hf), free(hr), free(dr);
    lacus_tune_net_free(ref);
    return dx;
}

int main(void)
{
    enum { T = 300 };
    double u[T];
    for (int t = 0; t < T; t++) u[t] = sin(0.37 * t) + 0.5 * cos(1.3 * t);

    TEST("AIF (dense): one run of N sigma4 per unit; forward 1e-14, backward bit-identical")
    {
        static const double sharp[] = {5.0, 100.0};
        for (int i = 0; i < 2; i++) {
            lacus_tune_net_params p = lacus_tune_net_params_default();
            p.unit = LACUS_TUNE_AIF;
            p.n_units = 13; /* not a multiple of 4: the dot's tail */
            p.sharpness = sharp[i];
            p.leak = 0.3;
            p.learn_leak = 1;
            p.learn_sharpness = 1;
            p.offset = 0.1;
            p.seed = 5 + (uint64_t)i;
            lacus_tune_net *net = NULL;
            CHECK_STATUS(lacus_tune_net_create(&p, &net, NULL), LACUS_OK);
            CHECK(longest_srun(net) == 13);
            double dx = compare(net, u, T);
            printf("aif sharpness %g: forward max rel diff %.3g\n", sharp[i], dx);
            lacus_tune_net_free(net);
        }
    }

    TEST("TANH net with lag-1 runs (t < lag start on the kernel path)")
    {
        const int64_t N = 9;
        lacus_tune_net *net = NULL;
        CHECK_STATUS(lacus_tune_net_create_empty(N, 1, &net, NULL), LACUS_OK);
        uint64_t s = 12345;
        for (int64_t n = 0; n < N; n++) {
            for (int64_t m = 0; m < N; m++) {
                s = s * 6364136223846793005ULL + 1442695040888963407ULL;
                double w = ((double)(s >> 11) / 9007199254740992.0 - 0.5) * 0.9;
                lacus_tune_kernel k = lacus_tune_kernel_make(LACUS_TK_TANH, (int32_t)m, 1, w);
                CHECK_STATUS(lacus_tune_net_add_kernel(net, n, &k, NULL), LACUS_OK);
            }
            lacus_tune_kernel k = lacus_tune_kernel_make(LACUS_TK_ID, -1, 1, 0.5);
            CHECK_STATUS(lacus_tune_net_add_kernel(net, n, &k, NULL), LACUS_OK);
        }
        CHECK(longest_srun(net) == N);
        double dx = compare(net, u, T);
        printf("tanh lag 1: forward max rel diff %.3g\n", dx);
        lacus_tune_net_free(net);
    }

    TEST("runs of several lags over the same nodes (the memo's run cache)")
    {
        /* nodes 0-2 read sigma4 of the nodes above them at lag 0 (a run),
         * then one node at lag 1 and the same run again; nodes 3-7 read all
         * nodes at lag 1 (a run) and the input: the memo entries are
         * rewritten between steps t and t-1 while a run is cached */
        const int64_t Nn = 8;
        lacus_tune_net *net = NULL;
        CHECK_STATUS(lacus_tune_net_create_empty(Nn, 1, &net, NULL), LACUS_OK);
        uint64_t s = 777;
#define RND() (s = s * 6364136223846793005ULL + 1442695040888963407ULL, \
               ((double)(s >> 11) / 9007199254740992.0 - 0.5) * 0.8)
        for (int64_t n = 0; n < Nn; n++) {
            lacus_tune_kernel k;
            if (n < 3) {
                for (int rep = 0; rep < 2; rep++) {
                    for (int64_t m = n + 1; m < Nn; m++) {
                        k = lacus_tune_kernel_make(LACUS_TK_SIG4, (int32_t)m, 0, RND());
                        CHECK_STATUS(lacus_tune_net_add_kernel(net, n, &k, NULL), LACUS_OK);
                    }
                    k = lacus_tune_kernel_make(LACUS_TK_SIG4, (int32_t)(n + 2), 1, RND());
                    CHECK_STATUS(lacus_tune_net_add_kernel(net, n, &k, NULL), LACUS_OK);
                }
            } else {
                for (int64_t m = 0; m < Nn; m++) {
                    k = lacus_tune_kernel_make(LACUS_TK_SIG4, (int32_t)m, 1, RND());
                    CHECK_STATUS(lacus_tune_net_add_kernel(net, n, &k, NULL), LACUS_OK);
                }
                k = lacus_tune_kernel_make(LACUS_TK_ID, -1, 1, 1.0);
                CHECK_STATUS(lacus_tune_net_add_kernel(net, n, &k, NULL), LACUS_OK);
            }
        }
#undef RND
        CHECK(longest_srun(net) == Nn);
        double dx = compare(net, u, T);
        printf("mixed lags: forward max rel diff %.3g\n", dx);
        lacus_tune_net_free(net);
    }

    TEST("sparse AIF: runs follow consecutive picks only")
    {
        lacus_tune_net_params p = lacus_tune_net_params_default();
        p.unit = LACUS_TUNE_AIF;
        p.n_units = 16;
        p.fan_in = 3;
        p.sharpness = 4.0;
        lacus_tune_net *net = NULL;
        CHECK_STATUS(lacus_tune_net_create(&p, &net, NULL), LACUS_OK);
        CHECK(longest_srun(net) >= 1 && longest_srun(net) <= 3);
        compare(net, u, T);
        lacus_tune_net_free(net);
    }

    TEST_MAIN_END();
}
