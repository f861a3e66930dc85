/* The PNG report of a hyperparameter search (lacus_search_plot). */
#include <math.h>
#include <stdio.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/plot.h"
#include "lacus.h"

lacus_status lacus_search_plot(const char *png_path, int64_t n_trials, int64_t n_dims,
                               const char *const *names, const lacus_space_dim *dims,
                               const double *xs, const double *losses, const char *title,
                               lacus_error *err)
{
    if (n_trials < 1 || n_dims < 1 || !names || !dims || !xs || !losses)
        return lacus__fail(err, LACUS_ERR_ARG, "search plot: no trials or NULL arrays");
    int64_t panels = n_dims + 1, cols = panels < 3 ? panels : 3, rows = (panels + cols - 1) / cols;
    double *x = LACUS__NEW(double, n_trials), *y = LACUS__NEW(double, n_trials);
    double *t = LACUS__NEW(double, n_trials), *best = LACUS__NEW(double, n_trials);
    lacus__plot *p = NULL;
    lacus_status st = (x && y && t && best) ? LACUS_OK
                                            : lacus__fail(err, LACUS_ERR_NOMEM, "out of memory");
    if (!st) st = lacus__plot_open(&p, png_path, (int)(420 * cols), (int)(320 * rows), (int)rows,
                                   (int)cols, title, err);
    for (int64_t d = 0; d < n_dims && !st; d++) {
        int64_t n = 0;
        for (int64_t k = 0; k < n_trials; k++)
            if (isfinite(losses[k]) && losses[k] > 0) {
                x[n] = xs[k * n_dims + d];
                y[n++] = losses[k];
            }
        lacus__plot_panel(p, names[d], names[d], "loss");
        lacus__plot_log(p, dims[d].kind == LACUS_SPACE_LOG_UNIFORM, 1);
        st = lacus__plot_series(p, LACUS__PLOT_POINTS, x, y, NULL, n, NULL);
    }
    if (!st) {
        double b = INFINITY;
        for (int64_t k = 0; k < n_trials; k++) {
            if (isfinite(losses[k]) && losses[k] < b) b = losses[k];
            t[k] = (double)k;
            best[k] = b > 0 && isfinite(b) ? b : NAN;
        }
        lacus__plot_panel(p, "best loss so far", "trial", "loss");
        lacus__plot_log(p, 0, 1);
        st = lacus__plot_series(p, LACUS__PLOT_LINES, t, best, NULL, n_trials, NULL);
    }
    if (p) {
        if (st) lacus__plot_free(p);
        else st = lacus__plot_close(p, err);
    }
    lacus__free(x);
    lacus__free(y);
    lacus__free(t);
    lacus__free(best);
    return st;
}
