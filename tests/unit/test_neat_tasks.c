/* NEAT tasks: the reservoir fitness against a plain-C reference (states by
 * hand, ridge by its normal equations), the 4-class sequences' properties,
 * pole balancing sanity, bad task arguments. */
#include <math.h>
#include <string.h>

#include "fixture.h"
#include "test.h"

static lacus_neat_node_gene unit(int64_t key, double bias, double leak, lacus_neat_act act)
{
    lacus_neat_node_gene n = {key, bias, 1.0, leak, act, LACUS_NEAT_AGG_SUM};
    return n;
}
static lacus_neat_conn_gene link(int64_t in, int64_t out, int64_t innov, double w)
{
    lacus_neat_conn_gene c = {in, out, innov, w, 1};
    return c;
}

/* Solves the 3x3 (or smaller) system A x = b by Gaussian elimination. */
static void solve(int n, double A[3][3], double *b)
{
    for (int k = 0; k < n; k++) {
        for (int i = k + 1; i < n; i++) {
            double f = A[i][k] / A[k][k];
            for (int j = k; j < n; j++) A[i][j] -= f * A[k][j];
            b[i] -= f * b[k];
        }
    }
    for (int k = n - 1; k >= 0; k--) {
        for (int j = k + 1; j < n; j++) b[k] -= A[k][j] * b[j];
        b[k] /= A[k][k];
    }
}

static double sig(double z) { return 1.0 / (1.0 + exp(-fmax(-60, fmin(60, 5 * z)))); }

