/* Backward tuning as a learner: the spec's acceptance anchor (reverse-
 * engineering LNL N = 8, T = 144: training NRMSE <= 0.1 within 100
 * iterations, damped), a held-out segment, monotone costs, the stochastic
 * node-parallel variant (thread-count invariance), divergence that keeps
 * the last good weights, and bad input. */
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "test.h"
#include "lacus.h"

typedef struct trace {
    double last;
    int increases, calls;
    int64_t lifted;
} trace;

static int on_iter(const lacus_tune_info *info, void *user)
{
    trace *t = user;
    if (t->calls && info->cost > t->last) t->increases++;
    t->last = info->cost;
    t->calls++;
    t->lifted += info->guard.lifted;
    return 0;
}

/* The protocol of spec §1.7 for LNL (or another unit), root seed s. */
static lacus_tune_net *protocol(lacus_tune_unit unit, int64_t N, uint64_t s, int64_t T, double *u,
                                double *y)
{
    lacus_tune_net_params rp = lacus_tune_net_params_default();
    rp.unit = unit;
    rp.n_units = N;
    rp.seed = s * 1000;
    CHECK_STATUS(lacus_tune_root_target(&rp, T, s, u, y, NULL), LACUS_OK);
    lacus_tune_net_params lp = rp;
    lp.seed = s * 1000 + 1;
    lp.init_mean = -0.1;
    lp.init_std = 0.1 / sqrt((double)N);
    lp.learn_leak = 1;
    lp.learn_sharpness = 1;
    lacus_tune_net *net = NULL;
    CHECK_STATUS(lacus_tune_net_create(&lp, &net, NULL), LACUS_OK);
    return net;
}

/* Tunes the N = 8 LNL protocol net with p on 1 thread, then on 2 (r[0],
 * r[1]), and checks that the weights are identical; leaves 2 threads. */
static void fit_on_1_and_2_threads(const lacus_tune_params *p, lacus_tune_result r[2])
{
    int64_t N = 8, T = 144;
    double u[144], y[144];
    double *W[2];
    for (int th = 1; th <= 2; th++) {
#ifdef _OPENMP
        omp_set_num_threads(th);
#endif
        lacus_tune_net *net = protocol(LACUS_TUNE_LNL, N, 2, T, u, y);
        lacus_tune_criterion c = lacus_tune_criterion_default();
        CHECK_STATUS(lacus_tune_fit(net, u, y, T, &c, p, &r[th - 1], NULL), LACUS_OK);
        W[th - 1] = malloc((size_t)lacus_tune_net_n_weights(net) * sizeof(double));
        lacus_tune_net_get_weights(net, W[th - 1]);
        if (th == 2)
            CHECK(memcmp(W[0], W[1], (size_t)lacus_tune_net_n_weights(net) * sizeof(double)) == 0);
        lacus_tune_net_free(net);
    }
    free(W[0]), free(W[1]);
#ifdef _OPENMP
    omp_set_num_threads(2);
#endif
}

static double segment_nrmse(const double *x, int64_t Nn, const double *y, int64_t t0, int64_t t1)
{
    double m = 0, se = 0, sv = 0;
    for (int64_t t = t0; t < t1; t++) m += y[t];
    m /= (double)(t1 - t0);
    for (int64_t t = t0; t < t1; t++) {
        se += (x[t * Nn] - y[t]) * (x[t * Nn] - y[t]);
        sv += (y[t] - m) * (y[t] - m);
    }
    return sqrt(se / sv);
}

/* A user kernel whose derivative turns NaN once its input exceeds 0.3. */
static double bad_f(const double *v, int n, const double *p, void *u) { return tanh(v[0]); }
static double bad_df(const double *v, int n, int k, const double *p, void *u)
{
    return fabs(v[0]) > 0.3 ? NAN : 1.0 - tanh(v[0]) * tanh(v[0]);
}

