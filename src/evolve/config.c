/* NEAT configuration: neat-python's keys, defaults, checks, and its INI
 * file format read and written by hand.
 *
 * Why by hand: the format is a small subset of Python's configparser
 * ("[section]", "key = value", "#"/";" comment lines) and what matters is
 * neat-python's *meaning* of each key (its boolean spellings, the "partial
 * 0.5" and "full" connection values, space-separated option lists), which
 * no INI library knows; a table of keys with their section gives us the
 * unknown-key and wrong-section errors for free. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"
#include "evolve/neat_int.h"

static const char *const ACT_NAMES[LACUS_NEAT_ACT_COUNT] = {
    "sigmoid", "tanh", "sin", "gauss", "relu", "elu", "lelu", "selu", "softplus",
    "identity", "clamped", "inv", "log", "exp", "abs", "hat", "square", "cube"};
static const char *const AGG_NAMES[LACUS_NEAT_AGG_COUNT] = {"sum", "product", "max", "min",
                                                            "maxabs", "median", "mean"};

const char *lacus_neat_act_name(lacus_neat_act a)
{
    return (unsigned)a < LACUS_NEAT_ACT_COUNT ? ACT_NAMES[a] : "?";
}
const char *lacus_neat_agg_name(lacus_neat_agg a)
{
    return (unsigned)a < LACUS_NEAT_AGG_COUNT ? AGG_NAMES[a] : "?";
}

static lacus_neat_attr attr(double mean, double stdev, double lo, double hi, double mrate,
                            double mpow, double rrate)
{
    lacus_neat_attr a = {mean, stdev, lo, hi, mrate, mpow, rrate, 0};
    return a;
}

lacus_neat_config lacus_neat_config_default(void)
{
    lacus_neat_config c;
    memset(&c, 0, sizeof c);
    c.pop_size = 150;
    c.fitness_criterion = LACUS_NEAT_CRIT_MAX;
    c.fitness_threshold = 3.9;
    c.reset_on_extinction = 0;
    c.num_inputs = 2;
    c.num_outputs = 1;
    c.num_hidden = 0;
    c.feed_forward = 1;
    c.initial_connection = LACUS_NEAT_CONN_FULL_DIRECT;
    c.connection_fraction = 0.5;
    c.compatibility_disjoint_coefficient = 1.0;
    c.compatibility_weight_coefficient = 0.5;
    c.compatibility_excess_coefficient = -1.0;
    c.distance = LACUS_NEAT_DISTANCE_NEATPY;
    c.conn_add_prob = 0.5;
    c.conn_delete_prob = 0.5;
    c.node_add_prob = 0.2;
    c.node_delete_prob = 0.2;
    /* neat-python 2.0.0 reads an absent single_structural_mutation as its
     * default *string* 'false', which Python treats as true: what it does
     * with its own XOR example is one structural mutation per child, and
     * structural_mutation_surer 'default' follows it. lacus reproduces what
     * neat-python does (a file that sets the key behaves the same in both). */
    c.single_structural_mutation = 1;
    c.structural_mutation_surer = 2;
    c.bias = attr(0.0, 1.0, -30.0, 30.0, 0.7, 0.5, 0.1);
    c.response = attr(1.0, 0.0, -30.0, 30.0, 0.0, 0.0, 0.0);
    c.weight = attr(0.0, 1.0, -30.0, 30.0, 0.8, 0.5, 0.1);
    c.leak = attr(1.0, 0.0, 0.01, 1.0, 0.0, 0.0, 0.0);
    c.activation_options = 1u << LACUS_NEAT_ACT_SIGMOID;
    c.activation_default = LACUS_NEAT_ACT_SIGMOID;
    c.activation_mutate_rate = 0.0;
    c.aggregation_options = 1u << LACUS_NEAT_AGG_SUM;
    c.aggregation_default = LACUS_NEAT_AGG_SUM;
    c.aggregation_mutate_rate = 0.0;
    c.enabled_default = 1;
    c.enabled_mutate_rate = 0.01;
    c.compatibility_threshold = 3.0;
    c.species_fitness_func = LACUS_NEAT_CRIT_MAX;
    c.max_stagnation = 20;
    c.species_elitism = 2;
    c.elitism = 2;
    c.survival_threshold = 0.2;
    c.min_species_size = 2;
    c.crossover_disable_prob = 0.75;
    c.max_nodes = 0;
    return c;
}

