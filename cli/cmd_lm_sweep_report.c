/* lacus lm sweep, the report: thresholds with bootstrap intervals, the
 * sharpness of each curve under both metrics, the order of thresholds
 * against the skills' prerequisite graph, and the PNG curves. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "lm_sweep.h"

enum { K = SWEEP_K };

/* Prerequisite edges among the probed skills (spec 4.3), as (prerequisite,
 * skill) row indices: S2 <- S0, S3 <- S2, S6 <- S0, S8 <- S3 and S6,
 * S1 <- S0, S7 <- S0. The formal skills have none. */
static const int dag[][2] = {{0, 1}, {1, 2}, {0, 3}, {2, 4}, {3, 4}, {0, 5}, {0, 6}};

static double load1(void)
{
    double l = NAN;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1) l = NAN;
        fclose(f);
    }
    return l;
}

static void fmt_n(char *b, size_t cap, double v)
{
    if (isnan(v)) snprintf(b, cap, "-");
    else if (isinf(v)) snprintf(b, cap, "> max");
    else snprintf(b, cap, "%.0f", v);
}

static void fmt_w(char *b, size_t cap, double v)
{
    if (isfinite(v)) snprintf(b, cap, "%.2f", v);
    else snprintf(b, cap, "-");
}

typedef struct grid {
    const sweep_cfg *c;
    double *acc, *cont, *bits, *train, *ridge; /* (K, n_tokens, seeds, n_sizes); bits, train, ridge: K = 1 */
    int n_kn;                                  /* n-gram orders 2 .. 2 + n_kn - 1 */
    double *kacc, *kcont, *kbits;              /* (K, n_tokens, seeds, n_kn); kbits: K = 1 */
    int complete;
} grid;

static size_t at(const sweep_cfg *c, int k, int d, int64_t s, int i)
{
    return (((size_t)k * (size_t)c->n_tokens + (size_t)d) * (size_t)c->seeds + (size_t)s) * (size_t)c->n_sizes + (size_t)i;
}

static size_t kat(const grid *g, int k, int d, int64_t s, int o)
{
    const sweep_cfg *c = g->c;
    return (((size_t)k * (size_t)c->n_tokens + (size_t)d) * (size_t)c->seeds + (size_t)s) * (size_t)g->n_kn + (size_t)o;
}

static int fill(grid *g, const sweep_row *rows, int64_t n_rows)
{
    const sweep_cfg *c = g->c;
    size_t n = (size_t)K * (size_t)c->n_tokens * (size_t)c->seeds * (size_t)c->n_sizes;
    g->n_kn = c->kn_max ? c->kn_max - SWEEP_KN_MIN + 1 : 0;
    size_t nk = (size_t)K * (size_t)c->n_tokens * (size_t)c->seeds * (size_t)(g->n_kn ? g->n_kn : 1);
    g->acc = malloc(n * sizeof(double)), g->cont = malloc(n * sizeof(double));
    g->bits = malloc(n * sizeof(double)), g->train = malloc(n * sizeof(double)), g->ridge = malloc(n * sizeof(double));
    g->kacc = malloc(nk * sizeof(double)), g->kcont = malloc(nk * sizeof(double)), g->kbits = malloc(nk * sizeof(double));
    if (!g->acc || !g->cont || !g->bits || !g->train || !g->ridge || !g->kacc || !g->kcont || !g->kbits) return -1;
    for (size_t i = 0; i < n; i++) g->acc[i] = g->cont[i] = g->bits[i] = g->train[i] = g->ridge[i] = NAN;
    for (size_t i = 0; i < nk; i++) g->kacc[i] = g->kcont[i] = g->kbits[i] = NAN;
    for (int64_t r = 0; r < n_rows; r++) {
        if (rows[r].kn) {
            int d = -1, o = rows[r].kn - SWEEP_KN_MIN;
            for (int q = 0; q < c->n_tokens; q++)
                if (c->tokens[q] == rows[r].tokens) d = q;
            if (d < 0 || o < 0 || o >= g->n_kn || rows[r].seed < 0 || rows[r].seed >= c->seeds) continue;
            for (int k = 0; k < K; k++) {
                g->kacc[kat(g, k, d, rows[r].seed, o)] = rows[r].sk[k].acc;
                g->kcont[kat(g, k, d, rows[r].seed, o)] = rows[r].sk[k].cont;
            }
            g->kbits[kat(g, 0, d, rows[r].seed, o)] = rows[r].bits;
            continue;
        }
        int d = -1, i = -1;
        for (int q = 0; q < c->n_tokens; q++)
            if (c->tokens[q] == rows[r].tokens) d = q;
        for (int q = 0; q < c->n_sizes; q++)
            if (c->sizes[q] == rows[r].units) i = q;
        if (d < 0 || i < 0 || rows[r].seed < 0 || rows[r].seed >= c->seeds) continue;
        for (int k = 0; k < K; k++) {
            g->acc[at(c, k, d, rows[r].seed, i)] = rows[r].sk[k].acc;
            g->cont[at(c, k, d, rows[r].seed, i)] = rows[r].sk[k].cont;
        }
        g->bits[at(c, 0, d, rows[r].seed, i)] = rows[r].bits;
        g->train[at(c, 0, d, rows[r].seed, i)] = rows[r].train_s;
        g->ridge[at(c, 0, d, rows[r].seed, i)] = rows[r].ridge;
    }
    g->complete = 1;
    for (size_t i = 0; i < (size_t)c->n_tokens * (size_t)c->seeds * (size_t)c->n_sizes; i++)
        g->complete &= !isnan(g->bits[i]);
    for (size_t i = 0; i < (size_t)c->n_tokens * (size_t)c->seeds * (size_t)g->n_kn; i++)
        g->complete &= !isnan(g->kbits[i]);
    return 0;
}

