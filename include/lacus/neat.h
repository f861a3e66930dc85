/* lacus/neat.h — topology evolution (NEAT) of feed-forward, recurrent and
 * reservoir networks. Part of the public API: include <lacus.h>, which
 * includes this file; the conventions of lacus.h hold here. */
#ifndef LACUS_NEAT_H
#define LACUS_NEAT_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/neat.h>"
#endif

/* ------------------------------------------------------------------------ */
/* NEAT: NeuroEvolution of Augmenting Topologies                            */
/* ------------------------------------------------------------------------ */

/*
 * Stanley & Miikkulainen, Evolutionary Computation 10(2):99-127, 2002, with
 * the conventions and configuration keys of neat-python 2.0 (docs/neat.md
 * lists every key and every difference).
 *
 * Genome: node genes {key, bias, response, activation, aggregation, leak}
 * and connection genes {in, out, weight, enabled, innovation}. Inputs have
 * keys -1..-n_inputs, outputs 0..n_outputs-1, hidden nodes larger keys.
 * A global innovation counter numbers every new connection gene; within one
 * generation an identical structural mutation (same in->out link added, or
 * the same link split) receives the same innovation number, and a split of
 * the same link the same new node key, so that crossover can align them.
 *
 * Node output (neat-python's DefaultNodeGene):
 *   y_i = act_i(bias_i + response_i * agg_i({w_ij y_j : enabled j->i}))
 * Feed-forward phenotype: nodes evaluated in topological order, only those
 * needed by an output. Recurrent phenotype (neat-python RecurrentNetwork):
 *   y_i(t+1) = (1 - leak_i) y_i(t) + leak_i act_i(bias_i + response_i agg_i(w_ij y_j(t)))
 * synchronously (double-buffered), one step per activate call; with leak 1
 * (the default, not mutated) it is exactly neat-python's.
 *
 * One generation (neat-python's Population.run): evaluate every genome (in
 * parallel; deterministic whatever the thread count), stop when the
 * fitness criterion reaches the threshold; else stagnation (species not
 * improving for max_stagnation generations stop reproducing, species_elitism
 * best species spared), explicit fitness sharing (a species' share is its
 * mean fitness = sum of f_i/|species|, shifted by the population's minimum),
 * offspring per species as neat-python's compute_spawn, elitism, the best
 * survival_threshold fraction of each species mates; children by crossover
 * aligned on innovation numbers and mutation; speciation by compatibility
 * distance against representatives.
 */

typedef enum lacus_neat_distance {
    /* neat-python: node term + connection term, each
     *   (sum_homologous c_w d + c_disjoint #disjoint) / max(#genes)
     * with d = |dw| + [enabled differs] (connections, aligned on (in,out))
     * or |dbias| + |dresponse| + [activation differs] + [aggregation
     * differs] (nodes, aligned on key). */
    LACUS_NEAT_DISTANCE_NEATPY = 0,
    /* Stanley & Miikkulainen 2002: delta = c1 E/N + c2 D/N + c3 mean|dw|
     * over connection genes aligned on innovation; E excess, D disjoint,
     * N = genes in the larger genome, N = 1 when both have fewer than 20.
     * c1 = compatibility_excess_coefficient, c2 =
     * compatibility_disjoint_coefficient, c3 =
     * compatibility_weight_coefficient. */
    LACUS_NEAT_DISTANCE_PAPER = 1
} lacus_neat_distance;

typedef enum lacus_neat_init_conn {
    LACUS_NEAT_CONN_UNCONNECTED = 0,
    LACUS_NEAT_CONN_FS_NEAT_NOHIDDEN, /* one random input to every output ("fs_neat") */
    LACUS_NEAT_CONN_FS_NEAT_HIDDEN,   /* one random input to every hidden and output */
    LACUS_NEAT_CONN_FULL_NODIRECT,    /* "full": inputs->hidden->outputs (direct if no hidden) */
    LACUS_NEAT_CONN_FULL_DIRECT,      /* full plus input->output */
    LACUS_NEAT_CONN_PARTIAL_NODIRECT, /* a connection_fraction of full_nodirect */
    LACUS_NEAT_CONN_PARTIAL_DIRECT    /* a connection_fraction of full_direct */
} lacus_neat_init_conn;