/* ---- checks ------------------------------------------------------------ */

static lacus_status check_prob(lacus_error *err, const char *key, double v)
{
    if (!(v >= 0.0 && v <= 1.0))
        return lacus__fail(err, LACUS_ERR_ARG, "%s = %g: must be in [0, 1]", key, v);
    return LACUS_OK;
}

static lacus_status check_attr(lacus_error *err, const char *name, const lacus_neat_attr *a)
{
    const double v[] = {a->init_mean, a->init_stdev, a->min_value, a->max_value,
                        a->mutate_rate, a->mutate_power, a->replace_rate};
    for (int i = 0; i < 7; i++)
        if (!isfinite(v[i]))
            return lacus__fail(err, LACUS_ERR_ARG, "%s attributes: a value is not finite", name);
    if (a->min_value > a->max_value)
        return lacus__fail(err, LACUS_ERR_ARG, "%s_min_value = %g > %s_max_value = %g", name,
                           a->min_value, name, a->max_value);
    if (a->init_stdev < 0 || a->mutate_power < 0)
        return lacus__fail(err, LACUS_ERR_ARG, "%s_init_stdev and %s_mutate_power must be >= 0",
                           name, name);
    if (a->mutate_rate < 0 || a->replace_rate < 0 || a->mutate_rate + a->replace_rate > 1.0)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "%s_mutate_rate = %g, %s_replace_rate = %g: each >= 0, sum <= 1", name,
                           a->mutate_rate, name, a->replace_rate);
    return LACUS_OK;
}

