/* lacus_esn_fit_eval_many (src/model/search_eval.c, the lanes of
 * nodes/reservoir_multi.c) against the plain path: every model's readout
 * and predictions must equal lacus_esn_fit + lacus_esn_run (one validation
 * sequence per call) bit for bit (memcmp), with
 *  - models that share W's pattern (same seed and units) but differ in sr,
 *    lr, input scaling, bias and ridge, in groups of 1..8 lanes (the lane
 *    count drops as shorter sequences end), with state and input noise
 *    (the noise streams must be seeded as the fit's and the runs' are);
 *  - a model of another size and one with another seed in the same call
 *    (their own groups), one with feed_input (the plain path);
 *  - a model that fails (warmup longer than the data) beside others;
 *  - out-of-memory at every allocation: a clean status, no leak (ASan).
 * A mutation check: one changed weight in a lane's W makes the comparison
 * fail, so the comparison can fail. */
#include <string.h>

#include "lacus.h"
#include "test.h"

#define T_TRAIN 700
#define NV 2
static const int64_t T_VAL[NV] = {333, 190};

static double u_tr[T_TRAIN * 2], y_tr[T_TRAIN * 2], u_v[NV][400 * 2];

static void make_data(void)
{
    for (int t = 0; t < T_TRAIN; t++) {
        u_tr[2 * t] = sin(0.07 * t);
        u_tr[2 * t + 1] = cos(0.031 * t) * sin(0.011 * t);
        y_tr[2 * t] = sin(0.07 * (t + 3));
        y_tr[2 * t + 1] = u_tr[2 * t] * u_tr[2 * t + 1];
    }
    for (int v = 0; v < NV; v++)
        for (int t = 0; t < T_VAL[v]; t++) {
            u_v[v][2 * t] = sin(0.07 * t + 1.0 + v);
            u_v[v][2 * t + 1] = cos(0.05 * t + v);
        }
}

static lacus_esn_params params(int64_t units, uint64_t seed, double sr, double lr, double is,
                               double ridge)
{
    lacus_esn_params p = lacus_esn_params_default();
    p.reservoir.n_units = units;
    p.reservoir.n_inputs = 2;
    p.reservoir.sr = sr;
    p.reservoir.lr = lr;
    p.reservoir.input_scaling = is;
    p.reservoir.bias_scaling = 0.3;
    p.reservoir.rc_connectivity = 0.1;
    p.reservoir.seed = seed;
    p.readout.ridge = ridge;
    p.warmup = 20;
    return p;
}

typedef struct {
    const double *d[NV];
    double *out[NV];
} vout;

/* Runs n models through fit_eval_many and through the plain path; returns
 * the number of models whose readout or predictions differ (bit for bit). */
static int compare(const lacus_esn_params *ps, int n, int mutate, int nv)
{
    const double *tr_u[1] = {u_tr}, *tr_y[1] = {y_tr}, *vu[NV];
    int64_t tn[1] = {T_TRAIN};
    for (int v = 0; v < NV; v++) vu[v] = u_v[v];
    lacus_seqs X = {1, 2, tr_u, tn}, Y = {1, 2, tr_y, tn}, VX = {nv, 2, vu, T_VAL};
    lacus_esn *a[8], *b[8];
    double *oa[8][NV], *ob[8][NV];
    double *const *outs[8];
    lacus_status st[8];
    lacus_error err = {0};
    for (int k = 0; k < n; k++) {
        CHECK_STATUS(lacus_esn_create(&ps[k], &a[k], &err), LACUS_OK);
        CHECK_STATUS(lacus_esn_create(&ps[k], &b[k], &err), LACUS_OK);
        for (int v = 0; v < NV; v++) {
            oa[k][v] = calloc((size_t)T_VAL[v] * 2, sizeof(double));
            ob[k][v] = calloc((size_t)T_VAL[v] * 2, sizeof(double));
        }
        outs[k] = oa[k];
    }
    if (mutate) { /* one weight of model 1's W moved by one ulp */
        lacus_reservoir *r = lacus_esn_reservoir(a[1]);
        int64_t N = ps[1].reservoir.n_units;
        double *W = malloc((size_t)(N * N) * sizeof *W);
        lacus_reservoir_get_W(r, W);
        for (int64_t i = 0; i < N * N; i++)
            if (W[i] != 0.0) {
                W[i] = nextafter(W[i], 1e300);
                break;
            }
        lacus_reservoir_set_W(r, W);
        free(W);
    }
    lacus_status all = lacus_esn_fit_eval_many(a, n, &X, &Y, &VX, outs, st);
    int differ = 0;
    for (int k = 0; k < n; k++) {
        lacus_status sb = lacus_esn_fit(b[k], &X, &Y);
        for (int v = 0; v < nv && !sb; v++) {
            lacus_seqs one = {1, 2, &vu[v], &T_VAL[v]};
            sb = lacus_esn_run(b[k], &one, &ob[k][v]);
        }
        if (st[k] != sb) {
            differ++;
            continue;
        }
        if (sb) continue;
        int64_t F = ps[k].reservoir.n_units + (ps[k].feed_input ? 2 : 0);
        double *wa = malloc((size_t)(F * 2 + 2) * sizeof *wa), *wb = malloc((size_t)(F * 2 + 2) * sizeof *wb);
        lacus_ridge_get_weights(lacus_esn_readout(a[k]), wa, wa + F * 2);
        lacus_ridge_get_weights(lacus_esn_readout(b[k]), wb, wb + F * 2);
        int same = !memcmp(wa, wb, (size_t)(F * 2 + 2) * sizeof *wa);
        for (int v = 0; v < nv; v++)
            same &= !memcmp(oa[k][v], ob[k][v], (size_t)T_VAL[v] * 2 * sizeof(double));
        differ += !same;
        free(wa);
        free(wb);
    }
    int first_fail = 0;
    for (int k = 0; k < n; k++)
        if (st[k]) {
            first_fail = st[k];
            break;
        }
    CHECK(all == first_fail);
    for (int k = 0; k < n; k++) {
        lacus_esn_free(a[k]);
        lacus_esn_free(b[k]);
        for (int v = 0; v < NV; v++) {
            free(oa[k][v]);
            free(ob[k][v]);
        }
    }
    return differ;
}