/* neat-python's activation functions (neat/activations.py), same formulas:
 * sigmoid 1/(1+e^-5z) and tanh(2.5z) with 5z / 2.5z clamped to [-60, 60]. */
typedef enum lacus_neat_act {
    LACUS_NEAT_ACT_SIGMOID = 0, LACUS_NEAT_ACT_TANH, LACUS_NEAT_ACT_SIN, LACUS_NEAT_ACT_GAUSS,
    LACUS_NEAT_ACT_RELU, LACUS_NEAT_ACT_ELU, LACUS_NEAT_ACT_LELU, LACUS_NEAT_ACT_SELU,
    LACUS_NEAT_ACT_SOFTPLUS, LACUS_NEAT_ACT_IDENTITY, LACUS_NEAT_ACT_CLAMPED, LACUS_NEAT_ACT_INV,
    LACUS_NEAT_ACT_LOG, LACUS_NEAT_ACT_EXP, LACUS_NEAT_ACT_ABS, LACUS_NEAT_ACT_HAT,
    LACUS_NEAT_ACT_SQUARE, LACUS_NEAT_ACT_CUBE,
    LACUS_NEAT_ACT_COUNT
} lacus_neat_act;

typedef enum lacus_neat_agg {
    LACUS_NEAT_AGG_SUM = 0, LACUS_NEAT_AGG_PRODUCT, LACUS_NEAT_AGG_MAX, LACUS_NEAT_AGG_MIN,
    LACUS_NEAT_AGG_MAXABS, LACUS_NEAT_AGG_MEDIAN, LACUS_NEAT_AGG_MEAN,
    LACUS_NEAT_AGG_COUNT
} lacus_neat_agg;

const char *lacus_neat_act_name(lacus_neat_act a);
const char *lacus_neat_agg_name(lacus_neat_agg a);
/* Applies an activation to z (for tests and tools). */
double lacus_neat_act_apply(lacus_neat_act a, double z);

/* A float gene attribute (neat-python's FloatAttribute, keys <name>_init_mean,
 * _init_stdev, _init_type, _min_value, _max_value, _mutate_rate,
 * _mutate_power, _replace_rate). Mutation: r = U[0,1); r < mutate_rate:
 * clamp(v + N(0, mutate_power)); else r < mutate_rate + replace_rate: a
 * fresh initial value; else v. Initial value: gaussian clamp(N(mean, stdev))
 * or uniform on [max(min, mean-2 stdev), min(max, mean+2 stdev)]. */
typedef struct lacus_neat_attr {
    double init_mean, init_stdev, min_value, max_value, mutate_rate, mutate_power, replace_rate;
    int init_uniform; /* 0 gaussian, 1 uniform */
} lacus_neat_attr;

typedef enum lacus_neat_criterion {
    LACUS_NEAT_CRIT_MAX = 0, LACUS_NEAT_CRIT_MIN = 1, LACUS_NEAT_CRIT_MEAN = 2,
    LACUS_NEAT_CRIT_MEDIAN = 3 /* species_fitness_func only */
} lacus_neat_criterion;

/* Every field has the neat-python key of the same name (section in
 * brackets); lacus_neat_config_default() gives neat-python's XOR example
 * configuration (examples/xor/config-feedforward), which is also the
 * meaning of a key absent from a file. */