static double mean_over_seeds(const sweep_cfg *c, const double *y, int k, int d, int i)
{
    double s = 0;
    for (int64_t r = 0; r < c->seeds; r++) s += y[at(c, k, d, r, i)];
    return s / (double)c->seeds;
}

static double kn_mean(const grid *g, const double *y, int k, int d, int o)
{
    double s = 0;
    for (int64_t r = 0; r < g->c->seeds; r++) s += y[kat(g, k, d, r, o)];
    return s / (double)g->c->seeds;
}

/* Median over seeds of the chosen ridge (a grid value, so the median is
 * one of them, unlike a mean). */
static double median_ridge(const grid *g, int d, int i)
{
    const sweep_cfg *c = g->c;
    double v[64];
    int n = 0;
    for (int64_t r = 0; r < c->seeds && n < 64; r++)
        if (isfinite(g->ridge[at(c, 0, d, r, i)])) v[n++] = g->ridge[at(c, 0, d, r, i)];
    for (int a = 1; a < n; a++)
        for (int b = a; b > 0 && v[b] < v[b - 1]; b--) {
            double t = v[b]; v[b] = v[b - 1], v[b - 1] = t;
        }
    return n ? v[(n - 1) / 2] : NAN;
}

/* The thresholds of every skill and data size (acc: the fit; cont: width
 * only), into res (K, n_tokens). */
typedef struct thr {
    lacus_emergence acc;
    double cont_width;
    int ok; /* every cell finite */
} thr;

static int fit_all(const grid *g, thr *res)
{
    const sweep_cfg *c = g->c;
    double x[SWEEP_MAX_GRID], *m = malloc((size_t)c->n_sizes * sizeof *m);
    if (!m) return -1;
    for (int i = 0; i < c->n_sizes; i++) x[i] = (double)c->sizes[i];
    for (int k = 0; k < K; k++)
        for (int d = 0; d < c->n_tokens; d++) {
            thr *t = &res[k * c->n_tokens + d];
            const double *ya = g->acc + at(c, k, d, 0, 0);
            lacus_error err = {0};
            t->ok = !lacus_emergence_fit(x, c->n_sizes, ya, c->seeds, c->level, c->boot, 0.95,
                                         (uint64_t)(1 + k * 100 + d), &t->acc, &err);
            for (int i = 0; i < c->n_sizes; i++) m[i] = mean_over_seeds(c, g->cont, k, d, i);
            t->cont_width = t->ok ? lacus_emergence_width(x, m, c->n_sizes) : NAN;
        }
    free(m);
    return 0;
}

static int write_tsv(const grid *g, const thr *res, const char *path)
{
    const sweep_cfg *c = g->c;
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) return cli_error("cannot write %s", tmp), -1;
    fprintf(f, "skill\tname\ttokens\tlevel\tthreshold\tci95_lo\tci95_hi\treached\twidth_acc_decades\twidth_cont_decades\n");
    for (int k = 0; k < K; k++)
        for (int d = 0; d < c->n_tokens; d++) {
            const thr *t = &res[k * c->n_tokens + d];
            if (!t->ok) {
                fprintf(f, "%s\t%s\t%lld\t%g\tNA\tNA\tNA\tNA\tNA\tNA\n", sweep_skill_id(k), sweep_skill_name(k),
                        (long long)c->tokens[d], c->level);
                continue;
            }
            fprintf(f, "%s\t%s\t%lld\t%g\t%.6g\t%.6g\t%.6g\t%.4f\t%.4f\t%.4f\n", sweep_skill_id(k), sweep_skill_name(k),
                    (long long)c->tokens[d], c->level, t->acc.threshold, t->acc.lo, t->acc.hi, t->acc.reached,
                    t->acc.width, t->cont_width);
        }
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path)) return remove(tmp), cli_error("cannot write %s", path), -1;
    return 0;
}