lacus_status lacus_neat_config_check(const lacus_neat_config *c, lacus_error *err)
{
    lacus_status st;
    if (!c) return lacus__fail(err, LACUS_ERR_ARG, "config is NULL");
    if (c->pop_size < 2 || c->pop_size > 10000000)
        return lacus__fail(err, LACUS_ERR_ARG, "pop_size = %lld: must be in [2, 1e7]",
                           (long long)c->pop_size);
    if ((unsigned)c->fitness_criterion > LACUS_NEAT_CRIT_MEAN)
        return lacus__fail(err, LACUS_ERR_ARG, "fitness_criterion: must be max, min or mean");
    if (!isfinite(c->fitness_threshold) && !c->no_fitness_termination)
        return lacus__fail(err, LACUS_ERR_ARG, "fitness_threshold is not finite");
    if (c->num_inputs < 1 || c->num_inputs > 100000)
        return lacus__fail(err, LACUS_ERR_ARG, "num_inputs = %lld: must be in [1, 100000]",
                           (long long)c->num_inputs);
    if (c->num_outputs < 1 || c->num_outputs > 100000)
        return lacus__fail(err, LACUS_ERR_ARG, "num_outputs = %lld: must be in [1, 100000]",
                           (long long)c->num_outputs);
    if (c->num_hidden < 0 || c->num_hidden > 100000)
        return lacus__fail(err, LACUS_ERR_ARG, "num_hidden = %lld: must be in [0, 100000]",
                           (long long)c->num_hidden);
    if ((unsigned)c->initial_connection > LACUS_NEAT_CONN_PARTIAL_DIRECT)
        return lacus__fail(err, LACUS_ERR_ARG, "initial_connection: unknown value");
    if ((st = check_prob(err, "initial_connection fraction", c->connection_fraction))) return st;
    if (!(c->compatibility_disjoint_coefficient >= 0) || !(c->compatibility_weight_coefficient >= 0) ||
        !isfinite(c->compatibility_disjoint_coefficient) ||
        !isfinite(c->compatibility_weight_coefficient) ||
        !isfinite(c->compatibility_excess_coefficient))
        return lacus__fail(err, LACUS_ERR_ARG,
                           "compatibility_*_coefficient: must be finite and >= 0");
    if ((unsigned)c->distance > LACUS_NEAT_DISTANCE_PAPER)
        return lacus__fail(err, LACUS_ERR_ARG, "compatibility_convention: unknown value");
    if ((st = check_prob(err, "conn_add_prob", c->conn_add_prob)) ||
        (st = check_prob(err, "conn_delete_prob", c->conn_delete_prob)) ||
        (st = check_prob(err, "node_add_prob", c->node_add_prob)) ||
        (st = check_prob(err, "node_delete_prob", c->node_delete_prob)) ||
        (st = check_prob(err, "activation_mutate_rate", c->activation_mutate_rate)) ||
        (st = check_prob(err, "aggregation_mutate_rate", c->aggregation_mutate_rate)) ||
        (st = check_prob(err, "enabled_mutate_rate", c->enabled_mutate_rate)) ||
        (st = check_prob(err, "enabled_rate_to_true_add", c->enabled_rate_to_true_add)) ||
        (st = check_prob(err, "enabled_rate_to_false_add", c->enabled_rate_to_false_add)) ||
        (st = check_prob(err, "crossover_disable_prob", c->crossover_disable_prob)))
        return st;
    if ((st = check_attr(err, "bias", &c->bias)) || (st = check_attr(err, "response", &c->response)) ||
        (st = check_attr(err, "weight", &c->weight)) || (st = check_attr(err, "leak", &c->leak)))
        return st;
    if (c->leak.min_value <= 0.0 || c->leak.max_value > 1.0)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "leak_min_value = %g, leak_max_value = %g: the leak must lie in (0, 1]",
                           c->leak.min_value, c->leak.max_value);
    uint32_t all_act = (1u << LACUS_NEAT_ACT_COUNT) - 1, all_agg = (1u << LACUS_NEAT_AGG_COUNT) - 1;
    if (!c->activation_options || (c->activation_options & ~all_act))
        return lacus__fail(err, LACUS_ERR_ARG, "activation_options: empty or unknown names");
    if (!c->aggregation_options || (c->aggregation_options & ~all_agg))
        return lacus__fail(err, LACUS_ERR_ARG, "aggregation_options: empty or unknown names");
    if (c->activation_default >= 0 &&
        (c->activation_default >= LACUS_NEAT_ACT_COUNT ||
         !(c->activation_options & (1u << c->activation_default))))
        return lacus__fail(err, LACUS_ERR_ARG,
                           "activation_default = %s is not among activation_options",
                           lacus_neat_act_name((lacus_neat_act)c->activation_default));
    if (c->aggregation_default >= 0 &&
        (c->aggregation_default >= LACUS_NEAT_AGG_COUNT ||
         !(c->aggregation_options & (1u << c->aggregation_default))))
        return lacus__fail(err, LACUS_ERR_ARG,
                           "aggregation_default = %s is not among aggregation_options",
                           lacus_neat_agg_name((lacus_neat_agg)c->aggregation_default));
    if (c->enabled_default < -1 || c->enabled_default > 1)
        return lacus__fail(err, LACUS_ERR_ARG, "enabled_default: must be true, false or random");
    if (!(c->compatibility_threshold > 0) || !isfinite(c->compatibility_threshold))
        return lacus__fail(err, LACUS_ERR_ARG, "compatibility_threshold = %g: must be > 0",
                           c->compatibility_threshold);
    if ((unsigned)c->species_fitness_func > LACUS_NEAT_CRIT_MEDIAN)
        return lacus__fail(err, LACUS_ERR_ARG, "species_fitness_func: unknown value");
    if (c->max_stagnation < 1)
        return lacus__fail(err, LACUS_ERR_ARG, "max_stagnation = %lld: must be >= 1",
                           (long long)c->max_stagnation);
    if (c->species_elitism < 0 || c->elitism < 0)
        return lacus__fail(err, LACUS_ERR_ARG, "elitism and species_elitism must be >= 0");
    if (c->elitism >= c->pop_size)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "elitism = %lld with pop_size = %lld: elites would fill the population",
                           (long long)c->elitism, (long long)c->pop_size);
    if (!(c->survival_threshold > 0.0 && c->survival_threshold <= 1.0))
        return lacus__fail(err, LACUS_ERR_ARG, "survival_threshold = %g: must be in (0, 1]",
                           c->survival_threshold);
    if (c->min_species_size < 1 || c->min_species_size > c->pop_size)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "min_species_size = %lld: must be in [1, pop_size = %lld]",
                           (long long)c->min_species_size, (long long)c->pop_size);
    if (c->structural_mutation_surer < 0 || c->structural_mutation_surer > 2)
        return lacus__fail(err, LACUS_ERR_ARG, "structural_mutation_surer: true, false or default");
    if (c->max_nodes < 0)
        return lacus__fail(err, LACUS_ERR_ARG, "max_nodes = %lld: must be >= 0",
                           (long long)c->max_nodes);
    if (c->max_nodes > 0 && c->max_nodes < c->num_outputs + c->num_hidden)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "max_nodes = %lld is below num_outputs + num_hidden = %lld",
                           (long long)c->max_nodes, (long long)(c->num_outputs + c->num_hidden));
    return LACUS_OK;
}

