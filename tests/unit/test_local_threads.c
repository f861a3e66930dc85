/* The local reservoir's step loop with one barrier per step (hetero_run.c):
 *  - shuffled negatives + per-unit goodness FF with IP units, and
 *    self-predicting NLMS units with tPC coupling: 1 and 2 threads give the
 *    same states, negative states and weights, bit for bit (the common
 *    path; test_ff_learn2 covers free negatives + layer goodness);
 *  - a run split in calls of odd lengths (7 + 6 + 1 steps, reset = 0)
 *    equals one run of 14 steps: the alternating state buffers hand the
 *    right x(t-1) to the next call;
 *  - the same for FF with free-running negatives and the layer goodness
 *    (states, negative states, W and the generator G), whose extra
 *    synchronisation points hand the generator's prediction and the layer
 *    sums between threads;
 *  - a divergence on 2 threads stops at the same step and unit, with the
 *    same message, the same W and the same held state as on 1 thread. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lacus.h"
#include "test.h"

#ifdef _OPENMP
#include <omp.h>
#endif

static void threads(int n)
{
#ifdef _OPENMP
    omp_set_num_threads(n);
#else
    (void)n;
#endif
}

/* Large enough for the parallel path (W.nnz + 2 sum K >= 20000). */
static lacus_localres_params big(lacus_local_rule rule)
{
    lacus_localres_params p = lacus_localres_params_default();
    p.res.n_units = 500;
    p.res.n_inputs = 2;
    p.res.sr = 0.9;
    p.res.lr = 0.5;
    p.res.rc_connectivity = 0.1;
    p.res.input_connectivity = 1.0;
    p.res.seed = 11;
    p.pops[0].rule = rule;
    return p;
}

static void fill(double *u, int64_t n, unsigned seed)
{
    srand(seed);
    for (int64_t i = 0; i < n; i++) u[i] = 2.0 * rand() / (double)RAND_MAX - 1.0;
}

