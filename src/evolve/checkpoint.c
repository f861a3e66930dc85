/* NEAT checkpoints: the whole state of a population as text, every double
 * in C99 hexadecimal (%a) so that a resumed run is bit-for-bit the
 * uninterrupted one. Saved after reproduction and speciation (as
 * neat-python's Checkpointer), so the innovation tracker's per-generation
 * table is empty and only its counters are stored.
 *
 *   lacus-neat-checkpoint 1
 *   config <n_bytes>\n<INI text of lacus_neat_config_write>
 *   state <seed> <generation> <next_genome> <next_species> <evaluations> <next_innovation> <next_node>
 *   rng <s0> <s1> <s2> <s3> <spare> <has_spare>
 *   population <n> then n genomes; best <0|1> [genome]
 *   genome <key> <has_fitness> <fitness> <n_nodes> <n_conns>
 *     n <key> <bias> <response> <leak> <activation> <aggregation>   (n_nodes lines)
 *     c <in> <out> <innovation> <weight> <enabled>                  (n_conns lines)
 *   species <n>; each: s <key> <created> <last_improved> <fitness> <n_members> <n_history>,
 *     its member indices, its history, then its representative genome
 *   history <n>; each: g <11 numbers> <n_species>, then (id size best) per species
 *   end
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"
#include "evolve/neat_int.h"

#define CKPT_MAGIC "lacus-neat-checkpoint"
#define CKPT_VERSION 1

static void put_genome(FILE *f, const lacus_neat_genome *g)
{
    fprintf(f, "genome %" PRId64 " %d %a %" PRId64 " %" PRId64 "\n", g->key, g->has_fitness,
            g->fitness, g->n_nodes, g->n_conns);
    for (int64_t i = 0; i < g->n_nodes; i++) {
        const neat_node *n = &g->nodes[i];
        fprintf(f, "n %" PRId64 " %a %a %a %d %d\n", n->key, n->bias, n->response, n->leak,
                (int)n->activation, (int)n->aggregation);
    }
    for (int64_t i = 0; i < g->n_conns; i++) {
        const neat_conn *c = &g->conns[i];
        fprintf(f, "c %" PRId64 " %" PRId64 " %" PRId64 " %a %d\n", c->in, c->out, c->innovation,
                c->weight, c->enabled);
    }
}

typedef struct save_ctx {
    const lacus_neat *p;
    const char *cfg_text;
} save_ctx;

static lacus_status write_ckpt(FILE *f, const char *path, void *ctx, lacus_error *err)
{
    const save_ctx *sc = ctx;
    const lacus_neat *p = sc->p;
    fprintf(f, "%s %d\nconfig %zu\n%s", CKPT_MAGIC, CKPT_VERSION, strlen(sc->cfg_text), sc->cfg_text);
    fprintf(f, "state %" PRIu64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "\n",
            p->seed, p->generation, p->next_genome_key, p->next_species_key, p->evaluations,
            p->tracker.next_innovation, p->tracker.next_node);
    fprintf(f, "rng %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %a %d\n", p->rng.s[0], p->rng.s[1],
            p->rng.s[2], p->rng.s[3], p->rng.spare_normal, p->rng.has_spare);
    fprintf(f, "population %" PRId64 "\n", p->n_pop);
    for (int64_t i = 0; i < p->n_pop; i++) put_genome(f, p->pop[i]);
    fprintf(f, "best %d\n", p->best != NULL);
    if (p->best) put_genome(f, p->best);
    fprintf(f, "species %" PRId64 "\n", p->n_species);
    for (int64_t s = 0; s < p->n_species; s++) {
        const neat_species *sp = &p->species[s];
        fprintf(f, "s %" PRId64 " %" PRId64 " %" PRId64 " %a %" PRId64 " %" PRId64 "\n", sp->key,
                sp->created, sp->last_improved, sp->fitness, sp->n_members, sp->n_history);
        for (int64_t m = 0; m < sp->n_members; m++) fprintf(f, "%" PRId64 "\n", sp->members[m]);
        for (int64_t h = 0; h < sp->n_history; h++) fprintf(f, "%a\n", sp->history[h]);
        put_genome(f, sp->rep);
    }
    fprintf(f, "history %" PRId64 "\n", p->n_hist);
    for (int64_t i = 0; i < p->n_hist; i++) {
        const lacus_neat_gen_stats *h = &p->hist[i];
        fprintf(f, "g %" PRId64 " %a %a %a %" PRId64 " %a %a %" PRId64 " %" PRId64 " %" PRId64 " %d %" PRId64 "\n",
                h->generation, h->best, h->mean, h->stdev, h->n_species, h->mean_nodes,
                h->mean_conns, h->best_nodes, h->best_conns, h->evaluations, h->solved,
                p->hist_nsp[i]);
        for (int64_t k = 0; k < p->hist_nsp[i]; k++)
            fprintf(f, "%" PRId64 " %" PRId64 " %a\n", p->hist_sp[i][k].id, p->hist_sp[i][k].size,
                    p->hist_sp[i][k].best);
    }
    fprintf(f, "end\n");
    if (ferror(f)) return lacus__fail(err, LACUS_ERR_IO, "%s: write failed", path);
    return LACUS_OK;
}

lacus_status lacus_neat_save(const lacus_neat *p, const char *path, lacus_error *err)
{
    if (!p || !path) return lacus__fail(err, LACUS_ERR_ARG, "save: population or path is NULL");
    char *cfg = NULL;
    lacus_status st = lacus_neat_config_write(&p->cfg, &cfg, err);
    if (st) return st;
    save_ctx sc = {p, cfg};
    st = lacus__write_atomic(path, write_ckpt, &sc, err);
    lacus__free(cfg);
    return st;
}

/* ---- reading ---------------------------------------------------------------- */

