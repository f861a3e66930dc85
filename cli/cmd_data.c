/* lacus data: generate a dataset (ReservoirPy's generators) into an .npy.
 * Generator parameters are set with --set key=value (repeatable); --help
 * lists each generator's keys with their defaults. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"

typedef struct {
    const char *key;
    double *value;
} param;

#define MAX_PARAMS 12

typedef struct {
    lacus_mackey_glass_params mg;
    lacus_lorenz_params lorenz;
    lacus_multiscroll_params ms;
    lacus_doublescroll_params ds;
    lacus_rossler_params ross;
    lacus_rabinovich_fabrikant_params rf;
    lacus_logistic_map_params logi;
    lacus_henon_map_params henon;
    lacus_narma_params narma;
    lacus_lorenz96_params l96;
    lacus_kuramoto_sivashinsky_params ks;
    double narma_order, seed, l96_n, l96_warmup, ks_n, ks_m, ks_warmup;
} gen_state;

typedef struct {
    const char *name;
    int64_t dims; /* columns of the output */
    const char *summary;
} gen_info;

static const gen_info generators[] = {
    {"mackey-glass", 1, "Mackey-Glass delay equation (RK4)"},
    {"lorenz", 3, "Lorenz-63 (RK45 as scipy's solve_ivp)"},
    {"multiscroll", 3, "multi-scroll attractor (RK45)"},
    {"doublescroll", 3, "double-scroll circuit (RK45)"},
    {"rossler", 3, "Rossler attractor (RK45)"},
    {"rabinovich-fabrikant", 3, "Rabinovich-Fabrikant (RK45)"},
    {"logistic", 1, "logistic map"},
    {"henon", 2, "Henon map"},
    {"narma", 2, "NARMA task: columns u[t + order] (input), y[t] (target)"},
    {"mso2", 1, "multiple superimposed oscillators, 2 frequencies"},
    {"mso8", 1, "multiple superimposed oscillators, 8 frequencies"},
    {"lorenz96", 0, "Lorenz-96 (RK45; columns = N; n - warmup rows)"},
    {"kuramoto-sivashinsky", 0, "Kuramoto-Sivashinsky (ETDRK4; columns = N grid points)"},
};
enum { N_GEN = sizeof generators / sizeof *generators };

static int params_for(const char *gen, gen_state *g, param *ps)
{
    int n = 0;
#define P(k, v) ps[n++] = (param){k, &(v)}
    if (!strcmp(gen, "mackey-glass")) {
        P("tau", g->mg.tau); P("a", g->mg.a); P("b", g->mg.b); P("n", g->mg.n);
        P("x0", g->mg.x0); P("h", g->mg.h); P("seed", g->seed);
    } else if (!strcmp(gen, "lorenz")) {
        P("rho", g->lorenz.rho); P("sigma", g->lorenz.sigma); P("beta", g->lorenz.beta);
        P("h", g->lorenz.h);
    } else if (!strcmp(gen, "multiscroll")) {
        P("a", g->ms.a); P("b", g->ms.b); P("c", g->ms.c); P("h", g->ms.h);
    } else if (!strcmp(gen, "doublescroll")) {
        P("r1", g->ds.r1); P("r2", g->ds.r2); P("r4", g->ds.r4); P("ir", g->ds.ir);
        P("beta", g->ds.beta); P("h", g->ds.h);
    } else if (!strcmp(gen, "rossler")) {
        P("a", g->ross.a); P("b", g->ross.b); P("c", g->ross.c); P("h", g->ross.h);
    } else if (!strcmp(gen, "rabinovich-fabrikant")) {
        P("alpha", g->rf.alpha); P("gamma", g->rf.gamma); P("h", g->rf.h);
    } else if (!strcmp(gen, "logistic")) {
        P("r", g->logi.r); P("x0", g->logi.x0);
    } else if (!strcmp(gen, "henon")) {
        P("a", g->henon.a); P("b", g->henon.b);
    } else if (!strcmp(gen, "lorenz96")) {
        P("N", g->l96_n); P("F", g->l96.F); P("dF", g->l96.dF); P("h", g->l96.h);
        P("warmup", g->l96_warmup);
    } else if (!strcmp(gen, "kuramoto-sivashinsky")) {
        P("N", g->ks_n); P("M", g->ks_m); P("h", g->ks.h); P("warmup", g->ks_warmup);
    } else if (!strcmp(gen, "narma")) {
        P("order", g->narma_order); P("a1", g->narma.a1); P("a2", g->narma.a2);
        P("b", g->narma.b); P("c", g->narma.c); P("seed", g->seed);
    }
#undef P
    return n;
}