/* ---- the key table --------------------------------------------------- */

typedef enum { K_INT, K_DOUBLE, K_BOOL, K_CRIT, K_SPCRIT, K_CONN, K_ACTS, K_AGGS, K_ACT, K_AGG,
               K_ENABLED, K_SURER, K_INITTYPE, K_CONV, K_EXCESS } key_type;

typedef struct key_def {
    const char *section, *name;
    key_type type;
    size_t off;
} key_def;

#define F(field) offsetof(lacus_neat_config, field)
#define ATTR_KEYS(nm, field)                                                               \
    {"DefaultGenome", nm "_init_mean", K_DOUBLE, F(field.init_mean)},                      \
    {"DefaultGenome", nm "_init_stdev", K_DOUBLE, F(field.init_stdev)},                    \
    {"DefaultGenome", nm "_init_type", K_INITTYPE, F(field.init_uniform)},                 \
    {"DefaultGenome", nm "_min_value", K_DOUBLE, F(field.min_value)},                      \
    {"DefaultGenome", nm "_max_value", K_DOUBLE, F(field.max_value)},                      \
    {"DefaultGenome", nm "_mutate_rate", K_DOUBLE, F(field.mutate_rate)},                  \
    {"DefaultGenome", nm "_mutate_power", K_DOUBLE, F(field.mutate_power)},                \
    {"DefaultGenome", nm "_replace_rate", K_DOUBLE, F(field.replace_rate)}

static const key_def KEYS[] = {
    {"NEAT", "pop_size", K_INT, F(pop_size)},
    {"NEAT", "fitness_criterion", K_CRIT, F(fitness_criterion)},
    {"NEAT", "fitness_threshold", K_DOUBLE, F(fitness_threshold)},
    {"NEAT", "reset_on_extinction", K_BOOL, F(reset_on_extinction)},
    {"NEAT", "no_fitness_termination", K_BOOL, F(no_fitness_termination)},
    {"DefaultGenome", "num_inputs", K_INT, F(num_inputs)},
    {"DefaultGenome", "num_outputs", K_INT, F(num_outputs)},
    {"DefaultGenome", "num_hidden", K_INT, F(num_hidden)},
    {"DefaultGenome", "feed_forward", K_BOOL, F(feed_forward)},
    {"DefaultGenome", "initial_connection", K_CONN, F(initial_connection)},
    {"DefaultGenome", "compatibility_disjoint_coefficient", K_DOUBLE,
     F(compatibility_disjoint_coefficient)},
    {"DefaultGenome", "compatibility_weight_coefficient", K_DOUBLE,
     F(compatibility_weight_coefficient)},
    {"DefaultGenome", "compatibility_excess_coefficient", K_EXCESS,
     F(compatibility_excess_coefficient)},
    {"DefaultGenome", "compatibility_convention", K_CONV, F(distance)},
    {"DefaultGenome", "conn_add_prob", K_DOUBLE, F(conn_add_prob)},
    {"DefaultGenome", "conn_delete_prob", K_DOUBLE, F(conn_delete_prob)},
    {"DefaultGenome", "node_add_prob", K_DOUBLE, F(node_add_prob)},
    {"DefaultGenome", "node_delete_prob", K_DOUBLE, F(node_delete_prob)},
    {"DefaultGenome", "single_structural_mutation", K_BOOL, F(single_structural_mutation)},
    {"DefaultGenome", "structural_mutation_surer", K_SURER, F(structural_mutation_surer)},
    ATTR_KEYS("bias", bias),
    ATTR_KEYS("response", response),
    ATTR_KEYS("weight", weight),
    ATTR_KEYS("leak", leak),
    {"DefaultGenome", "activation_options", K_ACTS, F(activation_options)},
    {"DefaultGenome", "activation_default", K_ACT, F(activation_default)},
    {"DefaultGenome", "activation_mutate_rate", K_DOUBLE, F(activation_mutate_rate)},
    {"DefaultGenome", "aggregation_options", K_AGGS, F(aggregation_options)},
    {"DefaultGenome", "aggregation_default", K_AGG, F(aggregation_default)},
    {"DefaultGenome", "aggregation_mutate_rate", K_DOUBLE, F(aggregation_mutate_rate)},
    {"DefaultGenome", "enabled_default", K_ENABLED, F(enabled_default)},
    {"DefaultGenome", "enabled_mutate_rate", K_DOUBLE, F(enabled_mutate_rate)},
    {"DefaultGenome", "enabled_rate_to_true_add", K_DOUBLE, F(enabled_rate_to_true_add)},
    {"DefaultGenome", "enabled_rate_to_false_add", K_DOUBLE, F(enabled_rate_to_false_add)},
    {"DefaultSpeciesSet", "compatibility_threshold", K_DOUBLE, F(compatibility_threshold)},
    {"DefaultStagnation", "species_fitness_func", K_SPCRIT, F(species_fitness_func)},
    {"DefaultStagnation", "max_stagnation", K_INT, F(max_stagnation)},
    {"DefaultStagnation", "species_elitism", K_INT, F(species_elitism)},
    {"DefaultReproduction", "elitism", K_INT, F(elitism)},
    {"DefaultReproduction", "survival_threshold", K_DOUBLE, F(survival_threshold)},
    {"DefaultReproduction", "min_species_size", K_INT, F(min_species_size)},
    {"lacus", "crossover_disable_prob", K_DOUBLE, F(crossover_disable_prob)},
    {"lacus", "max_nodes", K_INT, F(max_nodes)},
    {"lacus", "reservoir", K_BOOL, F(reservoir)},
};
#define N_KEYS ((int)(sizeof KEYS / sizeof *KEYS))