typedef struct lacus_neat_config {
    /* [NEAT] */
    int64_t pop_size;                     /* >= 2 */
    lacus_neat_criterion fitness_criterion; /* max | min | mean */
    double fitness_threshold;
    int reset_on_extinction;
    int no_fitness_termination;
    /* [DefaultGenome] */
    int64_t num_inputs, num_outputs, num_hidden;
    int feed_forward;
    lacus_neat_init_conn initial_connection;
    double connection_fraction;           /* partial_*: in [0, 1] */
    double compatibility_disjoint_coefficient, compatibility_weight_coefficient;
    double compatibility_excess_coefficient; /* paper convention only; < 0: "auto" = disjoint */
    lacus_neat_distance distance;         /* key compatibility_convention = neat-python | paper */
    double conn_add_prob, conn_delete_prob, node_add_prob, node_delete_prob;
    int single_structural_mutation;       /* default True: neat-python 2.0.0's effective value
                                             when the key is absent (docs/neat.md) */
    int structural_mutation_surer;        /* 0 false, 1 true, 2 default (= single_structural_mutation) */
    lacus_neat_attr bias, response, weight;
    lacus_neat_attr leak;                 /* lacus extension (leak_*): default 1, not mutated */
    uint32_t activation_options;          /* bit mask of lacus_neat_act */
    int activation_default;               /* a lacus_neat_act, or -1 = random */
    double activation_mutate_rate;
    uint32_t aggregation_options;         /* bit mask of lacus_neat_agg */
    int aggregation_default;              /* a lacus_neat_agg, or -1 = random */
    double aggregation_mutate_rate;
    int enabled_default;                  /* 1 true, 0 false, -1 random */
    double enabled_mutate_rate, enabled_rate_to_true_add, enabled_rate_to_false_add;
    /* [DefaultSpeciesSet] */
    double compatibility_threshold;       /* > 0 */
    /* [DefaultStagnation] */
    lacus_neat_criterion species_fitness_func; /* max | min | mean | median */
    int64_t max_stagnation, species_elitism;
    /* [DefaultReproduction] */
    int64_t elitism;
    double survival_threshold;            /* (0, 1] */
    int64_t min_species_size;             /* >= 1 */
    /* lacus extensions ([lacus] section) */
    double crossover_disable_prob;        /* gene disabled in either parent -> child: 0.75 */
    int64_t max_nodes;                    /* add-node refused beyond this many non-input nodes (0: no cap) */
    int reservoir;                        /* reservoir genomes: every node is a unit that may
                                             feed any other (outputs included) and any node but
                                             the last may be deleted; default False */
} lacus_neat_config;

lacus_neat_config lacus_neat_config_default(void);
/* Checks every field and the combinations (min <= max, an activation_default
 * among the options, elitism < pop_size, ...); messages name the key. */
lacus_status lacus_neat_config_check(const lacus_neat_config *c, lacus_error *err);
/* Parses neat-python's INI text over the current contents of *c (start from
 * lacus_neat_config_default()). Unknown sections or keys, keys in the wrong
 * section, repeated keys and bad values are errors naming the line; the
 * result is checked with lacus_neat_config_check. */
lacus_status lacus_neat_config_parse(const char *text, const char *source_name,
                                     lacus_neat_config *c, lacus_error *err);
lacus_status lacus_neat_config_load(const char *path, lacus_neat_config *c, lacus_error *err);
/* Writes every key as an INI text (what a checkpoint stores). *out is
 * lacus_free'd by the caller. */
lacus_status lacus_neat_config_write(const lacus_neat_config *c, char **out, lacus_error *err);

/* --- genomes (read-only views; owned by the population or by a copy) ----- */

typedef struct lacus_neat_genome lacus_neat_genome;

typedef struct lacus_neat_node_gene {
    int64_t key;
    double bias, response, leak;
    lacus_neat_act activation;
    lacus_neat_agg aggregation;
} lacus_neat_node_gene;

typedef struct lacus_neat_conn_gene {
    int64_t in, out, innovation;
    double weight;
    int enabled;
} lacus_neat_conn_gene;

