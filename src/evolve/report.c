/* NEAT reports: the best genome as a Graphviz graph (DOT, and PNG through
 * Graphviz's `dot` binary from Debian's graphviz package, run as a
 * subprocess as plot.c runs gnuplot), and the run's curves as PNG through
 * the shared gnuplot module (core/plot.h). */
#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/plot.h"
#include "evolve/neat_int.h"

extern char **environ;

typedef struct dot_ctx {
    const lacus_neat_genome *g;
    const lacus_neat_config *c;
} dot_ctx;

static lacus_status write_dot(FILE *f, const char *path, void *ctx, lacus_error *err)
{
    const dot_ctx *d = ctx;
    const lacus_neat_genome *g = d->g;
    const lacus_neat_config *c = d->c;
    fprintf(f, "digraph genome_%lld {\n  rankdir=LR;\n  node [fontsize=10];\n", (long long)g->key);
    fprintf(f, "  { rank=source;");
    for (int64_t i = 1; i <= c->num_inputs; i++) fprintf(f, " in%lld", (long long)i);
    fprintf(f, " }\n");
    for (int64_t i = 1; i <= c->num_inputs; i++)
        fprintf(f, "  in%lld [label=\"in %lld\", shape=box, style=filled, fillcolor=lightgray];\n",
                (long long)i, (long long)i);
    for (int64_t k = 0; k < g->n_nodes; k++) {
        const neat_node *n = &g->nodes[k];
        int out = n->key < c->num_outputs && !c->reservoir;
        fprintf(f, "  n%lld [label=\"%lld\\n%s b=%.2f%s\", shape=%s, style=filled, fillcolor=%s];\n",
                (long long)n->key, (long long)n->key, lacus_neat_act_name(n->activation), n->bias,
                n->leak < 1.0 ? "\\nleak" : "", out ? "doublecircle" : "circle",
                out ? "lightblue" : "white");
        if (n->leak < 1.0) fprintf(f, "  n%lld [xlabel=\"a=%.2f\"];\n", (long long)n->key, n->leak);
    }
    for (int64_t i = 0; i < g->n_conns; i++) {
        const neat_conn *k = &g->conns[i];
        char a[32], b[32];
        if (k->in < 0) snprintf(a, sizeof a, "in%lld", (long long)-k->in);
        else snprintf(a, sizeof a, "n%lld", (long long)k->in);
        snprintf(b, sizeof b, "n%lld", (long long)k->out);
        fprintf(f, "  %s -> %s [label=\"%.2f\", color=%s, penwidth=%.2f%s];\n", a, b, k->weight,
                k->weight >= 0 ? "darkgreen" : "red", 0.5 + fmin(3.0, fabs(k->weight)),
                k->enabled ? "" : ", style=dashed, color=gray");
    }
    fprintf(f, "}\n");
    if (ferror(f)) return lacus__fail(err, LACUS_ERR_IO, "%s: write failed", path);
    return LACUS_OK;
}

