/* full-FORCE with hints (DePasquale et al. 2018): hint signals drive the
 * target-generating net only. Checked by its defining properties:
 *  - all-zero hints, or hint_scaling = 0, give exactly (bit for bit) the
 *    model trained without hints;
 *  - with hints, the driven net's current contains u_h h[t-1]: the model
 *    equals full-FORCE without hints on an ESN whose extra fed-back "target"
 *    is the hint and whose extra feedback column is u_h (the same RLS target
 *    for J, one P shared by all rows, so the same J and the same readout
 *    column for y), up to summation order;
 *  - the hint weights are a deterministic function of the seed;
 *  - bad hints are refused by name and leave the model untrained. */
#include <string.h>

#include "test.h"

#include "lacus.h"

#define N 30
#define T 1500
#define PERIOD 100

static double u[T], y[T], h[T], h0[T], y2[2 * T];

static lacus_esn_params net(int64_t n_feedback)
{
    lacus_esn_params p = lacus_esn_params_default();
    p.reservoir.n_units = N;
    p.reservoir.n_inputs = 1;
    p.reservoir.sr = 1.5;
    p.reservoir.lr = 0.1;
    p.reservoir.input_scaling = 0.2;
    p.reservoir.input_connectivity = 1.0;
    p.reservoir.seed = 7;
    p.n_feedback = n_feedback;
    p.fb_scaling = 1.0;
    p.warmup = 20;
    return p;
}

/* Trains a fresh model on (u, targets) with the given full-FORCE params and
 * copies out J (N, N), Win (N, 1 + n_fb) and the readout (N, n_out). */
static lacus_status train(int64_t n_fb, const double *targets, const lacus_full_force_params *fp,
                          double *J, double *Win, double *Wout)
{
    lacus_esn_params p = net(n_fb);
    lacus_error err = {0};
    lacus_esn *m = NULL;
    const double *ud = u, *yd = targets;
    int64_t Tn = T;
    lacus_seqs U = {1, 1, &ud, &Tn}, Y = {1, n_fb, &yd, &Tn};
    lacus_status st = lacus_esn_create(&p, &m, &err);
    if (st) return st;
    if (n_fb == 2) {
        /* Model B: model A's Win (input and y columns) plus u_h as the
         * second feedback column. */
        double W0[N * 3], W1[N * 2], uh[N];
        lacus_esn_params pa = net(1);
        lacus_esn *a = NULL;
        if ((st = lacus_esn_create(&pa, &a, &err))) return st;
        lacus_reservoir_get_Win(lacus_esn_reservoir(a), W1);
        lacus_esn_free(a);
        lacus_full_force_hint_weights(N, 1, 0.7, 11, uh);
        for (int n = 0; n < N; n++)
            W0[n * 3] = W1[n * 2], W0[n * 3 + 1] = W1[n * 2 + 1], W0[n * 3 + 2] = uh[n];
        lacus_reservoir_set_Win(lacus_esn_reservoir(m), W0);
    }
    st = lacus_esn_full_force(m, &U, &Y, fp, NULL);
    if (!st) {
        double b[2];
        lacus_reservoir_get_W(lacus_esn_reservoir(m), J);
        lacus_reservoir_get_Win(lacus_esn_reservoir(m), Win);
        lacus_ridge_get_weights(lacus_esn_readout(m), Wout, b);
    }
    lacus_esn_free(m);
    return st;
}