int64_t lacus_neat_genome_key(const lacus_neat_genome *g);
double lacus_neat_genome_fitness(const lacus_neat_genome *g);
int64_t lacus_neat_genome_n_nodes(const lacus_neat_genome *g); /* outputs + hidden */
int64_t lacus_neat_genome_n_conns(const lacus_neat_genome *g); /* enabled and disabled */
int64_t lacus_neat_genome_n_enabled(const lacus_neat_genome *g);
/* i-th node (ascending key) / connection (ascending innovation). */
lacus_neat_node_gene lacus_neat_genome_node(const lacus_neat_genome *g, int64_t i);
lacus_neat_conn_gene lacus_neat_genome_conn(const lacus_neat_genome *g, int64_t i);
/* Compatibility distance under c->distance. */
double lacus_neat_genome_distance(const lacus_neat_genome *a, const lacus_neat_genome *b,
                                  const lacus_neat_config *c);
/* Builds a genome from explicit genes (tests, hand-made networks). Nodes
 * must have distinct keys >= 0; connections distinct innovations and
 * (in, out) pairs, in < 0 only for inputs. */
lacus_status lacus_neat_genome_build(const lacus_neat_config *c, const lacus_neat_node_gene *nodes,
                                     int64_t n_nodes, const lacus_neat_conn_gene *conns,
                                     int64_t n_conns, lacus_neat_genome **out, lacus_error *err);
lacus_status lacus_neat_genome_copy(const lacus_neat_genome *g, lacus_neat_genome **out,
                                    lacus_error *err);
void lacus_neat_genome_free(lacus_neat_genome *g);
/* Writes the genome as a Graphviz DOT graph (inputs, hidden, outputs;
 * disabled links dashed), atomically; with png_path also renders it with
 * `dot -Tpng` (Debian package graphviz; LACUS_ERR_UNSUPPORTED without). */
lacus_status lacus_neat_genome_write_dot(const lacus_neat_genome *g, const lacus_neat_config *c,
                                         const char *dot_path, const char *png_path,
                                         lacus_error *err);

/* --- phenotypes ---------------------------------------------------------- */

typedef struct lacus_neat_net lacus_neat_net;
/* recurrent = 0: feed-forward (fails with LACUS_ERR_ARG if the enabled links
 * form a cycle); 1: recurrent, state 0 after create/reset. */
lacus_status lacus_neat_net_create(const lacus_neat_genome *g, const lacus_neat_config *c,
                                   int recurrent, lacus_neat_net **out, lacus_error *err);
void lacus_neat_net_free(lacus_neat_net *n);
void lacus_neat_net_reset(lacus_neat_net *n);
/* in (num_inputs) -> out (num_outputs). Never fails on finite input. */
void lacus_neat_net_activate(lacus_neat_net *n, const double *in, double *out);

/* --- populations --------------------------------------------------------- */

/* Fitness of one genome. Called from several threads at once (one genome
 * per call); must only read g and user. eval_seed is a number unique to
 * (run seed, generation, genome index) for fitness functions that draw
 * random numbers (initial states, noise): using it, instead of any shared
 * generator, keeps a run the same whatever the thread count. A non-finite
 * fitness stops the run with LACUS_ERR_NUMERIC naming the genome. */
typedef lacus_status (*lacus_neat_fitness_fn)(const lacus_neat_genome *g, void *user,
                                              uint64_t eval_seed, double *fitness,
                                              lacus_error *err);

typedef struct lacus_neat lacus_neat;

/* A new population of pop_size genomes (generation 0, speciated). The
 * config is copied (and checked). */
lacus_status lacus_neat_create(const lacus_neat_config *c, uint64_t seed, lacus_neat **out,
                               lacus_error *err);
void lacus_neat_free(lacus_neat *p);
const char *lacus_neat_errmsg(const lacus_neat *p);
const lacus_neat_config *lacus_neat_get_config(const lacus_neat *p);

