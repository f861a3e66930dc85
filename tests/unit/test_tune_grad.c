/* Backward tuning: the adjoint (guard off) equals finite differences of
 * the cost on every unit type (spec §1.9: LNL N = 8, T = 144, rel. err <
 * 1e-6), the guard changes eps and counts what it touched, every criterion's
 * rho' equals the finite difference of rho (Huber and biweight keep the sign
 * of e), and the kernel checker catches a wrong user derivative. */
#include <string.h>

#include "test.h"
#include "lacus.h"

/* Central-difference dC/dW_j of the criterion (no prior). */
static double fd_grad(lacus_tune_net *net, const lacus_tune_criterion *c, const double *u,
                      const double *y, const double *e0, int64_t T, int64_t j, double h)
{
    int64_t nw = lacus_tune_net_n_weights(net), Nn = lacus_tune_net_n_nodes(net);
    double *W = malloc((size_t)nw * sizeof *W), *x = malloc((size_t)(T * Nn) * sizeof *x);
    lacus_tune_net_get_weights(net, W);
    double w0 = W[j], cp, cm;
    W[j] = w0 + h;
    lacus_tune_net_set_weights(net, W, NULL);
    lacus_tune_forward(net, u, T, x, NULL);
    lacus_tune_cost(net, c, x, y, e0, T, &cp, NULL);
    W[j] = w0 - h;
    lacus_tune_net_set_weights(net, W, NULL);
    lacus_tune_forward(net, u, T, x, NULL);
    lacus_tune_cost(net, c, x, y, e0, T, &cm, NULL);
    W[j] = w0;
    lacus_tune_net_set_weights(net, W, NULL);
    free(W), free(x);
    return (cp - cm) / (2 * h);
}

/* Max over learnable weights of |g - fd| / max(|fd|, 1e-3 max|fd|). */
static double adjoint_error(lacus_tune_net *net, const lacus_tune_criterion *c, const double *u,
                            const double *y, const double *e0, int64_t T, int64_t *n_checked)
{
    int64_t nw = lacus_tune_net_n_weights(net);
    double *g = malloc((size_t)nw * sizeof *g), *fd = calloc((size_t)nw, sizeof *fd);
    lacus_error err = {0};
    CHECK_STATUS(lacus_tune_gradient(net, c, u, y, e0, T, 0, g, NULL, NULL, NULL, NULL, &err),
                 LACUS_OK);
    double fmax_ = 0, worst = 0;
    int64_t nc = 0;
    for (int64_t j = 0; j < nw; j++) {
        lacus_tune_weight_info wi;
        lacus_tune_net_weight_info(net, j, &wi);
        if (!wi.learnable) {
            CHECK(g[j] == 0.0);
            continue;
        }
        fd[j] = fd_grad(net, c, u, y, e0, T, j, 1e-6);
        if (fabs(fd[j]) > fmax_) fmax_ = fabs(fd[j]);
    }
    for (int64_t j = 0; j < nw; j++) {
        lacus_tune_weight_info wi;
        lacus_tune_net_weight_info(net, j, &wi);
        if (!wi.learnable) continue;
        double e = fabs(g[j] - fd[j]) / fmax(fabs(fd[j]), 1e-3 * fmax_);
        if (e > worst) worst = e;
        nc++;
    }
    *n_checked = nc;
    free(g), free(fd);
    return worst;
}

static void make_problem(lacus_tune_unit unit, int64_t N, int64_t T, uint64_t seed,
                         lacus_tune_net **learner, double *u, double *y)
{
    lacus_tune_net_params rp = lacus_tune_net_params_default();
    rp.unit = unit;
    rp.n_units = N;
    rp.seed = seed;
    CHECK_STATUS(lacus_tune_root_target(&rp, T, seed + 100, u, y, NULL), LACUS_OK);
    lacus_tune_net_params lp = rp;
    lp.seed = seed + 1;
    lp.init_mean = -0.1;
    lp.init_std = 0.1 / sqrt((double)N);
    lp.learn_leak = 1;
    lp.leak = 0.2;
    lp.learn_offset = 1;
    lp.learn_sharpness = 1;
    if (unit == LACUS_TUNE_AIF) lp.sharpness = 5.0; /* smooth enough for differences */
    CHECK_STATUS(lacus_tune_net_create(&lp, learner, NULL), LACUS_OK);
}

