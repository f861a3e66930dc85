/* NEAT (spec section 6): innovation bookkeeping, crossover alignment and the
 * 0.75 disable rule, compatibility distance against hand-computed values in
 * both conventions, hand-computed phenotypes, same seed -> same run with 1
 * and 2 threads, exact resume from a checkpoint, bad input. */
#include <math.h>
#include <omp.h>
#include <string.h>

#include "evolve/neat_int.h"
#include "fixture.h"
#include "test.h"

static neat_node node(int64_t key, double bias)
{
    neat_node n = {key, bias, 1.0, 1.0, LACUS_NEAT_ACT_SIGMOID, LACUS_NEAT_AGG_SUM};
    return n;
}
static neat_conn conn(int64_t in, int64_t out, int64_t innov, double w, int en)
{
    neat_conn c = {in, out, innov, w, en};
    return c;
}

static lacus_neat_genome *build(const lacus_neat_config *c, const neat_node *n, int64_t nn,
                                const neat_conn *k, int64_t nk)
{
    lacus_neat_genome *g = NULL;
    lacus_error e = {0};
    if (lacus_neat_genome_build(c, n, nn, k, nk, &g, &e)) fprintf(stderr, "build: %s\n", e.msg);
    return g;
}

static void test_innovations(void)
{
    TEST("innovation numbers")
    {
        lacus_neat_config c = lacus_neat_config_default();
        c.num_inputs = 3;
        neat_tracker t = {0};
        t.next_innovation = 3;
        t.next_node = 1;
        int oom = 0;
        /* Within one generation: the same link gets the same number, another
         * link a new one. */
        int64_t a = lacus__neat_innovation(&t, -1, 0, NEAT_INNOV_ADD_CONN, &oom);
        int64_t b = lacus__neat_innovation(&t, -2, 0, NEAT_INNOV_ADD_CONN, &oom);
        int64_t a2 = lacus__neat_innovation(&t, -1, 0, NEAT_INNOV_ADD_CONN, &oom);
        CHECK(a == 4 && b == 5 && a2 == 4);
        /* Two genomes splitting the same link in one generation get the same
         * node key and the same two innovation numbers. */
        neat_node n0 = node(0, 0.0);
        neat_conn k[] = {conn(-1, 0, 1, 0.5, 1), conn(-2, 0, 2, -0.3, 1), conn(-3, 0, 3, 0.1, 1)};
        lacus_neat_genome *g1 = build(&c, &n0, 1, k, 1), *g2 = build(&c, &n0, 1, k, 1);
        lacus__rng r1, r2;
        lacus__rng_seed(&r1, 1);
        lacus__rng_seed(&r2, 99);
        CHECK_STATUS(lacus__neat_mutate_add_node(g1, &c, &t, &r1), LACUS_OK);
        CHECK_STATUS(lacus__neat_mutate_add_node(g2, &c, &t, &r2), LACUS_OK);
        CHECK(g1->n_nodes == 2 && g2->n_nodes == 2 && g1->nodes[1].key == g2->nodes[1].key);
        CHECK(g1->n_conns == 3 && g2->n_conns == 3);
        for (int i = 0; i < 3; i++) {
            CHECK(g1->conns[i].innovation == g2->conns[i].innovation);
            CHECK(g1->conns[i].in == g2->conns[i].in && g1->conns[i].out == g2->conns[i].out);
        }
        int64_t hidden = g1->nodes[1].key;
        CHECK(hidden == 1);
        CHECK(g1->conns[0].enabled == 0);                         /* the split link */
        CHECK(g1->conns[1].weight == 1.0 && g1->conns[1].in == -1 && g1->conns[1].out == hidden);
        CHECK(g1->conns[2].weight == 0.5 && g1->conns[2].out == 0); /* the old weight */
        CHECK(g1->conns[1].innovation == 6 && g1->conns[2].innovation == 7);
        /* Next generation: the same split is a new innovation, new node. */
        lacus__neat_tracker_new_generation(&t);
        lacus_neat_genome *g3 = build(&c, &n0, 1, k, 1);
        CHECK_STATUS(lacus__neat_mutate_add_node(g3, &c, &t, &r1), LACUS_OK);
        CHECK(g3->nodes[1].key == 2 && g3->conns[1].innovation == 8 && g3->conns[2].innovation == 9);
        int64_t again = lacus__neat_innovation(&t, -1, 0, NEAT_INNOV_ADD_CONN, &oom);
        CHECK(again == 10);
        CHECK(!oom);
        lacus_neat_genome_free(g1);
        lacus_neat_genome_free(g2);
        lacus_neat_genome_free(g3);
        lacus__neat_tracker_free(&t);
    }
}