typedef struct rd {
    char *cur;
    const char *path;
    int64_t line;
    lacus_error *err;
    lacus_status st;
} rd;

static char *tok(rd *r)
{
    if (r->st) return NULL;
    while (*r->cur == ' ' || *r->cur == '\t' || *r->cur == '\n' || *r->cur == '\r') {
        if (*r->cur == '\n') r->line++;
        r->cur++;
    }
    if (!*r->cur) {
        r->st = lacus__fail(r->err, LACUS_ERR_FORMAT, "%s: truncated checkpoint (line %lld)", r->path, (long long)r->line);
        return NULL;
    }
    char *s = r->cur;
    while (*r->cur && *r->cur != ' ' && *r->cur != '\t' && *r->cur != '\n' && *r->cur != '\r') r->cur++;
    if (*r->cur) {
        if (*r->cur == '\n') r->line++;
        *r->cur++ = 0;
    }
    return s;
}

static void expect(rd *r, const char *word)
{
    char *t = tok(r);
    if (t && strcmp(t, word))
        r->st = lacus__fail(r->err, LACUS_ERR_FORMAT, "%s: line %lld: expected \"%s\", got \"%.40s\"",
                            r->path, (long long)r->line, word, t);
}

static int64_t geti(rd *r, int64_t lo, int64_t hi)
{
    char *t = tok(r), *e;
    if (!t) return 0;
    long long v = strtoll(t, &e, 10);
    if (*e || v < lo || v > hi) {
        r->st = lacus__fail(r->err, LACUS_ERR_FORMAT, "%s: line %lld: bad integer \"%.40s\" (allowed %lld..%lld)",
                            r->path, (long long)r->line, t, (long long)lo, (long long)hi);
        return 0;
    }
    return v;
}

static uint64_t getu(rd *r)
{
    char *t = tok(r), *e;
    if (!t) return 0;
    unsigned long long v = strtoull(t, &e, 10);
    if (*e || *t == '-') {
        r->st = lacus__fail(r->err, LACUS_ERR_FORMAT, "%s: line %lld: bad unsigned \"%.40s\"", r->path, (long long)r->line, t);
        return 0;
    }
    return v;
}

static double getd(rd *r, int allow_inf)
{
    char *t = tok(r), *e;
    if (!t) return 0;
    double v = strtod(t, &e);
    if (*e || isnan(v) || (!allow_inf && isinf(v))) {
        r->st = lacus__fail(r->err, LACUS_ERR_FORMAT, "%s: line %lld: bad number \"%.40s\"", r->path, (long long)r->line, t);
        return 0;
    }
    return v;
}

#define BIG ((int64_t)1 << 40)

