/* Private structures of the NEAT module (src/evolve): genomes, the
 * innovation tracker, species, the population handle. */
#ifndef LACUS_EVOLVE_NEAT_INT_H
#define LACUS_EVOLVE_NEAT_INT_H

#include <stdint.h>

#include "core/rng.h"
#include "lacus.h"

typedef lacus_neat_node_gene neat_node;
typedef lacus_neat_conn_gene neat_conn;

/* Nodes sorted by key, connections sorted by innovation. */
struct lacus_neat_genome {
    int64_t key;
    double fitness;
    int has_fitness;
    int64_t n_nodes, cap_nodes;
    neat_node *nodes;
    int64_t n_conns, cap_conns;
    neat_conn *conns;
};

/* Innovation bookkeeping of one generation: identical structural mutations
 * (same (in, out, kind)) get the same number; splits of the same innovation
 * get the same new node key. Plain arrays with linear search: a generation
 * makes at most a few hundred structural mutations. */
enum { NEAT_INNOV_ADD_CONN = 0, NEAT_INNOV_SPLIT_IN = 1, NEAT_INNOV_SPLIT_OUT = 2,
       NEAT_INNOV_INITIAL = 3 };
typedef struct neat_innov_rec {
    int64_t in, out, kind, number;
} neat_innov_rec;
typedef struct neat_split_rec {
    int64_t innovation, node_key;
} neat_split_rec;
typedef struct neat_tracker {
    int64_t next_innovation; /* last number given */
    int64_t next_node;       /* next free hidden node key */
    neat_innov_rec *recs;
    int64_t n_recs, cap_recs;
    neat_split_rec *splits;
    int64_t n_splits, cap_splits;
} neat_tracker;

int64_t lacus__neat_innovation(neat_tracker *t, int64_t in, int64_t out, int kind, int *nomem);
int64_t lacus__neat_split_node(neat_tracker *t, int64_t innovation, int *nomem);
void lacus__neat_tracker_new_generation(neat_tracker *t);
void lacus__neat_tracker_free(neat_tracker *t);

/* Genome operations (genome.c / mutate.c). Randomness only from r. */
lacus_neat_genome *lacus__neat_genome_new(int64_t key);
lacus_status lacus__neat_genome_add_node(lacus_neat_genome *g, const neat_node *n);
lacus_status lacus__neat_genome_add_conn(lacus_neat_genome *g, const neat_conn *c);
neat_node *lacus__neat_find_node(const lacus_neat_genome *g, int64_t key);
neat_conn *lacus__neat_find_conn(const lacus_neat_genome *g, int64_t in, int64_t out);
void lacus__neat_remove_node(lacus_neat_genome *g, int64_t key);
void lacus__neat_remove_conn_at(lacus_neat_genome *g, int64_t i);
int lacus__neat_creates_cycle(const lacus_neat_genome *g, int64_t in, int64_t out);
void lacus__neat_node_init(neat_node *n, int64_t key, const lacus_neat_config *c, lacus__rng *r);
lacus_status lacus__neat_configure_new(lacus_neat_genome *g, const lacus_neat_config *c,
                                       neat_tracker *t, lacus__rng *r);
lacus_status lacus__neat_crossover(const lacus_neat_genome *p1, const lacus_neat_genome *p2,
                                   int64_t key, const lacus_neat_config *c, lacus__rng *r,
                                   lacus_neat_genome **out);
lacus_status lacus__neat_mutate(lacus_neat_genome *g, const lacus_neat_config *c,
                                neat_tracker *t, lacus__rng *r);
/* Structural mutations on their own (tests). */
lacus_status lacus__neat_mutate_add_node(lacus_neat_genome *g, const lacus_neat_config *c,
                                         neat_tracker *t, lacus__rng *r);
lacus_status lacus__neat_mutate_add_conn(lacus_neat_genome *g, const lacus_neat_config *c,
                                         neat_tracker *t, lacus__rng *r);
double lacus__neat_attr_init(const lacus_neat_attr *a, lacus__rng *r);
double lacus__neat_attr_mutate(const lacus_neat_attr *a, double v, lacus__rng *r);

typedef struct neat_species {
    int64_t key, created, last_improved;
    lacus_neat_genome *rep;     /* a copy of the representative */
    int64_t *members;           /* indices into the population */
    int64_t n_members, cap_members;
    double fitness;
    double *history;            /* species fitness per generation */
    int64_t n_history, cap_history;
} neat_species;

typedef struct neat_hist_species {
    int64_t id, size;
    double best;
} neat_hist_species;

struct lacus_neat {
    lacus_neat_config cfg;
    uint64_t seed;
    lacus__rng rng;             /* reproduction's generator (single, sequential) */
    int64_t generation;
    int64_t next_genome_key;
    int64_t next_species_key;
    int64_t evaluations;
    neat_tracker tracker;
    lacus_neat_genome **pop;
    int64_t n_pop;
    neat_species *species;
    int64_t n_species, cap_species;
    lacus_neat_genome *best;
    lacus_neat_gen_stats *hist;
    int64_t n_hist, cap_hist;
    neat_hist_species **hist_sp; /* per history entry */
    int64_t *hist_nsp;
    char errmsg[LACUS_ERRMSG_SIZE];
};

lacus_status lacus__neat_speciate(lacus_neat *p, lacus_error *err);
/* The distance when it is below bound, else a number >= bound (genome.c). */
double lacus__neat_distance_bounded(const lacus_neat_genome *a, const lacus_neat_genome *b,
                                    const lacus_neat_config *c, double bound);
void lacus__neat_species_clear(neat_species *s);
lacus_status lacus__neat_hist_push(lacus_neat *p, const lacus_neat_gen_stats *s, lacus_error *err);

/* Phenotype activation helpers shared by net.c and reservoir.c. */
double lacus__neat_aggregate(lacus_neat_agg a, const double *v, int64_t n, double *scratch);

/* The node values of a network: n_in inputs then one per genome node. */
const double *lacus__neat_net_values(const lacus_neat_net *n, int64_t *n_in, int64_t *n_nodes);

/* Grows an array (doubling) so that it holds at least need elements. */
int lacus__neat_grow(void **ptr, int64_t *cap, int64_t need, size_t elem);

/* MPI evaluation (dist_eval.c): this rank's block [*i0, *i1) of n genomes
 * (all of them on one rank), and the collective that gathers every
 * genome's fitness into p->pop after each rank evaluated its block; a
 * failure on any rank (local_st) fails every rank with the message of the
 * lowest failing rank. */
void lacus__neat_block(int64_t n, int64_t *i0, int64_t *i1);
lacus_status lacus__neat_gather(lacus_neat *p, int64_t i0, int64_t i1, lacus_status local_st,
                                lacus_error *err);

#endif