static void test_crossover(void)
{
    TEST("crossover aligned on innovation")
    {
        lacus_neat_config c = lacus_neat_config_default();
        c.num_inputs = 4;
        neat_node n1[] = {node(0, 0.1), node(7, 0.2)}, n2[] = {node(0, -0.1), node(8, 0.3)};
        neat_conn k1[] = {conn(-1, 0, 1, 1.0, 1), conn(-2, 0, 2, 2.0, 0), conn(-3, 0, 3, 3.0, 1),
                          conn(-1, 7, 5, 5.0, 1), conn(7, 0, 9, 9.0, 1)};
        neat_conn k2[] = {conn(-1, 0, 1, -1.0, 1), conn(-2, 0, 2, -2.0, 1), conn(-4, 0, 4, -4.0, 1),
                          conn(-1, 8, 6, -6.0, 1), conn(8, 0, 7, -7.0, 1)};
        lacus_neat_genome *a = build(&c, n1, 2, k1, 5), *b = build(&c, n2, 2, k2, 5);
        a->fitness = 2.0;
        b->fitness = 1.0;
        lacus__rng r;
        lacus__rng_seed(&r, 7);
        int from_a = 0, from_b = 0, disabled2 = 0;
        const int TRIALS = 20000;
        for (int trial = 0; trial < TRIALS; trial++) {
            lacus_neat_genome *ch = NULL;
            CHECK_STATUS(lacus__neat_crossover(a, b, 100, &c, &r, &ch), LACUS_OK);
            if (!ch) break;
            /* Exactly the fitter parent's genes (1, 2, 3, 5, 9); disjoint
             * and excess genes of the weaker one (4, 6, 7) never appear. */
            if (trial == 0) {
                CHECK(ch->n_conns == 5 && ch->n_nodes == 2 && ch->nodes[1].key == 7);
                const int64_t want[] = {1, 2, 3, 5, 9};
                for (int i = 0; i < 5 && i < ch->n_conns; i++) CHECK(ch->conns[i].innovation == want[i]);
            }
            /* Matching gene 1 takes its weight from either parent; genes 3,
             * 5, 9 are copied from the fitter parent. */
            if (ch->conns[0].weight == 1.0) from_a++;
            else if (ch->conns[0].weight == -1.0) from_b++;
            if (ch->conns[2].weight != 3.0 || ch->conns[3].weight != 5.0) from_a = -TRIALS;
            disabled2 += !ch->conns[1].enabled;
            lacus_neat_genome_free(ch);
        }
        CHECK(from_a + from_b == TRIALS);
        CHECK(fabs(from_a / (double)TRIALS - 0.5) < 0.02);
        /* Gene 2 is disabled in the fitter parent: inherited disabled half
         * the time, and disabled with p = 0.75 otherwise: 0.5 + 0.5 * 0.75. */
        CHECK(fabs(disabled2 / (double)TRIALS - 0.875) < 0.01);
        /* A tie makes genome 2 the fitter parent (neat-python). */
        b->fitness = 2.0;
        lacus_neat_genome *ch = NULL;
        CHECK_STATUS(lacus__neat_crossover(a, b, 101, &c, &r, &ch), LACUS_OK);
        CHECK(ch && ch->n_conns == 5 && ch->conns[2].innovation == 4 && ch->nodes[1].key == 8);
        lacus_neat_genome_free(ch);
        lacus_neat_genome_free(a);
        lacus_neat_genome_free(b);
    }
}

