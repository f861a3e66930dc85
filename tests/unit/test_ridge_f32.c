/* Mixed-precision X^T X and X^T Y (lacus_ridge_params.accumulate_f32):
 * every accumulated entry is within the forward error bound of a float32
 * dot product, (k + 2) 2^-24 sum_t |x_ti x_tj| (k rows per staged group,
 * plus rounding the inputs to float), of the float64 one; the result is the
 * same on 1 and 2 threads; and the readout solved from it stays close to the
 * float64 readout on a well-conditioned problem. F = 300 spans two 256-wide
 * tiles, so tile pairs off the diagonal are exercised. */
#include <string.h>

#include "core/rng.h"
#include "nodes/ridge.h"
#include "test.h"

#define T 1500
#define F 300
#define O 2

static lacus_ridge *make(int f32)
{
    lacus_ridge_params p = lacus_ridge_params_default();
    p.n_features = F;
    p.n_outputs = O;
    p.ridge = 1.0;
    p.solver = LACUS_SOLVER_PRIMAL;
    p.accumulate_f32 = f32;
    lacus_ridge *m = NULL;
    lacus_error err = {0};
    CHECK_STATUS(lacus_ridge_create(&p, &m, &err), LACUS_OK);
    return m;
}

static double X[T * F], Y[T * O];

/* Largest |got - want| / bound over the entries (i, j) of X^T B, B (T, nb)
 * with row stride ldb (j >= i only when upper), with the float32 bound
 * (k + 2) 2^-24 sum_t |x_ti b_tj|; counts the entries over the bound. */
static double worst_error(const double *got, const double *want, const double *B, int nb,
                          int ldb, int upper, int64_t k, int64_t *violations)
{
    double worst = 0.0;
    for (int i = 0; i < F; i++)
        for (int j = upper ? i : 0; j < nb; j++) {
            double absdot = 0.0;
            for (int t = 0; t < T; t++) absdot += fabs(X[t * F + i] * B[t * ldb + j]);
            double bound = (double)(k + 2) * ldexp(1.0, -24) * absdot;
            double d = fabs(got[i * nb + j] - want[i * nb + j]);
            if (d > bound) (*violations)++;
            if (d / bound > worst) worst = d / bound;
        }
    return worst;
}

int main(void)
{
    static double W64[F * O], W32[F * O], b[O];
    lacus__rng r;
    lacus__rng_seed(&r, 5);
    for (int i = 0; i < T * F; i++) X[i] = lacus__rng_normal(&r) * (1.0 + (i % F) / 100.0);
    for (int i = 0; i < T * O; i++) Y[i] = lacus__rng_normal(&r);

    TEST("f32 accumulation: X^T X and X^T Y within the float32 dot-product bound, thread-count invariant") {
        lacus_ridge *m64 = make(0), *m32 = make(1), *m32b = make(1);
        lacus_set_num_threads(2);
        CHECK_STATUS(lacus_ridge_partial_fit(m64, X, F, Y, O, T), LACUS_OK);
        CHECK_STATUS(lacus_ridge_partial_fit(m32, X, F, Y, O, T), LACUS_OK);
        lacus_set_num_threads(1);
        CHECK_STATUS(lacus_ridge_partial_fit(m32b, X, F, Y, O, T), LACUS_OK);
        lacus_set_num_threads(2);
        lacus__ridge_flush_stage(m64);
        lacus__ridge_flush_stage(m32);
        lacus__ridge_flush_stage(m32b);
        int64_t k = m32->stage_cap; /* rows per staged group */
        CHECK(k < T);               /* several groups are summed in double */
        int64_t violations = 0;
        double worst = worst_error(m32->XtX, m64->XtX, X, F, F, 1, k, &violations);
        printf("X^T X: largest error / bound = %.3g\n", worst);
        CHECK(violations == 0);
        CHECK(worst > 0.0); /* float32 really was used */
        worst = worst_error(m32->XtY, m64->XtY, Y, O, O, 0, k, &violations);
        printf("X^T Y: largest error / bound = %.3g\n", worst);
        CHECK(violations == 0);
        CHECK(worst > 0.0);
        CHECK(memcmp(m32->XtX, m32b->XtX, sizeof(double) * F * F) == 0);
        CHECK(memcmp(m32->XtY, m32b->XtY, sizeof(double) * F * O) == 0);
        CHECK_STATUS(lacus_ridge_solve(m64), LACUS_OK);
        CHECK_STATUS(lacus_ridge_solve(m32), LACUS_OK);
        lacus_ridge_get_weights(m64, W64, b);
        lacus_ridge_get_weights(m32, W32, b);
        CHECK(test_max_rel_diff(W32, W64, F * O, 0.0) < 1e-5);
        lacus_ridge_free(m64);
        lacus_ridge_free(m32);
        lacus_ridge_free(m32b);
    }
    TEST_MAIN_END();
}
