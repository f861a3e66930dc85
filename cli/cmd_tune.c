/* lacus tune CONFIG.json: backward tuning of a recurrent network's weights
 * (include/lacus/tune.h). The config (JSON, read with cJSON) names the data
 * files (.npy/.npz/.csv, as for fit), the network (a unit net, or a model
 * file written by `lacus fit` whose W is tuned after its ridge readout),
 * the criterion and the learner. Every key is checked: unknown keys, wrong
 * types and out-of-range values are usage errors (exit 2) naming the key;
 * bad data files are runtime errors (exit 1). See docs/tune.md for the keys
 * and their defaults. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "cmd_tune.h"


/* Key table: name, kind, destination, and where the default comes from. */
typedef enum { K_STR, K_INT, K_NUM, K_BOOL, K_ENUM, K_ZETA, K_OBS } kkind;
typedef struct key {
    const char *name;
    kkind kind;
    void *dest;
} key;

static int read_file(const char *path, char **out)
{
    FILE *f = fopen(path, "rb");
    if (!f) return cli_error("cannot open config %s", path), -1;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 >= cap) {
            char *b2 = cap > (1u << 24) ? NULL : realloc(buf, cap * 2);
            if (!b2) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b2;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf) return cli_error("config %s: too large or out of memory", path), -1;
    buf[n] = 0;
    *out = buf;
    return 0;
}

static int parse_enum(const char *k, const char *v, int *dest)
{
    lacus_status st = LACUS_ERR_ARG;
    if (!strcmp(k, "unit")) st = lacus_tune_unit_parse(v, (lacus_tune_unit *)dest);
    else if (!strcmp(k, "criterion")) st = lacus_tune_crit_parse(v, (lacus_tune_crit *)dest);
    else if (!strcmp(k, "method")) st = lacus_tune_method_parse(v, (lacus_tune_method *)dest);
    else if (!strcmp(k, "sign")) {
        static const char *s[] = {"free", "nonneg", "keep"};
        for (int i = 0; i < 3; i++)
            if (!strcmp(v, s[i])) *dest = i, st = LACUS_OK;
    }
    if (st) {
        const char *allowed = !strcmp(k, "unit")        ? "linear|lnl|sparse-relu|aif|softmax"
                              : !strcmp(k, "criterion") ? "l2|rwl1|rwl0|huber|biweight|hinge|stat"
                              : !strcmp(k, "method")    ? "both|bank|gn|stochastic|readout|refit"
                                                        : "free|nonneg|keep";
        cli_error("config: \"%s\": \"%s\" is not one of %s", k, v, allowed);
        return -1;
    }
    return 0;
}

