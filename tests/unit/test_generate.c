/* Closed-loop generation (lacus_esn_generate): a sine learnt as
 * s[t] -> s[t+1] is reproduced for 200 free-running steps; the result equals,
 * bit for bit, stepping the reservoir by hand through the public API, and is
 * the same with 1 and 2 threads where the step runs on the team; bad
 * uses (no warm-up, outputs that cannot feed back, NaN warm-up) and a
 * diverging loop fail clearly. */
#include <string.h>

#include "core/rng.h"
#include "lacus.h"
#include "test.h"

#define T_TRAIN 1000
#define N_WARM 150
#define K_GEN 200

static double sine(int64_t t) { return sin(0.2 * (double)t); }

static lacus_esn *sine_model_n(int64_t n_units, int64_t n_inputs, int feed_input)
{
    lacus_esn_params p = lacus_esn_params_default();
    p.reservoir.n_units = n_units;
    p.reservoir.n_inputs = n_inputs;
    p.reservoir.lr = 0.5;
    p.reservoir.sr = 0.9;
    p.reservoir.bias_scaling = 0.1;
    p.reservoir.seed = 7;
    p.readout.ridge = 1e-8;
    p.warmup = 100;
    p.feed_input = feed_input;
    lacus_esn *m = NULL;
    lacus_error err = {0};
    CHECK_STATUS(lacus_esn_create(&p, &m, &err), LACUS_OK);
    double *u = malloc(sizeof(double) * T_TRAIN * (size_t)n_inputs), *y = malloc(sizeof(double) * T_TRAIN);
    for (int64_t t = 0; t < T_TRAIN; t++) {
        for (int64_t j = 0; j < n_inputs; j++) u[t * n_inputs + j] = sine(t) / (double)(j + 1);
        y[t] = sine(t + 1);
    }
    int64_t steps = T_TRAIN;
    const double *U[1] = {u}, *Y[1] = {y};
    lacus_seqs Us = {1, n_inputs, U, &steps}, Ys = {1, 1, Y, &steps};
    CHECK_STATUS(lacus_esn_fit(m, &Us, &Ys), LACUS_OK);
    free(u);
    free(y);
    return m;
}

static lacus_esn *sine_model(int64_t n_inputs, int feed_input) { return sine_model_n(100, n_inputs, feed_input); }

/* The same loop by hand: lacus_reservoir_run over the warm-up, then one step
 * at a time with reset = 0, and lacus_ridge_predict on each state. */
static void generate_by_hand(lacus_esn *m, const double *warm, int64_t nw, int64_t K, int feed,
                             double *out)
{
    lacus_reservoir *r = lacus_esn_reservoir(m);
    int64_t N = lacus_reservoir_n_units(r), F = N + (feed ? 1 : 0);
    double *states = malloc(sizeof(double) * (size_t)(nw * N)), *f = malloc(sizeof(double) * (size_t)F);
    CHECK_STATUS(lacus_reservoir_run(r, warm, nw, 1, states), LACUS_OK);
    memcpy(f, states + (nw - 1) * N, sizeof(double) * (size_t)N);
    if (feed) f[N] = warm[nw - 1];
    for (int64_t k = 0; k < K; k++) {
        CHECK_STATUS(lacus_ridge_predict(lacus_esn_readout(m), f, F, 1, out + k, 1), LACUS_OK);
        if (k + 1 == K) break;
        CHECK_STATUS(lacus_reservoir_run(r, out + k, 1, 0, f), LACUS_OK);
        if (feed) f[N] = out[k];
    }
    free(states);
    free(f);
}