/* Statistics of one evaluated generation. */
typedef struct lacus_neat_gen_stats {
    int64_t generation;
    double best, mean, stdev;    /* fitness over the population */
    int64_t n_species;
    double mean_nodes, mean_conns; /* genome size (nodes = outputs + hidden; enabled links) */
    int64_t best_nodes, best_conns;
    int64_t evaluations;         /* cumulative genomes evaluated */
    int solved;                  /* the fitness criterion reached the threshold */
} lacus_neat_gen_stats;

/* Under mpirun (lacus_dist_init started MPI with K > 1 ranks) every rank
 * must make the same population (same config and seed) and call step/run
 * together: rank r evaluates genomes [n r/K, n (r+1)/K) and the fitnesses
 * are gathered to every rank (MPI_Allgatherv), so each rank continues with
 * the same population and the run equals the 1-rank run for the same seed.
 * A fitness error on any rank fails every rank with that rank's message;
 * only rank 0 writes checkpoints. Threads still share each rank's block. */

/* One generation: evaluate, record statistics (*stats may be NULL), then
 * (unless solved) reproduce and speciate. Sets *done when solved. After
 * complete extinction without reset_on_extinction: LACUS_ERR_STATE. */
lacus_status lacus_neat_step(lacus_neat *p, lacus_neat_fitness_fn fn, void *user,
                             lacus_neat_gen_stats *stats, int *done);

/* Calls step until solved or n_generations were evaluated; with
 * checkpoint_every > 0 and a checkpoint_prefix, saves
 * "<prefix><generation>" after every K-th reproduction. progress (may be
 * NULL) is called after every generation. */
typedef void (*lacus_neat_progress_fn)(const lacus_neat_gen_stats *s, void *user);
typedef struct lacus_neat_run_opts {
    int64_t n_generations;      /* >= 1; default 300 */
    int64_t checkpoint_every;   /* 0: none */
    const char *checkpoint_prefix;
    lacus_neat_progress_fn progress;
    void *progress_user;
} lacus_neat_run_opts;
lacus_neat_run_opts lacus_neat_run_opts_default(void);
lacus_status lacus_neat_run(lacus_neat *p, lacus_neat_fitness_fn fn, void *user,
                            const lacus_neat_run_opts *o, int *solved);

/* The generation about to be evaluated; the number of evaluated ones whose
 * statistics are kept (lacus_neat_history fills stats for index i < n). */
int64_t lacus_neat_generation(const lacus_neat *p);
int64_t lacus_neat_history_len(const lacus_neat *p);
lacus_status lacus_neat_history(const lacus_neat *p, int64_t i, lacus_neat_gen_stats *s);
/* Species sizes and best fitness of evaluated generation i: fills up to
 * cap entries of ids/sizes/best (any may be NULL) and returns the count. */
int64_t lacus_neat_history_species(const lacus_neat *p, int64_t i, int64_t *ids, int64_t *sizes,
                                   double *best, int64_t cap);
/* The best genome ever evaluated (NULL before the first step); owned by p. */
const lacus_neat_genome *lacus_neat_best(const lacus_neat *p);
int64_t lacus_neat_pop_size(const lacus_neat *p);
const lacus_neat_genome *lacus_neat_member(const lacus_neat *p, int64_t i);

/* Checkpoints: a text file (format "lacus-neat-checkpoint 1") holding the
 * configuration, the population, species, counters, history and the RNG
 * state, with every double in hexadecimal (%a) so that a resumed run is
 * bit-for-bit the uninterrupted one. Written atomically. Loading checks the
 * header and version (LACUS_ERR_FORMAT naming them) and every record. */
lacus_status lacus_neat_save(const lacus_neat *p, const char *path, lacus_error *err);
lacus_status lacus_neat_load(const char *path, lacus_neat **out, lacus_error *err);

/* Figures of the run so far through gnuplot (PNG): best and mean fitness
 * per generation with each species' best, species sizes stacked, genome
 * size (mean and best nodes and links) over generations. */
lacus_status lacus_neat_plot(const lacus_neat *p, const char *png_path, lacus_error *err);

/* --- tasks --------------------------------------------------------------- */