static int apply(tune_cfg *c, const cJSON *root)
{
    int unit = c->net.unit, crit = c->crit.type, method = c->fit.method, sign = c->fit.sign;
    int64_t seed = (int64_t)c->net.seed, fseed = (int64_t)c->fit.seed;
    double zeta[2] = {c->net.zeta_lo, c->net.zeta_hi};
    int64_t filters = c->fit.n_filters;
    int hidden = c->fit.reinject == 2;
    key keys[] = {
        {"input", K_STR, &c->input}, {"target", K_STR, &c->target},
        {"test_input", K_STR, &c->test_input}, {"test_target", K_STR, &c->test_target},
        {"output", K_STR, &c->output}, {"png", K_STR, &c->png},
        {"predictions", K_STR, &c->predictions}, {"model", K_STR, &c->model},
        {"unit", K_ENUM, &unit}, {"units", K_INT, &c->net.n_units}, {"seed", K_INT, &seed},
        {"init_mean", K_NUM, &c->net.init_mean}, {"init_std", K_NUM, &c->net.init_std},
        {"fan_in", K_INT, &c->net.fan_in}, {"leak", K_NUM, &c->net.leak},
        {"learn_leak", K_BOOL, &c->net.learn_leak}, {"offset", K_NUM, &c->net.offset},
        {"learn_offset", K_BOOL, &c->net.learn_offset}, {"zeta", K_ZETA, zeta},
        {"sharpness", K_NUM, &c->net.sharpness}, {"learn_sharpness", K_BOOL, &c->net.learn_sharpness},
        {"input_sparse", K_BOOL, &c->net.input_sparse}, {"observed", K_OBS, c},
        {"criterion", K_ENUM, &crit}, {"nu", K_NUM, &c->crit.nu}, {"stat_lags", K_INT, &c->crit.stat_lags},
        {"stat_cross", K_BOOL, &c->crit.stat_cross}, {"warmup", K_INT, &c->crit.warmup},
        {"readout_ridge", K_NUM, &c->fit.readout_ridge},
        {"method", K_ENUM, &method}, {"iterations", K_INT, &c->fit.max_iter},
        {"crit_eps", K_NUM, &c->fit.crit_eps}, {"w_eps", K_NUM, &c->fit.w_eps},
        {"filters", K_INT, &filters}, {"step0", K_NUM, &c->fit.step0}, {"ls_tol", K_NUM, &c->fit.ls_tol},
        {"damping", K_NUM, &c->fit.damping}, {"gn_max_fanin", K_INT, &c->fit.gn_max_fanin},
        {"guard", K_BOOL, &c->fit.guard}, {"reinject", K_BOOL, &c->fit.reinject},
        {"hidden_targets", K_BOOL, &hidden},
        {"sparse_nu", K_NUM, &c->fit.sparse_nu}, {"sparse_eps", K_NUM, &c->fit.sparse_eps},
        {"prune", K_NUM, &c->fit.prune}, {"prune_after", K_INT, &c->fit.prune_after},
        {"sign", K_ENUM, &sign}, {"batch_nodes", K_INT, &c->fit.batch_nodes},
        {"window", K_INT, &c->fit.window}, {"stoch_seed", K_INT, &fseed},
        {"threads", K_INT, &c->threads}, {"quiet", K_BOOL, &c->quiet},
    };
    const int nk = (int)(sizeof keys / sizeof *keys);
    if (!cJSON_IsObject(root)) return cli_error("config: the top level must be a JSON object"), -1;
    for (const cJSON *it = root->child; it; it = it->next) {
        int found = -1;
        for (int i = 0; i < nk; i++)
            if (!strcmp(it->string, keys[i].name)) found = i;
        if (found < 0) return cli_error("config: unknown key \"%s\" (see docs/tune.md)", it->string), -1;
        key *k = &keys[found];
        switch (k->kind) {
        case K_STR:
            if (!cJSON_IsString(it)) return cli_error("config: \"%s\" must be a string", k->name), -1;
            *(const char **)k->dest = it->valuestring;
            break;
        case K_ENUM:
            if (!cJSON_IsString(it)) return cli_error("config: \"%s\" must be a string", k->name), -1;
            if (parse_enum(k->name, it->valuestring, (int *)k->dest)) return -1;
            break;
        case K_BOOL:
            if (!cJSON_IsBool(it)) return cli_error("config: \"%s\" must be true or false", k->name), -1;
            *(int *)k->dest = cJSON_IsTrue(it);
            break;
        case K_INT:
            if (!cli_json_integer(it, (int64_t *)k->dest) || llabs(*(int64_t *)k->dest) > (int64_t)1e15)
                return cli_error("config: \"%s\" must be an integer", k->name), -1;
            break;
        case K_NUM:
            if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
                return cli_error("config: \"%s\" must be a finite number", k->name), -1;
            *(double *)k->dest = it->valuedouble;
            break;
        case K_ZETA: {
            const cJSON *a = it->child, *b = a ? a->next : NULL;
            if (!cJSON_IsArray(it) || !cJSON_IsNumber(a) || !(cJSON_IsNumber(b) || cJSON_IsNull(b)) || b->next)
                return cli_error("config: \"zeta\" must be [lo, hi] (hi null: ReLU)"), -1;
            zeta[0] = a->valuedouble;
            zeta[1] = cJSON_IsNull(b) ? INFINITY : b->valuedouble;
            break;
        }
        case K_OBS: {
            if (!cJSON_IsArray(it)) return cli_error("config: \"observed\" must be an array of node indices"), -1;
            c->n_obs_given = 0;
            for (const cJSON *e = it->child; e; e = e->next) {
                int64_t node;
                if (!cli_json_integer(e, &node) || node < 0)
                    return cli_error("config: \"observed\" entries must be node indices >= 0"), -1;
                if (c->n_obs_given >= 256) return cli_error("config: \"observed\": at most 256 nodes"), -1;
                c->observed[c->n_obs_given++] = node;
            }
            if (!c->n_obs_given) return cli_error("config: \"observed\" is empty"), -1;
            break;
        }
        }
    }
    if (seed < 0 || fseed < 0) return cli_error("config: \"seed\" and \"stoch_seed\" must be >= 0"), -1;
    if (filters < 0 || filters > 7) return cli_error("config: \"filters\" = %lld: must be in [0, 7]", (long long)filters), -1;
    if (c->threads < 0) return cli_error("config: \"threads\" must be >= 0"), -1;
    c->net.unit = (lacus_tune_unit)unit;
    c->crit.type = (lacus_tune_crit)crit;
    c->fit.method = (lacus_tune_method)method;
    c->fit.sign = sign;
    c->net.seed = (uint64_t)seed;
    c->fit.seed = (uint64_t)fseed;
    c->net.zeta_lo = zeta[0];
    c->net.zeta_hi = zeta[1];
    c->fit.n_filters = (int)filters;
    if (hidden) c->fit.reinject = 2; /* the spec's reinject mode 'b' (outputs + hidden) */
    return 0;
}