/* A user kernel sin(v0) v1 whose derivative in v1 is wrong (2 sin v0). */
static double uk_f(const double *v, int n, const double *p, void *u) { return sin(v[0]) * v[1]; }
static double uk_df_bad(const double *v, int n, int k, const double *p, void *u)
{
    return k == 0 ? cos(v[0]) * v[1] : 2.0 * sin(v[0]);
}
static double uk_df_good(const double *v, int n, int k, const double *p, void *u)
{
    return k == 0 ? cos(v[0]) * v[1] : sin(v[0]);
}

int main(void)
{
    TEST("kernel checker: built-in units pass, a wrong user derivative is named")
    {
        static const lacus_tune_unit units[] = {LACUS_TUNE_LINEAR, LACUS_TUNE_LNL, LACUS_TUNE_SPARSE_RELU,
                                                LACUS_TUNE_AIF, LACUS_TUNE_SOFTMAX};
        double u[60];
        for (int t = 0; t < 60; t++) u[t] = sin(0.7 * t);
        for (int i = 0; i < 5; i++) {
            lacus_tune_net_params p = lacus_tune_net_params_default();
            p.unit = units[i];
            p.n_units = 5;
            p.sharpness = 3.0; /* a sharp sigma_4 needs a smaller difference step */
            lacus_tune_net *net = NULL;
            CHECK_STATUS(lacus_tune_net_create(&p, &net, NULL), LACUS_OK);
            lacus_tune_kcheck w;
            lacus_error err = {0};
            CHECK_STATUS(lacus_tune_check_kernels(net, u, 60, 20, 1e-6, &w, &err), LACUS_OK);
            if (w.max_err >= 1e-6) printf("%s: %s\n", lacus_tune_unit_name(units[i]), err.msg);
            lacus_tune_net_free(net);
        }
        lacus_tune_net *net = NULL;
        CHECK_STATUS(lacus_tune_net_create_empty(3, 1, &net, NULL), LACUS_OK);
        lacus_tune_kernel k = lacus_tune_kernel_make(LACUS_TK_ID, -1, 1, 0.8);
        lacus_tune_net_add_kernel(net, 2, &k, NULL);
        k = lacus_tune_kernel_make(LACUS_TK_TANH, 2, 0, 1.0);
        lacus_tune_net_add_kernel(net, 0, &k, NULL);
        k = lacus_tune_kernel_make(LACUS_TK_USER, 2, 1, 0.5);
        k.n_src = 2;
        k.src[1].node = 0;
        k.src[1].lag = 1;
        k.fn = uk_f;
        k.dfn = uk_df_good;
        lacus_tune_net_add_kernel(net, 1, &k, NULL);
        lacus_tune_kcheck w;
        lacus_error err = {0};
        CHECK_STATUS(lacus_tune_check_kernels(net, u, 60, 30, 1e-6, &w, &err), LACUS_OK);
        lacus_tune_net_free(net);
        /* the same net with the wrong derivative in its second source */
        CHECK_STATUS(lacus_tune_net_create_empty(3, 1, &net, NULL), LACUS_OK);
        k = lacus_tune_kernel_make(LACUS_TK_ID, -1, 1, 0.8);
        lacus_tune_net_add_kernel(net, 2, &k, NULL);
        k = lacus_tune_kernel_make(LACUS_TK_TANH, 2, 0, 1.0);
        lacus_tune_net_add_kernel(net, 0, &k, NULL);
        k = lacus_tune_kernel_make(LACUS_TK_USER, 2, 1, 0.5);
        k.n_src = 2;
        k.src[1].node = 0;
        k.src[1].lag = 1;
        k.fn = uk_f;
        k.dfn = uk_df_bad;
        lacus_tune_net_add_kernel(net, 1, &k, NULL);
        CHECK_STATUS(lacus_tune_check_kernels(net, u, 60, 30, 1e-6, &w, &err), LACUS_ERR_NUMERIC);
        printf("checker: %s\n", err.msg);
        CHECK(w.node == 1 && w.kernel == 0 && w.source == 1);
        CHECK(w.max_err > 0.1);
        CHECK(strstr(err.msg, "node 1, kernel 0, source 1") != NULL);
        lacus_tune_net_free(net);
    }

    TEST("adjoint = finite differences, LNL N = 8, T = 144 (spec anchor)")
    {
        int64_t N = 8, T = 144, nc = 0;
        double u[144], y[144];
        lacus_tune_net *net = NULL;
        make_problem(LACUS_TUNE_LNL, N, T, 7, &net, u, y);
        lacus_tune_criterion c = lacus_tune_criterion_default();
        double e = adjoint_error(net, &c, u, y, NULL, T, &nc);
        printf("LNL N=8 T=144: %lld weights, max relative error %.3g\n", (long long)nc, e);
        CHECK(nc == 8 * (1 + 1 + 8 + 1)); /* leak, offset, 8 recurrent, 1 input per unit */
        CHECK(e < 1e-6);
        lacus_tune_net_free(net);
    }
    TEST("adjoint on every unit type and criterion")
    {
        static const lacus_tune_unit units[] = {LACUS_TUNE_LINEAR, LACUS_TUNE_LNL,
                                                LACUS_TUNE_SPARSE_RELU, LACUS_TUNE_AIF,
                                                LACUS_TUNE_SOFTMAX};
        for (int i = 0; i < 5; i++) {
            int64_t N = 4, T = 40, nc = 0;
            double u[40], y[40];
            lacus_tune_net *net = NULL;
            make_problem(units[i], N, T, 11 + (uint64_t)i, &net, u, y);
            if (units[i] == LACUS_TUNE_SOFTMAX)
                for (int t = 0; t < T; t++) y[t] = 0.25 + 0.1 * sin(0.3 * t);
            lacus_tune_criterion c = lacus_tune_criterion_default();
            for (int ct = 0; ct <= LACUS_TUNE_STAT; ct++) {
                c.type = (lacus_tune_crit)ct;
                c.nu = ct == LACUS_TUNE_HINGE ? 0.3 : ct == LACUS_TUNE_BIWEIGHT ? 2.0 : 0.1;
                c.warmup = ct % 2 ? 5 : 0; /* a washout: no error on the first steps */
                /* The reweighted criteria hold the previous error e0 fixed. */
                double yy[40], e0[40];
                for (int t = 0; t < T; t++) {
                    yy[t] = ct == LACUS_TUNE_HINGE ? (y[t] > 0.3) : y[t];
                    e0[t] = 0.2 * sin(t);
                }
                double e = adjoint_error(net, &c, u, yy, e0, T, &nc);
                if (e >= 1e-5)
                    printf("  %s / %s: %lld weights, max rel error %.3g\n",
                           lacus_tune_unit_name(units[i]), lacus_tune_crit_name(c.type),
                           (long long)nc, e);
                CHECK(nc > 0);
                /* Kinks (ReLU, clip, Huber band) are not crossed by an h
                 * of 1e-6 except by bad luck; 1e-5 is still 5 digits. */
                CHECK(e < 1e-5);
            }
            printf("%-11s N=4 T=40: adjoint checked for 7 criteria\n", lacus_tune_unit_name(units[i]));
            lacus_tune_net_free(net);
        }
    }
    TEST("guard on: eps differs, counters, still a descent direction")
    {
        /* A sharp integrate-and-fire net: sigma_4 slopes of ~e^-100 make
         * vanishing backward values, which the guard lifts. */
        int64_t N = 8, T = 144;
        double u[144], y[144];
        lacus_tune_net *net = NULL;
        make_problem(LACUS_TUNE_AIF, N, T, 7, &net, u, y);
        double *W = malloc((size_t)lacus_tune_net_n_weights(net) * 8);
        lacus_tune_net_get_weights(net, W);
        for (int64_t j = 0; j < lacus_tune_net_n_weights(net); j++) {
            lacus_tune_weight_info wi;
            lacus_tune_net_weight_info(net, j, &wi);
            if (wi.kind == LACUS_TK_SHIFT) W[j] = 100.0;
        }
        lacus_tune_net_set_weights(net, W, NULL);
        free(W);
        lacus_tune_criterion c = lacus_tune_criterion_default();
        int64_t nw = lacus_tune_net_n_weights(net);
        double *g0 = malloc((size_t)nw * 8), *g1 = malloc((size_t)nw * 8);
        lacus_tune_guard_stats gs0, gs1;
        CHECK_STATUS(lacus_tune_gradient(net, &c, u, y, NULL, T, 0, g0, NULL, NULL, NULL, &gs0, NULL), 0);
        CHECK_STATUS(lacus_tune_gradient(net, &c, u, y, NULL, T, 1, g1, NULL, NULL, NULL, &gs1, NULL), 0);
        CHECK(gs0.total == 0 && gs0.lifted == 0);
        CHECK(gs1.total == T * lacus_tune_net_n_nodes(net));
        double dot = 0, diff = 0;
        for (int64_t j = 0; j < nw; j++) dot += g0[j] * g1[j], diff = fmax(diff, fabs(g0[j] - g1[j]));
        printf("guard: lifted %lld, saturated %lld of %lld; max |g_guard - g| %.3g\n",
               (long long)gs1.lifted, (long long)gs1.saturated, (long long)gs1.total, diff);
        CHECK(gs1.lifted > 0);
        CHECK(diff > 0);
        CHECK(dot > 0);
        free(g0), free(g1);
        lacus_tune_net_free(net);
    }
    TEST("criteria: rho' = d rho / de, signs kept")
    {
        lacus_tune_criterion c = lacus_tune_criterion_default();
        for (int ct = 0; ct < LACUS_TUNE_STAT; ct++) {
            c.type = (lacus_tune_crit)ct;
            c.nu = 0.5;
            for (int i = -9; i <= 9; i++) {
                double x = 0.13 * i + 0.011, tgt = ct == LACUS_TUNE_HINGE ? (i > 0) : 0.07;
                double e0 = 0.3, r, d, rp, rm, h = 1e-7;
                CHECK_STATUS(lacus_tune_rho(&c, x, tgt, e0, &r, &d), 0);
                lacus_tune_rho(&c, x + h, tgt, e0, &rp, NULL);
                lacus_tune_rho(&c, x - h, tgt, e0, &rm, NULL);
                CHECK_CLOSE(d, (rp - rm) / (2 * h), 1e-6);
                if (ct != LACUS_TUNE_HINGE && fabs(d) > 0) CHECK((d > 0) == (x > tgt));
            }
        }
        double r, d;
        c.type = LACUS_TUNE_HUBER;
        c.nu = 1.0;
        lacus_tune_rho(&c, -0.5, 0.0, 0, &r, &d);
        CHECK_CLOSE(d, -0.5, 1e-15); /* the official code returned +0.5 */
        CHECK_CLOSE(r, 0.125, 1e-15);
        c.type = LACUS_TUNE_BIWEIGHT;
        lacus_tune_rho(&c, -0.5, 0.0, 0, &r, &d);
        CHECK_CLOSE(d, 6 * -0.5 * 0.75 * 0.75, 1e-15);
        c.type = LACUS_TUNE_STAT;
        CHECK_STATUS(lacus_tune_rho(&c, 0, 0, 0, &r, &d), LACUS_ERR_ARG);
    }
    TEST_MAIN_END();
}