static const char *const CONN_NAMES[] = {"unconnected",   "fs_neat_nohidden", "fs_neat_hidden",
                                         "full_nodirect", "full_direct",      "partial_nodirect",
                                         "partial_direct"};
static const char *const CRIT_NAMES[] = {"max", "min", "mean", "median"};

static int strcasecmp_ascii(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        int x = tolower((unsigned char)*a), y = tolower((unsigned char)*b);
        if (x != y) return x - y;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

static int parse_bool(const char *v, int *out)
{
    static const char *const t[] = {"1", "yes", "true", "on"}, *const f[] = {"0", "no", "false", "off"};
    for (int i = 0; i < 4; i++) {
        if (!strcasecmp_ascii(v, t[i])) return *out = 1, 0;
        if (!strcasecmp_ascii(v, f[i])) return *out = 0, 0;
    }
    return -1;
}

static int name_index(const char *v, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(v, names[i])) return i;
    return -1;
}

/* Sets one key from its text value; the message names the key and line. */
static lacus_status set_key(const key_def *k, char *v, lacus_neat_config *c, const char *src,
                            int line, lacus_error *err)
{
    char *base = (char *)c + k->off, *end;
#define BAD(what) \
    lacus__fail(err, LACUS_ERR_FORMAT, "%s:%d: %s = \"%s\": %s", src, line, k->name, v, what)
    switch (k->type) {
    case K_INT: {
        long long x = strtoll(v, &end, 10);
        if (end == v || *end) return BAD("not an integer");
        *(int64_t *)base = x;
        return LACUS_OK;
    }
    case K_EXCESS:
        if (!strcmp(v, "auto")) return *(double *)base = -1.0, LACUS_OK;
        /* fall through */
    case K_DOUBLE: {
        double x = strtod(v, &end);
        if (end == v || *end) return BAD("not a number");
        if (!isfinite(x)) return BAD("not finite");
        *(double *)base = x;
        return LACUS_OK;
    }
    case K_BOOL:
        if (parse_bool(v, (int *)base)) return BAD("not a boolean (true/false/1/0/yes/no/on/off)");
        return LACUS_OK;
    case K_SURER: {
        int b;
        if (!strcmp(v, "default")) return *(int *)base = 2, LACUS_OK;
        if (parse_bool(v, &b)) return BAD("must be true, false or default");
        return *(int *)base = b, LACUS_OK;
    }
    case K_CRIT:
    case K_SPCRIT: {
        int i = name_index(v, CRIT_NAMES, k->type == K_CRIT ? 3 : 4);
        if (i < 0) return BAD(k->type == K_CRIT ? "must be max, min or mean"
                                                : "must be max, min, mean or median");
        *(lacus_neat_criterion *)base = (lacus_neat_criterion)i;
        return LACUS_OK;
    }
    case K_CONV:
        if (!strcmp(v, "neat-python") || !strcmp(v, "neat_python"))
            *(lacus_neat_distance *)base = LACUS_NEAT_DISTANCE_NEATPY;
        else if (!strcmp(v, "paper"))
            *(lacus_neat_distance *)base = LACUS_NEAT_DISTANCE_PAPER;
        else
            return BAD("must be neat-python or paper");
        return LACUS_OK;
    case K_INITTYPE:
        if (strstr(v, "gauss") || strstr(v, "normal")) *(int *)base = 0;
        else if (strstr(v, "uniform")) *(int *)base = 1;
        else return BAD("must be gaussian or uniform");
        return LACUS_OK;
    case K_ENABLED: {
        int b;
        if (!strcasecmp_ascii(v, "random") || !strcasecmp_ascii(v, "none")) *(int *)base = -1;
        else if (parse_bool(v, &b)) return BAD("must be true, false or random");
        else *(int *)base = b;
        return LACUS_OK;
    }
    case K_CONN: {
        /* "full" and "fs_neat" are neat-python's older spellings (it warns
         * and picks nodirect / nohidden); "partial_x 0.5" carries a fraction. */
        char *sp = strpbrk(v, " \t");
        double frac = -1.0;
        if (sp) {
            *sp = 0;
            char *fv = sp + 1;
            while (*fv == ' ' || *fv == '\t') fv++;
            frac = strtod(fv, &end);
            if (end == fv || *end) return BAD("the connection fraction is not a number");
        }
        int i = name_index(v, CONN_NAMES, 7);
        if (!strcmp(v, "full")) i = LACUS_NEAT_CONN_FULL_NODIRECT;
        if (!strcmp(v, "fs_neat")) i = LACUS_NEAT_CONN_FS_NEAT_NOHIDDEN;
        if (!strcmp(v, "partial")) i = LACUS_NEAT_CONN_PARTIAL_NODIRECT;
        if (i < 0) return BAD("unknown initial_connection");
        int partial = i == LACUS_NEAT_CONN_PARTIAL_DIRECT || i == LACUS_NEAT_CONN_PARTIAL_NODIRECT;
        if (partial != (frac >= -0.5 || sp != NULL))
            return BAD(partial ? "partial_* needs a fraction (\"partial_direct 0.5\")"
                               : "only partial_* takes a fraction");
        if (partial && !(frac >= 0.0 && frac <= 1.0)) return BAD("fraction must be in [0, 1]");
        *(lacus_neat_init_conn *)base = (lacus_neat_init_conn)i;
        if (partial) c->connection_fraction = frac;
        return LACUS_OK;
    }
    case K_ACTS:
    case K_AGGS: {
        uint32_t mask = 0;
        int nn = k->type == K_ACTS ? LACUS_NEAT_ACT_COUNT : LACUS_NEAT_AGG_COUNT;
        const char *const *names = k->type == K_ACTS ? ACT_NAMES : AGG_NAMES;
        for (char *tok = v; *tok;) {
            while (*tok == ' ' || *tok == '\t') tok++;
            if (!*tok) break;
            char *e = tok;
            while (*e && *e != ' ' && *e != '\t') e++;
            char save = *e;
            *e = 0;
            int i = name_index(tok, names, nn);
            if (i < 0) {
                lacus_status st = lacus__fail(err, LACUS_ERR_FORMAT, "%s:%d: %s: unknown name \"%s\"",
                                              src, line, k->name, tok);
                *e = save;
                return st;
            }
            mask |= 1u << i;
            *e = save;
            tok = e;
        }
        if (!mask) return BAD("empty list");
        *(uint32_t *)base = mask;
        return LACUS_OK;
    }
    case K_ACT:
    case K_AGG: {
        int nn = k->type == K_ACT ? LACUS_NEAT_ACT_COUNT : LACUS_NEAT_AGG_COUNT;
        int i = name_index(v, k->type == K_ACT ? ACT_NAMES : AGG_NAMES, nn);
        if (!strcmp(v, "random") || !strcmp(v, "none")) i = -1;
        else if (i < 0) return BAD("unknown name");
        *(int *)base = i;
        return LACUS_OK;
    }
    }
#undef BAD
    return LACUS_OK;
}