/* One sequence from a data file (the first if it holds several). */
static int load_seq(const char *path, const char *what, cli_seqs *s)
{
    opt_list l = {1, 1, &path, NULL};
    if (cli_seqs_load(&l, what, s)) return -1;
    if (s->s.n_seqs != 1) {
        cli_error("%s: %s holds %lld sequences; tune takes one", what, path, (long long)s->s.n_seqs);
        cli_seqs_free(s);
        return -1;
    }
    return 0;
}

static int on_iter(const lacus_tune_info *i, void *user)
{
    if (!*(int *)user)
        fprintf(stderr, "iter %4lld  cost %.6g  nrmse %.5f  step %.3g  via %-5s  guard lifted %lld "
                        "saturated %lld  edges %lld\n", (long long)i->iter, i->cost, i->nrmse, i->step,
                i->chosen, (long long)i->guard.lifted, (long long)i->guard.saturated, (long long)i->n_edges);
    return 0;
}


int cmd_tune(int argc, char **argv)
{
    if (argc >= 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
        printf("usage: lacus tune CONFIG.json\n\nBackward tuning of every weight of a recurrent network "
               "(Vieville et al. 2017),\nwith sparse (architecture-learning) estimation. The JSON config "
               "lists data files,\nthe network, the criterion and the learner; docs/tune.md documents "
               "every key and\nits default. Progress (criterion, step, guard counters, edges) goes to "
               "stderr.\n");
        return 0;
    }
    if (argc != 3) return cli_error("usage: lacus tune CONFIG.json (lacus tune --help)"), 2;
    tune_cfg c;
    memset(&c, 0, sizeof c);
    c.net = lacus_tune_net_params_default();
    c.net.n_units = 8;
    c.crit = lacus_tune_criterion_default();
    c.fit = lacus_tune_params_default();
    char *text = NULL;
    if (read_file(argv[2], &text)) return 1;
    cJSON *root = cJSON_Parse(text);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        cli_error("config %s: malformed JSON near \"%.20s\"", argv[2], at ? at : "");
        free(text);
        return 2;
    }
    int rc = 2;
    cli_seqs U = {0}, Y = {0}, Ut = {0}, Yt = {0};
    lacus_tune_net *net = NULL;
    lacus_error err = {0};
    if (apply(&c, root)) goto done;
    if (!c.input || !c.target || !c.output) {
        cli_error("config: \"input\", \"target\" and \"output\" are required");
        goto done;
    }
    if (!c.test_input != !c.test_target) {
        cli_error("config: give both \"test_input\" and \"test_target\", or neither");
        goto done;
    }
    if (lacus_tune_params_check(&c.fit, &err) || (!c.model && lacus_tune_net_params_check(&c.net, &err))) {
        cli_error("config: %s", err.msg);
        goto done;
    }
    if (c.threads > 0) lacus_set_num_threads((int)c.threads);
    rc = 1;
    if (load_seq(c.input, "input", &U) || load_seq(c.target, "target", &Y)) goto done;
    if (c.test_input && (load_seq(c.test_input, "test_input", &Ut) || load_seq(c.test_target, "test_target", &Yt)))
        goto done;
    int64_t T = U.s.n_steps[0], M = U.s.n_features, O = Y.s.n_features;
    if (Y.s.n_steps[0] != T) {
        cli_error("input has %lld steps but target %lld", (long long)T, (long long)Y.s.n_steps[0]);
        goto done;
    }
    if (c.test_input && (Ut.s.n_features != M || Yt.s.n_features != O || Ut.s.n_steps[0] != Yt.s.n_steps[0])) {
        cli_error("test_input/test_target: shapes (%lld, %lld) and (%lld, %lld) do not match the training "
                  "data's %lld inputs and %lld targets", (long long)Ut.s.n_steps[0], (long long)Ut.s.n_features,
                  (long long)Yt.s.n_steps[0], (long long)Yt.s.n_features, (long long)M, (long long)O);
        goto done;
    }
    c.fit.progress = on_iter;
    c.fit.progress_user = &c.quiet;
    if (c.model) {
        rc = lacus__cli_tune_esn(&c, U.s.data[0], Y.s.data[0], T, M, O, c.test_input ? Ut.s.data[0] : NULL,
                                 c.test_input ? Yt.s.data[0] : NULL, c.test_input ? Ut.s.n_steps[0] : 0);
        goto done;
    }
    c.net.n_inputs = M;
    if (c.n_obs_given && c.n_obs_given != O) {
        cli_error("config: \"observed\" lists %lld nodes but the target has %lld columns",
                  (long long)c.n_obs_given, (long long)O);
        goto done;
    }
    c.crit.n_observed = O;
    c.crit.observed = c.n_obs_given ? c.observed : NULL;
    if (lacus_tune_net_create(&c.net, &net, &err)) {
        cli_error("network: %s", err.msg);
        goto done;
    }
    lacus_tune_result r;
    fprintf(stderr, "tune: %s net, %lld units (%lld nodes, %lld weights), %lld steps, criterion %s, "
                    "method %s\n", lacus_tune_unit_name(c.net.unit), (long long)c.net.n_units,
            (long long)lacus_tune_net_n_nodes(net), (long long)lacus_tune_net_n_weights(net), (long long)T,
            lacus_tune_crit_name(c.crit.type), lacus_tune_method_name(c.fit.method));
    lacus_status st = lacus_tune_fit(net, U.s.data[0], Y.s.data[0], T, &c.crit, &c.fit, &r, &err);
    if (st && st != LACUS_ERR_NUMERIC) {
        cli_error("tune: %s", err.msg);
        goto done;
    }
    if (st) cli_error("tune: %s", err.msg); /* divergence: the kept weights are still written */
    printf("training NRMSE %.6g -> %.6g in %lld iterations (cost %.6g -> %.6g), %lld -> %lld edges\n",
           r.nrmse0, r.nrmse, (long long)r.iterations, r.cost0, r.cost, (long long)r.n_edges0,
           (long long)r.n_edges);
    if (c.test_input) {
        int64_t Tt = Ut.s.n_steps[0], Nn = lacus_tune_net_n_nodes(net);
        double *x = malloc((size_t)(Tt * Nn) * sizeof *x);
        if (!x || lacus_tune_forward(net, Ut.s.data[0], Tt, x, &err)) {
            cli_error("test run: %s", x ? err.msg : "out of memory");
            free(x);
            goto done;
        }
        printf("test NRMSE %.6g over %lld steps\n", lacus_tune_nrmse(net, &c.crit, x, Yt.s.data[0], Tt),
               (long long)Tt);
        free(x);
    }
    if (lacus__cli_tune_write(&c, net, &r, U.s.data[0], T)) goto done;
    rc = st ? 1 : 0;
done:
    lacus_tune_net_free(net);
    cli_seqs_free(&U);
    cli_seqs_free(&Y);
    cli_seqs_free(&Ut);
    cli_seqs_free(&Yt);
    cJSON_Delete(root);
    free(text);
    return rc;
}