int main(void)
{
    TEST("acceptance: LNL N = 8, T = 144, <= 0.1 within 100 iterations; held-out segment")
    {
        int64_t N = 8, T = 144, Ttest = 144;
        double u[288], y[288];
        lacus_tune_net *net = protocol(LACUS_TUNE_LNL, N, 1, T + Ttest, u, y);
        lacus_tune_criterion c = lacus_tune_criterion_default();
        lacus_tune_params p = lacus_tune_params_default();
        trace tr = {0};
        p.progress = on_iter;
        p.progress_user = &tr;
        lacus_tune_result r;
        lacus_error err = {0};
        CHECK_STATUS(lacus_tune_fit(net, u, y, T, &c, &p, &r, &err), LACUS_OK);
        int64_t Nn = lacus_tune_net_n_nodes(net);
        double *x = malloc((size_t)((T + Ttest) * Nn) * sizeof *x);
        CHECK_STATUS(lacus_tune_forward(net, u, T + Ttest, x, NULL), LACUS_OK);
        double train = segment_nrmse(x, Nn, y, 0, T), test = segment_nrmse(x, Nn, y, T, T + Ttest);
        printf("LNL N=8 T=144: %lld iterations, training NRMSE %.4f -> %.4f (recomputed %.4f), "
               "held-out NRMSE %.4f, cost %.3g -> %.3g\n", (long long)r.iterations, r.nrmse0,
               r.nrmse, train, test, r.cost0, r.cost);
        CHECK(r.iterations <= 100);
        CHECK(r.nrmse <= 0.1);
        CHECK_CLOSE(train, r.nrmse, 1e-12);
        CHECK(r.nrmse0 > 1.0);
        CHECK(test < 0.2); /* the paper had no test set: this one generalises */
        CHECK(tr.increases == 0);
        CHECK(tr.calls == r.iterations);
        free(x);
        lacus_tune_net_free(net);
    }
    TEST("first order and GN alone both lower the cost; guard on still learns")
    {
        int64_t N = 4, T = 40;
        double u[40], y[40];
        for (int m = 1; m <= 3; m++) {
            lacus_tune_net *net = protocol(LACUS_TUNE_LNL, N, 3, T, u, y);
            lacus_tune_criterion c = lacus_tune_criterion_default();
            lacus_tune_params p = lacus_tune_params_default();
            p.method = m == 3 ? LACUS_TUNE_BOTH : (lacus_tune_method)m;
            p.guard = m == 3;
            p.max_iter = 30;
            lacus_tune_result r;
            CHECK_STATUS(lacus_tune_fit(net, u, y, T, &c, &p, &r, NULL), LACUS_OK);
            printf("%s%s N=4: NRMSE %.4f -> %.4f in %lld iterations\n", lacus_tune_method_name(p.method),
                   p.guard ? " (guard)" : "", r.nrmse0, r.nrmse, (long long)r.iterations);
            CHECK(r.nrmse < 0.5 * r.nrmse0);
            lacus_tune_net_free(net);
        }
    }
    TEST("stochastic node-parallel variant: lowers the cost, same result on 1 and 2 threads")
    {
        lacus_tune_params p = lacus_tune_params_default();
        p.method = LACUS_TUNE_STOCHASTIC;
        p.max_iter = 40;
        p.seed = 9;
        lacus_tune_result r[2];
        fit_on_1_and_2_threads(&p, r);
        printf("stochastic N=8: NRMSE %.4f -> %.4f in %lld iterations (1 and 2 threads identical)\n",
               r[0].nrmse0, r[0].nrmse, (long long)r[0].iterations);
        CHECK(r[0].nrmse < 0.5 * r[0].nrmse0);
        CHECK(r[0].cost == r[1].cost);
    }
    TEST("full batch (candidates line-searched in parallel): same weights on 1 and 2 threads")
    {
        lacus_tune_params p = lacus_tune_params_default();
        p.max_iter = 8;
        lacus_tune_result r[2];
        fit_on_1_and_2_threads(&p, r);
        printf("full batch LNL N=8: NRMSE %.4f -> %.4f in %lld iterations (1 and 2 threads identical)\n",
               r[0].nrmse0, r[0].nrmse, (long long)r[0].iterations);
        CHECK(r[0].nrmse < r[0].nrmse0);
        CHECK(r[0].cost == r[1].cost && r[0].iterations == r[1].iterations);
    }
    TEST("divergence: NaN gradient stops with a message, last good weights kept")
    {
        /* x0(t) = w1 f(x0(t-1)) + w2 u(t-1) with f' NaN beyond 0.3: as w2
         * grows to fit a large target the gradient becomes NaN. */
        lacus_tune_net *net = NULL;
        CHECK_STATUS(lacus_tune_net_create_empty(1, 1, &net, NULL), LACUS_OK);
        lacus_tune_kernel k = lacus_tune_kernel_make(LACUS_TK_USER, 0, 1, 0.1);
        k.fn = bad_f;
        k.dfn = bad_df;
        CHECK_STATUS(lacus_tune_net_add_kernel(net, 0, &k, NULL), LACUS_OK);
        k = lacus_tune_kernel_make(LACUS_TK_ID, -1, 1, 0.01);
        CHECK_STATUS(lacus_tune_net_add_kernel(net, 0, &k, NULL), LACUS_OK);
        double u[50], y[50], x[50], W[2];
        for (int t = 0; t < 50; t++) u[t] = sin(0.5 * t), y[t] = 3.0 * sin(0.5 * (t - 1));
        lacus_tune_criterion c = lacus_tune_criterion_default();
        lacus_tune_params p = lacus_tune_params_default();
        p.method = LACUS_TUNE_BANK;
        lacus_tune_result r;
        lacus_error err = {0};
        CHECK_STATUS(lacus_tune_fit(net, u, y, 50, &c, &p, &r, &err), LACUS_ERR_NUMERIC);
        printf("divergence message: %s\n", err.msg);
        CHECK(strstr(err.msg, "diverged at iteration") != NULL);
        CHECK(strstr(err.msg, "not finite") != NULL);
        lacus_tune_net_get_weights(net, W);
        CHECK(isfinite(W[0]) && isfinite(W[1]));
        /* The kept weights are a state whose kernel inputs stay where the
         * derivative exists, and their cost is the one reported. */
        CHECK_STATUS(lacus_tune_forward(net, u, 50, x, NULL), LACUS_OK);
        double cost;
        lacus_tune_cost(net, &c, x, y, NULL, 50, &cost, NULL);
        CHECK_CLOSE(cost, r.cost, 1e-12);
        int ok = 1;
        for (int t = 0; t < 50; t++) ok &= fabs(x[t]) <= 0.3;
        CHECK(ok);
        lacus_tune_net_free(net);
    }
    TEST("bad input: messages name what is wrong")
    {
        int64_t N = 3, T = 24;
        double u[24], y[24];
        lacus_tune_net *net = protocol(LACUS_TUNE_LNL, N, 4, T, u, y);
        lacus_tune_criterion c = lacus_tune_criterion_default();
        lacus_tune_params p = lacus_tune_params_default();
        lacus_error err = {0};
        c.type = LACUS_TUNE_HINGE;
        CHECK_STATUS(lacus_tune_fit(net, u, y, T, &c, &p, NULL, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "Boolean targets") != NULL);
        c = lacus_tune_criterion_default();
        c.nu = -1;
        CHECK_STATUS(lacus_tune_fit(net, u, y, T, &c, &p, NULL, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "nu = -1") != NULL);
        c = lacus_tune_criterion_default();
        int64_t obs = 99;
        c.observed = &obs;
        CHECK_STATUS(lacus_tune_fit(net, u, y, T, &c, &p, NULL, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "observed[0] = 99") != NULL);
        c = lacus_tune_criterion_default();
        double saved = y[5];
        y[5] = NAN;
        CHECK_STATUS(lacus_tune_fit(net, u, y, T, &c, &p, NULL, &err), LACUS_ERR_NUMERIC);
        CHECK(strstr(err.msg, "target") != NULL);
        y[5] = saved;
        p.damping = 0;
        CHECK_STATUS(lacus_tune_fit(net, u, y, T, &c, &p, NULL, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "damping = 0") != NULL);
        p = lacus_tune_params_default();
        p.n_filters = 9;
        CHECK_STATUS(lacus_tune_fit(net, u, y, T, &c, &p, NULL, &err), LACUS_ERR_ARG);
        lacus_tune_net_free(net);
        /* softmax units cannot reach targets outside [0, 1] */
        lacus_tune_net_params sp = lacus_tune_net_params_default();
        sp.unit = LACUS_TUNE_SOFTMAX;
        sp.n_units = 3;
        CHECK_STATUS(lacus_tune_net_create(&sp, &net, NULL), LACUS_OK);
        p = lacus_tune_params_default();
        y[0] = 1.5;
        CHECK_STATUS(lacus_tune_fit(net, u, y, T, &c, &p, NULL, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "softmax") != NULL);
        lacus_tune_net_free(net);
        /* causality and arity are checked when kernels are added */
        CHECK_STATUS(lacus_tune_net_create_empty(3, 1, &net, NULL), LACUS_OK);
        lacus_tune_kernel k = lacus_tune_kernel_make(LACUS_TK_ID, 1, 0, 1.0);
        CHECK_STATUS(lacus_tune_net_add_kernel(net, 2, &k, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "higher index") != NULL);
        k = lacus_tune_kernel_make(LACUS_TK_RATIO, 1, 1, 1.0);
        CHECK_STATUS(lacus_tune_net_add_kernel(net, 0, &k, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "takes 2 source") != NULL);
        k = lacus_tune_kernel_make(LACUS_TK_ID, -3, 1, 1.0);
        CHECK_STATUS(lacus_tune_net_add_kernel(net, 0, &k, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "input 2 does not exist") != NULL);
        lacus_tune_net_free(net);
        lacus_tune_net_params bp = lacus_tune_net_params_default();
        bp.n_units = 0;
        CHECK_STATUS(lacus_tune_net_create(&bp, &net, &err), LACUS_ERR_ARG);
        CHECK(net == NULL);
        CHECK(strstr(err.msg, "n_units = 0") != NULL);
    }
    TEST_MAIN_END();
}