static int write_md(const grid *g, const thr *res, const char *path, double wall_s, const sweep_row *rows_g,
                    int64_t n_rows_g)
{
    const sweep_cfg *c = g->c;
    char tmp[4300], a[32], b[32], e[32];
    snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) return cli_error("cannot write %s", tmp), -1;
    fprintf(f, "# Emergence sweep\n\n");
    fprintf(f, "Grid: N in {");
    for (int i = 0; i < c->n_sizes; i++) fprintf(f, "%s%lld", i ? ", " : "", (long long)c->sizes[i]);
    fprintf(f, "} x training tokens in {");
    for (int d = 0; d < c->n_tokens; d++) fprintf(f, "%s%lld", d ? ", " : "", (long long)c->tokens[d]);
    fprintf(f, "} x %lld seeds; %lld test tokens; lr %g, sr %g, input scaling %g; lgen p_pp %g, "
               "p_attractor %g, p_rel %g. Readout: ridge, no gated readouts; trainable parameters (N + V + 1) V. "
               "Ridge chosen per cell from {", (long long)c->seeds, (long long)c->test_tokens, c->lr, c->sr,
            c->input_scaling, c->p_pp, c->p_attractor, c->p_rel);
    for (int j = 0; j < c->n_ridges; j++) fprintf(f, "%s%g", j ? ", " : "", c->ridges[j]);
    fprintf(f, "} by the bits per token of the last 5 %% of its training tokens (eps and temperature fitted on the "
               "5 %% before). Formal tasks (S12 copy, reverse, counting, Dyck closure): separate reservoirs of the "
               "same N and seed trained on min(tokens, %lld) tokens of each task, probed on 5,000 test tokens. ",
            (long long)c->formal_tokens);
    if (c->kn_max)
        fprintf(f, "Baselines: interpolated modified Kneser-Ney n-grams of orders 2..%d trained on the same tokens "
                   "(and the same formal streams), probed with the same probes.", c->kn_max);
    fprintf(f, "\n\n");
    for (int64_t r = 0; r < n_rows_g; r++)
        if (isfinite(rows_g[r].grammar_bits)) {
            fprintf(f, "The grammar's own entropy on the test stream: %.4f bits/token (the floor of bits/token).\n\n",
                    rows_g[r].grammar_bits);
            break;
        }
    if (isfinite(wall_s))
        fprintf(f, "This run: %.1f s wall in %lld job(s); 1-minute load average at the end %.2f.\n\n", wall_s,
                (long long)c->jobs, load1());
    if (!g->complete) fprintf(f, "**Incomplete**: some cells have no row yet; rerun the sweep to fill them.\n\n");
    for (int d = 0; d < c->n_tokens; d++) {
        fprintf(f, "## %lld training tokens: seed means (accuracy / continuous metric)\n\n", (long long)c->tokens[d]);
        fprintf(f, "| model | bits/token | ridge | train s |");
        for (int k = 0; k < K; k++) fprintf(f, " %s %s |", sweep_skill_id(k), sweep_skill_name(k));
        fprintf(f, "\n|---|---|---|---|");
        for (int k = 0; k < K; k++) fprintf(f, "---|");
        fprintf(f, "\n");
        for (int i = 0; i < c->n_sizes; i++) {
            fprintf(f, "| N = %lld | %.4f | %g | %.1f |", (long long)c->sizes[i], mean_over_seeds(c, g->bits, 0, d, i),
                    median_ridge(g, d, i), mean_over_seeds(c, g->train, 0, d, i));
            for (int k = 0; k < K; k++)
                fprintf(f, " %.3f / %.3f |", mean_over_seeds(c, g->acc, k, d, i), mean_over_seeds(c, g->cont, k, d, i));
            fprintf(f, "\n");
        }
        for (int o = 0; o < g->n_kn; o++) {
            fprintf(f, "| KN %d-gram | %.4f | - | - |", SWEEP_KN_MIN + o, kn_mean(g, g->kbits, 0, d, o));
            for (int k = 0; k < K; k++)
                fprintf(f, " %.3f / %.3f |", kn_mean(g, g->kacc, k, d, o), kn_mean(g, g->kcont, k, d, o));
            fprintf(f, "\n");
        }
        fprintf(f, "\n");
    }
    fprintf(f, "## Thresholds N* (smallest N whose seed-mean accuracy reaches %g; 95 %% bootstrap interval over "
               "seeds, %lld replicates)\n\n", c->level, (long long)c->boot);
    fprintf(f, "Width: decades of N from 10 %% to 90 %% of the seed-mean curve's rise above its value at the smallest N "
               "(accuracy / continuous metric; - when it never rises); "
               "one grid step is %.2f decades.\n\n",
            log10((double)c->sizes[c->n_sizes - 1] / (double)c->sizes[0]) / (c->n_sizes - 1));
    fprintf(f, "| skill | tokens | N* | 95 %% CI | reached | width acc | width cont |\n|---|---|---|---|---|---|---|\n");
    for (int k = 0; k < K; k++)
        for (int d = 0; d < c->n_tokens; d++) {
            const thr *t = &res[k * c->n_tokens + d];
            if (!t->ok) {
                fprintf(f, "| %s %s | %lld | missing cells | | | | |\n", sweep_skill_id(k), sweep_skill_name(k),
                        (long long)c->tokens[d]);
                continue;
            }
            char wa[16], wc[16];
            fmt_n(a, sizeof a, t->acc.threshold), fmt_n(b, sizeof b, t->acc.lo), fmt_n(e, sizeof e, t->acc.hi);
            fmt_w(wa, sizeof wa, t->acc.width), fmt_w(wc, sizeof wc, t->cont_width);
            fprintf(f, "| %s %s | %lld | %s | [%s, %s] | %.2f | %s | %s |\n", sweep_skill_id(k), sweep_skill_name(k),
                    (long long)c->tokens[d], a, b, e, t->acc.reached, wa, wc);
        }
    fprintf(f, "\n## Order of thresholds against the prerequisite graph\n\n");
    fprintf(f, "An edge A <- B holds when N*(A) <= N*(B) (\"> max\" counts as infinite; two skills that both "
               "never reach the criterion are not compared).\n\n");
    for (int d = 0; d < c->n_tokens; d++) {
        fprintf(f, "- %lld tokens:", (long long)c->tokens[d]);
        int held = 0, tested = 0;
        for (size_t q = 0; q < sizeof dag / sizeof *dag; q++) {
            const thr *u = &res[dag[q][0] * c->n_tokens + d], *w = &res[dag[q][1] * c->n_tokens + d];
            if (!u->ok || !w->ok || (isinf(u->acc.threshold) && isinf(w->acc.threshold))) continue;
            int ok = u->acc.threshold <= w->acc.threshold;
            tested++, held += ok;
            fprintf(f, " %s<-%s %s;", sweep_skill_id(dag[q][1]), sweep_skill_id(dag[q][0]), ok ? "holds" : "VIOLATED");
        }
        fprintf(f, " %d of %d edges hold.\n", held, tested);
    }
    fprintf(f, "\n## Sharpness under the two metrics (the mirage question)\n\n");
    fprintf(f, "Per skill, the median over data sizes of the 10-90 %% width: a step that is sharp in accuracy "
               "but wide in the continuous metric is an artefact of the discrete metric.\n\n");
    for (int k = 0; k < K; k++) {
        double wa[SWEEP_MAX_GRID], wc[SWEEP_MAX_GRID];
        int n = 0;
        for (int d = 0; d < c->n_tokens; d++) {
            const thr *t = &res[k * c->n_tokens + d];
            if (t->ok && isfinite(t->acc.width) && isfinite(t->cont_width)) wa[n] = t->acc.width, wc[n++] = t->cont_width;
        }
        /* Median by insertion sort: at most SWEEP_MAX_GRID values. */
        for (int i = 1; i < n; i++)
            for (int j = i; j > 0 && wa[j] < wa[j - 1]; j--) {
                double s = wa[j]; wa[j] = wa[j - 1], wa[j - 1] = s;
            }
        for (int i = 1; i < n; i++)
            for (int j = i; j > 0 && wc[j] < wc[j - 1]; j--) {
                double s = wc[j]; wc[j] = wc[j - 1], wc[j - 1] = s;
            }
        if (n) fprintf(f, "- %s %s: accuracy %.2f decades, continuous %.2f decades\n", sweep_skill_id(k),
                       sweep_skill_name(k), wa[n / 2], wc[n / 2]);
        else fprintf(f, "- %s %s: flat or missing curves\n", sweep_skill_id(k), sweep_skill_name(k));
    }
    fprintf(f, "\nFigures: curves_acc.png, curves_cont.png (seed mean +- standard deviation; flat lines: the "
               "Kneser-Ney baselines trained on the largest data size).\n");
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path)) return remove(tmp), cli_error("cannot write %s", path), -1;
    return 0;
}