static void test_reservoir_regression(void)
{
    TEST("reservoir fitness = plain-C reference")
    {
        lacus_neat_config c = lacus_neat_config_default();
        c.num_inputs = 1;
        c.num_outputs = 1;
        c.feed_forward = 0;
        c.reservoir = 1;
        /* Two units: 0 (tanh, leak 0.6) and 5 (sigmoid, leak 1). */
        lacus_neat_node_gene nodes[] = {unit(0, 0.1, 0.6, LACUS_NEAT_ACT_TANH),
                                        unit(5, -0.2, 1.0, LACUS_NEAT_ACT_SIGMOID)};
        lacus_neat_conn_gene links[] = {link(-1, 0, 1, 0.8), link(0, 0, 2, 0.5), link(0, 5, 3, -1.1),
                                        link(5, 0, 4, 0.3), link(-1, 5, 5, 0.4)};
        lacus_neat_genome *g = NULL;
        CHECK_STATUS(lacus_neat_genome_build(&c, nodes, 2, links, 5, &g, NULL), LACUS_OK);
        /* Data: u = sin, y = cos (next step), two sequences of 50 steps,
         * the first for the readout, the second for validation. */
        enum { T = 50, W = 5 };
        double u[2][T], y[2][T];
        for (int s = 0; s < 2; s++)
            for (int t = 0; t < T; t++) {
                u[s][t] = sin(0.3 * (t + 50 * s));
                y[s][t] = cos(0.3 * (t + 1 + 50 * s));
            }
        const double *in[2] = {u[0], u[1]}, *tg[2] = {y[0], y[1]};
        int64_t steps[2] = {T, T};
        lacus_neat_res_task task;
        memset(&task, 0, sizeof task);
        task.kind = LACUS_NEAT_RES_REGRESSION;
        task.n_inputs = 1, task.n_outputs = 1, task.n_seqs = 2, task.n_train = 1;
        task.inputs = in, task.targets = tg, task.n_steps = steps, task.warmup = W;
        task.ridge = 1e-3, task.config = &c;
        double score = 0;
        CHECK_STATUS(lacus_neat_reservoir_score(g, &task, &score, NULL), LACUS_OK);
        /* Reference: synchronous leaky update, centred ridge. */
        double X[2][T][2];
        for (int s = 0; s < 2; s++) {
            double a = 0, b = 0;
            for (int t = 0; t < T; t++) {
                double na = 0.4 * a + 0.6 * tanh(2.5 * (0.1 + 0.8 * u[s][t] + 0.5 * a + 0.3 * b));
                double nb = sig(-0.2 + -1.1 * a + 0.4 * u[s][t]);
                a = na, b = nb;
                X[s][t][0] = a, X[s][t][1] = b;
            }
        }
        double mx[2] = {0, 0}, my = 0;
        int n = T - W;
        for (int t = W; t < T; t++) mx[0] += X[0][t][0], mx[1] += X[0][t][1], my += y[0][t];
        mx[0] /= n, mx[1] /= n, my /= n;
        double A[3][3] = {{0}}, rhs[3] = {0};
        for (int t = W; t < T; t++) {
            double d[2] = {X[0][t][0] - mx[0], X[0][t][1] - mx[1]};
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 2; j++) A[i][j] += d[i] * d[j];
                rhs[i] += d[i] * (y[0][t] - my);
            }
        }
        A[0][0] += 1e-3, A[1][1] += 1e-3;
        solve(2, A, rhs);
        double bias = my - mx[0] * rhs[0] - mx[1] * rhs[1], sse = 0, sum = 0, sq = 0;
        for (int t = W; t < T; t++) {
            double p = bias + rhs[0] * X[1][t][0] + rhs[1] * X[1][t][1];
            sse += (p - y[1][t]) * (p - y[1][t]);
            sum += y[1][t], sq += y[1][t] * y[1][t];
        }
        double var = sq / n - (sum / n) * (sum / n), nrmse = sqrt(sse / n) / sqrt(var);
        CHECK_CLOSE(score, -nrmse, 1e-9);
        CHECK(nrmse > 0 && nrmse < 1);
        /* The fitness subtracts the size penalty per unit. */
        task.size_penalty = 0.01;
        double f = 0;
        CHECK_STATUS(lacus_neat_fitness_reservoir(g, &task, 0, &f, NULL), LACUS_OK);
        CHECK_CLOSE(f, -nrmse - 0.02, 1e-9);
        /* A diverging reservoir (cube units feeding themselves) scores the
         * worst value instead of failing. */
        lacus_neat_node_gene boom = unit(0, 0.0, 1.0, LACUS_NEAT_ACT_CUBE);
        lacus_neat_conn_gene loops[] = {link(-1, 0, 1, 3.0), link(0, 0, 2, 3.0)};
        lacus_neat_genome *h = NULL;
        CHECK_STATUS(lacus_neat_genome_build(&c, &boom, 1, loops, 2, &h, NULL), LACUS_OK);
        CHECK_STATUS(lacus_neat_reservoir_score(h, &task, &score, NULL), LACUS_OK);
        CHECK(score == -1e3);
        /* Bad tasks are refused with a message. */
        lacus_error e = {0};
        task.n_train = 2;
        CHECK_STATUS(lacus_neat_reservoir_score(g, &task, &score, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "n_train") != NULL);
        task.n_train = 1;
        task.ridge = -1;
        CHECK_STATUS(lacus_neat_reservoir_score(g, &task, &score, &e), LACUS_ERR_ARG);
        lacus_neat_genome_free(g);
        lacus_neat_genome_free(h);
    }
}

