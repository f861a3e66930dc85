/* NEAT against neat-python 2.0.0 (tests/ref/make_neat_fixtures.py): the
 * same configuration file (neat-python's XOR example) and the same
 * deterministic fitness. The libraries draw different random numbers, so
 * runs are compared as samples: success rate within sampling noise, median
 * generations to solve within 30 % of neat-python's (about two standard
 * errors of a median over 40-50 runs), and the winners' mean hidden nodes
 * and enabled links within 1 and 1.5. Also: the acceptance numbers of the
 * issue on these runs (>= 95 % solved, median <= 100). */
#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

#include "fixture.h"
#include "test.h"

enum { RUNS = 40, MAX_GEN = 300 };

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

int main(void)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/evolve/neatpy_xor.json", fx_dir());
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f) TEST_MAIN_END();
    static char buf[1 << 16];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = 0;
    cJSON *j = cJSON_Parse(buf);
    cJSON *runs = cJSON_GetObjectItem(j, "runs");
    int n_py = cJSON_GetArraySize(runs), ok_py = 0, gens_py[256];
    double hid_py = 0, links_py = 0;
    for (int i = 0; i < n_py && i < 256; i++) {
        cJSON *r = cJSON_GetArrayItem(runs, i);
        int solved = cJSON_IsTrue(cJSON_GetObjectItem(r, "solved"));
        ok_py += solved;
        gens_py[i] = solved ? cJSON_GetObjectItem(r, "generations")->valueint : MAX_GEN + 1;
        if (solved) {
            hid_py += cJSON_GetObjectItem(r, "nodes")->valuedouble - 1.0; /* minus the output */
            links_py += cJSON_GetObjectItem(r, "enabled_links")->valuedouble;
        }
    }
    cJSON_Delete(j);
    CHECK(n_py >= 30);
    qsort(gens_py, (size_t)n_py, sizeof *gens_py, cmp_int);

    snprintf(path, sizeof path, "%s/evolve/xor.ini", fx_dir());
    lacus_neat_config c = lacus_neat_config_default();
    lacus_error e = {0};
    CHECK_STATUS(lacus_neat_config_load(path, &c, &e), LACUS_OK);
    int ok = 0, gens[RUNS];
    double hid = 0, links = 0;
    for (int r = 0; r < RUNS; r++) {
        lacus_neat *p = NULL;
        CHECK_STATUS(lacus_neat_create(&c, (uint64_t)r, &p, &e), LACUS_OK);
        if (!p) break;
        lacus_neat_run_opts o = lacus_neat_run_opts_default();
        o.n_generations = MAX_GEN;
        int solved = 0;
        CHECK_STATUS(lacus_neat_run(p, lacus_neat_fitness_xor, &c, &o, &solved), LACUS_OK);
        lacus_neat_gen_stats s;
        lacus_neat_history(p, lacus_neat_history_len(p) - 1, &s);
        gens[r] = solved ? (int)s.generation + 1 : MAX_GEN + 1;
        if (solved) {
            /* The winner really solves XOR: every output on the right side. */
            const lacus_neat_genome *b = lacus_neat_best(p);
            CHECK(lacus_neat_genome_fitness(b) >= 3.9);
            hid += (double)(lacus_neat_genome_n_nodes(b) - 1);
            links += (double)lacus_neat_genome_n_enabled(b);
            lacus_neat_net *net = NULL;
            CHECK_STATUS(lacus_neat_net_create(b, &c, 0, &net, NULL), LACUS_OK);
            static const double X[4][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
            double y[4];
            for (int k = 0; k < 4; k++) lacus_neat_net_activate(net, X[k], &y[k]);
            CHECK(y[0] < 0.5 && y[1] > 0.5 && y[2] > 0.5 && y[3] < 0.5);
            lacus_neat_net_free(net);
        }
        ok += solved;
        lacus_neat_free(p);
    }
    qsort(gens, RUNS, sizeof *gens, cmp_int);
    double p1 = (double)ok / RUNS, p2 = (double)ok_py / n_py, pp = (double)(ok + ok_py) / (RUNS + n_py);
    double se = sqrt(pp * (1 - pp) * (1.0 / RUNS + 1.0 / n_py));
    hid /= ok ? ok : 1, links /= ok ? ok : 1, hid_py /= ok_py ? ok_py : 1, links_py /= ok_py ? ok_py : 1;
    printf("lacus: %d/%d solved, median %d generations, winners %.2f hidden %.2f links; "
           "neat-python: %d/%d, median %d, %.2f hidden %.2f links\n", ok, RUNS, gens[RUNS / 2], hid, links,
           ok_py, n_py, gens_py[n_py / 2], hid_py, links_py);
    /* Same success rate within 3 standard errors (or 2 runs when both are
     * near 100 % and the standard error vanishes). */
    CHECK(fabs(p1 - p2) <= fmax(3 * se, 2.0 / RUNS));
    CHECK(fabs((double)gens[RUNS / 2] - gens_py[n_py / 2]) <= 0.3 * gens_py[n_py / 2]);
    CHECK(fabs(hid - hid_py) <= 1.0);
    CHECK(fabs(links - links_py) <= 1.5);
    /* The acceptance on these runs. */
    CHECK(p1 >= 0.95 - 1e-12);
    CHECK(gens[RUNS / 2] <= 100);
    TEST_MAIN_END();
}
