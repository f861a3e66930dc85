/* lacus demo: the main job on embedded defaults. Generates the Mackey-Glass
 * series (tau = 17), trains a 1000-unit ESN to predict it 1 and 84 steps
 * ahead (direct forecasts, one readout per horizon), and prints the test
 * errors next to what a persistence forecast would score. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"

typedef struct {
    double nrmse_minmax, nrmse_std, persistence_std, seconds;
} horizon_result;

/* Trains on steps [0, n_train) and tests on the rest for one horizon h:
 * input x[t], target x[t + h]. */
static int run_horizon(const lacus_esn_params *p, const double *x, int64_t n, int64_t n_train,
                       int64_t h, horizon_result *res)
{
    lacus_error err = {0};
    lacus_esn *m = NULL;
    if (lacus_esn_create(p, &m, &err)) return cli_error("%s", err.msg), -1;
    int64_t n_test = n - n_train - h;
    const double *u_tr = x, *y_tr = x + h, *u_te = x + n_train, *y_te = x + n_train + h;
    int64_t T_tr = n_train;
    lacus_seqs U = {1, 1, &u_tr, &T_tr}, Y = {1, 1, &y_tr, &T_tr};
    double t0 = cli_now();
    int rc = -1;
    double *pred = malloc((size_t)(n_train + n_test) * sizeof *pred);
    if (!pred) goto done;
    if (lacus_esn_fit(m, &U, &Y)) {
        cli_error("fit: %s", lacus_esn_errmsg(m));
        goto done;
    }
    /* Test on the continuation: run the whole input (train + test) so the
     * test starts from the state the training left, then score the test part. */
    int64_t T_all = n_train + n_test;
    lacus_seqs A = {1, 1, &u_tr, &T_all};
    if (lacus_esn_run(m, &A, &pred)) {
        cli_error("run: %s", lacus_esn_errmsg(m));
        goto done;
    }
    res->seconds = cli_now() - t0;
    if (lacus_nrmse(y_te, pred + n_train, n_test, 1, LACUS_NRMSE_MINMAX, 0, &res->nrmse_minmax, &err)) {
        cli_error("%s", err.msg);
        goto done;
    }
    double rmse, sd, mean = 0.0, var = 0.0, pers = 0.0;
    lacus_rmse(y_te, pred + n_train, n_test, 1, 0, &rmse, &err);
    for (int64_t t = 0; t < n_test; t++) mean += y_te[t];
    mean /= (double)n_test;
    for (int64_t t = 0; t < n_test; t++) var += (y_te[t] - mean) * (y_te[t] - mean);
    sd = sqrt(var / (double)n_test);
    for (int64_t t = 0; t < n_test; t++) pers += (y_te[t] - u_te[t]) * (y_te[t] - u_te[t]);
    res->nrmse_std = rmse / sd;
    res->persistence_std = sqrt(pers / (double)n_test) / sd;
    rc = 0;
done:
    free(pred);
    lacus_esn_free(m);
    return rc;
}

int cmd_demo(int argc, char **argv)
{
    esn_cli_opts o = esn_opts_default();
    o.units = 1000;
    o.lr = 0.3;
    o.sr = 1.25;
    o.input_scaling = 1.0;
    o.rc_connectivity = 0.01;
    o.input_connectivity = 1.0;
    o.bias = 1.0;
    o.ridge = 1e-7;
    o.warmup = 200;
    int64_t steps = 10000, train = 8000;
    opt table[] = {
        {"steps", OPT_INT, &steps, "length of the Mackey-Glass series"},
        {"train", OPT_INT, &train, "steps used for training (the rest is the test)"},
        ESN_OPTS(o),
    };
    verb_spec v = {"demo", "[options]",
                   "Mackey-Glass (tau 17): fits an ESN for 1- and 84-step-ahead forecasts and\n"
                   "prints the test NRMSE (rmse / (max - min), ReservoirPy's default, and\n"
                   "rmse / std, Jaeger's convention).",
                   table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 2);
    if (r) return r > 0 ? 0 : 2;
    if (train < 100 || steps < train + 185)
        return cli_error("demo: need --train >= 100 and --steps >= train + 185"), 2;
    lacus_esn_params p;
    if (esn_opts_resolve(&o, &p, 1)) return 2;
    double *x = malloc((size_t)steps * sizeof *x);
    if (!x) return cli_error("out of memory"), 1;
    lacus_error err = {0};
    lacus_mackey_glass_params mg = lacus_mackey_glass_params_default();
    if (lacus_mackey_glass(steps, &mg, x, &err)) {
        free(x);
        return cli_error("%s", err.msg), 1;
    }
    /* Scale to [-1, 1], as ReservoirPy's tutorials do. */
    double lo = x[0], hi = x[0];
    for (int64_t t = 0; t < steps; t++) lo = fmin(lo, x[t]), hi = fmax(hi, x[t]);
    for (int64_t t = 0; t < steps; t++) x[t] = 2.0 * (x[t] - lo) / (hi - lo) - 1.0;

    printf("lacus %s demo: Mackey-Glass tau=17, %lld steps (train %lld, test %lld), ESN N=%lld "
           "lr=%g sr=%g ridge=%g seed=%lld, %d threads\n",
           lacus_version(), (long long)steps, (long long)train, (long long)(steps - train),
           (long long)o.units, o.lr, o.sr, o.ridge, (long long)o.seed, lacus_get_num_threads());
    const int64_t horizons[] = {1, 84};
    int rc = 0;
    for (int k = 0; k < 2 && rc == 0; k++) {
        horizon_result res;
        if (run_horizon(&p, x, steps, train, horizons[k], &res)) {
            rc = 1;
            break;
        }
        printf("horizon %3lld: test NRMSE %.3e (minmax)  %.3e (std)  [persistence %.3e]  %.2f s\n",
               (long long)horizons[k], res.nrmse_minmax, res.nrmse_std, res.persistence_std,
               res.seconds);
    }
    free(x);
    return rc;
}