int main(void)
{
    double warm[N_WARM], gen[K_GEN], hand[K_GEN];
    for (int64_t t = 0; t < N_WARM; t++) warm[t] = sine(T_TRAIN + t);

    TEST("a learnt sine is reproduced for 200 closed-loop steps")
    {
        lacus_esn *m = sine_model(1, 0);
        CHECK_STATUS(lacus_esn_generate(m, warm, N_WARM, K_GEN, gen), LACUS_OK);
        double e = 0.0;
        /* out[k] forecasts s[n_warmup + k] of the warm-up's own series */
        for (int64_t k = 0; k < K_GEN; k++) e = fmax(e, fabs(gen[k] - sine(T_TRAIN + N_WARM + k)));
        printf("sine: max |error| over %d steps = %.3g\n", K_GEN, e);
        CHECK(e < 1e-3);
        /* the first value is the prediction of the last warm-up step */
        double *pred = malloc(sizeof(double) * N_WARM);
        int64_t steps = N_WARM;
        const double *U[1] = {warm};
        lacus_seqs Us = {1, 1, U, &steps};
        CHECK_STATUS(lacus_esn_run(m, &Us, &pred), LACUS_OK);
        CHECK(pred[N_WARM - 1] == gen[0]);
        free(pred);
        /* zero steps: nothing written, OK */
        CHECK_STATUS(lacus_esn_generate(m, warm, N_WARM, 0, NULL), LACUS_OK);
        lacus_esn_free(m);
    }

    TEST("generation equals stepping by hand through the public API, bit for bit")
    {
        for (int feed = 0; feed < 2; feed++) {
            lacus_esn *m = sine_model(1, feed);
            CHECK_STATUS(lacus_esn_generate(m, warm, N_WARM, K_GEN, gen), LACUS_OK);
            generate_by_hand(m, warm, N_WARM, K_GEN, feed, hand);
            CHECK(memcmp(gen, hand, sizeof gen) == 0);
            /* a one-step warm-up, and a warm-up of exactly one block */
            CHECK_STATUS(lacus_esn_generate(m, warm, 1, 50, gen), LACUS_OK);
            generate_by_hand(m, warm, 1, 50, feed, hand);
            CHECK(memcmp(gen, hand, 50 * sizeof(double)) == 0);
            CHECK_STATUS(lacus_esn_generate(m, warm, 64, 50, gen), LACUS_OK);
            generate_by_hand(m, warm, 64, 50, feed, hand);
            CHECK(memcmp(gen, hand, 50 * sizeof(double)) == 0);
            lacus_esn_free(m);
        }
    }

    TEST("a step large enough to run on the OpenMP team: same bits with 1 and 2 threads")
    {
        /* 600 units at connectivity 0.1: 36,000 non-zeros, above
         * LACUS__PARALLEL_WORK_MIN, in 10 chunks of rows. */
        int saved = lacus_get_num_threads();
        lacus_esn *m = sine_model_n(600, 1, 0);
        double one[K_GEN];
        lacus_set_num_threads(1);
        CHECK_STATUS(lacus_esn_generate(m, warm, N_WARM, K_GEN, one), LACUS_OK);
        lacus_set_num_threads(2);
        CHECK_STATUS(lacus_esn_generate(m, warm, N_WARM, K_GEN, gen), LACUS_OK);
        generate_by_hand(m, warm, N_WARM, K_GEN, 0, hand);
        CHECK(memcmp(gen, one, sizeof gen) == 0);
        CHECK(memcmp(gen, hand, sizeof gen) == 0);
        lacus_set_num_threads(saved);
        lacus_esn_free(m);
    }

    TEST("bad uses: no warm-up, outputs that cannot feed back, NaN warm-up")
    {
        lacus_esn *m = sine_model(1, 0);
        CHECK_STATUS(lacus_esn_generate(m, warm, 0, 10, gen), LACUS_ERR_ARG);
        CHECK(strstr(lacus_esn_errmsg(m), "warm-up") != NULL);
        CHECK_STATUS(lacus_esn_generate(m, NULL, 5, 10, gen), LACUS_ERR_ARG);
        CHECK_STATUS(lacus_esn_generate(m, warm, 5, -1, gen), LACUS_ERR_ARG);
        double bad[5] = {0.1, 0.2, NAN, 0.3, 0.4};
        CHECK_STATUS(lacus_esn_generate(m, bad, 5, 10, gen), LACUS_ERR_NUMERIC);
        lacus_esn_free(m);

        lacus_esn *m2 = sine_model(2, 0); /* 2 inputs, 1 output */
        double warm2[10] = {0};
        CHECK_STATUS(lacus_esn_generate(m2, warm2, 5, 10, gen), LACUS_ERR_SHAPE);
        CHECK(strstr(lacus_esn_errmsg(m2), "1 outputs but 2 inputs") != NULL);
        lacus_esn_free(m2);

        lacus_esn_params p = lacus_esn_params_default();
        p.reservoir.n_units = 10;
        p.reservoir.n_inputs = 1;
        lacus_esn *m3 = NULL;
        lacus_error err = {0};
        CHECK_STATUS(lacus_esn_create(&p, &m3, &err), LACUS_OK);
        CHECK_STATUS(lacus_esn_generate(m3, warm, 5, 10, gen), LACUS_ERR_STATE);
        lacus_esn_free(m3);
    }

    TEST("a diverging loop stops with LACUS_ERR_NUMERIC naming the step")
    {
        /* identity activation and a readout that learnt y = 10 u: the loop
         * grows tenfold per step and overflows near step 308 */
        lacus_esn_params p = lacus_esn_params_default();
        p.reservoir.n_units = 20;
        p.reservoir.n_inputs = 1;
        p.reservoir.sr = 0.1;
        p.reservoir.input_connectivity = 1.0;
        p.reservoir.activation = LACUS_ACT_IDENTITY;
        p.readout.ridge = 1e-12;
        lacus_esn *m = NULL;
        lacus_error err = {0};
        CHECK_STATUS(lacus_esn_create(&p, &m, &err), LACUS_OK);
        lacus__rng g;
        lacus__rng_seed(&g, 3);
        double u[500], y[500];
        for (int t = 0; t < 500; t++) u[t] = lacus__rng_uniform(&g) - 0.5, y[t] = 10.0 * u[t];
        int64_t steps = 500;
        const double *U[1] = {u}, *Y[1] = {y};
        lacus_seqs Us = {1, 1, U, &steps}, Ys = {1, 1, Y, &steps};
        CHECK_STATUS(lacus_esn_fit(m, &Us, &Ys), LACUS_OK);
        double *out = malloc(sizeof(double) * 1000);
        double w[3] = {0.3, -0.2, 0.5};
        CHECK_STATUS(lacus_esn_generate(m, w, 3, 1000, out), LACUS_ERR_NUMERIC);
        const char *msg = lacus_esn_errmsg(m);
        CHECK(strstr(msg, "generated step ") != NULL && strstr(msg, "diverged") != NULL);
        long k = strstr(msg, "generated step ") ? atol(strstr(msg, "generated step ") + 15) : -1;
        CHECK(k > 100 && k < 1000);
        int finite_before = 1;
        for (long i = 0; i < k && k < 1000; i++) finite_before &= isfinite(out[i]) != 0;
        CHECK(finite_before);
        CHECK(k > 0 && k < 1000 && !isfinite(out[k]));
        free(out);
        lacus_esn_free(m);
    }
    TEST_MAIN_END();
}