static int fail_after = -1;
static void *failing_malloc(size_t n, void *user)
{
    (void)user;
    if (fail_after == 0) return NULL;
    if (fail_after > 0) fail_after--;
    return malloc(n);
}
static void *plain_realloc(void *p, size_t n, void *user)
{
    (void)user;
    return realloc(p, n);
}
static void plain_free(void *p, void *user)
{
    (void)user;
    free(p);
}

int main(void)
{
    make_data();
    lacus_esn_params ps[8];
    TEST("lanes of one pattern: 1 to 8 lanes, 0 to 2 validation sequences, noise") {
        /* 0 validation sequences: n models are n lanes (1..8); 1: 2n lanes,
         * then n; 2: 3n, then 2n, then n. */
        static const int max_n[3] = {8, 8, 3};
        for (int nv = 0; nv <= 2; nv++)
            for (int n = 1; n <= max_n[nv]; n++) {
                for (int k = 0; k < n; k++) {
                    ps[k] = params(60, 7, 0.5 + 0.2 * k, 0.3 + 0.09 * k, 0.5 + k, k ? 1e-6 : 1e-3);
                    ps[k].reservoir.noise_rc = k == 2 ? 0.0 : 1e-4;
                    ps[k].reservoir.noise_in = 1e-3 * k;
                }
                CHECK(compare(ps, n, 0, nv) == 0);
            }
    }
    TEST("mixed patterns, feed_input, a failing model") {
        ps[0] = params(60, 7, 0.9, 0.5, 1.0, 1e-6);
        ps[1] = params(45, 7, 0.9, 0.5, 1.0, 1e-6);   /* another size */
        ps[2] = params(60, 8, 1.1, 0.2, 0.7, 1e-5);   /* another seed */
        ps[3] = params(60, 7, 1.3, 1.0, 0.2, 1e-4);   /* shares with 0 */
        ps[4] = params(60, 7, 0.7, 0.4, 1.0, 1e-6);
        ps[4].feed_input = 1;                          /* the plain path */
        ps[5] = params(60, 7, 0.8, 0.6, 1.0, 1e-6);
        ps[5].warmup = T_TRAIN;                        /* fails: nothing to train on */
        ps[6] = params(60, 7, 0.6, 0.9, 2.0, 1e-7);   /* shares with 0 and 3 */
        ps[7] = params(30, 9, 0.6, 0.9, 2.0, 1e-7);   /* 20 samples < 30 features: the dual */
        ps[7].warmup = 680;
        CHECK(compare(ps, 8, 0, 2) == 0);
        CHECK(compare(ps, 8, 0, 1) == 0);
    }
    TEST("a changed weight is seen") {
        for (int k = 0; k < 3; k++) ps[k] = params(60, 7, 0.5 + 0.4 * k, 0.3 + 0.2 * k, 1.0, 1e-6);
        CHECK(compare(ps, 3, 1, 1) == 1);
    }
    TEST("out of memory at every allocation") {
        for (int k = 0; k < 3; k++) ps[k] = params(40, 3, 0.5 + 0.4 * k, 0.5, 1.0, 1e-6);
        const double *tr_u[1] = {u_tr}, *tr_y[1] = {y_tr}, *vu[NV] = {u_v[0], u_v[1]};
        int64_t tn[1] = {T_TRAIN};
        lacus_seqs X = {1, 2, tr_u, tn}, Y = {1, 2, tr_y, tn}, VX = {NV, 2, vu, T_VAL};
        int saw_ok = 0, saw_nomem = 0;
        for (int k = 0; k < 400 && !saw_ok; k++) {
            lacus_esn *a[3];
            lacus_error err = {0};
            double *o[3][NV];
            double *const *outs[3];
            lacus_status st[3];
            for (int j = 0; j < 3; j++) {
                lacus_esn_create(&ps[j], &a[j], &err);
                for (int v = 0; v < NV; v++) o[j][v] = malloc((size_t)T_VAL[v] * 2 * sizeof(double));
                outs[j] = o[j];
            }
            fail_after = k;
            lacus_allocator al = {failing_malloc, plain_realloc, plain_free, NULL};
            lacus_set_allocator(&al);
            lacus_status s = lacus_esn_fit_eval_many(a, 3, &X, &Y, &VX, outs, st);
            lacus_set_allocator(NULL);
            fail_after = -1;
            if (s == LACUS_OK) saw_ok = 1;
            else saw_nomem |= s == LACUS_ERR_NOMEM;
            CHECK(s == LACUS_OK || s == LACUS_ERR_NOMEM);
            for (int j = 0; j < 3; j++) {
                lacus_esn_free(a[j]);
                for (int v = 0; v < NV; v++) free(o[j][v]);
            }
        }
        CHECK(saw_ok && saw_nomem);
    }
    TEST("bad arguments") {
        lacus_status st[1];
        CHECK_STATUS(lacus_esn_fit_eval_many(NULL, 1, NULL, NULL, NULL, NULL, st), LACUS_ERR_ARG);
    }
    TEST_MAIN_END();
}
