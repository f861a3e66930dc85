/* Backward tuning against PyTorch (tests/ref/make_tune_fixtures.py): the
 * LNL unit layout and an ESN in node form, written there in matrix form,
 * run forward and differentiated by torch.autograd (BPTT, float64). Our
 * forward states and our backward-tuning gradient must equal them. */
#include <string.h>

#include "fixture.h"
#include "test.h"

static double maxrel(const double *a, const double *b, int64_t n)
{
    return test_max_rel_diff(a, b, (long)n, 1e-12);
}

int main(void)
{
    TEST("LNL units: forward states and gradient equal PyTorch BPTT")
    {
        lacus_npz *z = fx_open("tune/lnl.npz");
        lacus_ndarray u = fx_get(z, "u"), y = fx_get(z, "y"), W = fx_get(z, "W"), Win = fx_get(z, "Win");
        lacus_ndarray g = fx_get(z, "g"), a = fx_get(z, "a"), X = fx_get(z, "x"), gW = fx_get(z, "gW");
        lacus_ndarray gWin = fx_get(z, "gWin"), gg = fx_get(z, "gg"), ga = fx_get(z, "ga");
        const int64_t N = W.shape[0], M = Win.shape[1], T = u.shape[0];
        const double *pW = W.data, *pWin = Win.data, *pg = g.data, *pa = a.data;
        lacus_tune_net_params p = lacus_tune_net_params_default();
        p.n_units = N;
        p.n_inputs = M;
        p.learn_leak = 1;
        p.learn_offset = 1;
        lacus_tune_net *net = NULL;
        CHECK_STATUS(lacus_tune_net_create(&p, &net, NULL), LACUS_OK);
        int64_t nw = lacus_tune_net_n_weights(net), Nn = lacus_tune_net_n_nodes(net);
        double *w = malloc((size_t)nw * 8), *grad = malloc((size_t)nw * 8);
        double *x = malloc((size_t)(T * Nn) * 8);
        /* Place the matrix-form weights into the node layout. */
        lacus_tune_net_get_weights(net, w);
        for (int64_t j = 0; j < nw; j++) {
            lacus_tune_weight_info wi;
            lacus_tune_net_weight_info(net, j, &wi);
            if (wi.node >= N && wi.node < 2 * N) w[j] = pg[wi.node - N];
            else if (wi.node >= 2 * N) {
                int64_t n = wi.node - 2 * N;
                if (wi.kind == LACUS_TK_ONE) w[j] = pa[n];
                else if (wi.src0.node >= 0) w[j] = pW[n * N + wi.src0.node];
                else w[j] = pWin[n * M + (-wi.src0.node - 1)];
            }
        }
        CHECK_STATUS(lacus_tune_net_set_weights(net, w, NULL), LACUS_OK);
        CHECK_STATUS(lacus_tune_forward(net, u.data, T, x, NULL), LACUS_OK);
        double *xo = malloc((size_t)(T * N) * 8);
        for (int64_t t = 0; t < T; t++)
            for (int64_t n = 0; n < N; n++) xo[t * N + n] = x[t * Nn + n];
        double dx = maxrel(xo, X.data, T * N);
        lacus_tune_criterion c = lacus_tune_criterion_default();
        double cost;
        CHECK_STATUS(lacus_tune_gradient(net, &c, u.data, y.data, NULL, T, 0, grad, &cost, NULL, NULL,
                                         NULL, NULL), LACUS_OK);
        /* Gather our gradient in the matrix form. */
        double *mW = calloc((size_t)(N * N), 8), *mWin = calloc((size_t)(N * M), 8);
        double *mg = calloc((size_t)N, 8), *ma = calloc((size_t)N, 8);
        for (int64_t j = 0; j < nw; j++) {
            lacus_tune_weight_info wi;
            lacus_tune_net_weight_info(net, j, &wi);
            if (wi.node >= N && wi.node < 2 * N) mg[wi.node - N] = grad[j];
            else if (wi.node >= 2 * N) {
                int64_t n = wi.node - 2 * N;
                if (wi.kind == LACUS_TK_ONE) ma[n] = grad[j];
                else if (wi.src0.node >= 0) mW[n * N + wi.src0.node] = grad[j];
                else mWin[n * M + (-wi.src0.node - 1)] = grad[j];
            } else {
                CHECK(grad[j] == 0.0); /* the fixed weights of the output node */
            }
        }
        double dg = fmax(fmax(maxrel(mW, gW.data, N * N), maxrel(mWin, gWin.data, N * M)),
                         fmax(maxrel(mg, gg.data, N), maxrel(ma, ga.data, N)));
        printf("LNL N=%lld M=%lld T=%lld vs PyTorch: states %.3g, cost %.3g, gradient %.3g (max rel)\n",
               (long long)N, (long long)M, (long long)T, dx, fabs(cost - fx_scalar(z, "cost")), dg);
        CHECK(dx < 1e-13);
        CHECK_CLOSE(cost, fx_scalar(z, "cost"), 1e-12);
        CHECK(dg < 1e-11);
        free(w), free(grad), free(x), free(xo), free(mW), free(mWin), free(mg), free(ma);
        lacus_tune_net_free(net);
        lacus_ndarray *all[] = {&u, &y, &W, &Win, &g, &a, &X, &gW, &gWin, &gg, &ga};
        for (size_t i = 0; i < sizeof all / sizeof *all; i++) lacus_ndarray_free(all[i]);
        lacus_npz_close(z);
    }
    TEST("ESN bridge: node-form ESN equals PyTorch forward and BPTT gradient")
    {
        lacus_npz *z = fx_open("tune/esn.npz");
        lacus_ndarray u = fx_get(z, "u"), y = fx_get(z, "y"), W = fx_get(z, "W"), Win = fx_get(z, "Win");
        lacus_ndarray b = fx_get(z, "b"), Wout = fx_get(z, "Wout"), bout = fx_get(z, "bout");
        lacus_ndarray Z = fx_get(z, "z"), gW = fx_get(z, "gW"), gWout = fx_get(z, "gWout");
        lacus_ndarray gbout = fx_get(z, "gbout");
        const int64_t N = W.shape[0], M = Win.shape[1], L = Wout.shape[1], T = u.shape[0];
        lacus_tune_net *net = NULL;
        lacus_error err = {0};
        CHECK_STATUS(lacus_tune_net_from_esn(N, M, L, fx_scalar(z, "lr"), W.data, Win.data, b.data,
                                             Wout.data, bout.data, &net, &err), LACUS_OK);
        int64_t nw = lacus_tune_net_n_weights(net), Nn = lacus_tune_net_n_nodes(net);
        double *x = malloc((size_t)(T * Nn) * 8), *grad = malloc((size_t)nw * 8);
        CHECK_STATUS(lacus_tune_forward(net, u.data, T, x, NULL), LACUS_OK);
        double *zo = malloc((size_t)(T * L) * 8);
        for (int64_t t = 0; t < T; t++)
            for (int64_t o = 0; o < L; o++) zo[t * L + o] = x[t * Nn + o];
        double dz = maxrel(zo, Z.data, T * L);
        lacus_tune_criterion c = lacus_tune_criterion_default();
        c.n_observed = L;
        double cost;
        CHECK_STATUS(lacus_tune_gradient(net, &c, u.data, y.data, NULL, T, 0, grad, &cost, NULL, NULL,
                                         NULL, NULL), LACUS_OK);
        /* to_esn reads weights; swap in the gradient to read it the same way. */
        double *w0 = malloc((size_t)nw * 8), *mW = malloc((size_t)(N * N) * 8);
        double *mWout = malloc((size_t)(N * L) * 8), *mb = malloc((size_t)L * 8);
        lacus_tune_net_get_weights(net, w0);
        CHECK_STATUS(lacus_tune_net_to_esn(net, mW, mWout, mb, NULL), LACUS_OK);
        CHECK(maxrel(mW, W.data, N * N) == 0.0); /* round trip of the untouched weights */
        CHECK(maxrel(mWout, Wout.data, N * L) == 0.0);
        lacus_tune_net_set_weights(net, grad, NULL);
        lacus_tune_net_to_esn(net, mW, mWout, mb, NULL);
        double dg = fmax(maxrel(mW, gW.data, N * N), fmax(maxrel(mWout, gWout.data, N * L),
                                                         maxrel(mb, gbout.data, L)));
        printf("ESN N=%lld L=%lld T=%lld vs PyTorch: outputs %.3g, gradient %.3g (max rel)\n", (long long)N,
               (long long)L, (long long)T, dz, dg);
        CHECK(dz < 1e-13);
        CHECK_CLOSE(cost, fx_scalar(z, "cost"), 1e-12);
        CHECK(dg < 1e-11);
        free(x), free(grad), free(zo), free(w0), free(mW), free(mWout), free(mb);
        lacus_tune_net_free(net);
        lacus_ndarray *all[] = {&u, &y, &W, &Win, &b, &Wout, &bout, &Z, &gW, &gWout, &gbout};
        for (size_t i = 0; i < sizeof all / sizeof *all; i++) lacus_ndarray_free(all[i]);
        lacus_npz_close(z);
    }
    TEST_MAIN_END();
}