static void test_distance(void)
{
    TEST("compatibility distance, both conventions")
    {
        lacus_neat_config c = lacus_neat_config_default();
        c.num_inputs = 2;
        neat_node na[] = {node(0, 0.5), node(3, -1.0)}, nb[] = {node(0, 0.2), node(5, 0.0)};
        neat_conn ka[] = {conn(-1, 0, 1, 1.0, 1), conn(-2, 0, 2, -0.5, 1), conn(-1, 3, 3, 2.0, 1),
                          conn(3, 0, 4, 0.7, 1)};
        neat_conn kb[] = {conn(-1, 0, 1, 0.4, 1), conn(-2, 0, 2, -0.5, 0), conn(-1, 5, 5, 1.0, 1),
                          conn(5, 0, 6, -1.0, 1)};
        lacus_neat_genome *a = build(&c, na, 2, ka, 4), *b = build(&c, nb, 2, kb, 4);
        /* neat-python: nodes (0.5 * |0.5 - 0.2| + 1.0 * 2 disjoint) / 2 =
         * 1.075; links ((0.5 * 0.6) + 0.5 * (0 + 1 enable mismatch) + 1.0 * 4)
         * / 4 = 1.2; sum 2.275. */
        CHECK_CLOSE(lacus_neat_genome_distance(a, b, &c), 2.275, 1e-14);
        CHECK_CLOSE(lacus_neat_genome_distance(b, a, &c), 2.275, 1e-14);
        CHECK_CLOSE(lacus_neat_genome_distance(a, a, &c), 0.0, 1e-15);
        /* Speciation's bounded distance: exact below the bound, >= it above. */
        CHECK(lacus__neat_distance_bounded(a, b, &c, 2.3) == lacus_neat_genome_distance(a, b, &c));
        CHECK(lacus__neat_distance_bounded(a, b, &c, 1.0) >= 1.0);
        CHECK(lacus__neat_distance_bounded(a, b, &c, 2.275) >= 2.275);
        /* Paper, c1 = c2 = 1, c3 = 0.4: A's 3, 4 are disjoint (<= B's max 6),
         * B's 5, 6 excess (> A's max 4), mean |dw| over 1, 2 = 0.3, N = 1:
         * 2 + 2 + 0.12 = 4.12; with c1 = 2: 6.12. */
        c.distance = LACUS_NEAT_DISTANCE_PAPER;
        c.compatibility_weight_coefficient = 0.4;
        CHECK_CLOSE(lacus_neat_genome_distance(a, b, &c), 4.12, 1e-14);
        c.compatibility_excess_coefficient = 2.0;
        CHECK_CLOSE(lacus_neat_genome_distance(a, b, &c), 6.12, 1e-14);
        CHECK_CLOSE(lacus_neat_genome_distance(b, a, &c), 6.12, 1e-14);
        lacus_neat_genome_free(a);
        lacus_neat_genome_free(b);
        /* N = genes of the larger genome once one has 20 or more: 20 vs 22
         * genes, 2 excess, equal weights -> 2 / 22. */
        c.num_inputs = 30;
        c.compatibility_excess_coefficient = -1.0;
        neat_node n0 = node(0, 0.0);
        neat_conn big[22];
        for (int i = 0; i < 22; i++) big[i] = conn(-1 - i, 0, i + 1, 0.25, 1);
        a = build(&c, &n0, 1, big, 20);
        b = build(&c, &n0, 1, big, 22);
        CHECK_CLOSE(lacus_neat_genome_distance(a, b, &c), 2.0 / 22.0, 1e-15);
        /* neat-python on the same pair: nodes 0; links (0 + 1.0 * 2) / 22. */
        c.distance = LACUS_NEAT_DISTANCE_NEATPY;
        CHECK_CLOSE(lacus_neat_genome_distance(a, b, &c), 2.0 / 22.0, 1e-15);
        lacus_neat_genome_free(a);
        lacus_neat_genome_free(b);
    }
}

static double sig(double z) { return 1.0 / (1.0 + exp(-5.0 * z)); }

