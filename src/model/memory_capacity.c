/* Memory capacity of a reservoir, as reservoirpy.observables.memory_capacity
 * (0.4.2) computes it for `reservoir >> Ridge(ridge)`.
 *
 * H. Jaeger, "Short term memory in echo state networks", GMD Report 152,
 * 2001:  MC = sum_{k=1}^{k_max} r^2(u[t-k], y_k[t]), with y_k a linear
 * readout of the state x[t] trained to output u[t-k].
 *
 * ReservoirPy builds the task with sliding_window_view(u, k_max + 1)[:, ::-1]:
 * row i (t = i + k_max) has input u[t] and targets u[t-1] .. u[t-k_max].
 * It fits on all but the last test_len rows with warmup = k_max (from the
 * fresh model's zero state), then runs the test rows, which continue from
 * the state the training run left, and squares numpy.corrcoef per lag.
 *
 * Uses only the public reservoir, ridge and metric API. Training rows are
 * streamed through the reservoir and into the readout's normal equations
 * in chunks, so memory does not grow with the series length. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "data/np_random.h"

enum { CHUNK = 1024 };

lacus_memory_capacity_params lacus_memory_capacity_params_default(void)
{
    lacus_memory_capacity_params p = {0, 1e-4, NULL, 0, 0, 0.2, 42};
    return p;
}

/* Inputs and lag targets of task rows [row0, row0 + n): x[i] = u[t],
 * y[i][k-1] = u[t-k], t = row0 + i + k_max. */
static void task_rows(const double *u, int64_t k_max, int64_t row0, int64_t n, double *x,
                      double *y)
{
    for (int64_t i = 0; i < n; i++) {
        int64_t t = row0 + i + k_max;
        x[i] = u[t];
        for (int64_t k = 1; k <= k_max; k++) y[i * k_max + k - 1] = u[t - k];
    }
}

