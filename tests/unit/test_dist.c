/* lacus_esn_fit_dist in one process: its double-double sums make the model
 * independent of the order in which the sequences are added (bit for bit:
 * what makes K ranks equal one), and it agrees with the ordinary fit up to
 * rounding on a well-conditioned problem. tests/cli/test_mpi.sh runs it on
 * 1, 2, 3 and 7 ranks. */
#include <string.h>

#include "lacus.h"
#include "test.h"

enum { S = 5, T = 300, N = 80 };

static lacus_esn *make(double noise)
{
    lacus_esn_params p = lacus_esn_params_default();
    p.reservoir.n_units = N;
    p.reservoir.n_inputs = 1;
    p.reservoir.lr = 0.4;
    p.reservoir.sr = 0.9;
    p.reservoir.noise_rc = noise; /* noise streams follow the sequence ids */
    p.readout.ridge = 1e-3;
    p.warmup = 10;
    lacus_esn *m = NULL;
    lacus_error err = {0};
    CHECK_STATUS(lacus_esn_create(&p, &m, &err), LACUS_OK);
    return m;
}

static void weights(lacus_esn *m, double *W)
{
    double b[1];
    lacus_ridge_get_weights(lacus_esn_readout(m), W, b);
    W[N] = b[0];
}

int main(void)
{
    static double u[S][T], y[S][T], Wa[N + 1], Wb[N + 1], Wc[N + 1];
    for (int s = 0; s < S; s++)
        for (int t = 0; t < T; t++) {
            u[s][t] = sin(0.05 * t * (s + 1) + s);
            y[s][t] = cos(0.05 * t * (s + 1) + s) * 0.5;
        }
    const double *ud[S], *yd[S], *ur[S], *yr[S];
    int64_t steps[S], ids[S], rids[S];
    for (int s = 0; s < S; s++) {
        ud[s] = u[s];
        yd[s] = y[s];
        steps[s] = T;
        ids[s] = s;
        /* the same sequences, listed in another order */
        int r = (s * 3 + 1) % S;
        ur[s] = u[r];
        yr[s] = y[r];
        rids[s] = r;
    }
    lacus_seqs U = {S, 1, ud, steps}, Y = {S, 1, yd, steps};
    lacus_seqs Ur = {S, 1, ur, steps}, Yr = {S, 1, yr, steps};

    TEST("the model does not depend on the order of the sequences") {
        lacus_esn *a = make(0.01), *b = make(0.01);
        CHECK_STATUS(lacus_esn_fit_dist(a, &U, &Y, ids), LACUS_OK);
        CHECK_STATUS(lacus_esn_fit_dist(b, &Ur, &Yr, rids), LACUS_OK);
        weights(a, Wa);
        weights(b, Wb);
        CHECK(memcmp(Wa, Wb, sizeof Wa) == 0);
        lacus_esn_free(a);
        lacus_esn_free(b);
    }
    TEST("without noise it agrees with the ordinary fit up to rounding") {
        lacus_esn *a = make(0.0), *c = make(0.0);
        CHECK_STATUS(lacus_esn_fit_dist(a, &U, &Y, ids), LACUS_OK);
        CHECK_STATUS(lacus_esn_fit(c, &U, &Y), LACUS_OK);
        weights(a, Wa);
        weights(c, Wc);
        double d = test_max_rel_diff(Wa, Wc, N + 1, 0.0);
        printf("max relative difference to lacus_esn_fit: %.2e\n", d);
        CHECK(d < 1e-9);
        lacus_esn_free(a);
        lacus_esn_free(c);
    }
    TEST("bad input is refused") {
        lacus_esn *a = make(0.0);
        lacus_seqs Y2 = {S - 1, 1, yd, steps};
        CHECK_STATUS(lacus_esn_fit_dist(a, &U, &Y2, ids), LACUS_ERR_SHAPE);
        CHECK_STATUS(lacus_esn_fit_dist(a, &U, &Y, NULL), LACUS_ERR_ARG);
        lacus_esn_free(a);
    }
    TEST_MAIN_END();
}