static void test_phenotypes(void)
{
    TEST("feed-forward and recurrent networks by hand")
    {
        lacus_neat_config c = lacus_neat_config_default();
        neat_node n[] = {node(0, 0.1), node(4, -0.2)};
        n[1].response = 2.0;
        neat_conn k[] = {conn(-1, 0, 1, 0.5, 1), conn(-2, 0, 2, 9.0, 0), conn(-1, 4, 3, 1.5, 1),
                         conn(-2, 4, 4, -0.7, 1), conn(4, 0, 5, 0.8, 1)};
        lacus_neat_genome *g = build(&c, n, 2, k, 5);
        lacus_neat_net *net = NULL;
        CHECK_STATUS(lacus_neat_net_create(g, &c, 0, &net, NULL), LACUS_OK);
        double in[2] = {0.3, -1.2}, y = 0;
        lacus_neat_net_activate(net, in, &y);
        double h = sig(-0.2 + 2.0 * (1.5 * 0.3 - 0.7 * -1.2));
        CHECK_CLOSE(y, sig(0.1 + 0.5 * 0.3 + 0.8 * h), 1e-15);
        lacus_neat_net_free(net);
        /* Recurrent: synchronous update from the previous values, leak 0.5
         * on the output. */
        g->nodes[0].leak = 0.5;
        CHECK_STATUS(lacus_neat_net_create(g, &c, 1, &net, NULL), LACUS_OK);
        lacus_neat_net_activate(net, in, &y);
        double o1 = 0.5 * sig(0.1 + 0.5 * 0.3), h1 = sig(-0.2 + 2.0 * (0.45 + 0.84));
        CHECK_CLOSE(y, o1, 1e-15);
        lacus_neat_net_activate(net, in, &y);
        CHECK_CLOSE(y, 0.5 * o1 + 0.5 * sig(0.1 + 0.5 * 0.3 + 0.8 * h1), 1e-15);
        lacus_neat_net_reset(net);
        lacus_neat_net_activate(net, in, &y);
        CHECK_CLOSE(y, o1, 1e-15);
        lacus_neat_net_free(net);
        /* A cycle cannot be a feed-forward net. */
        neat_conn cyc[] = {conn(-1, 4, 1, 1.0, 1), conn(4, 0, 2, 1.0, 1), conn(0, 4, 3, 1.0, 1)};
        lacus_neat_genome *g2 = build(&c, n, 2, cyc, 3);
        lacus_error e = {0};
        CHECK_STATUS(lacus_neat_net_create(g2, &c, 0, &net, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "cycle") != NULL);
        CHECK(lacus__neat_creates_cycle(g, 0, 4) && !lacus__neat_creates_cycle(g, -2, 0));
        CHECK(lacus__neat_creates_cycle(g, 4, 4));
        lacus_neat_genome_free(g2);
        lacus_neat_genome_free(g);
        /* neat-python's activations at a few points. */
        CHECK_CLOSE(lacus_neat_act_apply(LACUS_NEAT_ACT_TANH, 0.3), tanh(0.75), 1e-15);
        CHECK_CLOSE(lacus_neat_act_apply(LACUS_NEAT_ACT_SIGMOID, 100.0), 1.0 / (1.0 + exp(-60.0)), 1e-15);
        CHECK_CLOSE(lacus_neat_act_apply(LACUS_NEAT_ACT_GAUSS, 5.0), exp(-5.0 * 3.4 * 3.4), 1e-15);
        CHECK_CLOSE(lacus_neat_act_apply(LACUS_NEAT_ACT_INV, 0.0), 0.0, 0);
    }
}

/* Runs n generations of XOR; returns the population. */
static lacus_neat *xor_run(const lacus_neat_config *c, uint64_t seed, int64_t gens)
{
    lacus_neat *p = NULL;
    lacus_error e = {0};
    if (lacus_neat_create(c, seed, &p, &e)) return fprintf(stderr, "%s\n", e.msg), NULL;
    lacus_neat_run_opts o = lacus_neat_run_opts_default();
    o.n_generations = gens;
    if (lacus_neat_run(p, lacus_neat_fitness_xor, (void *)c, &o, NULL))
        fprintf(stderr, "%s\n", lacus_neat_errmsg(p));
    return p;
}

static int same_genome(const lacus_neat_genome *a, const lacus_neat_genome *b)
{
    if (a->key != b->key || a->n_nodes != b->n_nodes || a->n_conns != b->n_conns) return 0;
    if (memcmp(a->nodes, b->nodes, (size_t)a->n_nodes * sizeof *a->nodes)) return 0;
    for (int64_t i = 0; i < a->n_conns; i++) {
        const neat_conn *x = &a->conns[i], *y = &b->conns[i];
        if (x->in != y->in || x->out != y->out || x->innovation != y->innovation ||
            memcmp(&x->weight, &y->weight, sizeof x->weight) || x->enabled != y->enabled)
            return 0;
    }
    return 1;
}

