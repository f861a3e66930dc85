/* Double pole without velocities, Gruau's protocol (Stanley & Miikkulainen
 * 2002): the anti-jiggle fitness against its formula computed here from the
 * recorded trajectory, the 625-start generalisation test against a count
 * made here start by start, the 100,000-step test, and a solution found by
 * lacus evolve (examples/pole2_gruau.ini, seed 1: one recurrent sigmoid
 * unit) passing all of it; bad arguments. */
#include <math.h>
#include <string.h>

#include "test.h"
#include "lacus.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static lacus_neat_config cfg(void)
{
    lacus_neat_config c = lacus_neat_config_default();
    c.num_inputs = 3, c.num_outputs = 1, c.feed_forward = 0;
    return c;
}

int main(void)
{
    TEST("Gruau's fitness: the formula on hand-made trajectories")
    {
        static double traj[1000 * 6];
        for (int k = 0; k < 1000; k++) {
            double *s = traj + 6 * k;
            s[0] = 0.01, s[1] = -0.02, s[2] = 0.003, s[3] = -0.004, s[4] = 0.5, s[5] = 0.5;
        }
        CHECK_CLOSE(lacus_neat_gruau_fitness(traj, 50), 0.1 * 0.05, 1e-15);
        CHECK_CLOSE(lacus_neat_gruau_fitness(traj, 150), 0.1 * 0.15 + 0.9 * 0.75 / (100 * 0.037), 1e-13);
        traj[6 * 120] = 1.0; /* inside the last 100 of 150, not of 1000 */
        CHECK_CLOSE(lacus_neat_gruau_fitness(traj, 150), 0.1 * 0.15 + 0.9 * 0.75 / (100 * 0.037 + 0.99), 1e-13);
        CHECK_CLOSE(lacus_neat_gruau_fitness(traj, 1000), 0.1 + 0.9 * 0.75 / (100 * 0.037), 1e-13);
    }
    TEST("an evolved controller: fitness, 100,000 steps, generalisation counted start by start")
    {
        lacus_neat_config c = cfg();
        lacus_neat_node_gene node = {0, 0x1.bd1f3e1cde68p-1, 1.0, 1.0, LACUS_NEAT_ACT_SIGMOID, LACUS_NEAT_AGG_SUM};
        lacus_neat_conn_gene links[] = {{-3, 0, 3, 0x1.5e40d442026cfp+2, 1},
                                        {0, 0, 4, -0x1.4531e311934f4p+0, 1},
                                        {-2, 0, 17, -0x1.0e03edb202babp+3, 1},
                                        {-1, 0, 437, -0x1.3573774fb258ap+1, 1}};
        lacus_neat_genome *g = NULL;
        lacus_error err = {0};
        CHECK_STATUS(lacus_neat_genome_build(&c, &node, 1, links, 4, &g, &err), LACUS_OK);
        lacus_neat_pole_task t;
        t.pole = lacus_neat_pole_params_default();
        t.pole.velocities = 0, t.pole.gruau = 1, t.config = &c;
        double f = 0;
        CHECK_STATUS(lacus_neat_fitness_pole(g, &t, 0, &f, &err), LACUS_OK);
        CHECK(f >= LACUS_NEAT_GRUAU_SOLVED);
        double s0[6] = {0, 0, t.pole.initial_angle, 0, 0, 0}, *traj = malloc(sizeof(double) * 6 * 100000);
        int64_t steps = 0;
        CHECK_STATUS(lacus_neat_pole_trajectory(g, &c, &t.pole, s0, 1000, traj, &steps, &err), LACUS_OK);
        CHECK(steps == 1000);
        /* the fitness's own part, recomputed here from the trajectory */
        double den = 0;
        for (int k = 900; k < 1000; k++)
            den += fabs(traj[6 * k]) + fabs(traj[6 * k + 1]) + fabs(traj[6 * k + 2]) + fabs(traj[6 * k + 3]);
        CHECK_CLOSE(f - LACUS_NEAT_GRUAU_SOLVED, 0.1 + 0.9 * 0.75 / den, 1e-9);
        CHECK_STATUS(lacus_neat_pole_trajectory(g, &c, &t.pole, s0, 100000, traj, &steps, &err), LACUS_OK);
        CHECK(steps == 100000);
        /* the 625 starts, counted here */
        static const double V[5] = {0.05, 0.25, 0.5, 0.75, 0.95};
        const double R[4] = {2.16, 1.35, 3.6 * M_PI / 180.0, 8.6 * M_PI / 180.0};
        int64_t mine = 0, lib = -1;
        for (int i = 0; i < 625; i++) {
            double s[6] = {R[0] * (2 * V[i / 125] - 1), R[1] * (2 * V[i / 25 % 5] - 1),
                           R[2] * (2 * V[i / 5 % 5] - 1), R[3] * (2 * V[i % 5] - 1), 0, 0};
            lacus_neat_pole_trajectory(g, &c, &t.pole, s, 1000, traj, &steps, &err);
            mine += steps == 1000;
        }
        CHECK_STATUS(lacus_neat_pole_generalization(g, &c, &t.pole, &lib, &err), LACUS_OK);
        printf("evolved 1-unit controller: Gruau fitness %.4f, 100000 steps, generalisation %lld/625\n",
               f - LACUS_NEAT_GRUAU_SOLVED, (long long)lib);
        CHECK(lib == mine);
        CHECK(lib >= 200 && lib < 625);
        /* A net without links pushes with 10 (2 sigmoid(b) - 1) N: it falls
         * early, and its fitness is 0.1 t / 1000. */
        lacus_neat_genome *z = NULL;
        lacus_neat_node_gene n0 = {0, 0.0, 1.0, 1.0, LACUS_NEAT_ACT_SIGMOID, LACUS_NEAT_AGG_SUM};
        CHECK_STATUS(lacus_neat_genome_build(&c, &n0, 1, NULL, 0, &z, &err), LACUS_OK);
        CHECK_STATUS(lacus_neat_fitness_pole(z, &t, 0, &f, &err), LACUS_OK);
        CHECK_STATUS(lacus_neat_pole_trajectory(z, &c, &t.pole, s0, 1000, traj, &steps, &err), LACUS_OK);
        CHECK(steps > 0 && steps < 100);
        CHECK_CLOSE(f, 0.1 * (double)steps / 1000.0, 1e-15);
        /* Gruau needs the double pole without velocities. */
        t.pole.velocities = 1;
        c.num_inputs = 6;
        CHECK_STATUS(lacus_neat_fitness_pole(g, &t, 0, &f, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "without velocities") != NULL);
        CHECK_STATUS(lacus_neat_pole_generalization(NULL, &c, &t.pole, &lib, &err), LACUS_ERR_ARG);
        lacus_neat_genome_free(g);
        lacus_neat_genome_free(z);
        free(traj);
    }
    TEST_MAIN_END();
}