static void test_seqclass4(void)
{
    TEST("4-class sequences")
    {
        enum { N = 40, T = 60 };
        double x[N * T], x2[N * T];
        int64_t lab[N], lab2[N], count[4] = {0};
        CHECK_STATUS(lacus_neat_seqclass4(N, T, 0.0, 3, x, lab, NULL), LACUS_OK);
        for (int i = 0; i < N; i++) count[lab[i]]++;
        CHECK(count[0] == 10 && count[1] == 10 && count[2] == 10 && count[3] == 10);
        /* Without noise, class c repeats with its period exactly. */
        static const int P[4] = {8, 11, 15, 20};
        double worst = 0, amp_lo = 1e9, amp_hi = 0;
        for (int i = 0; i < N; i++) {
            double mx = 0;
            for (int t = 0; t + P[lab[i]] < T; t++)
                worst = fmax(worst, fabs(x[i * T + t + P[lab[i]]] - x[i * T + t]));
            for (int t = 0; t < T; t++) mx = fmax(mx, fabs(x[i * T + t]));
            amp_lo = fmin(amp_lo, mx), amp_hi = fmax(amp_hi, mx);
        }
        CHECK(worst < 1e-12);
        CHECK(amp_lo >= 0.45 && amp_hi <= 1.0);
        /* Same seed, same data; another seed, other data. */
        CHECK_STATUS(lacus_neat_seqclass4(N, T, 0.0, 3, x2, lab2, NULL), LACUS_OK);
        CHECK(!memcmp(x, x2, sizeof x) && !memcmp(lab, lab2, sizeof lab));
        CHECK_STATUS(lacus_neat_seqclass4(N, T, 0.0, 4, x2, lab2, NULL), LACUS_OK);
        CHECK(memcmp(x, x2, sizeof x) != 0);
        /* Noise of std 0.4: residual around the clean signal. */
        CHECK_STATUS(lacus_neat_seqclass4(N, T, 0.4, 3, x2, lab2, NULL), LACUS_OK);
        double ss = 0;
        for (int i = 0; i < N * T; i++) ss += (x2[i] - x[i]) * (x2[i] - x[i]);
        CHECK(fabs(sqrt(ss / (N * T)) - 0.4) < 0.03);
        lacus_error e = {0};
        CHECK_STATUS(lacus_neat_seqclass4(N, T, NAN, 3, x2, lab2, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "noise") != NULL);
        CHECK_STATUS(lacus_neat_seqclass4(0, T, 0.1, 3, x2, lab2, &e), LACUS_ERR_ARG);
    }
}

static void test_pole(void)
{
    TEST("pole balancing")
    {
        lacus_neat_config c = lacus_neat_config_default();
        c.num_inputs = 6;
        lacus_neat_pole_task t;
        t.pole = lacus_neat_pole_params_default();
        t.config = &c;
        /* No links: the output is sigmoid(0) = 0.5, zero force; the poles
         * fall within a few seconds (a few hundred steps of 0.02 s). */
        lacus_neat_node_gene out = unit(0, 0.0, 1.0, LACUS_NEAT_ACT_SIGMOID);
        lacus_neat_genome *g = NULL;
        CHECK_STATUS(lacus_neat_genome_build(&c, &out, 1, NULL, 0, &g, NULL), LACUS_OK);
        double f0 = 0, f1 = 0;
        CHECK_STATUS(lacus_neat_fitness_pole(g, &t, 0, &f0, NULL), LACUS_OK);
        CHECK(f0 > 10.0 / 100000 && f0 < 1000.0 / 100000);
        /* Pushing the cart the wrong way (force follows -theta) makes it fall sooner. */
        lacus_neat_conn_gene wrong = link(-3, 0, 1, -5.0);
        lacus_neat_genome *h = NULL;
        CHECK_STATUS(lacus_neat_genome_build(&c, &out, 1, &wrong, 1, &h, NULL), LACUS_OK);
        CHECK_STATUS(lacus_neat_fitness_pole(h, &t, 0, &f1, NULL), LACUS_OK);
        CHECK(f1 < f0);
        /* Configs that do not match the task are refused. */
        lacus_error e = {0};
        c.num_inputs = 3;
        CHECK_STATUS(lacus_neat_fitness_pole(g, &t, 0, &f0, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "num_inputs = 6") != NULL);
        t.pole.n_poles = 3;
        CHECK_STATUS(lacus_neat_fitness_pole(g, &t, 0, &f0, &e), LACUS_ERR_ARG);
        lacus_neat_genome_free(g);
        lacus_neat_genome_free(h);
    }
}

int main(void)
{
    test_reservoir_regression();
    test_seqclass4();
    test_pole();
    TEST_MAIN_END();
}
