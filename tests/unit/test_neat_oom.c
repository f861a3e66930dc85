/* NEAT under injected allocation failures: every allocation of create,
 * step (evaluation, reproduction, speciation), save and load is made to fail
 * in turn; each failure must come back as LACUS_ERR_NOMEM (never a crash,
 * a wrong status or, under the sanitizer build, a leak), and the handle
 * must still free cleanly. */
#include <string.h>

#include "fixture.h"
#include "oom.h"
#include "test.h"

/* One small life cycle; returns the first non-OK status. */
static lacus_status cycle(const lacus_neat_config *c, const char *path)
{
    lacus_neat *p = NULL, *q = NULL;
    lacus_error e = {0};
    lacus_status st = lacus_neat_create(c, 4, &p, &e);
    for (int g = 0; g < 4 && !st; g++) st = lacus_neat_step(p, lacus_neat_fitness_xor, (void *)c, NULL, NULL);
    if (!st) st = lacus_neat_save(p, path, &e);
    if (!st) st = lacus_neat_load(path, &q, &e);
    if (!st) st = lacus_neat_step(q, lacus_neat_fitness_xor, (void *)c, NULL, NULL);
    lacus_neat_free(p);
    lacus_neat_free(q);
    return st;
}

int main(void)
{
    lacus_neat_config c = lacus_neat_config_default();
    c.pop_size = 12;
    c.fitness_threshold = 100;
    c.node_add_prob = 0.5;
    const char *path = fx_tmp_path("neat_oom.ckpt");
    TEST("allocation failures")
    {
        CHECK_STATUS(cycle(&c, path), LACUS_OK);
        long k = 1, failures = 0, wrong = 0;
        for (;; k++) {
            oom_arm(k);
            lacus_status st = cycle(&c, path);
            int reached = oom_reached();
            oom_disarm();
            if (!reached) {
                CHECK_STATUS(st, LACUS_OK);
                break;
            }
            failures++;
            if (st != LACUS_ERR_NOMEM) {
                wrong++;
                fprintf(stderr, "allocation %ld: status %d\n", k, (int)st);
            }
        }
        printf("%ld allocation sites failed in turn\n", failures);
        CHECK(failures > 100);
        CHECK(wrong == 0);
    }
    TEST_MAIN_END();
}
