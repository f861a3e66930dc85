/* The algebra full-FORCE rests on: one RLS step on all rows of J (weights
 * [J^T] in lacus_online, one P shared by every row) shrinks the recurrent-
 * current error of EVERY row by the same factor lambda / (lambda + x^T P x),
 * in (0, 1). The reference here is plain C: P carried by hand by the
 * Sherman-Morrison update, J x and the errors computed from the weights
 * read back. */
#include <string.h>

#include "fixture.h"
#include "test.h"

#define N 40
#define F 2 /* driving targets f */

static double uni(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

int main(void)
{
    uint64_t seed = 7;
    static double J[N * N], JD[N * N], uf[N * F], P[N * N], W[N * N], W2[N * N];
    for (int i = 0; i < N * N; i++) J[i] = 0.3 * uni(&seed), JD[i] = 0.3 * uni(&seed);
    for (int i = 0; i < N * F; i++) uf[i] = uni(&seed);
    const double alpha = 2.0, lambda = 0.98;
    lacus_online_params op = lacus_online_params_default();
    op.n_features = N;
    op.n_outputs = N;
    op.alpha = alpha;
    op.forgetting = lambda;
    op.fit_bias = 0;
    lacus_error err = {0};
    lacus_online *rls = NULL;
    for (int i = 0; i < N; i++)
        for (int k = 0; k < N; k++) W[k * N + i] = J[i * N + k], P[i * N + k] = i == k ? 1.0 / alpha : 0.0;
    TEST("one RLS step on J shrinks every row's recurrent-current error by lambda / (lambda + x'Px)")
    {
        CHECK_STATUS(lacus_online_create(&op, &rls, &err), LACUS_OK);
        CHECK_STATUS(lacus_online_set_weights(rls, W, NULL), LACUS_OK);
        double worst = 0.0, max_ratio = 0.0;
        for (int step = 0; step < 5; step++) {
            double x[N], xD[N], f[F], c[N], before[N], Px[N], xPx = 0.0;
            for (int k = 0; k < N; k++) x[k] = tanh(uni(&seed)), xD[k] = tanh(uni(&seed));
            for (int j = 0; j < F; j++) f[j] = uni(&seed);
            /* c = J^D xD + u_f f: the driven net's whole current */
            for (int i = 0; i < N; i++) {
                c[i] = 0.0;
                for (int k = 0; k < N; k++) c[i] += JD[i * N + k] * xD[k];
                for (int j = 0; j < F; j++) c[i] += uf[i * F + j] * f[j];
            }
            lacus_online_get_weights(rls, W, NULL);
            for (int i = 0; i < N; i++) {
                before[i] = -c[i];
                for (int k = 0; k < N; k++) before[i] += W[k * N + i] * x[k];
            }
            for (int i = 0; i < N; i++) {
                Px[i] = 0.0;
                for (int k = 0; k < N; k++) Px[i] += P[i * N + k] * x[k];
                xPx += x[i] * Px[i];
            }
            CHECK_STATUS(lacus_online_step(rls, x, c, NULL), LACUS_OK);
            lacus_online_get_weights(rls, W2, NULL);
            double factor = lambda / (lambda + xPx);
            for (int i = 0; i < N; i++) {
                double after = -c[i];
                for (int k = 0; k < N; k++) after += W2[k * N + i] * x[k];
                CHECK(fabs(after) < fabs(before[i]) || before[i] == 0.0);
                worst = fmax(worst, fabs(after - factor * before[i]) / fabs(before[i]));
                max_ratio = fmax(max_ratio, fabs(after / before[i]));
            }
            /* Sherman-Morrison with forgetting, by hand, for the next step. */
            for (int i = 0; i < N; i++)
                for (int k = 0; k < N; k++)
                    P[i * N + k] = (P[i * N + k] - Px[i] * Px[k] / (lambda + xPx)) / lambda;
        }
        printf("  5 steps x %d rows: a-posteriori error / a-priori error at most %.3f; "
               "largest relative deviation from lambda/(lambda+x'Px): %.2e\n", N, max_ratio, worst);
        CHECK(worst < 1e-9);
        CHECK(max_ratio < 1.0);
    }
    lacus_online_free(rls);
    TEST_MAIN_END();
}