/* dot -Tpng src -o tmp, then rename tmp -> png (no partial PNG left). */
static lacus_status run_dot(const char *dot_path, const char *png_path, lacus_error *err)
{
    char *tmp = NULL;
    int fd = -1;
    lacus_status st = lacus__tmp_create(png_path, &tmp, &fd, err);
    if (st) return st;
    close(fd);
    const char *bin = getenv("LACUS_DOT");
    if (!bin || !*bin) bin = "dot";
    char *argv[] = {(char *)bin, "-Tpng", (char *)dot_path, "-o", tmp, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1 /* O_WRONLY */, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 1, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, bin, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    int status = 0;
    if (rc == 0)
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (rc != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        unlink(tmp);
        lacus__free(tmp);
        if (rc != 0 || (WIFEXITED(status) && WEXITSTATUS(status) == 127))
            return lacus__fail(err, LACUS_ERR_UNSUPPORTED,
                               "%s: cannot run Graphviz '%s'; install it (apt-get install graphviz) "
                               "or set LACUS_DOT", png_path, bin);
        return lacus__fail(err, LACUS_ERR_IO, "%s: Graphviz dot failed on %s", png_path, dot_path);
    }
    if (rename(tmp, png_path)) {
        st = lacus__fail(err, LACUS_ERR_IO, "%s: cannot rename the rendered graph: %s", png_path,
                         strerror(errno));
        unlink(tmp);
    }
    lacus__free(tmp);
    return st;
}

lacus_status lacus_neat_genome_write_dot(const lacus_neat_genome *g, const lacus_neat_config *c,
                                         const char *dot_path, const char *png_path,
                                         lacus_error *err)
{
    if (!g || !c || !dot_path) return lacus__fail(err, LACUS_ERR_ARG, "write_dot: NULL argument");
    dot_ctx d = {g, c};
    lacus_status st = lacus__write_atomic(dot_path, write_dot, &d, err);
    if (st || !png_path) return st;
    return run_dot(dot_path, png_path, err);
}

lacus_status lacus_neat_plot(const lacus_neat *p, const char *png_path, lacus_error *err)
{
    const int64_t n = p->n_hist;
    if (n < 1) return lacus__fail(err, LACUS_ERR_STATE, "plot: no generation evaluated yet");
    /* Species seen over the run, in order of first appearance. */
    int64_t n_ids = 0, cap = 16;
    int64_t *ids = LACUS__NEW(int64_t, cap);
    double *x = LACUS__NEW(double, n), *y1 = LACUS__NEW(double, n), *y2 = LACUS__NEW(double, n);
    double *y3 = LACUS__NEW(double, n), *y4 = LACUS__NEW(double, n);
    lacus_status st = LACUS_OK;
    lacus__plot *pl = NULL;
    if (!ids || !x || !y1 || !y2 || !y3 || !y4) goto nomem;
    for (int64_t i = 0; i < n; i++)
        for (int64_t k = 0; k < p->hist_nsp[i]; k++) {
            int64_t id = p->hist_sp[i][k].id, found = 0;
            for (int64_t j = 0; j < n_ids; j++) found |= ids[j] == id;
            if (found) continue;
            if (lacus__neat_grow((void **)&ids, &cap, n_ids + 1, sizeof *ids)) goto nomem;
            ids[n_ids++] = id;
        }
    if ((st = lacus__plot_open(&pl, png_path, 1000, 900, 3, 1, "NEAT run", err))) goto done;
    for (int64_t i = 0; i < n; i++) {
        x[i] = (double)p->hist[i].generation;
        y1[i] = p->hist[i].best;
        y2[i] = p->hist[i].mean;
    }
    lacus__plot_panel(pl, "fitness", "generation", "fitness");
    lacus__plot_series(pl, LACUS__PLOT_LINES, x, y1, NULL, n, "best");
    lacus__plot_series(pl, LACUS__PLOT_LINES, x, y2, NULL, n, "mean");
    for (int64_t j = 0; j < n_ids && j < 12; j++) { /* each species' best, while it lives */
        for (int64_t i = 0; i < n; i++) {
            y3[i] = NAN;
            for (int64_t k = 0; k < p->hist_nsp[i]; k++)
                if (p->hist_sp[i][k].id == ids[j]) y3[i] = p->hist_sp[i][k].best;
        }
        char lab[32];
        snprintf(lab, sizeof lab, "species %lld", (long long)ids[j]);
        lacus__plot_series(pl, LACUS__PLOT_LINES, x, y3, NULL, n, j < 6 ? lab : NULL);
    }
    /* Species sizes stacked: the cumulative size up to species j. */
    lacus__plot_panel(pl, "species sizes (stacked)", "generation", "genomes");
    for (int64_t i = 0; i < n; i++) y4[i] = 0;
    for (int64_t j = 0; j < n_ids; j++) {
        for (int64_t i = 0; i < n; i++)
            for (int64_t k = 0; k < p->hist_nsp[i]; k++)
                if (p->hist_sp[i][k].id == ids[j]) y4[i] += (double)p->hist_sp[i][k].size;
        lacus__plot_series(pl, LACUS__PLOT_LINES, x, y4, NULL, n, NULL);
    }
    lacus__plot_panel(pl, "genome size", "generation", "count");
    for (int64_t i = 0; i < n; i++) {
        y1[i] = p->hist[i].mean_nodes;
        y2[i] = p->hist[i].mean_conns;
        y3[i] = (double)p->hist[i].best_nodes;
        y4[i] = (double)p->hist[i].best_conns;
    }
    lacus__plot_series(pl, LACUS__PLOT_LINES, x, y1, NULL, n, "mean nodes");
    lacus__plot_series(pl, LACUS__PLOT_LINES, x, y2, NULL, n, "mean enabled links");
    lacus__plot_series(pl, LACUS__PLOT_POINTS, x, y3, NULL, n, "best: nodes");
    lacus__plot_series(pl, LACUS__PLOT_POINTS, x, y4, NULL, n, "best: links");
    st = lacus__plot_close(pl, err);
    pl = NULL;
    goto done;
nomem:
    st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory plotting");
done:
    lacus__plot_free(pl);
    lacus__free(ids), lacus__free(x), lacus__free(y1), lacus__free(y2), lacus__free(y3), lacus__free(y4);
    return st;
}
