/* Sparse estimation ("architecture learning", spec §1.6; new, no published
 * reference): on a root LNL net with a known connectivity (2 presynaptic
 * units per unit, all units observed) a dense learner with the reweighted-L2
 * prior and pruning keeps far fewer edges, mostly true ones; pruned weights
 * are exact zeros; the sign constraint holds; the architecture report and
 * its PNG agree with the weights. */
#include <string.h>

#include "fixture.h"
#include "test.h"
#include "lacus.h"
#include "core/plot.h"

enum { N = 8, T = 200 };

typedef struct run_out {
    double precision, recall, nrmse;
    int64_t edges;
} run_out;

static run_out run(double nu, int sign, int64_t iters, lacus_tune_net **keep)
{
    static double u[T], y[T * N];
    lacus_tune_net_params rp = lacus_tune_net_params_default();
    rp.n_units = N;
    rp.seed = 77;
    rp.fan_in = 2;
    rp.init_std = 1.0;
    rp.zeta_lo = -1.0;
    lacus_tune_net *root = NULL, *net = NULL;
    CHECK_STATUS(lacus_tune_net_create(&rp, &root, NULL), LACUS_OK);
    int64_t Nn = lacus_tune_net_n_nodes(root);
    double *x = malloc((size_t)(T * Nn) * sizeof *x);
    for (int t = 0; t < T; t++) u[t] = sin(0.1 * t) + cos(0.37 * t);
    CHECK_STATUS(lacus_tune_forward(root, u, T, x, NULL), LACUS_OK);
    for (int t = 0; t < T; t++)
        for (int n = 0; n < N; n++) y[t * N + n] = x[t * Nn + n];
    lacus_tune_net_params lp = rp;
    lp.fan_in = 0;
    lp.seed = 78;
    lp.init_mean = 0.0;
    lp.init_std = 0.1 / sqrt((double)N);
    CHECK_STATUS(lacus_tune_net_create(&lp, &net, NULL), LACUS_OK);
    lacus_tune_criterion c = lacus_tune_criterion_default();
    c.n_observed = N;
    lacus_tune_params p = lacus_tune_params_default();
    p.sparse_nu = nu;
    p.max_iter = iters;
    p.prune = nu > 0 ? 0.05 : 0.0;
    p.prune_after = 50;
    p.sign = sign;
    lacus_tune_result r;
    lacus_error err = {0};
    CHECK_STATUS(lacus_tune_fit(net, u, y, T, &c, &p, &r, &err), LACUS_OK);
    double Ct[N * (N + 1)], Cl[N * (N + 1)];
    int64_t e_true, e_learn, hist[N + 2];
    lacus_tune_net_architecture(root, Ct, &e_true, NULL);
    CHECK(e_true == 2 * N);
    CHECK_STATUS(lacus_tune_net_architecture(net, Cl, &e_learn, hist), LACUS_OK);
    CHECK(e_learn == r.n_edges);
    int64_t hs = 0, fan_sum = 0;
    for (int k = 0; k <= N + 1; k++) hs += hist[k], fan_sum += k * hist[k];
    CHECK(hs == N);
    CHECK(fan_sum == e_learn);
    run_out o;
    lacus_tune_support_scores(Cl, Ct, N * (N + 1), &o.precision, &o.recall);
    o.nrmse = r.nrmse;
    o.edges = e_learn;
    printf("nu = %-5g sign %d, %3lld its: %2lld edges (true %lld), precision %.2f recall %.2f, NRMSE %.4f\n", nu,
           sign, (long long)iters, (long long)e_learn, (long long)e_true, o.precision, o.recall, o.nrmse);
    free(x);
    lacus_tune_net_free(root);
    if (keep) *keep = net;
    else lacus_tune_net_free(net);
    return o;
}

int main(void)
{
    TEST("support recovery: the prior keeps fewer edges, mostly true ones")
    {
        /* Without the prior nothing is pruned (a few iterations suffice to
         * show it; the full-length dense fit is in bench_tune sparse). */
        run_out dense = run(0.0, 0, 10, NULL);
        CHECK(dense.edges == N * N);
        CHECK_CLOSE(dense.precision, 0.25, 1e-12);
        lacus_tune_net *net = NULL;
        run_out sp = run(0.3, 0, 100, &net);
        CHECK(sp.edges <= N * N / 2);
        CHECK(sp.precision >= 0.6);
        CHECK(sp.recall >= 0.7);
        CHECK(sp.nrmse < 0.15);
        /* Pruned weights are exact zeros and are no longer learnable. */
        int64_t nw = lacus_tune_net_n_weights(net), zeros = 0, bad = 0;
        double *W = malloc((size_t)nw * sizeof *W);
        lacus_tune_net_get_weights(net, W);
        for (int64_t j = 0; j < nw; j++) {
            lacus_tune_weight_info wi;
            lacus_tune_net_weight_info(net, j, &wi);
            if (!wi.sparse) continue;
            if (W[j] == 0.0) {
                zeros++;
                bad += wi.learnable;
            }
        }
        CHECK(zeros == N * N - sp.edges);
        CHECK(bad == 0);
        free(W);
        /* The connectivity PNG (gnuplot), written atomically. */
        const char *png = fx_tmp_path("tune_arch.png");
        remove(png);
        lacus_error err = {0};
        lacus_status st = lacus_tune_plot_architecture(net, png, "learned architecture", &err);
        if (lacus__plot_available()) {
            CHECK_STATUS(st, LACUS_OK);
            FILE *f = fopen(png, "rb");
            unsigned char magic[4] = {0};
            CHECK(f && fread(magic, 1, 4, f) == 4 && magic[1] == 'P' && magic[2] == 'N' && magic[3] == 'G');
            if (f) fclose(f);
        } else {
            CHECK_STATUS(st, LACUS_ERR_UNSUPPORTED);
        }
        lacus_tune_net_free(net);
    }
    TEST("sign constraint: connection weights keep their initial sign")
    {
        lacus_tune_net *net = NULL;
        run(0.0, 2, 25, &net);
        lacus_tune_net_params lp = lacus_tune_net_params_default();
        lp.n_units = N;
        lp.seed = 78;
        lp.init_std = 0.1 / sqrt((double)N);
        lp.zeta_lo = -1.0;
        lacus_tune_net *init = NULL;
        lacus_tune_net_create(&lp, &init, NULL);
        int64_t nw = lacus_tune_net_n_weights(net), viol = 0, moved = 0;
        double *W = malloc((size_t)nw * 8), *W0 = malloc((size_t)nw * 8);
        lacus_tune_net_get_weights(net, W);
        lacus_tune_net_get_weights(init, W0);
        for (int64_t j = 0; j < nw; j++) {
            lacus_tune_weight_info wi;
            lacus_tune_net_weight_info(net, j, &wi);
            if (!wi.sparse) continue;
            viol += W[j] * W0[j] < 0;
            moved += W[j] != W0[j];
        }
        CHECK(viol == 0);
        CHECK(moved > N * N / 2);
        free(W), free(W0);
        lacus_tune_net_free(net);
        lacus_tune_net_free(init);
    }
    TEST_MAIN_END();
}
