/* The vectorised activations (SLEEF when available) against the scalar libm
 * reference, over ordinary values, the tails where exp overflows, tiny values
 * and every buffer length up to 9 (the padded tail path). */
#include "core/rng.h"
#include "nodes/activation.h"
#include "test.h"

int main(void)
{
    lacus__rng r;
    lacus__rng_seed(&r, 3);
    const lacus_activation fs[] = {LACUS_ACT_TANH, LACUS_ACT_SIGMOID, LACUS_ACT_RELU,
                                   LACUS_ACT_IDENTITY, LACUS_ACT_SOFTPLUS};
    static double in[4096], out[4096];
    int n = 0;
    for (; n < 3000; n++) in[n] = 8.0 * lacus__rng_normal(&r);
    const double special[] = {0.0, -0.0, 1e-300, -1e-300, 1e-10, -1e-10, 20.0, -20.0, 30.5, -30.5,
                              700.0, -700.0, 710.0, -710.0, 1e6, -1e6};
    for (size_t i = 0; i < sizeof special / sizeof *special; i++) in[n++] = special[i];
    for (size_t k = 0; k < sizeof fs / sizeof *fs; k++) {
        TEST(lacus_activation_name(fs[k]))
        {
            lacus__activate(fs[k], in, out, n);
            double worst = 0.0;
            for (int i = 0; i < n; i++) {
                double ref = lacus__activate_ref(fs[k], in[i]);
                double d = fabs(out[i] - ref) / fmax(fabs(ref), 1e-300);
                if (ref == 0.0) d = fabs(out[i]);
                if (d > worst) worst = d;
            }
            /* 1-ulp SLEEF vs 1-ulp libm: a few 1e-16 at most. */
            CHECK(worst < 1e-15);
            for (int len = 1; len <= 9; len++) {
                double o[9];
                lacus__activate(fs[k], in, o, len);
                for (int i = 0; i < len; i++) CHECK(o[i] == out[i]);
            }
        }
    }
    TEST_MAIN_END();
}