static int plots(const grid *g)
{
    const sweep_cfg *c = g->c;
    double x[SWEEP_MAX_GRID];
    for (int i = 0; i < c->n_sizes; i++) x[i] = (double)c->sizes[i];
    char titles[K][64], labels[SWEEP_MAX_GRID][48], path[4200];
    const char *tp[K], *lp[SWEEP_MAX_GRID];
    for (int k = 0; k < K; k++) snprintf(titles[k], 64, "%s %s", sweep_skill_id(k), sweep_skill_name(k)), tp[k] = titles[k];
    for (int d = 0; d < c->n_tokens; d++) snprintf(labels[d], 48, "%lld tokens", (long long)c->tokens[d]), lp[d] = labels[d];
    /* Baselines: the seed means of each n-gram order on the largest data. */
    double ba[K * 8], bc[K * 8];
    char bl[8][48];
    const char *bp[8];
    int dl = c->n_tokens - 1;
    for (int o = 0; o < g->n_kn && o < 8; o++) {
        snprintf(bl[o], 48, "KN %d-gram, %lld tok", SWEEP_KN_MIN + o, (long long)c->tokens[dl]), bp[o] = bl[o];
        for (int k = 0; k < K; k++) ba[k * g->n_kn + o] = kn_mean(g, g->kacc, k, dl, o), bc[k * g->n_kn + o] = kn_mean(g, g->kcont, k, dl, o);
    }
    lacus_error err = {0};
    snprintf(path, sizeof path, "%s/curves_acc.png", c->out);
    if (lacus_emergence_plot_base(path, "Skill accuracy vs reservoir size", x, c->n_sizes, g->acc, K, c->n_tokens,
                                  c->seeds, tp, lp, "reservoir units N", "accuracy", c->level, ba, g->n_kn, bp, &err))
        return cli_error("lm sweep: %s", err.msg), -1;
    snprintf(path, sizeof path, "%s/curves_cont.png", c->out);
    if (lacus_emergence_plot_base(path, "Continuous skill metrics vs reservoir size", x, c->n_sizes, g->cont, K,
                                  c->n_tokens, c->seeds, tp, lp, "reservoir units N",
                                  "continuous metric (higher is better)", NAN, bc, g->n_kn, bp, &err))
        return cli_error("lm sweep: %s", err.msg), -1;
    return 0;
}