static char *trim(char *s)
{
    while (*s && isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
    return s;
}

lacus_status lacus_neat_config_parse(const char *text, const char *src, lacus_neat_config *c,
                                     lacus_error *err)
{
    if (!text || !c) return lacus__fail(err, LACUS_ERR_ARG, "config text or struct is NULL");
    if (!src) src = "config";
    size_t len = strlen(text);
    char *buf = lacus__malloc(len + 1);
    unsigned char *seen = LACUS__ZNEW(unsigned char, N_KEYS);
    if (!buf || !seen) {
        lacus__free(buf);
        lacus__free(seen);
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory reading %s", src);
    }
    memcpy(buf, text, len + 1);
    lacus_neat_config work = *c;
    lacus_status st = LACUS_OK;
    char section[64] = "";
    int line = 0, section_known = 0;
    for (char *p = buf; p && *p && !st;) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = 0;
        line++;
        char *s = trim(p);
        p = nl ? nl + 1 : NULL;
        if (!*s || *s == '#' || *s == ';') continue;
        if (*s == '[') {
            char *e = strchr(s, ']');
            if (!e || e[1]) {
                st = lacus__fail(err, LACUS_ERR_FORMAT, "%s:%d: malformed section header \"%s\"",
                                 src, line, s);
                break;
            }
            *e = 0;
            snprintf(section, sizeof section, "%s", trim(s + 1));
            section_known = 0;
            for (int i = 0; i < N_KEYS; i++)
                if (!strcmp(KEYS[i].section, section)) section_known = 1;
            if (!section_known)
                st = lacus__fail(err, LACUS_ERR_FORMAT,
                                 "%s:%d: unknown section [%s] (known: NEAT, DefaultGenome, "
                                 "DefaultSpeciesSet, DefaultStagnation, DefaultReproduction, lacus)",
                                 src, line, section);
            continue;
        }
        char *eq = strpbrk(s, "=:");
        if (!eq) {
            st = lacus__fail(err, LACUS_ERR_FORMAT, "%s:%d: expected \"key = value\", got \"%s\"",
                             src, line, s);
            break;
        }
        *eq = 0;
        char *key = trim(s), *val = trim(eq + 1);
        if (!*section) {
            st = lacus__fail(err, LACUS_ERR_FORMAT, "%s:%d: key \"%s\" before any [section]", src,
                             line, key);
            break;
        }
        int found = -1, elsewhere = -1;
        for (int i = 0; i < N_KEYS; i++) {
            if (strcmp(KEYS[i].name, key)) continue;
            if (!strcmp(KEYS[i].section, section)) found = i;
            else elsewhere = i;
        }
        if (found < 0) {
            if (elsewhere >= 0)
                st = lacus__fail(err, LACUS_ERR_FORMAT, "%s:%d: key \"%s\" belongs in [%s], not [%s]",
                                 src, line, key, KEYS[elsewhere].section, section);
            else
                st = lacus__fail(err, LACUS_ERR_FORMAT, "%s:%d: unknown key \"%s\" in [%s]", src,
                                 line, key, section);
            break;
        }
        if (seen[found]) {
            st = lacus__fail(err, LACUS_ERR_FORMAT, "%s:%d: key \"%s\" given twice", src, line, key);
            break;
        }
        seen[found] = 1;
        if (!*val) {
            st = lacus__fail(err, LACUS_ERR_FORMAT, "%s:%d: key \"%s\" has no value", src, line, key);
            break;
        }
        st = set_key(&KEYS[found], val, &work, src, line, err);
    }
    lacus__free(buf);
    lacus__free(seen);
    if (st) return st;
    if ((st = lacus_neat_config_check(&work, err))) {
        lacus__prefix(err, "%s: ", src);
        return st;
    }
    *c = work;
    return LACUS_OK;
}