static int same_run(const lacus_neat *a, const lacus_neat *b)
{
    if (a->n_hist != b->n_hist || a->n_pop != b->n_pop || a->generation != b->generation) return 0;
    for (int64_t i = 0; i < a->n_hist; i++) {
        const lacus_neat_gen_stats *x = &a->hist[i], *y = &b->hist[i];
        if (x->generation != y->generation || x->best != y->best || x->mean != y->mean ||
            x->stdev != y->stdev || x->n_species != y->n_species || x->mean_nodes != y->mean_nodes ||
            x->mean_conns != y->mean_conns || x->best_nodes != y->best_nodes ||
            x->best_conns != y->best_conns || x->evaluations != y->evaluations || x->solved != y->solved)
            return 0;
    }
    for (int64_t i = 0; i < a->n_pop; i++)
        if (!same_genome(a->pop[i], b->pop[i])) return 0;
    return same_genome(a->best, b->best);
}

static void test_determinism_and_resume(void)
{
    TEST("same seed, 1 and 2 threads; exact resume")
    {
        lacus_neat_config c = lacus_neat_config_default();
        c.fitness_threshold = 10.0; /* never solved: every generation reproduces */
        omp_set_num_threads(1);
        lacus_neat *p1 = xor_run(&c, 11, 12);
        omp_set_num_threads(2);
        lacus_neat *p2 = xor_run(&c, 11, 12);
        lacus_neat *p3 = xor_run(&c, 12, 12);
        CHECK(p1 && p2 && p3);
        if (p1 && p2 && p3) {
            CHECK(p1->n_hist == 12 && p1->generation == 12);
            CHECK(same_run(p1, p2));
            CHECK(!same_run(p1, p3)); /* another seed, another run */
            CHECK(p1->hist[11].best > p1->hist[0].best);
        }
        /* Stop after 5 generations, save, load, go on for 7: the same run. */
        lacus_neat *q = xor_run(&c, 11, 5), *r = NULL;
        lacus_error e = {0};
        const char *path = fx_tmp_path("neat_ckpt.txt");
        CHECK_STATUS(lacus_neat_save(q, path, &e), LACUS_OK);
        CHECK_STATUS(lacus_neat_load(path, &r, &e), LACUS_OK);
        if (r) {
            lacus_neat_run_opts o = lacus_neat_run_opts_default();
            o.n_generations = 7;
            CHECK_STATUS(lacus_neat_run(r, lacus_neat_fitness_xor, &c, &o, NULL), LACUS_OK);
            CHECK(p1 && same_run(p1, r));
        }
        /* Checkpoints written by run every 4 generations, and one resumed. */
        lacus_neat_free(q);
        lacus_neat_free(r);
        r = NULL;
        CHECK_STATUS(lacus_neat_create(&c, 11, &q, &e), LACUS_OK);
        lacus_neat_run_opts o = lacus_neat_run_opts_default();
        o.n_generations = 9;
        o.checkpoint_every = 4;
        char prefix[1024];
        snprintf(prefix, sizeof prefix, "%s", fx_tmp_path("neat-ckpt-"));
        o.checkpoint_prefix = prefix;
        CHECK_STATUS(lacus_neat_run(q, lacus_neat_fitness_xor, &c, &o, NULL), LACUS_OK);
        char p8[1100];
        snprintf(p8, sizeof p8, "%s8", prefix);
        CHECK_STATUS(lacus_neat_load(p8, &r, &e), LACUS_OK);
        if (r) {
            CHECK(r->generation == 8 && r->n_hist == 8);
            o.n_generations = 4;
            o.checkpoint_every = 0;
            CHECK_STATUS(lacus_neat_run(r, lacus_neat_fitness_xor, &c, &o, NULL), LACUS_OK);
            CHECK(p1 && same_run(p1, r));
        }
        lacus_neat_free(q);
        lacus_neat_free(r);
        lacus_neat_free(p1);
        lacus_neat_free(p2);
        lacus_neat_free(p3);
    }
}

static lacus_status nan_fitness(const lacus_neat_genome *g, void *u, uint64_t s, double *f,
                                lacus_error *e)
{
    *f = g->key == 7 ? NAN : 1.0;
    return LACUS_OK;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) fputs(text, f), fclose(f);
}

/* Two configs are the same when they write the same INI text (every key,
 * doubles with 17 digits); memcmp would also compare padding bytes. */
static int same_cfg(const lacus_neat_config *a, const lacus_neat_config *b)
{
    char *ta = NULL, *tb = NULL;
    lacus_neat_config_write(a, &ta, NULL);
    lacus_neat_config_write(b, &tb, NULL);
    int same = ta && tb && !strcmp(ta, tb);
    lacus_free(ta);
    lacus_free(tb);
    return same;
}

