/* The surviving architecture after sparse estimation: connection matrix,
 * edge count, fan-in histogram, support-recovery scores and a PNG (through
 * the shared gnuplot module src/core/plot.h). */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/plot.h"
#include "learn/tune_internal.h"

lacus_status lacus_tune_net_architecture(const lacus_tune_net *net, double *C, int64_t *n_edges,
                                         int64_t *hist)
{
    if (!net) return LACUS_ERR_ARG;
    const int64_t N = net->n_units, S = N + net->n_inputs;
    int64_t *fan = LACUS__ZNEW(int64_t, N);
    if (!fan) return LACUS_ERR_NOMEM;
    if (C) memset(C, 0, (size_t)(N * S) * sizeof *C);
    int64_t e = 0;
    for (int64_t j = 0; j < net->n_w; j++) {
        int64_t d = net->edge_dst[j], s = net->edge_src[j];
        if (d < 0 || s < 0 || d >= N || s >= S || net->W[j] == 0.0) continue;
        if (C) C[d * S + s] += net->W[j];
        fan[d]++;
        e++;
    }
    if (n_edges) *n_edges = e;
    if (hist) {
        memset(hist, 0, (size_t)(S + 1) * sizeof *hist);
        for (int64_t i = 0; i < N; i++) hist[fan[i] <= S ? fan[i] : S]++;
    }
    lacus__free(fan);
    return LACUS_OK;
}

void lacus_tune_support_scores(const double *C_learned, const double *C_true, int64_t n,
                               double *precision, double *recall)
{
    int64_t tp = 0, fp = 0, fn = 0;
    for (int64_t i = 0; i < n; i++) {
        int a = C_learned[i] != 0.0, b = C_true[i] != 0.0;
        tp += a && b;
        fp += a && !b;
        fn += !a && b;
    }
    if (precision) *precision = tp + fp ? (double)tp / (double)(tp + fp) : 1.0;
    if (recall) *recall = tp + fn ? (double)tp / (double)(tp + fn) : 1.0;
}

lacus_status lacus_tune_plot_architecture(const lacus_tune_net *net, const char *png_path,
                                          const char *title, lacus_error *err)
{
    if (!net || !png_path) return lacus__fail(err, LACUS_ERR_ARG, "net or png_path is NULL");
    const int64_t N = net->n_units, S = N + net->n_inputs;
    double *C = LACUS__NEW(double, N * S), *hx = LACUS__NEW(double, S + 1), *hy = LACUS__NEW(double, S + 1);
    int64_t *hist = LACUS__NEW(int64_t, S + 1), e = 0;
    lacus_status st = LACUS_OK;
    lacus__plot *p = NULL;
    if (!C || !hx || !hy || !hist) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (architecture plot)");
        goto done;
    }
    lacus_tune_net_architecture(net, C, &e, hist);
    double mx = 0;
    for (int64_t i = 0; i < N * S; i++) mx = fmax(mx, fabs(C[i]));
    if (mx == 0) mx = 1;
    int64_t last = 0;
    for (int64_t k = 0; k <= S; k++) {
        hx[k] = (double)k;
        hy[k] = (double)hist[k];
        if (hist[k]) last = k;
    }
    char sub[160];
    snprintf(sub, sizeof sub, "connections (%lld edges; columns >= %lld are inputs)", (long long)e,
             (long long)N);
    if ((st = lacus__plot_open(&p, png_path, 1100, 500, 1, 2, title, err))) goto done;
    if ((st = lacus__plot_panel(p, sub, "source unit", "target unit"))) goto plotfail;
    if ((st = lacus__plot_image(p, C, N, S, -mx, mx, "diverging"))) goto plotfail;
    if ((st = lacus__plot_panel(p, "fan-in histogram", "incoming edges", "units"))) goto plotfail;
    if ((st = lacus__plot_series(p, LACUS__PLOT_BARS, hx, hy, NULL, last + 1, NULL))) goto plotfail;
    st = lacus__plot_close(p, err);
    p = NULL;
    goto done;
plotfail:
    lacus__plot_free(p);
    st = lacus__fail(err, st, "architecture plot: could not add data");
done:
    lacus__free(C);
    lacus__free(hx);
    lacus__free(hy);
    lacus__free(hist);
    return st;
}
