/* Out-of-memory paths (SQLite-style fault injection): for k = 1, 2, ...
 * the k-th allocation fails; every call must return LACUS_ERR_NOMEM (never
 * crash, never report success with garbage), and under ASan nothing leaks.
 * The loop ends when a whole create/fit/run/save/load sequence succeeds. */
#include <string.h>

#include "fixture.h"
#include "oom.h"
#include "test.h"

static lacus_status scenario(const char *path, double *pred)
{
    lacus_esn_params p = lacus_esn_params_default();
    p.reservoir.n_units = 40;
    p.reservoir.n_inputs = 1;
    p.reservoir.sr = 0.9;
    p.readout.ridge = 1e-3;
    static double u[200], y[200];
    for (int t = 0; t < 200; t++) u[t] = sin(0.2 * t), y[t] = cos(0.2 * t);
    const double *ud = u, *yd = y;
    int64_t T = 200;
    lacus_seqs U = {1, 1, &ud, &T}, Y = {1, 1, &yd, &T};
    lacus_esn *m = NULL, *m2 = NULL;
    lacus_error err = {0};
    lacus_status st;
    if ((st = lacus_esn_create(&p, &m, &err))) return st;
    if ((st = lacus_esn_fit(m, &U, &Y)) || (st = lacus_esn_save(m, path, &err)) ||
        (st = lacus_esn_load(path, &m2, &err)) || (st = lacus_esn_run(m2, &U, &pred))) {
        lacus_esn_free(m);
        lacus_esn_free(m2);
        return st;
    }
    lacus_esn_free(m);
    lacus_esn_free(m2);
    return LACUS_OK;
}

int main(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/oom.npz", fx_tmp());
    static double pred[200], ref[200];
    CHECK_STATUS(scenario(path, ref), LACUS_OK);
    int failures = 0, k;
    TEST("every injected allocation failure is reported as NOMEM")
    {
        for (k = 1; k < 10000; k++) {
            remove(path);
            oom_arm(k);
            lacus_status st = scenario(path, pred);
            oom_disarm();
            if (!oom_reached()) { /* the scenario finished before the k-th allocation */
                CHECK_STATUS(st, LACUS_OK);
                CHECK(memcmp(pred, ref, sizeof pred) == 0);
                break;
            }
            failures++;
            if (st != LACUS_ERR_NOMEM) fprintf(stderr, "allocation %d: status %d\n", k, (int)st);
            CHECK(st == LACUS_ERR_NOMEM);
        }
        CHECK(failures > 20);
    }
    printf("%d injected failures\n", failures);
    TEST_MAIN_END();
}