static void test_bad_input(void)
{
    TEST("config and checkpoint errors")
    {
        lacus_neat_config c = lacus_neat_config_default(), d;
        lacus_error e = {0};
        char path[2048];
        snprintf(path, sizeof path, "%s/evolve/xor.ini", fx_dir());
        d = lacus_neat_config_default();
        d.pop_size = 7;
        CHECK_STATUS(lacus_neat_config_load(path, &d, &e), LACUS_OK);
        CHECK(d.pop_size == 150 && d.weight.mutate_rate == 0.8 && d.max_stagnation == 20);
        CHECK(d.initial_connection == LACUS_NEAT_CONN_FULL_DIRECT && d.feed_forward == 1);
        /* A written config reads back to the same struct. */
        char *txt = NULL;
        d.distance = LACUS_NEAT_DISTANCE_PAPER;
        d.initial_connection = LACUS_NEAT_CONN_PARTIAL_DIRECT;
        d.connection_fraction = 0.25;
        d.activation_options = 3;
        d.activation_default = -1;
        CHECK_STATUS(lacus_neat_config_write(&d, &txt, &e), LACUS_OK);
        lacus_neat_config back = lacus_neat_config_default();
        CHECK_STATUS(lacus_neat_config_parse(txt, "written", &back, &e), LACUS_OK);
        CHECK(same_cfg(&back, &d));
        CHECK(!same_cfg(&back, &c));
        lacus_free(txt);
        static const struct { const char *text, *needle; } bad[] = {
            {"[NEAT]\npop_sise = 10\n", "unknown key \"pop_sise\""},
            {"[DefaultGenome]\npop_size = 10\n", "belongs in [NEAT]"},
            {"[NEAT]\npop_size = 10\npop_size = 20\n", "given twice"},
            {"[Foo]\n", "unknown section [Foo]"},
            {"pop_size = 3\n", "before any [section]"},
            {"[NEAT]\npop_size = ten\n", "not an integer"},
            {"[DefaultGenome]\nweight_min_value = 5\nweight_max_value = 1\n", "weight_min_value = 5 > weight_max_value = 1"},
            {"[DefaultGenome]\nactivation_default = tanh\n", "activation_default = tanh is not among activation_options"},
            {"[DefaultReproduction]\nelitism = 150\n", "elites would fill"},
            {"[DefaultGenome]\ninitial_connection = partial_direct\n", "needs a fraction"},
            {"[DefaultGenome]\nfeed_forward = maybe\n", "not a boolean"},
            {"[DefaultGenome]\nconn_add_prob = 1.5\n", "conn_add_prob = 1.5"},
            {"[DefaultGenome]\nbias_init_mean = nan\n", "not finite"},
        };
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            d = lacus_neat_config_default();
            memset(&e, 0, sizeof e);
            CHECK(lacus_neat_config_parse(bad[i].text, "t.ini", &d, &e) != LACUS_OK);
            if (!strstr(e.msg, bad[i].needle)) fprintf(stderr, "case %zu: message \"%s\"\n", i, e.msg);
            CHECK(strstr(e.msg, bad[i].needle) != NULL);
            CHECK(same_cfg(&d, &c)); /* untouched on error */
        }
        /* A NaN fitness stops the run naming the genome. */
        lacus_neat *p = NULL;
        c.pop_size = 10;
        CHECK_STATUS(lacus_neat_create(&c, 1, &p, &e), LACUS_OK);
        CHECK_STATUS(lacus_neat_step(p, nan_fitness, NULL, NULL, NULL), LACUS_ERR_NUMERIC);
        CHECK(strstr(lacus_neat_errmsg(p), "genome 7") && strstr(lacus_neat_errmsg(p), "not finite"));
        lacus_neat_free(p);
        /* Checkpoints: another version, not a checkpoint, truncated. */
        const char *ck = fx_tmp_path("bad_ckpt.txt");
        lacus_neat *q = NULL;
        write_text(ck, "lacus-neat-checkpoint 2\nconfig 3\nabc");
        CHECK_STATUS(lacus_neat_load(ck, &q, &e), LACUS_ERR_FORMAT);
        CHECK(strstr(e.msg, "version 2") != NULL);
        write_text(ck, "hello\n");
        CHECK_STATUS(lacus_neat_load(ck, &q, &e), LACUS_ERR_FORMAT);
        CHECK(strstr(e.msg, "not a lacus NEAT checkpoint") != NULL);
        p = xor_run(&c, 3, 2);
        CHECK_STATUS(lacus_neat_save(p, ck, &e), LACUS_OK);
        char *buf = NULL;
        size_t len = 0;
        FILE *f = fopen(ck, "rb");
        if (f) {
            buf = malloc(1 << 20);
            len = fread(buf, 1, 1 << 20, f);
            fclose(f);
        }
        f = fopen(ck, "wb");
        if (f && buf) fwrite(buf, 1, len / 2, f), fclose(f);
        free(buf);
        CHECK_STATUS(lacus_neat_load(ck, &q, &e), LACUS_ERR_FORMAT);
        CHECK(q == NULL);
        lacus_neat_free(p);
    }
}

