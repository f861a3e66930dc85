/* Forward-Forward (src/learn/ff.c, ff_unit.h): the local gradient equals
 * finite differences of the layer loss; on a generated static task (10
 * classes, 2 prototypes each, 20 inputs) the layered network (2 x 64 ReLU, theta 5, noise 0.5) separates
 * positive from negative goodness and classifies far above chance; the
 * recurrent FF units of a reservoir widen the gap between the goodness of
 * real and of time-shuffled input. */
#include <stdlib.h>
#include <string.h>

#include "lacus.h"
#include "test.h"

static double urand(void) { return 2.0 * rand() / (double)RAND_MAX - 1.0; }

int main(void)
{
    TEST("local gradient = finite differences of the layer loss") {
        lacus_ff_params p = lacus_ff_params_default();
        p.n_inputs = 5, p.n_classes = 3, p.n_hidden = 8, p.theta = 2.0;
        lacus_ff *m = NULL;
        CHECK_STATUS(lacus_ff_create(&p, &m, NULL), LACUS_OK);
        for (int layer = 0; layer < 2; layer++) {
            int64_t ni = lacus_ff_layer_n_in(m, layer), H = 8;
            double ip[16], in[16], W[128], b[8], dW[128], db[8], W2[128], loss, lp, lm;
            srand(11 + layer);
            for (int64_t k = 0; k < ni; k++) ip[k] = urand(), in[k] = urand();
            lacus_ff_layer_get(m, layer, W, b);
            for (int64_t k = 0; k < H; k++) b[k] = 0.3 + 0.1 * k; /* most units active */
            lacus_ff_layer_set(m, layer, W, b);
            CHECK_STATUS(lacus_ff_layer_loss_grad(m, layer, ip, in, &loss, dW, db), LACUS_OK);
            double worst = 0.0, h = 1e-6;
            for (int64_t k = 0; k < H * ni; k++) {
                memcpy(W2, W, sizeof(double) * H * ni);
                W2[k] = W[k] + h;
                lacus_ff_layer_set(m, layer, W2, NULL);
                lacus_ff_layer_loss_grad(m, layer, ip, in, &lp, dW + 0 * 0, db);
                W2[k] = W[k] - h;
                lacus_ff_layer_set(m, layer, W2, NULL);
                lacus_ff_layer_loss_grad(m, layer, ip, in, &lm, dW + 0 * 0, db);
                lacus_ff_layer_set(m, layer, W, NULL);
                double g[128], gb[8], l0;
                lacus_ff_layer_loss_grad(m, layer, ip, in, &l0, g, gb);
                worst = fmax(worst, fabs((lp - lm) / (2 * h) - g[k]) / fmax(1.0, fabs(g[k])));
            }
            printf("layer %d: loss %.4f, max rel |grad - FD| %.3g\n", layer, loss, worst);
            CHECK(worst < 1e-6);
        }
        lacus_ff_free(m);
    }

    TEST("static task: goodness separates positive from negative, accuracy far above chance") {
        const int64_t n = 3000, ntr = 2000, D = 20, C = 10;
        double *x = malloc(sizeof(double) * n * D);
        int32_t *y = malloc(sizeof(int32_t) * n), *pred = malloc(sizeof(int32_t) * n);
        CHECK_STATUS(lacus_ff_make_task(n, D, C, 0.5, 5, x, y, NULL), LACUS_OK);
        lacus_ff_params p = lacus_ff_params_default();
        p.n_inputs = D, p.n_classes = C, p.n_hidden = 64, p.epochs = 20, p.lr = 0.01, p.theta = 5.0;
        lacus_ff *m = NULL;
        CHECK_STATUS(lacus_ff_create(&p, &m, NULL), LACUS_OK);
        double gp0, gn0, gp, gn;
        lacus_ff_goodness(m, x + ntr * D, y + ntr, n - ntr, 0, &gp0, &gn0);
        CHECK_STATUS(lacus_ff_fit(m, x, y, ntr), LACUS_OK);
        CHECK_STATUS(lacus_ff_goodness(m, x + ntr * D, y + ntr, n - ntr, 0, &gp, &gn), LACUS_OK);
        CHECK_STATUS(lacus_ff_predict(m, x + ntr * D, n - ntr, pred, NULL), LACUS_OK);
        int64_t ok = 0, ok_tr = 0;
        for (int64_t i = 0; i < n - ntr; i++) ok += pred[i] == y[ntr + i];
        lacus_ff_predict(m, x, ntr, pred, NULL);
        for (int64_t i = 0; i < ntr; i++) ok_tr += pred[i] == y[i];
        double acc = ok / (double)(n - ntr);
        printf("FF 2 x 64 ReLU, 10 classes: goodness layer 1 before (pos %.2f, neg %.2f), after "
               "(pos %.2f, neg %.2f), theta %.0f; accuracy train %.3f test %.3f (chance 0.1)\n",
               gp0, gn0, gp, gn, p.theta, ok_tr / (double)ntr, acc);
        CHECK(gp > p.theta && gn < p.theta); /* on either side of the threshold */
        CHECK(gp > 2.0 * gn);
        CHECK(acc > 0.8);
        lacus_ff_free(m);
        free(x), free(y), free(pred);
    }

    TEST("recurrent FF units widen the goodness gap between real and shuffled input") {
        const int64_t T = 3000, N = 100;
        double *u = malloc(sizeof(double) * T), *us = malloc(sizeof(double) * T);
        lacus_mackey_glass_params mp = lacus_mackey_glass_params_default();
        lacus_mackey_glass(T, &mp, u, NULL);
        for (int64_t t = 0; t < T; t++) u[t] = (u[t] - 0.9) / 0.23;
        srand(3);
        memcpy(us, u, sizeof(double) * T);
        for (int64_t t = T - 1; t > 0; t--) {
            int64_t j = rand() % (t + 1);
            double v = us[t];
            us[t] = us[j], us[j] = v;
        }
        lacus_localres_params p = lacus_localres_params_default();
        p.res.n_units = N, p.res.n_inputs = 1, p.res.sr = 0.9, p.res.lr = 1.0; /* x = y */
        p.res.rc_connectivity = 0.1, p.res.seed = 2;
        p.pops[0].rule = LACUS_RULE_FF;
        p.ff_eta = 5e-3, p.ff_theta = 0.3;
        lacus_localres *m = NULL;
        CHECK_STATUS(lacus_localres_create(&p, &m, NULL), LACUS_OK);
        double *X = malloc(sizeof(double) * T * N), gap[2];
        for (int k = 0; k < 2; k++) {
            double g[2];
            for (int s = 0; s < 2; s++) {
                CHECK_STATUS(lacus_localres_run(m, s ? us : u, T, 0, 1, X, NULL, NULL), LACUS_OK);
                double a = 0.0;
                for (int64_t i = 100 * N; i < T * N; i++) a += X[i] * X[i];
                g[s] = a / (double)((T - 100) * N);
            }
            gap[k] = g[0] - g[1];
            printf("%s training: mean goodness real %.4f, shuffled %.4f\n", k ? "after" : "before", g[0], g[1]);
            if (!k)
                for (int ep = 0; ep < 3; ep++)
                    CHECK_STATUS(lacus_localres_run(m, u, T, 1, 1, NULL, NULL, NULL), LACUS_OK);
        }
        lacus_localres_stats st;
        lacus_localres_stats_get(m, &st);
        printf("gap before %.4f after %.4f; |W - W0| / |W0| = %.3f\n", gap[0], gap[1], st.w_rho_change);
        CHECK(gap[1] > gap[0] + 0.05);
        CHECK(st.w_rho_change > 0.01);
        lacus_localres_free(m);
        free(u), free(us), free(X);
    }
    TEST("locality: an FF unit's row is rebuilt from its own and its fan-in's states") {
        /* lr = 1 so that a unit's state is its activation y: the update of
         * row i needs only y+_i(t), y-_i(t) and the fan-in values of both
         * copies at t-1 (ff_unit.h) */
        const int64_t T = 200, N = 40;
        double *u = malloc(sizeof(double) * T), *X = malloc(sizeof(double) * T * N),
               *Xn = malloc(sizeof(double) * T * N), *W0 = malloc(sizeof(double) * N * N),
               *W1 = malloc(sizeof(double) * N * N);
        srand(8);
        for (int64_t t = 0; t < T; t++) u[t] = urand();
        lacus_localres_params p = lacus_localres_params_default();
        p.res.n_units = N, p.res.n_inputs = 1, p.res.sr = 0.9, p.res.lr = 1.0;
        p.res.rc_connectivity = 0.2, p.res.seed = 4;
        p.n_pops = 2;
        p.pops[0].n_units = 20, p.pops[0].rule = LACUS_RULE_PLAIN;
        p.pops[1].n_units = 20, p.pops[1].rule = LACUS_RULE_FF;
        p.ff_eta = 1e-2, p.ff_theta = 0.3;
        lacus_localres *m = NULL;
        CHECK_STATUS(lacus_localres_create(&p, &m, NULL), LACUS_OK);
        lacus_localres_get_W(m, W0);
        CHECK_STATUS(lacus_localres_run_neg(m, u, T, 1, X, Xn), LACUS_OK);
        lacus_localres_get_W(m, W1);
        double worst = 0.0, moved = 0.0;
        for (int64_t i = 0; i < N; i++) {
            int64_t fan[64], nf = 0;
            lacus_localres_get_fan_in(m, i, fan, &nf);
            double row[64];
            for (int64_t a = 0; a < nf; a++) row[a] = W0[i * N + fan[a]];
            if (i >= 20)
                for (int64_t t = 0; t < T; t++) {
                    double yp = X[t * N + i], yn = Xn[t * N + i];
                    double sp = 1.0 / (1.0 + exp(-(p.ff_theta - yp * yp)));
                    double sn = 1.0 / (1.0 + exp(-(yn * yn - p.ff_theta)));
                    double dp = -sp * 2.0 * yp * (1.0 - yp * yp), dn = sn * 2.0 * yn * (1.0 - yn * yn);
                    for (int64_t a = 0; a < nf; a++) {
                        double xp = t ? X[(t - 1) * N + fan[a]] : 0.0;
                        double xn = t ? Xn[(t - 1) * N + fan[a]] : 0.0;
                        row[a] -= p.ff_eta * (dp * xp + dn * xn);
                    }
                }
            for (int64_t a = 0; a < nf; a++) {
                worst = fmax(worst, fabs(W1[i * N + fan[a]] - row[a]));
                moved = fmax(moved, fabs(W1[i * N + fan[a]] - W0[i * N + fan[a]]));
            }
        }
        printf("FF locality: max |W row - rebuilt| %.3g (rows moved by up to %.3g; plain rows fixed)\n",
               worst, moved);
        CHECK(worst < 1e-12);
        CHECK(moved > 1e-3);
        lacus_localres_free(m);
        free(u), free(X), free(Xn), free(W0), free(W1);
    }
    TEST_MAIN_END();
}