static lacus_neat_genome *get_genome(rd *r, const lacus_neat_config *c)
{
    expect(r, "genome");
    int64_t key = geti(r, 0, BIG);
    int hf = (int)geti(r, 0, 1);
    double fit = getd(r, 0);
    int64_t nn = geti(r, 0, 10000000), nc = geti(r, 0, 100000000);
    if (r->st) return NULL;
    neat_node *nodes = LACUS__NEW(neat_node, nn ? nn : 1);
    neat_conn *conns = LACUS__NEW(neat_conn, nc ? nc : 1);
    lacus_neat_genome *g = NULL;
    if (!nodes || !conns) {
        r->st = lacus__fail(r->err, LACUS_ERR_NOMEM, "out of memory reading %s", r->path);
        goto done;
    }
    for (int64_t i = 0; i < nn && !r->st; i++) {
        expect(r, "n");
        nodes[i].key = geti(r, 0, BIG);
        nodes[i].bias = getd(r, 0);
        nodes[i].response = getd(r, 0);
        nodes[i].leak = getd(r, 0);
        nodes[i].activation = (lacus_neat_act)geti(r, 0, LACUS_NEAT_ACT_COUNT - 1);
        nodes[i].aggregation = (lacus_neat_agg)geti(r, 0, LACUS_NEAT_AGG_COUNT - 1);
    }
    for (int64_t i = 0; i < nc && !r->st; i++) {
        expect(r, "c");
        conns[i].in = geti(r, -c->num_inputs, BIG);
        conns[i].out = geti(r, 0, BIG);
        conns[i].innovation = geti(r, 0, BIG);
        conns[i].weight = getd(r, 0);
        conns[i].enabled = (int)geti(r, 0, 1);
    }
    if (r->st) goto done;
    /* genome_build checks keys, links and innovations; it does not insist on
     * the output nodes when the genome is a reservoir that deleted them. */
    lacus_neat_config cc = *c;
    if (c->reservoir) cc.num_outputs = 0;
    if ((r->st = lacus_neat_genome_build(&cc, nodes, nn, conns, nc, &g, r->err))) {
        /* An inconsistent genome in a file is a format error. */
        if (r->st == LACUS_ERR_ARG) r->st = LACUS_ERR_FORMAT;
        if (r->err) r->err->status = r->st;
        lacus__prefix(r->err, "%s: genome %lld: ", r->path, (long long)key);
        g = NULL;
        goto done;
    }
    g->key = key;
    g->has_fitness = hf;
    g->fitness = fit;
done:
    lacus__free(nodes);
    lacus__free(conns);
    return g;
}