/* Random corruptions of a checkpoint and of a config: every one is read
 * back or refused with LACUS_ERR_FORMAT, never a crash (the sanitizer build
 * checks memory). */
static void test_corruption(void)
{
    TEST("corrupted checkpoints and configs")
    {
        lacus_neat_config c = lacus_neat_config_default();
        c.pop_size = 8;
        lacus_neat *p = xor_run(&c, 5, 3);
        const char *ck = fx_tmp_path("corrupt_src.ckpt"), *bad = fx_tmp_path("corrupt.ckpt");
        lacus_error e = {0};
        CHECK_STATUS(lacus_neat_save(p, ck, &e), LACUS_OK);
        lacus_neat_free(p);
        FILE *f = fopen(ck, "rb");
        static char orig[1 << 16], buf[1 << 16];
        size_t len = f ? fread(orig, 1, sizeof orig - 1, f) : 0;
        if (f) fclose(f);
        CHECK(len > 1000 && len < sizeof orig - 1);
        lacus__rng r;
        lacus__rng_seed(&r, 42);
        int ok = 0, fmt = 0, other = 0;
        static const char junk[] = "-0x1p+99 nan 9e999 \n z";
        for (int it = 0; it < 400; it++) {
            memcpy(buf, orig, len);
            size_t n = len;
            int edits = 1 + (int)lacus__rng_below(&r, 4);
            for (int k = 0; k < edits; k++) {
                size_t at = (size_t)lacus__rng_below(&r, n);
                if (lacus__rng_below(&r, 5) == 0) n = at; /* truncate */
                else buf[at] = junk[lacus__rng_below(&r, sizeof junk - 1)];
            }
            f = fopen(bad, "wb");
            if (f) fwrite(buf, 1, n, f), fclose(f);
            lacus_neat *q = NULL;
            lacus_status st = lacus_neat_load(bad, &q, &e);
            if (st == LACUS_OK) {
                ok++;
                /* A file that loads must also run. */
                lacus_status s2 = lacus_neat_step(q, lacus_neat_fitness_xor, &c, NULL, NULL);
                CHECK(s2 == LACUS_OK || s2 == LACUS_ERR_NUMERIC || s2 == LACUS_ERR_ARG);
            } else if (st == LACUS_ERR_FORMAT)
                fmt++;
            else {
                other++;
                fprintf(stderr, "corruption %d: status %d: %s\n", it, (int)st, e.msg);
            }
            lacus_neat_free(q);
        }
        CHECK(other == 0 && fmt > 300);
        /* Configs: parse never crashes; results are OK or FORMAT/ARG. */
        char path[2048];
        snprintf(path, sizeof path, "%s/evolve/xor.ini", fx_dir());
        f = fopen(path, "rb");
        len = f ? fread(orig, 1, sizeof orig - 1, f) : 0;
        if (f) fclose(f);
        for (int it = 0; it < 400; it++) {
            memcpy(buf, orig, len);
            for (int k = 0; k < 3; k++) buf[lacus__rng_below(&r, len)] = junk[lacus__rng_below(&r, sizeof junk - 1)];
            buf[len] = 0;
            lacus_neat_config d = lacus_neat_config_default();
            lacus_status st = lacus_neat_config_parse(buf, "fuzz.ini", &d, &e);
            CHECK(st == LACUS_OK || st == LACUS_ERR_FORMAT || st == LACUS_ERR_ARG);
        }
    }
}

int main(void)
{
    test_innovations();
    test_crossover();
    test_distance();
    test_phenotypes();
    test_determinism_and_resume();
    test_bad_input();
    test_corruption();
    TEST_MAIN_END();
}