lacus_status lacus_neat_config_load(const char *path, lacus_neat_config *c, lacus_error *err)
{
    char *text = NULL;
    size_t len = 0;
    lacus_status st = lacus__read_file(path, &text, &len, err);
    if (st) return st;
    if (strlen(text) != len) {
        lacus__free(text);
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: contains a NUL byte (not a text file)", path);
    }
    st = lacus_neat_config_parse(text, path, c, err);
    lacus__free(text);
    return st;
}

/* ---- writing ----------------------------------------------------------- */

typedef struct sbuf {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) LACUS__PRINTF(2, 3);
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->oom) return;
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->n + (size_t)need + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 1024) + (size_t)need;
        char *s = lacus__realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    b->n += (size_t)need;
}

lacus_status lacus_neat_config_write(const lacus_neat_config *c, char **out, lacus_error *err)
{
    sbuf b = {0};
    const char *sec = "";
    for (int i = 0; i < N_KEYS; i++) {
        const key_def *k = &KEYS[i];
        const char *base = (const char *)c + k->off;
        if (strcmp(sec, k->section)) {
            sb_printf(&b, "%s[%s]\n", *sec ? "\n" : "", k->section);
            sec = k->section;
        }
        sb_printf(&b, "%s = ", k->name);
        switch (k->type) {
        case K_INT: sb_printf(&b, "%lld\n", (long long)*(const int64_t *)base); break;
        case K_EXCESS:
            if (*(const double *)base < 0) {
                sb_printf(&b, "auto\n");
                break;
            }
            /* fall through */
        case K_DOUBLE: sb_printf(&b, "%.17g\n", *(const double *)base); break;
        case K_BOOL: sb_printf(&b, "%s\n", *(const int *)base ? "True" : "False"); break;
        case K_SURER: {
            int v = *(const int *)base;
            sb_printf(&b, "%s\n", v == 2 ? "default" : v ? "true" : "false");
            break;
        }
        case K_CRIT:
        case K_SPCRIT: sb_printf(&b, "%s\n", CRIT_NAMES[*(const lacus_neat_criterion *)base]); break;
        case K_CONV:
            sb_printf(&b, "%s\n", *(const lacus_neat_distance *)base ? "paper" : "neat-python");
            break;
        case K_INITTYPE: sb_printf(&b, "%s\n", *(const int *)base ? "uniform" : "gaussian"); break;
        case K_ENABLED: {
            int v = *(const int *)base;
            sb_printf(&b, "%s\n", v < 0 ? "random" : v ? "True" : "False");
            break;
        }
        case K_CONN: {
            lacus_neat_init_conn v = *(const lacus_neat_init_conn *)base;
            if (v == LACUS_NEAT_CONN_PARTIAL_DIRECT || v == LACUS_NEAT_CONN_PARTIAL_NODIRECT)
                sb_printf(&b, "%s %.17g\n", CONN_NAMES[v], c->connection_fraction);
            else
                sb_printf(&b, "%s\n", CONN_NAMES[v]);
            break;
        }
        case K_ACTS:
        case K_AGGS: {
            uint32_t m = *(const uint32_t *)base;
            int nn = k->type == K_ACTS ? LACUS_NEAT_ACT_COUNT : LACUS_NEAT_AGG_COUNT;
            const char *const *names = k->type == K_ACTS ? ACT_NAMES : AGG_NAMES;
            const char *sep = "";
            for (int j = 0; j < nn; j++)
                if (m & (1u << j)) sb_printf(&b, "%s%s", sep, names[j]), sep = " ";
            sb_printf(&b, "\n");
            break;
        }
        case K_ACT:
        case K_AGG: {
            int v = *(const int *)base;
            sb_printf(&b, "%s\n", v < 0 ? "random" : k->type == K_ACT ? ACT_NAMES[v] : AGG_NAMES[v]);
            break;
        }
        }
    }
    if (b.oom || !b.s) {
        lacus__free(b.s);
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory writing the NEAT config");
    }
    *out = b.s;
    return LACUS_OK;
}