int main(void)
{
    for (int t = 0; t < T; t++) {
        u[t] = 1.0;
        y[t] = sin(2.0 * 3.14159265358979323846 * t / PERIOD);
        h[t] = (t % PERIOD) / (double)PERIOD; /* a ramp: the interval-timing hint */
        h0[t] = 0.0;
        y2[2 * t] = y[t];
        y2[2 * t + 1] = h[t];
    }
    static double J0[N * N], Win0[N * 2], Wo0[N], J1[N * N], Win1[N * 2], Wo1[N];
    static double J2[N * N], Win2[N * 3], Wo2[N * 2], d[N * N];
    CHECK_STATUS(train(1, y, NULL, J0, Win0, Wo0), LACUS_OK);

    TEST("all-zero hints and hint_scaling = 0 change nothing, bit for bit")
    {
        const double *hd = h0, *hd1 = h;
        int64_t Tn = T;
        lacus_seqs Hz = {1, 1, &hd, &Tn}, H1 = {1, 1, &hd1, &Tn};
        lacus_full_force_params fp = lacus_full_force_params_default();
        fp.hints = &Hz;
        fp.hint_scaling = 3.0;
        CHECK_STATUS(train(1, y, &fp, J1, Win1, Wo1), LACUS_OK);
        CHECK(!memcmp(J0, J1, sizeof J0) && !memcmp(Win0, Win1, sizeof Win0) &&
              !memcmp(Wo0, Wo1, sizeof Wo0));
        fp.hints = &H1;
        fp.hint_scaling = 0.0;
        CHECK_STATUS(train(1, y, &fp, J1, Win1, Wo1), LACUS_OK);
        CHECK(!memcmp(J0, J1, sizeof J0) && !memcmp(Wo0, Wo1, sizeof Wo0));
    }
    TEST("with hints, J learns the driven current W xD + u_f y + u_h h")
    {
        const double *hd = h;
        int64_t Tn = T;
        lacus_seqs H1 = {1, 1, &hd, &Tn};
        lacus_full_force_params fp = lacus_full_force_params_default();
        fp.hints = &H1;
        fp.hint_scaling = 0.7;
        fp.hint_seed = 11;
        CHECK_STATUS(train(1, y, &fp, J1, Win1, Wo1), LACUS_OK);
        CHECK_STATUS(train(2, y2, NULL, J2, Win2, Wo2), LACUS_OK);
        double dj = test_max_rel_diff(J1, J2, N * N, 1.0);
        double wo[N];
        for (int n = 0; n < N; n++) wo[n] = Wo2[n * 2];
        double dw = test_max_rel_diff(Wo1, wo, N, 1.0);
        printf("  hints vs hint-as-feedback: max rel diff J %.2g, readout %.2g\n", dj, dw);
        CHECK(dj < 1e-10);
        CHECK(dw < 1e-10);
        /* and the hints did change what J learned */
        for (int i = 0; i < N * N; i++) d[i] = J1[i] - J0[i];
        double dn = 0, jn = 0;
        for (int i = 0; i < N * N; i++) dn += d[i] * d[i], jn += J0[i] * J0[i];
        printf("  ||J_hints - J_plain|| / ||J_plain|| = %.3g\n", sqrt(dn / jn));
        CHECK(sqrt(dn / jn) > 1e-3);
    }
    TEST("hint weights: U(-1, 1) * scaling, fixed by the seed")
    {
        static double a[N * 4], b[N * 4], c[N * 4];
        CHECK_STATUS(lacus_full_force_hint_weights(N, 4, 1.0, 5, a), LACUS_OK);
        CHECK_STATUS(lacus_full_force_hint_weights(N, 4, 2.0, 5, b), LACUS_OK);
        CHECK_STATUS(lacus_full_force_hint_weights(N, 4, 1.0, 6, c), LACUS_OK);
        int scaled = 1, differ = 0, inside = 1;
        for (int i = 0; i < N * 4; i++) {
            scaled &= b[i] == 2.0 * a[i];
            differ += a[i] != c[i];
            inside &= fabs(a[i]) < 1.0;
        }
        CHECK(scaled && inside && differ == N * 4);
        CHECK_STATUS(lacus_full_force_hint_weights(0, 4, 1.0, 5, a), LACUS_ERR_ARG);
        CHECK_STATUS(lacus_full_force_hint_weights(N, 0, 1.0, 5, a), LACUS_ERR_ARG);
    }
    TEST("bad hints are refused by name; the model stays untrained")
    {
        lacus_esn_params p = net(1);
        lacus_error err = {0};
        lacus_esn *m = NULL;
        const double *ud = u, *yd = y, *hd = h;
        int64_t Tn = T, Ts = T - 1;
        lacus_seqs U = {1, 1, &ud, &Tn}, Y = {1, 1, &yd, &Tn};
        lacus_seqs Hshort = {1, 1, &hd, &Ts}, Hok = {1, 1, &hd, &Tn};
        lacus_seqs Htwo = {2, 1, (const double *[]){h, h}, (int64_t[]){T, T}};
        lacus_full_force_params fp = lacus_full_force_params_default();
        CHECK_STATUS(lacus_esn_create(&p, &m, &err), LACUS_OK);
        fp.hints = &Hshort;
        CHECK_STATUS(lacus_esn_full_force(m, &U, &Y, &fp, NULL), LACUS_ERR_SHAPE);
        CHECK(strstr(lacus_esn_errmsg(m), "hint steps") != NULL);
        fp.hints = &Htwo;
        CHECK_STATUS(lacus_esn_full_force(m, &U, &Y, &fp, NULL), LACUS_ERR_SHAPE);
        CHECK(strstr(lacus_esn_errmsg(m), "hint sequences") != NULL);
        fp.hints = &Hok;
        fp.hint_scaling = -1.0;
        CHECK_STATUS(lacus_esn_full_force(m, &U, &Y, &fp, NULL), LACUS_ERR_ARG);
        CHECK(strstr(lacus_esn_errmsg(m), "hint_scaling") != NULL);
        fp.hint_scaling = NAN;
        CHECK_STATUS(lacus_esn_full_force(m, &U, &Y, &fp, NULL), LACUS_ERR_ARG);
        fp.hint_scaling = 1.0;
        h[500] = NAN;
        CHECK(lacus_esn_full_force(m, &U, &Y, &fp, NULL) != LACUS_OK);
        printf("  NaN hint: %s\n", lacus_esn_errmsg(m));
        CHECK(strstr(lacus_esn_errmsg(m), "hints") != NULL);
        h[500] = (500 % PERIOD) / (double)PERIOD;
        CHECK(!lacus_esn_is_trained(m));
        lacus_esn_free(m);
    }
    TEST_MAIN_END();
}