int main(void)
{
    enum { T = 120, N = 500, M = 2 };
    static double u[T * M], X[2][T * N], Xn[2][T * N], W[2][N * N];
    fill(u, T * M, 5);

    TEST("FF (shuffled negatives, per-unit goodness) + IP guard: 1 = 2 threads") {
        for (int k = 0; k < 2; k++) {
            threads(k + 1);
            lacus_localres_params p = big(LACUS_RULE_FF);
            p.ff_eta = 1e-3;
            p.guard_ip = 1;
            lacus_localres *m = NULL;
            CHECK_STATUS(lacus_localres_create(&p, &m, NULL), LACUS_OK);
            CHECK_STATUS(lacus_localres_run_neg(m, u, T, 1, X[k], Xn[k]), LACUS_OK);
            CHECK_STATUS(lacus_localres_get_W(m, W[k]), LACUS_OK);
            lacus_localres_free(m);
        }
        CHECK(memcmp(X[0], X[1], sizeof X[0]) == 0);
        CHECK(memcmp(Xn[0], Xn[1], sizeof Xn[0]) == 0);
        CHECK(memcmp(W[0], W[1], sizeof W[0]) == 0);
        /* the rule did move W (the comparison is not between untouched copies) */
        lacus_localres_params p = big(LACUS_RULE_FF);
        lacus_localres *m = NULL;
        CHECK_STATUS(lacus_localres_create(&p, &m, NULL), LACUS_OK);
        static double W0[N * N];
        CHECK_STATUS(lacus_localres_get_W(m, W0), LACUS_OK);
        double moved = 0.0;
        for (int64_t i = 0; i < (int64_t)N * N; i++) moved = fmax(moved, fabs(W0[i] - W[0][i]));
        CHECK(moved > 1e-6);
        lacus_localres_free(m);
    }

    TEST("self-predicting NLMS + tPC coupling, runs of 7 + 6 + 1 steps = one of 14, 1 = 2 threads") {
        for (int k = 0; k < 2; k++) {
            threads(k + 1);
            lacus_localres_params p = big(LACUS_RULE_SELFPRED);
            p.w_eta = 1e-3;
            lacus_localres *a = NULL, *b = NULL;
            CHECK_STATUS(lacus_localres_create(&p, &a, NULL), LACUS_OK);
            CHECK_STATUS(lacus_localres_create(&p, &b, NULL), LACUS_OK);
            CHECK_STATUS(lacus_localres_run(a, u, 14, 1, 1, X[k], NULL, NULL), LACUS_OK);
            CHECK_STATUS(lacus_localres_run(b, u, 7, 1, 1, Xn[k], NULL, NULL), LACUS_OK);
            CHECK_STATUS(lacus_localres_run(b, u + 7 * M, 6, 1, 0, Xn[k] + 7 * N, NULL, NULL), LACUS_OK);
            CHECK_STATUS(lacus_localres_run(b, u + 13 * M, 1, 1, 0, Xn[k] + 13 * N, NULL, NULL), LACUS_OK);
            CHECK(memcmp(X[k], Xn[k], sizeof(double) * 14 * N) == 0);
            lacus_localres_free(a);
            lacus_localres_free(b);
        }
        CHECK(memcmp(X[0], X[1], sizeof(double) * 14 * N) == 0);
    }

    TEST("FF free negatives + layer goodness: runs of 7 + 6 + 1 steps = one of 14, 1 = 2 threads") {
        /* The generator's update and next prediction share one `single`,
         * and the first prediction of a call comes from the negative state
         * the previous call left: split runs must hand both over. */
        static double G[2][M * (N + 1)];
        for (int k = 0; k < 2; k++) {
            threads(k + 1);
            lacus_localres_params p = big(LACUS_RULE_FF);
            p.ff_eta = 1e-3;
            p.ff_negatives = LACUS_FF_NEG_FREE;
            p.ff_goodness = LACUS_FF_GOOD_LAYER;
            lacus_localres *a = NULL, *b = NULL;
            static double Xa[14 * N], Xna[14 * N], Wb[N * N], Gb[M * (N + 1)];
            CHECK_STATUS(lacus_localres_create(&p, &a, NULL), LACUS_OK);
            CHECK_STATUS(lacus_localres_create(&p, &b, NULL), LACUS_OK);
            CHECK_STATUS(lacus_localres_run_neg(a, u, 14, 1, Xa, Xna), LACUS_OK);
            CHECK_STATUS(lacus_localres_run_neg(b, u, 7, 1, X[k], Xn[k]), LACUS_OK);
            CHECK_STATUS(lacus_localres_run_neg(b, u + 7 * M, 6, 0, X[k] + 7 * N, Xn[k] + 7 * N), LACUS_OK);
            CHECK_STATUS(lacus_localres_run_neg(b, u + 13 * M, 1, 0, X[k] + 13 * N, Xn[k] + 13 * N), LACUS_OK);
            CHECK(memcmp(Xa, X[k], sizeof Xa) == 0);
            CHECK(memcmp(Xna, Xn[k], sizeof Xna) == 0);
            CHECK_STATUS(lacus_localres_get_W(a, W[k]), LACUS_OK);
            CHECK_STATUS(lacus_localres_get_W(b, Wb), LACUS_OK);
            CHECK(memcmp(W[k], Wb, sizeof Wb) == 0);
            CHECK_STATUS(lacus_localres_generator(a, G[k]), LACUS_OK);
            CHECK_STATUS(lacus_localres_generator(b, Gb), LACUS_OK);
            CHECK(memcmp(G[k], Gb, sizeof Gb) == 0);
            lacus_localres_free(a);
            lacus_localres_free(b);
        }
        CHECK(memcmp(X[0], X[1], sizeof(double) * 14 * N) == 0);
        CHECK(memcmp(Xn[0], Xn[1], sizeof(double) * 14 * N) == 0);
        CHECK(memcmp(W[0], W[1], sizeof W[0]) == 0);
        CHECK(memcmp(G[0], G[1], sizeof G[0]) == 0);
        /* the negative copy differs from the positive one, and the
         * generator learned (else the comparisons would be trivial) */
        double dneg = 0.0, g = 0.0;
        for (int64_t i = 0; i < 14 * N; i++) dneg = fmax(dneg, fabs(X[0][i] - Xn[0][i]));
        for (int64_t i = 0; i < M * (N + 1); i++) g = fmax(g, fabs(G[0][i]));
        CHECK(dneg > 1e-3);
        CHECK(g > 0.0);
    }

    TEST("a divergence on 2 threads = on 1 thread: step, unit, message, W, held state") {
        char msg[2][512];
        for (int k = 0; k < 2; k++) {
            threads(k + 1);
            lacus_localres_params p = big(LACUS_RULE_SELFPRED);
            p.w_eta = 50.0;
            p.max_norm = 100.0;
            lacus_localres *m = NULL;
            CHECK_STATUS(lacus_localres_create(&p, &m, NULL), LACUS_OK);
            CHECK_STATUS(lacus_localres_run(m, u, T, 1, 1, X[k], NULL, NULL), LACUS_ERR_NUMERIC);
            snprintf(msg[k], sizeof msg[k], "%s", lacus_localres_errmsg(m));
            CHECK_STATUS(lacus_localres_get_W(m, W[k]), LACUS_OK);
            /* one more step without learning from the held state x(t-1) */
            CHECK_STATUS(lacus_localres_run(m, u, 1, 0, 0, Xn[k], NULL, NULL), LACUS_OK);
            lacus_localres_free(m);
        }
        CHECK(strstr(msg[0], "diverged at step") != NULL);
        if (getenv("SHOW")) fprintf(stderr, "  %s\n", msg[0]);
        CHECK(strcmp(msg[0], msg[1]) == 0);
        CHECK(memcmp(W[0], W[1], sizeof W[0]) == 0);
        CHECK(memcmp(Xn[0], Xn[1], sizeof(double) * N) == 0);
        /* the held state is x(t-1): the step before the failing one, as
         * recorded; the failing step's row was written only partly */
        int64_t step = -1;
        sscanf(strstr(msg[0], "diverged at step ") + 17, "%lld", (long long *)&step);
        CHECK(step >= 1 && step < T);
    }
    TEST_MAIN_END();
}