lacus_status lacus_neat_load(const char *path, lacus_neat **out, lacus_error *err)
{
    *out = NULL;
    char *buf = NULL;
    size_t len = 0;
    lacus_status st = lacus__read_file(path, &buf, &len, err);
    if (st) return st;
    rd r = {buf, path, 1, err, LACUS_OK};
    lacus_neat *p = NULL;
    char *magic = tok(&r);
    if (!magic || strcmp(magic, CKPT_MAGIC)) {
        st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: not a lacus NEAT checkpoint (no \"%s\" header)", path, CKPT_MAGIC);
        goto fail;
    }
    int64_t ver = geti(&r, 0, 1000000);
    if (!r.st && ver != CKPT_VERSION) {
        st = lacus__fail(err, LACUS_ERR_FORMAT,
                         "%s: checkpoint format version %lld; this lacus (%s) reads version %d",
                         path, (long long)ver, lacus_version(), CKPT_VERSION);
        goto fail;
    }
    expect(&r, "config");
    int64_t clen = geti(&r, 1, 1 << 20);
    if (r.st) goto fail_r;
    if ((size_t)(r.cur - buf) + (size_t)clen > len) {
        st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: truncated configuration", path);
        goto fail;
    }
    char save = r.cur[clen];
    r.cur[clen] = 0;
    lacus_neat_config cfg = lacus_neat_config_default();
    st = lacus_neat_config_parse(r.cur, path, &cfg, err);
    r.cur[clen] = save;
    if (st == LACUS_ERR_ARG) {
        st = LACUS_ERR_FORMAT;
        if (err) err->status = st;
    }
    if (st) goto fail;
    r.cur += clen;
    p = LACUS__ZNEW(lacus_neat, 1);
    if (!p) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory reading %s", path);
        goto fail;
    }
    p->cfg = cfg;
    expect(&r, "state");
    p->seed = getu(&r);
    p->generation = geti(&r, 0, BIG);
    p->next_genome_key = geti(&r, 1, BIG);
    p->next_species_key = geti(&r, 1, BIG);
    p->evaluations = geti(&r, 0, INT64_MAX);
    p->tracker.next_innovation = geti(&r, 0, BIG);
    p->tracker.next_node = geti(&r, 0, BIG);
    expect(&r, "rng");
    for (int i = 0; i < 4; i++) p->rng.s[i] = getu(&r);
    p->rng.spare_normal = getd(&r, 0);
    p->rng.has_spare = (int)geti(&r, 0, 1);
    expect(&r, "population");
    int64_t np = geti(&r, 1, 10000000);
    if (r.st) goto fail_r;
    p->pop = LACUS__ZNEW(lacus_neat_genome *, np);
    if (!p->pop) goto nomem;
    for (p->n_pop = 0; p->n_pop < np && !r.st;) {
        lacus_neat_genome *g = get_genome(&r, &cfg);
        if (g) p->pop[p->n_pop++] = g;
    }
    expect(&r, "best");
    if (geti(&r, 0, 1) && !r.st) p->best = get_genome(&r, &cfg);
    expect(&r, "species");
    int64_t ns = geti(&r, 0, np);
    if (r.st) goto fail_r;
    p->species = LACUS__ZNEW(neat_species, ns ? ns : 1);
    if (!p->species) goto nomem;
    p->cap_species = ns ? ns : 1;
    for (; p->n_species < ns && !r.st;) {
        neat_species *sp = &p->species[p->n_species++];
        expect(&r, "s");
        sp->key = geti(&r, 1, BIG);
        sp->created = geti(&r, 0, BIG);
        sp->last_improved = geti(&r, 0, BIG);
        sp->fitness = getd(&r, 0);
        int64_t nm = geti(&r, 0, np), nh = geti(&r, 0, BIG);
        if (r.st) break;
        sp->members = LACUS__NEW(int64_t, nm ? nm : 1);
        sp->history = LACUS__NEW(double, nh ? nh : 1);
        if (!sp->members || !sp->history) goto nomem;
        sp->cap_members = nm ? nm : 1;
        sp->cap_history = nh ? nh : 1;
        for (sp->n_members = 0; sp->n_members < nm && !r.st;) sp->members[sp->n_members++] = geti(&r, 0, np - 1);
        for (sp->n_history = 0; sp->n_history < nh && !r.st;) sp->history[sp->n_history++] = getd(&r, 0);
        sp->rep = get_genome(&r, &cfg);
    }
    expect(&r, "history");
    int64_t nhist = geti(&r, 0, BIG);
    for (int64_t i = 0; i < nhist && !r.st; i++) {
        lacus_neat_gen_stats h;
        expect(&r, "g");
        h.generation = geti(&r, 0, BIG);
        h.best = getd(&r, 0);
        h.mean = getd(&r, 0);
        h.stdev = getd(&r, 0);
        h.n_species = geti(&r, 0, BIG);
        h.mean_nodes = getd(&r, 0);
        h.mean_conns = getd(&r, 0);
        h.best_nodes = geti(&r, 0, BIG);
        h.best_conns = geti(&r, 0, BIG);
        h.evaluations = geti(&r, 0, INT64_MAX);
        h.solved = (int)geti(&r, 0, 1);
        int64_t nsp = geti(&r, 0, 10000000);
        if (r.st) break;
        if ((st = lacus__neat_hist_push(p, &h, err))) goto fail;
        neat_hist_species *hs = LACUS__NEW(neat_hist_species, nsp ? nsp : 1);
        if (!hs) goto nomem;
        p->hist_sp[p->n_hist - 1] = hs;
        p->hist_nsp[p->n_hist - 1] = nsp;
        for (int64_t k = 0; k < nsp && !r.st; k++) {
            hs[k].id = geti(&r, 0, BIG);
            hs[k].size = geti(&r, 0, BIG);
            hs[k].best = getd(&r, 1);
        }
    }
    expect(&r, "end");
    /* The species must partition the population (each genome in exactly
     * one, none empty), genome keys be distinct and below the next key, and
     * innovations below the counter: reproduction relies on all of it. */
    if (!r.st) {
        char *seen = LACUS__ZNEW(char, p->n_pop);
        if (!seen) goto nomem;
        for (int64_t s = 0; s < p->n_species && !r.st; s++) {
            if (p->species[s].n_members < 1 || !p->species[s].rep)
                r.st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: species %lld is empty", path, (long long)p->species[s].key);
            for (int64_t m = 0; m < p->species[s].n_members && !r.st; m++)
                if (seen[p->species[s].members[m]]++)
                    r.st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: genome index %lld in two species", path,
                                       (long long)p->species[s].members[m]);
            if (s > 0 && p->species[s].key <= p->species[s - 1].key)
                r.st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: species keys not increasing", path);
        }
        for (int64_t i = 0; i < p->n_pop && !r.st; i++) {
            if (!seen[i])
                r.st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: genome index %lld in no species", path, (long long)i);
            if (p->pop[i]->key >= p->next_genome_key || (i > 0 && p->pop[i]->key <= p->pop[i - 1]->key))
                r.st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: genome keys not increasing below %lld", path,
                                   (long long)p->next_genome_key);
            for (int64_t k = 0; k < p->pop[i]->n_conns && !r.st; k++)
                if (p->pop[i]->conns[k].innovation > p->tracker.next_innovation)
                    r.st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: innovation beyond the counter", path);
        }
        lacus__free(seen);
    }
fail_r:
    if (r.st) {
        st = r.st;
        goto fail;
    }
    lacus__free(buf);
    *out = p;
    return LACUS_OK;
nomem:
    st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory reading %s", path);
fail:
    lacus__free(buf);
    lacus_neat_free(p);
    return st;
}