/* XOR (neat-python's example): fitness 4 - sum (out - xor)^2 over the 4
 * patterns, feed-forward net; 2 inputs, 1 output; solved at 3.9. */
lacus_status lacus_neat_fitness_xor(const lacus_neat_genome *g, void *config, uint64_t eval_seed,
                                    double *fitness, lacus_error *err);

/* Pole balancing on a cart (Wieland 1991 equations as in Stanley &
 * Miikkulainen 2002 and Gomez's ESP code): force +-10 N, track +-2.4 m,
 * poles fail beyond 12 deg (single) / 36 deg (double); cart 1 kg, pole 0.1
 * kg half-length 0.5 m, second pole 0.01 kg half-length 0.05 m; RK4, dt
 * 0.01 s; no friction. Fitness = fraction of max_steps balanced (1 =
 * solved). Inputs: positions and velocities scaled (with velocities) or
 * positions only (without: the net is recurrent and must estimate them). */
typedef struct lacus_neat_pole_params {
    int n_poles;          /* 1 or 2 */
    int velocities;       /* 1 Markovian, 0 non-Markovian */
    int64_t max_steps;    /* default 100000 */
    double initial_angle; /* pole 1 start angle in rad; default 0.07 (4.01 deg) */
    int gruau;            /* double pole without velocities only: 1 = Gruau et al. (1996)'s
                             anti-jiggle fitness and the solution test of Stanley &
                             Miikkulainen 2002 (below); default 0 */
} lacus_neat_pole_params;
lacus_neat_pole_params lacus_neat_pole_params_default(void);
/* user: a lacus_neat_pole_params together with the config (see
 * lacus_neat_pole_task). */
typedef struct lacus_neat_pole_task {
    lacus_neat_pole_params pole;
    const lacus_neat_config *config;
} lacus_neat_pole_task;
lacus_status lacus_neat_fitness_pole(const lacus_neat_genome *g, void *task, uint64_t eval_seed,
                                     double *fitness, lacus_error *err);
/* Number of inputs/outputs the pole task needs. */
int64_t lacus_neat_pole_n_inputs(const lacus_neat_pole_params *p);

/* Gruau's fitness (gruau = 1), the protocol behind the evaluation counts of
 * Stanley & Miikkulainen 2002 (NEAT: 33,184 evaluations on average, ESP
 * 169,466, cellular encoding 840,000): each net runs 1000 steps from the
 * standard start; f = 0.1 f1 + 0.9 f2, f1 = t/1000 (t = steps balanced),
 * f2 = 0 when t < 100, else 0.75 / sum over the last 100 steps of |x| +
 * |x'| + |th1| + |th1'| (SI units: m, m/s, rad, rad/s). A net that lasts
 * 1000 steps is tested for max_steps (100,000) from the standard start and
 * on the 625 starts of lacus_neat_pole_generalization; with at least 200
 * of them balanced its fitness is LACUS_NEAT_GRUAU_SOLVED + f, so a config
 * with fitness_threshold = LACUS_NEAT_GRUAU_SOLVED (1e6) stops there and the
 * evaluation count of the run is the paper's measure. Unlike the paper,
 * which tested each generation's champion, every net reaching 1000 steps
 * is tested (this can only find a solution earlier, never count an
 * evaluation twice). */
#define LACUS_NEAT_GRUAU_SOLVED 1e6
/* f for a trajectory traj (steps, 6) (states after each step) of t steps. */
double lacus_neat_gruau_fitness(const double *traj, int64_t steps);
/* The generalisation test: starts with x, x', th1, th1' each at 0.05,
 * 0.25, 0.5, 0.75, 0.95 of +-2.16 m, +-1.35 m/s, +-3.6 deg, +-8.6 deg/s
 * (th2 = th2' = 0), 625 in all; *n_balanced = how many the net balances
 * for 1000 steps (its state reset before each). */