lacus_status lacus_memory_capacity(lacus_reservoir *r, const lacus_memory_capacity_params *p,
                                   double *mc_k, double *mc, lacus_error *err)
{
    const char *fn = "memory_capacity";
    if (!r || !p || !mc)
        return lacus__fail(err, LACUS_ERR_ARG, "%s: reservoir, params and mc must not be NULL",
                           fn);
    if (lacus_reservoir_n_inputs(r) != 1)
        return lacus__fail(err, LACUS_ERR_SHAPE, "%s: the reservoir has %lld inputs; the task "
                           "feeds one", fn, (long long)lacus_reservoir_n_inputs(r));
    int64_t k_max = p->k_max;
    if (k_max < 1 || k_max > (INT64_MAX / 16))
        return lacus__fail(err, LACUS_ERR_ARG, "%s: k_max = %lld: must be >= 1", fn,
                           (long long)k_max);
    if (!(p->ridge >= 0) || !isfinite(p->ridge))
        return lacus__fail(err, LACUS_ERR_ARG, "%s: ridge = %g: must be finite and >= 0", fn,
                           p->ridge);
    int64_t n_series = p->series ? p->n_series : 10 * k_max;
    if (p->series) {
        lacus_status st = lacus__check_finite(err, "series", p->series, n_series, 1, 1);
        if (st) {
            lacus__prefix(err, "%s", fn);
            return st;
        }
    }
    int64_t n_rows = n_series - k_max, test_len = p->test_len;
    if (test_len == 0) {
        if (!(p->test_ratio > 0 && p->test_ratio < 1))
            return lacus__fail(err, LACUS_ERR_ARG, "%s: test_ratio = %g: must be in (0, 1)", fn,
                               p->test_ratio);
        test_len = (int64_t)nearbyint((double)n_series * p->test_ratio);
    }
    int64_t n_train = n_rows - test_len;
    if (test_len < 2 || n_train <= k_max)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "%s: %lld series values give %lld task rows: need at least 2 test "
                           "rows (test_len = %lld) and more than k_max = %lld training rows "
                           "(the warmup); use a longer series",
                           fn, (long long)n_series, (long long)n_rows, (long long)test_len,
                           (long long)k_max);

    int64_t n_units = lacus_reservoir_n_units(r);
    int64_t chunk = n_train > test_len ? n_train : test_len;
    if (chunk > CHUNK) chunk = CHUNK;
    double *u = p->series ? NULL : LACUS__NEW(double, n_series);
    double *x = LACUS__NEW(double, chunk);
    double *y = LACUS__NEW(double, chunk * k_max);
    double *states = LACUS__NEW(double, chunk * n_units);
    double *pred = LACUS__NEW(double, test_len * k_max);
    double *truth = LACUS__NEW(double, test_len * k_max);
    double *x_test = LACUS__NEW(double, test_len);
    double *saved = LACUS__NEW(double, n_units);
    double *r_k = LACUS__NEW(double, k_max);
    lacus_ridge *readout = NULL;
    lacus_status st = LACUS_OK;
    if ((!p->series && !u) || !x || !y || !states || !pred || !truth || !x_test || !saved ||
        !r_k) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory (k_max = %lld)", fn,
                         (long long)k_max);
        goto done;
    }
    const double *series = p->series;
    if (!series) {
        /* rng.uniform(low=-0.8, high=0.8, size=(10 * k_max, 1)) */
        lacus__np_pcg64 g;
        lacus__np_pcg64_seed(&g, p->seed);
        for (int64_t i = 0; i < n_series; i++) u[i] = lacus__np_uniform(&g, -0.8, 0.8);
        series = u;
    }

    lacus_ridge_params rp = lacus_ridge_params_default();
    rp.n_features = n_units;
    rp.n_outputs = k_max;
    rp.ridge = p->ridge;
    if ((st = lacus_ridge_create(&rp, &readout, err))) goto done;
    if ((st = lacus_reservoir_get_state(r, saved))) goto reservoir_error;

    /* Training rows: reservoir from zero, readout after the warmup. */
    for (int64_t row = 0; row < n_train; row += chunk) {
        int64_t n = n_train - row < chunk ? n_train - row : chunk;
        task_rows(series, k_max, row, n, x, y);
        if ((st = lacus_reservoir_run(r, x, n, row == 0, states))) goto reservoir_error;
        int64_t skip = row < k_max ? (k_max - row < n ? k_max - row : n) : 0;
        if (n - skip > 0 &&
            (st = lacus_ridge_partial_fit(readout, states + skip * n_units, n_units,
                                          y + skip * k_max, k_max, n - skip)))
            goto ridge_error;
    }
    if ((st = lacus_ridge_solve(readout))) goto ridge_error;

    /* Test rows continue from the last training state. */
    task_rows(series, k_max, n_train, test_len, x_test, truth);
    for (int64_t row = 0; row < test_len; row += chunk) {
        int64_t n = test_len - row < chunk ? test_len - row : chunk;
        if ((st = lacus_reservoir_run(r, x_test + row, n, 0, states))) goto reservoir_error;
        if ((st = lacus_ridge_predict(readout, states, n_units, n, pred + row * k_max, k_max)))
            goto ridge_error;
    }

    st = lacus_pearson(truth, pred, test_len, k_max, 1, r_k, err);
    if (st) {
        lacus__prefix(err, "%s", fn);
        goto done_restore;
    }
    double total = 0.0;
    for (int64_t k = 0; k < k_max; k++) {
        double c = r_k[k] * r_k[k];
        if (mc_k) mc_k[k] = c;
        total += c;
    }
    *mc = total;
    goto done_restore;

reservoir_error:
    lacus__fail(err, st, "%s: reservoir: %s", fn, lacus_reservoir_errmsg(r));
    goto done_restore;
ridge_error:
    lacus__fail(err, st, "%s: readout: %s", fn, lacus_ridge_errmsg(readout));
done_restore:
    lacus_reservoir_set_state(r, saved);
done:
    lacus_ridge_free(readout);
    lacus__free(u);
    lacus__free(x);
    lacus__free(y);
    lacus__free(states);
    lacus__free(pred);
    lacus__free(truth);
    lacus__free(x_test);
    lacus__free(saved);
    lacus__free(r_k);
    return st;
}
