/* FORCE learning: an RLS readout trained while the reservoir runs on its
 * own fed-back output learns to generate a sine wave in closed loop (the
 * first experiment of Sussillo & Abbott 2009), from a chaotic reservoir. */
#include <string.h>

#include "fixture.h"
#include "test.h"

#define T_TRAIN 8000
#define T_TEST 4000

int main(void)
{
    static double u[T_TRAIN], y[T_TRAIN], pred[T_TEST]; /* T_TEST <= T_TRAIN */
    for (int t = 0; t < T_TRAIN; t++) u[t] = 1.0; /* a constant input: the rhythm must come from the loop */
    for (int t = 0; t < T_TRAIN; t++) {
        y[t] = sin(2.0 * 3.14159265358979323846 * t / 200.0);
    }
    lacus_esn_params p = lacus_esn_params_default();
    p.reservoir.n_units = 300;
    p.reservoir.n_inputs = 1;
    p.reservoir.sr = 1.5; /* chaotic without feedback, as in the paper (g = 1.5) */
    p.reservoir.lr = 0.05;
    p.reservoir.input_scaling = 0.2;
    p.reservoir.input_connectivity = 1.0;
    p.n_feedback = 1;
    p.fb_scaling = 1.0;
    p.warmup = 50;
    lacus_error err = {0};
    lacus_esn *m = NULL;
    const double *ud = u, *yd = y;
    int64_t T = T_TRAIN, Tt = T_TEST;
    lacus_seqs U = {1, 1, &ud, &T}, Y = {1, 1, &yd, &T}, Ut = {1, 1, &ud, &Tt};
    TEST("FORCE learns a sine wave that the closed loop then produces alone")
    {
        CHECK_STATUS(lacus_esn_create(&p, &m, &err), LACUS_OK);
        CHECK_STATUS(lacus_esn_force(m, &U, &Y, 1.0, 1.0), LACUS_OK);
        CHECK(lacus_esn_is_trained(m));
        /* Closed loop from a zero state, no teacher: after a transient the
         * network must oscillate on its own with the target's amplitude and
         * period (its phase depends on the transient, so it is not compared). */
        CHECK_STATUS(lacus_esn_run(m, &Ut, (double *const[]){pred}), LACUS_OK);
        double mean = 0, var = 0;
        int crossings = 0;
        for (int t = 2000; t < T_TEST; t++) mean += pred[t];
        mean /= T_TEST - 2000;
        for (int t = 2000; t < T_TEST; t++) {
            var += (pred[t] - mean) * (pred[t] - mean);
            crossings += t > 2000 && (pred[t] - mean) * (pred[t - 1] - mean) < 0;
        }
        double sd = sqrt(var / (T_TEST - 2000));
        printf("  FORCE sine, closed loop alone: sd %.3f (target 0.707), %d zero crossings in 2000 steps "
               "(target 20), mean %.3f\n", sd, crossings, mean);
        CHECK(fabs(sd - sqrt(0.5)) < 0.1 * sqrt(0.5));
        CHECK(crossings >= 19 && crossings <= 21);
        CHECK(fabs(mean) < 0.05);
    }
    TEST("FORCE needs feedback; bad RLS parameters are refused")
    {
        lacus_esn_params q = p;
        q.n_feedback = 0;
        lacus_esn *m2 = NULL;
        CHECK_STATUS(lacus_esn_create(&q, &m2, &err), LACUS_OK);
        CHECK_STATUS(lacus_esn_force(m2, &U, &Y, 1.0, 1.0), LACUS_ERR_STATE);
        CHECK(strstr(lacus_esn_errmsg(m2), "feedback") != NULL);
        lacus_esn_free(m2);
        CHECK_STATUS(lacus_esn_force(m, &U, &Y, -1.0, 1.0), LACUS_ERR_ARG);
        CHECK(strstr(lacus_esn_errmsg(m), "alpha") != NULL);
        CHECK_STATUS(lacus_esn_force(m, &U, &Y, 1.0, 1.5), LACUS_ERR_ARG);
    }
    lacus_esn_free(m);
    TEST_MAIN_END();
}