int sweep_report(const sweep_cfg *c, const sweep_row *rows, int64_t n_rows, double wall_s)
{
    grid g = {0};
    g.c = c;
    thr *res = calloc((size_t)K * (size_t)c->n_tokens, sizeof *res);
    int rc = 1;
    if (!res || fill(&g, rows, n_rows) || fit_all(&g, res)) {
        cli_error("lm sweep: out of memory for the report");
        goto done;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/thresholds.tsv", c->out);
    if (write_tsv(&g, res, path)) goto done;
    snprintf(path, sizeof path, "%s/report.md", c->out);
    if (write_md(&g, res, path, wall_s, rows, n_rows)) goto done;
    if (g.complete && plots(&g)) goto done;
    printf("lm sweep: %lld rows%s; report in %s/report.md, thresholds in %s/thresholds.tsv%s\n", (long long)n_rows,
           g.complete ? "" : " (incomplete grid)", c->out, c->out, g.complete ? ", curves in curves_*.png" : "");
    for (int k = 0; k < K; k++) {
        char label[96];
        snprintf(label, sizeof label, "%s %s", sweep_skill_id(k), sweep_skill_name(k));
        printf("  %-34s N* =", label);
        for (int d = 0; d < c->n_tokens; d++) {
            char a[32];
            fmt_n(a, sizeof a, res[k * c->n_tokens + d].ok ? res[k * c->n_tokens + d].acc.threshold : NAN);
            printf(" %s (%lld tok)%s", a, (long long)c->tokens[d], d + 1 < c->n_tokens ? "," : "");
        }
        printf("\n");
    }
    if (isfinite(wall_s)) printf("  wall %.1f s, 1-min load average %.2f\n", wall_s, load1());
    rc = 0;
done:
    free(res), free(g.acc), free(g.cont), free(g.bits), free(g.train), free(g.ridge);
    free(g.kacc), free(g.kcont), free(g.kbits);
    return rc;
}