static void state_default(gen_state *g)
{
    g->mg = lacus_mackey_glass_params_default();
    g->lorenz = lacus_lorenz_params_default();
    g->ms = lacus_multiscroll_params_default();
    g->ds = lacus_doublescroll_params_default();
    g->ross = lacus_rossler_params_default();
    g->rf = lacus_rabinovich_fabrikant_params_default();
    g->logi = lacus_logistic_map_params_default();
    g->henon = lacus_henon_map_params_default();
    g->narma = lacus_narma_params_default();
    g->narma_order = (double)g->narma.order;
    g->l96 = lacus_lorenz96_params_default();
    g->ks = lacus_kuramoto_sivashinsky_params_default();
    g->l96_n = (double)g->l96.N;
    g->l96_warmup = (double)g->l96.warmup;
    g->ks_n = (double)g->ks.N;
    g->ks_m = (double)g->ks.M;
    g->ks_warmup = (double)g->ks.warmup;
    g->seed = (double)g->mg.seed;
}

static void list_generators(void)
{
    gen_state g;
    state_default(&g);
    printf("\ngenerators and their --set keys (defaults):\n");
    for (int i = 0; i < N_GEN; i++) {
        param ps[MAX_PARAMS];
        int n = params_for(generators[i].name, &g, ps);
        printf("  %-22s %s\n   ", generators[i].name, generators[i].summary);
        for (int k = 0; k < n; k++) printf(" %s=%g", ps[k].key, *ps[k].value);
        printf("\n");
    }
    printf("  %-22s %s\n", "vowels", "synthetic Japanese-vowels-shaped classification set "
           "(lacus data vowels --help)");
}

static lacus_status generate(const char *gen, gen_state *g, int64_t T, double *out, lacus_error *err)
{
    g->mg.seed = g->narma.seed = (uint64_t)g->seed;
    g->narma.order = (int64_t)g->narma_order;
    g->l96.N = (int64_t)g->l96_n;
    g->l96.warmup = (int64_t)g->l96_warmup;
    g->ks.N = (int64_t)g->ks_n;
    g->ks.M = (int64_t)g->ks_m;
    g->ks.warmup = (int64_t)g->ks_warmup;
    if (!strcmp(gen, "mackey-glass")) return lacus_mackey_glass(T, &g->mg, out, err);
    if (!strcmp(gen, "lorenz")) return lacus_lorenz(T, &g->lorenz, out, err);
    if (!strcmp(gen, "multiscroll")) return lacus_multiscroll(T, &g->ms, out, err);
    if (!strcmp(gen, "doublescroll")) return lacus_doublescroll(T, &g->ds, out, err);
    if (!strcmp(gen, "rossler")) return lacus_rossler(T, &g->ross, out, err);
    if (!strcmp(gen, "rabinovich-fabrikant")) return lacus_rabinovich_fabrikant(T, &g->rf, out, err);
    if (!strcmp(gen, "logistic")) return lacus_logistic_map(T, &g->logi, out, err);
    if (!strcmp(gen, "henon")) return lacus_henon_map(T, &g->henon, out, err);
    if (!strcmp(gen, "mso2")) return lacus_mso2(T, 1, out, err);
    if (!strcmp(gen, "mso8")) return lacus_mso8(T, 1, out, err);
    if (!strcmp(gen, "lorenz96")) return lacus_lorenz96(T, &g->l96, out, err);
    if (!strcmp(gen, "kuramoto-sivashinsky")) return lacus_kuramoto_sivashinsky(T, &g->ks, out, err);
    /* narma: columns u[t + order] and y[t] (ReservoirPy returns all n_steps +
     * order inputs and y[order:]; y[t] depends on u up to u[t + order - 1]). */
    int64_t order = g->narma.order > 0 ? g->narma.order : 0;
    double *u = malloc((size_t)(T + order) * sizeof *u), *y = malloc((size_t)T * sizeof *y);
    lacus_status st = u && y ? lacus_narma(T, &g->narma, u, y, err) : LACUS_ERR_NOMEM;
    if (st == LACUS_ERR_NOMEM && !(u && y)) snprintf(err->msg, sizeof err->msg, "out of memory");
    for (int64_t t = 0; !st && t < T; t++) out[2 * t] = u[t + order], out[2 * t + 1] = y[t];
    free(u);
    free(y);
    return st;
}