lacus_status lacus_neat_pole_generalization(const lacus_neat_genome *g, const lacus_neat_config *c,
                                            const lacus_neat_pole_params *p, int64_t *n_balanced,
                                            lacus_error *err);
/* Runs the net from state s0 (x, x', th1, th1', th2, th2'; single pole:
 * the first 4) for up to n_steps, writing the state after each step into
 * traj (n_steps, 6; zeros after a failure) and the steps survived into
 * *steps. */
lacus_status lacus_neat_pole_trajectory(const lacus_neat_genome *g, const lacus_neat_config *c,
                                        const lacus_neat_pole_params *p, const double *s0,
                                        int64_t n_steps, double *traj, int64_t *steps,
                                        lacus_error *err);

/* --- reservoir evolution ------------------------------------------------- */

/*
 * A genome read as a reservoir: every non-input node is a leaky unit
 *   x_i[t+1] = (1 - leak_i) x_i[t] + leak_i act_i(bias_i + response_i sum_j w_ij x_j[t] + sum_k w_ik u_k[t+1])
 * (ReservoirPy's equation with per-unit leak and activation; inputs are the
 * negative keys, every enabled link among units is a sparse recurrent
 * weight). A ridge readout (lacus_ridge) is fitted in closed form on the
 * training split of the task's states, and the genome's fitness is its
 * score on the validation split, minus size_penalty * units. Evolution
 * thus searches the topology while the readout stays closed-form.
 * Start from one neuron (num_outputs = 1, num_hidden = 0, the notebook's
 * best setting) or from N random units (num_hidden = N - 1). Use with
 * feed_forward = False and num_inputs = the task's input width.
 */
typedef enum lacus_neat_res_kind {
    LACUS_NEAT_RES_REGRESSION = 0,     /* fitness = -NRMSE (std-normalised) on validation */
    LACUS_NEAT_RES_CLASSIFICATION = 1  /* fitness = accuracy on validation; readout on the
                                          last state of each sequence, one-hot targets */
} lacus_neat_res_kind;

typedef struct lacus_neat_res_task {
    lacus_neat_res_kind kind;
    int64_t n_inputs, n_outputs;  /* classification: n_outputs = classes */
    /* Sequences (time-major); train first n_train, validate the rest. */
    int64_t n_seqs, n_train;
    const double *const *inputs;  /* n_seqs pointers to (n_steps[i], n_inputs) */
    const double *const *targets; /* regression: (n_steps[i], n_outputs); classification: NULL */
    const int64_t *labels;        /* classification: n_seqs labels in [0, n_outputs) */
    const int64_t *n_steps;
    int64_t warmup;               /* regression: first steps of each sequence not fitted */
    double ridge;                 /* readout regularisation, >= 0 */
    double size_penalty;          /* subtracted per unit */
    const lacus_neat_config *config;
} lacus_neat_res_task;

lacus_status lacus_neat_fitness_reservoir(const lacus_neat_genome *g, void *task,
                                          uint64_t eval_seed, double *fitness, lacus_error *err);
/* Validation score of the reservoir genome (accuracy, or NRMSE), without
 * the size penalty. */
lacus_status lacus_neat_reservoir_score(const lacus_neat_genome *g, const lacus_neat_res_task *t,
                                        double *score, lacus_error *err);

/*
 * lacus's 4-class sequence task (docs/neat.md): sequences of n_steps scalar
 * inputs; class c in {0,1,2,3} is a sine of period {8, 11, 15, 20} steps
 * (phase U[0, pi), amplitude U[0.5, 1]) plus Gaussian noise of std `noise`
 * (0.4 in the docs: a 500-unit random reservoir then reaches about 80 %).
 * Balanced classes drawn from the seed; chance is 25 %.
 * x: (n_seqs, n_steps) row-major, labels: n_seqs.
 */
lacus_status lacus_neat_seqclass4(int64_t n_seqs, int64_t n_steps, double noise, uint64_t seed,
                                  double *x, int64_t *labels, lacus_error *err);

#endif /* LACUS_NEAT_H */