int cmd_data(int argc, char **argv)
{
    int64_t steps = 2000;
    const char *out = NULL;
    opt_list sets = {0};
    opt table[] = {
        {"steps", OPT_INT, &steps, "number of time steps"},
        {"set", OPT_LIST, &sets, "generator parameter key=value (see the list below)"},
        {"output", OPT_STRING, &out, "output .npy file (required)"},
    };
    verb_spec v = {"data", "GENERATOR --output file.npy [--steps N] [--set key=value ...]",
                   "Generates a dataset with ReservoirPy's generators (same equations and defaults).",
                   table, (int)(sizeof table / sizeof *table)};
    if (argc < 3 || !strcmp(argv[2], "--help") || !strcmp(argv[2], "-h")) {
        opts_help(&v);
        list_generators();
        return argc < 3 ? 2 : 0;
    }
    const char *gen = argv[2];
    if (!strcmp(gen, "vowels")) return cmd_data_vowels(argc, argv); /* sequences + labels */
    const gen_info *info = NULL;
    for (int i = 0; i < N_GEN; i++)
        if (!strcmp(gen, generators[i].name)) info = &generators[i];
    if (!info) return cli_error("data: unknown generator \"%s\" (see lacus data --help)", gen), 2;
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? (list_generators(), 0) : 2;
    if (!out) return cli_error("data: --output is required"), 2;
    if (steps < 1 || steps > 2000000000LL)
        return cli_error("data: --steps %lld: must be in [1, 2e9]", (long long)steps), 2;
    gen_state g;
    state_default(&g);
    param ps[MAX_PARAMS];
    int n = params_for(gen, &g, ps);
    for (int i = 0; i < sets.n; i++) {
        const char *s = sets.items[i], *eq = strchr(s, '=');
        int found = 0;
        for (int k = 0; eq && k < n; k++)
            if (strlen(ps[k].key) == (size_t)(eq - s) && !strncmp(ps[k].key, s, (size_t)(eq - s))) {
                char *end;
                errno = 0;
                double val = strtod(eq + 1, &end);
                if (eq[1] == '\0' || *end || errno || !isfinite(val))
                    return cli_error("data: --set %s: value is not a finite number", s), 2;
                *ps[k].value = val;
                found = 1;
            }
        if (!found) return cli_error("data: --set \"%s\": %s has no such key (see --help)", s, gen), 2;
    }
    /* Width (and, for Lorenz-96, row count) follow the parameters. */
    int64_t dims = info->dims, rows = steps;
    if (!strcmp(gen, "lorenz96")) dims = (int64_t)g.l96_n, rows = steps - (int64_t)g.l96_warmup;
    if (!strcmp(gen, "kuramoto-sivashinsky")) dims = (int64_t)g.ks_n, rows = steps - (int64_t)g.ks_warmup;
    if (dims < 1 || dims > 100000 || rows < 1)
        return cli_error("data %s: N and warmup give %lld columns and %lld rows", gen,
                         (long long)dims, (long long)rows), 2;
    double *buf = malloc((size_t)(steps * dims) * sizeof *buf);
    if (!buf) return cli_error("out of memory for %lld steps", (long long)steps), 1;
    lacus_error err = {0};
    if (generate(gen, &g, steps, buf, &err)) {
        free(buf);
        return cli_error("data %s: %s", gen, err.msg), 1;
    }
    int rc = cli_write_seqs(out, &buf, &rows, 1, dims) ? 1 : 0;
    if (!rc) printf("wrote %s: %s, %lld steps x %lld\n", out, gen, (long long)rows, (long long)dims);
    free(buf);
    return rc;
}
