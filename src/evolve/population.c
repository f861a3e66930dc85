/* NEAT populations: evaluation (OpenMP, deterministic), statistics,
 * stagnation, explicit fitness sharing, reproduction and speciation, as
 * neat-python 2.0's Population.run, DefaultStagnation, DefaultReproduction
 * and DefaultSpeciesSet. */
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "evolve/neat_int.h"

enum { STREAM_NEAT_REPRO = 0x4e454154, STREAM_NEAT_EVAL = 0x4e455641 };

void lacus__neat_species_clear(neat_species *s)
{
    lacus_neat_genome_free(s->rep);
    lacus__free(s->members);
    lacus__free(s->history);
    memset(s, 0, sizeof *s);
}

static void free_pop(lacus_neat_genome **pop, int64_t n)
{
    for (int64_t i = 0; pop && i < n; i++) lacus_neat_genome_free(pop[i]);
    lacus__free(pop);
}

void lacus_neat_free(lacus_neat *p)
{
    if (!p) return;
    free_pop(p->pop, p->n_pop);
    for (int64_t i = 0; i < p->n_species; i++) lacus__neat_species_clear(&p->species[i]);
    lacus__free(p->species);
    lacus_neat_genome_free(p->best);
    for (int64_t i = 0; i < p->n_hist; i++) lacus__free(p->hist_sp[i]);
    lacus__free(p->hist_sp);
    lacus__free(p->hist_nsp);
    lacus__free(p->hist);
    lacus__neat_tracker_free(&p->tracker);
    lacus__free(p);
}

const char *lacus_neat_errmsg(const lacus_neat *p) { return p ? p->errmsg : "no population"; }
const lacus_neat_config *lacus_neat_get_config(const lacus_neat *p) { return &p->cfg; }
int64_t lacus_neat_generation(const lacus_neat *p) { return p->generation; }
int64_t lacus_neat_pop_size(const lacus_neat *p) { return p->n_pop; }
const lacus_neat_genome *lacus_neat_member(const lacus_neat *p, int64_t i)
{
    return i >= 0 && i < p->n_pop ? p->pop[i] : NULL;
}
const lacus_neat_genome *lacus_neat_best(const lacus_neat *p) { return p->best; }
int64_t lacus_neat_history_len(const lacus_neat *p) { return p->n_hist; }

lacus_status lacus_neat_history(const lacus_neat *p, int64_t i, lacus_neat_gen_stats *s)
{
    if (i < 0 || i >= p->n_hist) return LACUS_ERR_ARG;
    *s = p->hist[i];
    return LACUS_OK;
}

int64_t lacus_neat_history_species(const lacus_neat *p, int64_t i, int64_t *ids, int64_t *sizes,
                                   double *best, int64_t cap)
{
    if (i < 0 || i >= p->n_hist) return 0;
    int64_t n = p->hist_nsp[i];
    for (int64_t k = 0; k < n && k < cap; k++) {
        if (ids) ids[k] = p->hist_sp[i][k].id;
        if (sizes) sizes[k] = p->hist_sp[i][k].size;
        if (best) best[k] = p->hist_sp[i][k].best;
    }
    return n;
}

/* A fresh population of n genomes (keys from next_genome_key). */
static lacus_status create_genomes(lacus_neat *p, int64_t n, lacus_neat_genome ***out)
{
    lacus_neat_genome **pop = LACUS__ZNEW(lacus_neat_genome *, n);
    if (!pop) return LACUS_ERR_NOMEM;
    for (int64_t i = 0; i < n; i++) {
        pop[i] = lacus__neat_genome_new(p->next_genome_key++);
        if (!pop[i] || lacus__neat_configure_new(pop[i], &p->cfg, &p->tracker, &p->rng)) {
            free_pop(pop, n);
            return LACUS_ERR_NOMEM;
        }
    }
    *out = pop;
    return LACUS_OK;
}

lacus_status lacus_neat_create(const lacus_neat_config *c, uint64_t seed, lacus_neat **out,
                               lacus_error *err)
{
    lacus_status st;
    *out = NULL;
    if ((st = lacus_neat_config_check(c, err))) return st;
    lacus_neat *p = LACUS__ZNEW(lacus_neat, 1);
    if (!p) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory creating a population");
    p->cfg = *c;
    p->seed = seed;
    lacus__rng_stream(&p->rng, seed, STREAM_NEAT_REPRO, 0);
    p->next_genome_key = 1;
    p->next_species_key = 1;
    if ((st = create_genomes(p, c->pop_size, &p->pop))) {
        lacus_neat_free(p);
        return lacus__fail(err, st, "out of memory creating %lld genomes", (long long)c->pop_size);
    }
    p->n_pop = c->pop_size;
    if ((st = lacus__neat_speciate(p, err))) {
        lacus_neat_free(p);
        return st;
    }
    *out = p;
    return LACUS_OK;
}

/* ---- speciation (neat-python DefaultSpeciesSet.speciate) ------------------ */

static int cmp_key(const void *a, const void *b)
{
    int64_t x = (*(lacus_neat_genome *const *)a)->key, y = (*(lacus_neat_genome *const *)b)->key;
    return (x > y) - (x < y);
}

static lacus_status add_member(neat_species *s, int64_t idx)
{
    if (lacus__neat_grow((void **)&s->members, &s->cap_members, s->n_members + 1, sizeof(int64_t)))
        return LACUS_ERR_NOMEM;
    s->members[s->n_members++] = idx;
    return LACUS_OK;
}

lacus_status lacus__neat_speciate(lacus_neat *p, lacus_error *err)
{
    const int64_t n = p->n_pop;
    const double thr = p->cfg.compatibility_threshold;
    qsort(p->pop, (size_t)n, sizeof *p->pop, cmp_key);
    char *taken = LACUS__ZNEW(char, n);
    int64_t *rep_of = NULL; /* population index of each species' new representative */
    if (!taken) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory in speciation");
    lacus_status st = LACUS_OK;
    /* Existing species (sorted by key) take the closest genome as their new
     * representative. */
    for (int64_t s = 0; s < p->n_species; s++) {
        neat_species *sp = &p->species[s];
        sp->n_members = 0;
        double best = INFINITY;
        int64_t bi = -1;
        for (int64_t i = 0; i < n; i++) {
            if (taken[i]) continue;
            double d = lacus__neat_distance_bounded(sp->rep, p->pop[i], &p->cfg, best);
            if (d < best) best = d, bi = i;
        }
        if (bi < 0) { /* more species than genomes: the species dies out */
            lacus__neat_species_clear(sp);
            memmove(sp, sp + 1, (size_t)(p->n_species - s - 1) * sizeof *sp);
            p->n_species--;
            s--;
            continue;
        }
        taken[bi] = 1;
        if ((st = add_member(sp, bi))) goto done;
    }
    rep_of = LACUS__NEW(int64_t, p->n_species + n);
    if (!rep_of) {
        st = LACUS_ERR_NOMEM;
        goto done;
    }
    for (int64_t s = 0; s < p->n_species; s++) rep_of[s] = p->species[s].members[0];
    for (int64_t i = 0; i < n; i++) {
        if (taken[i]) continue;
        double best = INFINITY;
        int64_t bs = -1;
        for (int64_t s = 0; s < p->n_species; s++) {
            double d = lacus__neat_distance_bounded(p->pop[rep_of[s]], p->pop[i], &p->cfg, fmin(thr, best));
            if (d < thr && d < best) best = d, bs = s;
        }
        if (bs < 0) {
            if (lacus__neat_grow((void **)&p->species, &p->cap_species, p->n_species + 1,
                                 sizeof *p->species)) {
                st = LACUS_ERR_NOMEM;
                goto done;
            }
            neat_species *sp = &p->species[p->n_species];
            memset(sp, 0, sizeof *sp);
            sp->key = p->next_species_key++;
            sp->created = sp->last_improved = p->generation;
            rep_of[p->n_species] = i;
            p->n_species++;
            bs = p->n_species - 1;
        }
        if ((st = add_member(&p->species[bs], i))) goto done;
    }
    for (int64_t s = 0; s < p->n_species; s++) {
        lacus_neat_genome *rep = NULL;
        if ((st = lacus_neat_genome_copy(p->pop[rep_of[s]], &rep, err))) goto done;
        lacus_neat_genome_free(p->species[s].rep);
        p->species[s].rep = rep;
    }
done:
    lacus__free(taken);
    lacus__free(rep_of);
    if (st == LACUS_ERR_NOMEM) return lacus__fail(err, st, "out of memory in speciation");
    return st;
}

/* ---- statistics ------------------------------------------------------------ */

static double crit(lacus_neat_criterion c, double *v, int64_t n)
{
    double r = v[0];
    switch (c) {
    case LACUS_NEAT_CRIT_MAX: for (int64_t i = 1; i < n; i++) r = fmax(r, v[i]); return r;
    case LACUS_NEAT_CRIT_MIN: for (int64_t i = 1; i < n; i++) r = fmin(r, v[i]); return r;
    case LACUS_NEAT_CRIT_MEAN: {
        double s = 0;
        for (int64_t i = 0; i < n; i++) s += v[i];
        return s / (double)n;
    }
    case LACUS_NEAT_CRIT_MEDIAN: { /* neat-python's median: sorted[n // 2] ... as statistics.median */
        for (int64_t i = 1; i < n; i++) /* insertion sort: species are small */
            for (int64_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
                double t = v[j];
                v[j] = v[j - 1];
                v[j - 1] = t;
            }
        return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    }
    }
    return r;
}

lacus_status lacus__neat_hist_push(lacus_neat *p, const lacus_neat_gen_stats *s, lacus_error *err)
{
    int64_t cap = p->cap_hist;
    if (lacus__neat_grow((void **)&p->hist, &cap, p->n_hist + 1, sizeof *p->hist))
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory recording statistics");
    int64_t cap2 = p->cap_hist, cap3 = p->cap_hist;
    if (lacus__neat_grow((void **)&p->hist_sp, &cap2, p->n_hist + 1, sizeof *p->hist_sp) ||
        lacus__neat_grow((void **)&p->hist_nsp, &cap3, p->n_hist + 1, sizeof *p->hist_nsp))
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory recording statistics");
    p->cap_hist = cap;
    p->hist[p->n_hist] = *s;
    p->hist_sp[p->n_hist] = NULL;
    p->hist_nsp[p->n_hist] = 0;
    p->n_hist++;
    return LACUS_OK;
}

static lacus_status record(lacus_neat *p, lacus_neat_gen_stats *s, lacus_error *err)
{
    const int64_t n = p->n_pop;
    double sum = 0, sq = 0, best = -INFINITY, mn = 0, mc = 0;
    int64_t bi = 0;
    for (int64_t i = 0; i < n; i++) {
        double f = p->pop[i]->fitness;
        sum += f;
        if (f > best) best = f, bi = i;
        mn += (double)p->pop[i]->n_nodes;
        mc += (double)lacus_neat_genome_n_enabled(p->pop[i]);
    }
    double mean = sum / (double)n;
    for (int64_t i = 0; i < n; i++) sq += (p->pop[i]->fitness - mean) * (p->pop[i]->fitness - mean);
    memset(s, 0, sizeof *s);
    s->generation = p->generation;
    s->best = best;
    s->mean = mean;
    s->stdev = sqrt(sq / (double)n); /* population stdev, as neat-python's math_util.stdev */
    s->n_species = p->n_species;
    s->mean_nodes = mn / (double)n;
    s->mean_conns = mc / (double)n;
    s->best_nodes = p->pop[bi]->n_nodes;
    s->best_conns = lacus_neat_genome_n_enabled(p->pop[bi]);
    s->evaluations = p->evaluations;
    if (!p->cfg.no_fitness_termination) {
        double *v = LACUS__NEW(double, n);
        if (!v) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory");
        for (int64_t i = 0; i < n; i++) v[i] = p->pop[i]->fitness;
        s->solved = crit(p->cfg.fitness_criterion, v, n) >= p->cfg.fitness_threshold;
        lacus__free(v);
    }
    if (!p->best || best > p->best->fitness) {
        lacus_neat_genome *b = NULL;
        lacus_status st = lacus_neat_genome_copy(p->pop[bi], &b, err);
        if (st) return st;
        lacus_neat_genome_free(p->best);
        p->best = b;
    }
    lacus_status st = lacus__neat_hist_push(p, s, err);
    if (st) return st;
    neat_hist_species *hs = LACUS__NEW(neat_hist_species, p->n_species ? p->n_species : 1);
    if (!hs) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory recording species");
    for (int64_t k = 0; k < p->n_species; k++) {
        const neat_species *sp = &p->species[k];
        hs[k].id = sp->key;
        hs[k].size = sp->n_members;
        hs[k].best = -INFINITY;
        for (int64_t m = 0; m < sp->n_members; m++)
            hs[k].best = fmax(hs[k].best, p->pop[sp->members[m]]->fitness);
    }
    p->hist_sp[p->n_hist - 1] = hs;
    p->hist_nsp[p->n_hist - 1] = p->n_species;
    return LACUS_OK;
}

/* ---- evaluation ------------------------------------------------------------- */

static void eval_one(lacus_neat *p, lacus_neat_fitness_fn fn, void *user, int64_t i,
                     lacus_status *sts, lacus_error *errs)
{
    lacus__rng r;
    lacus__rng_stream(&r, p->seed, STREAM_NEAT_EVAL + (uint64_t)p->generation, (uint64_t)p->pop[i]->key);
    double f = NAN;
    errs[i].status = LACUS_OK;
    errs[i].msg[0] = 0;
    sts[i] = fn(p->pop[i], user, lacus__rng_u64(&r), &f, &errs[i]);
    if (!sts[i] && !isfinite(f)) {
        sts[i] = LACUS_ERR_NUMERIC;
        snprintf(errs[i].msg, sizeof errs[i].msg, "fitness = %g is not finite", f);
    }
    p->pop[i]->fitness = f;
    p->pop[i]->has_fitness = 1;
}

static lacus_status evaluate(lacus_neat *p, lacus_neat_fitness_fn fn, void *user, lacus_error *err)
{
    const int64_t n = p->n_pop;
    lacus_status *sts = LACUS__ZNEW(lacus_status, n);
    lacus_error *errs = LACUS__NEW(lacus_error, n); /* each cleared by eval_one */
    if (!sts || !errs) {
        lacus__free(sts);
        lacus__free(errs);
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory evaluating");
    }
    const int64_t gen = p->generation;
    /* Each genome's evaluation seed depends only on (seed, generation, key),
     * never on the thread that runs it. Genome 0 is timed first: below
     * ~20 us per genome (XOR) a parallel region costs more than it saves on
     * a busy machine, so the rest run serially; the numbers are the same
     * either way. Dynamic schedule: evaluation costs differ. */
    /* Under MPI each rank evaluates one contiguous block of the population
     * (every rank holds the whole population, replicated: reproduction
     * draws from the same RNG everywhere), then the fitnesses are gathered
     * (dist_eval.c). Since a genome's fitness depends only on its eval
     * seed, the run is the 1-rank run whatever the number of ranks. */
    int64_t i0 = 0, i1 = n;
    lacus__neat_block(n, &i0, &i1);
    lacus_status st = LACUS_OK;
    if (i1 > i0) {
        double t0 = omp_get_wtime();
        eval_one(p, fn, user, i0, sts, errs);
        int par = omp_get_max_threads() > 1 && (omp_get_wtime() - t0) > 20e-6;
#pragma omp parallel for schedule(dynamic, 1) if (par)
        for (int64_t i = i0 + 1; i < i1; i++) eval_one(p, fn, user, i, sts, errs);
    }
    for (int64_t i = i0; i < i1 && !st; i++)
        if (sts[i]) {
            st = lacus__fail(err, sts[i], "generation %lld, genome %lld: %s", (long long)gen,
                             (long long)p->pop[i]->key, errs[i].msg[0] ? errs[i].msg : lacus_status_str(sts[i]));
        }
    if (i1 - i0 < n) st = lacus__neat_gather(p, i0, i1, st, err);
    p->evaluations += n;
    lacus__free(sts);
    lacus__free(errs);
    return st;
}

/* ---- stagnation and reproduction ------------------------------------------ */

typedef struct sp_order {
    int64_t idx;
    double fitness;
} sp_order;

static int cmp_sp(const void *a, const void *b)
{
    const sp_order *x = a, *y = b;
    if (x->fitness != y->fitness) return x->fitness < y->fitness ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx); /* stable, as Python's sort */
}

typedef struct mem_order {
    int64_t idx, key;
    double fitness;
} mem_order;

static int cmp_mem_desc(const void *a, const void *b)
{
    const mem_order *x = a, *y = b;
    if (x->fitness != y->fitness) return x->fitness > y->fitness ? -1 : 1;
    return (x->key < y->key) - (x->key > y->key);
}

/* neat-python's compute_spawn and _adjust_spawn_exact. round() in Python
 * rounds half to even, as rint() in the default rounding mode. */
static int compute_spawn(const double *af, const int64_t *prev, int64_t ns, int64_t pop_size,
                         int64_t min_size, int64_t *spawn)
{
    double af_sum = 0;
    for (int64_t i = 0; i < ns; i++) af_sum += af[i];
    int64_t total = 0;
    for (int64_t i = 0; i < ns; i++) {
        double s = af_sum > 0 ? fmax((double)min_size, af[i] / af_sum * (double)pop_size) : (double)min_size;
        double d = (s - (double)prev[i]) * 0.5;
        int64_t c = (int64_t)rint(d);
        int64_t sp = prev[i];
        if (llabs(c) > 0) sp += c;
        else if (d > 0) sp += 1;
        else if (d < 0) sp -= 1;
        spawn[i] = sp;
        total += sp;
    }
    double norm = (double)pop_size / (double)total;
    total = 0;
    for (int64_t i = 0; i < ns; i++) {
        int64_t v = (int64_t)rint((double)spawn[i] * norm);
        spawn[i] = v > min_size ? v : min_size;
        total += spawn[i];
    }
    if (total == pop_size) return 0;
    if (ns * min_size > pop_size) return -1;
    /* Smaller species first when adding, larger first when removing; ties
     * by position (Python's stable sort). */
    int64_t *ord = LACUS__NEW(int64_t, ns);
    if (!ord) return -2;
    for (int64_t i = 0; i < ns; i++) ord[i] = i;
    int asc = total < pop_size;
    for (int64_t i = 1; i < ns; i++)
        for (int64_t j = i; j > 0; j--) {
            int64_t a = spawn[ord[j - 1]], b = spawn[ord[j]];
            if (asc ? a > b : a < b) {
                int64_t t = ord[j];
                ord[j] = ord[j - 1];
                ord[j - 1] = t;
            } else break;
        }
    if (asc) {
        for (int64_t diff = pop_size - total, i = 0; diff > 0; diff--, i = (i + 1) % ns) spawn[ord[i]]++;
    } else {
        int64_t rem = total - pop_size, i = 0;
        while (rem > 0) {
            if (spawn[ord[i]] > min_size) spawn[ord[i]]--, rem--;
            i = (i + 1) % ns;
            if (i == 0 && rem > 0) {
                int any = 0;
                for (int64_t k = 0; k < ns; k++) any |= spawn[k] > min_size;
                if (!any) break;
            }
        }
    }
    lacus__free(ord);
    total = 0;
    for (int64_t i = 0; i < ns; i++) total += spawn[i];
    return total == pop_size ? 0 : -1;
}

static lacus_status reproduce(lacus_neat *p, lacus_error *err)
{
    const lacus_neat_config *c = &p->cfg;
    const int64_t ns = p->n_species, gen = p->generation;
    lacus__neat_tracker_new_generation(&p->tracker);
    sp_order *ord = LACUS__NEW(sp_order, ns ? ns : 1);
    char *stagnant = LACUS__ZNEW(char, ns ? ns : 1);
    double *fit = LACUS__NEW(double, p->n_pop);
    if (!ord || !stagnant || !fit) goto nomem;
    /* DefaultStagnation.update, species in key order. */
    for (int64_t s = 0; s < ns; s++) {
        neat_species *sp = &p->species[s];
        double prev = -DBL_MAX;
        for (int64_t h = 0; h < sp->n_history; h++) prev = fmax(prev, sp->history[h]);
        for (int64_t m = 0; m < sp->n_members; m++) fit[m] = p->pop[sp->members[m]]->fitness;
        sp->fitness = crit(c->species_fitness_func, fit, sp->n_members);
        if (lacus__neat_grow((void **)&sp->history, &sp->cap_history, sp->n_history + 1, sizeof(double)))
            goto nomem;
        sp->history[sp->n_history++] = sp->fitness;
        if (sp->fitness > prev) sp->last_improved = gen;
        ord[s].idx = s;
        ord[s].fitness = sp->fitness;
    }
    qsort(ord, (size_t)ns, sizeof *ord, cmp_sp);
    int64_t non_stagnant = ns;
    for (int64_t k = 0; k < ns; k++) {
        neat_species *sp = &p->species[ord[k].idx];
        int is = 0;
        if (non_stagnant > c->species_elitism) is = gen - sp->last_improved >= c->max_stagnation;
        if (ns - k <= c->species_elitism) is = 0;
        if (is) non_stagnant--;
        stagnant[k] = (char)is;
    }
    /* Explicit fitness sharing: each remaining species' adjusted fitness is
     * its mean member fitness (= sum of f_i / |species|), shifted and scaled
     * by the population's range. */
    double mnf = INFINITY, mxf = -INFINITY;
    int64_t nrem = 0;
    for (int64_t k = 0; k < ns; k++) {
        if (stagnant[k]) continue;
        const neat_species *sp = &p->species[ord[k].idx];
        for (int64_t m = 0; m < sp->n_members; m++) {
            double f = p->pop[sp->members[m]]->fitness;
            mnf = fmin(mnf, f);
            mxf = fmax(mxf, f);
        }
        ord[nrem++] = ord[k];
    }
    lacus__free(stagnant);
    stagnant = NULL;
    lacus__free(fit);
    fit = NULL;
    lacus_neat_genome **newpop = NULL;
    int64_t n_new = 0;
    if (nrem == 0) {
        /* Complete extinction. */
        for (int64_t s = 0; s < ns; s++) lacus__neat_species_clear(&p->species[s]);
        p->n_species = 0;
        lacus__free(ord);
        if (!c->reset_on_extinction)
            return lacus__fail(err, LACUS_ERR_STATE,
                               "generation %lld: complete extinction (every species stagnated; "
                               "set reset_on_extinction = True to restart)", (long long)gen);
        lacus_status st = create_genomes(p, c->pop_size, &newpop);
        if (st) return lacus__fail(err, st, "out of memory restarting after extinction");
        free_pop(p->pop, p->n_pop);
        p->pop = newpop;
        p->n_pop = c->pop_size;
        return LACUS_OK;
    }
    double range = fmax(1.0, mxf - mnf);
    double *af = LACUS__NEW(double, nrem);
    int64_t *prev = LACUS__NEW(int64_t, nrem), *spawn = LACUS__NEW(int64_t, nrem);
    newpop = LACUS__ZNEW(lacus_neat_genome *, c->pop_size + c->elitism * nrem + 1);
    mem_order *mo = LACUS__NEW(mem_order, p->n_pop);
    if (!af || !prev || !spawn || !newpop || !mo) {
        lacus__free(af), lacus__free(prev), lacus__free(spawn), lacus__free(newpop), lacus__free(mo);
        goto nomem;
    }
    for (int64_t k = 0; k < nrem; k++) {
        const neat_species *sp = &p->species[ord[k].idx];
        double s = 0;
        for (int64_t m = 0; m < sp->n_members; m++) s += p->pop[sp->members[m]]->fitness;
        af[k] = (s / (double)sp->n_members - mnf) / range;
        prev[k] = sp->n_members;
    }
    int64_t min_size = c->min_species_size > c->elitism ? c->min_species_size : c->elitism;
    int cs = compute_spawn(af, prev, nrem, c->pop_size, min_size, spawn);
    lacus_status st = LACUS_OK;
    if (cs == -1)
        st = lacus__fail(err, LACUS_ERR_ARG,
                         "generation %lld: pop_size %lld < %lld species * min_species_size %lld; "
                         "lower min_species_size/elitism or raise compatibility_threshold",
                         (long long)gen, (long long)c->pop_size, (long long)nrem, (long long)min_size);
    else if (cs == -2)
        st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory");
    for (int64_t k = 0; k < nrem && !st; k++) {
        const neat_species *sp = &p->species[ord[k].idx];
        int64_t n_spawn = spawn[k] > c->elitism ? spawn[k] : c->elitism;
        for (int64_t m = 0; m < sp->n_members; m++) {
            mo[m].idx = sp->members[m];
            mo[m].key = p->pop[sp->members[m]]->key;
            mo[m].fitness = p->pop[sp->members[m]]->fitness;
        }
        qsort(mo, (size_t)sp->n_members, sizeof *mo, cmp_mem_desc);
        for (int64_t e = 0; e < c->elitism && e < sp->n_members && !st; e++, n_spawn--) {
            st = lacus_neat_genome_copy(p->pop[mo[e].idx], &newpop[n_new], err);
            if (!st) n_new++;
        }
        if (st || n_spawn <= 0) continue;
        int64_t cutoff = (int64_t)ceil(c->survival_threshold * (double)sp->n_members);
        if (cutoff < 2) cutoff = 2;
        if (cutoff > sp->n_members) cutoff = sp->n_members;
        while (n_spawn-- > 0 && !st) {
            const lacus_neat_genome *a = p->pop[mo[lacus__rng_below(&p->rng, (uint64_t)cutoff)].idx];
            const lacus_neat_genome *b = p->pop[mo[lacus__rng_below(&p->rng, (uint64_t)cutoff)].idx];
            lacus_neat_genome *ch = NULL;
            if (lacus__neat_crossover(a, b, p->next_genome_key++, c, &p->rng, &ch) ||
                lacus__neat_mutate(ch, c, &p->tracker, &p->rng)) {
                lacus_neat_genome_free(ch);
                st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory in reproduction");
                break;
            }
            newpop[n_new++] = ch;
        }
    }
    lacus__free(af), lacus__free(prev), lacus__free(spawn), lacus__free(mo);
    if (st) {
        free_pop(newpop, n_new);
        lacus__free(ord);
        return st;
    }
    /* Keep the species that reproduced (in their new order), drop the
     * stagnant ones. */
    neat_species *keep = LACUS__NEW(neat_species, nrem);
    if (!keep) {
        free_pop(newpop, n_new);
        goto nomem;
    }
    char *kept = LACUS__ZNEW(char, ns);
    if (!kept) {
        lacus__free(keep);
        free_pop(newpop, n_new);
        goto nomem;
    }
    for (int64_t k = 0; k < nrem; k++) keep[k] = p->species[ord[k].idx], kept[ord[k].idx] = 1;
    for (int64_t s = 0; s < ns; s++)
        if (!kept[s]) lacus__neat_species_clear(&p->species[s]);
    lacus__free(kept);
    /* Species stay sorted by key for the next speciation. */
    for (int64_t i = 1; i < nrem; i++)
        for (int64_t j = i; j > 0 && keep[j - 1].key > keep[j].key; j--) {
            neat_species t = keep[j];
            keep[j] = keep[j - 1];
            keep[j - 1] = t;
        }
    memcpy(p->species, keep, (size_t)nrem * sizeof *keep);
    p->n_species = nrem;
    for (int64_t s = 0; s < nrem; s++) p->species[s].n_members = 0;
    lacus__free(keep);
    lacus__free(ord);
    free_pop(p->pop, p->n_pop);
    p->pop = newpop;
    p->n_pop = n_new;
    return LACUS_OK;
nomem:
    lacus__free(ord);
    lacus__free(stagnant);
    lacus__free(fit);
    return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory in reproduction");
}

lacus_status lacus_neat_step(lacus_neat *p, lacus_neat_fitness_fn fn, void *user,
                             lacus_neat_gen_stats *stats, int *done)
{
    lacus_error e = {0};
    lacus_neat_gen_stats s;
    lacus_status st;
    if (done) *done = 0;
    if (!fn) {
        snprintf(p->errmsg, sizeof p->errmsg, "fitness function is NULL");
        return LACUS_ERR_ARG;
    }
    if ((st = evaluate(p, fn, user, &e)) || (st = record(p, &s, &e))) goto fail;
    if (stats) *stats = s;
    if (s.solved) {
        if (done) *done = 1;
        return LACUS_OK;
    }
    if ((st = reproduce(p, &e)) || (st = lacus__neat_speciate(p, &e))) goto fail;
    p->generation++;
    return LACUS_OK;
fail:
    snprintf(p->errmsg, sizeof p->errmsg, "%s", e.msg);
    return st;
}

lacus_neat_run_opts lacus_neat_run_opts_default(void)
{
    lacus_neat_run_opts o = {300, 0, NULL, NULL, NULL};
    return o;
}

lacus_status lacus_neat_run(lacus_neat *p, lacus_neat_fitness_fn fn, void *user,
                            const lacus_neat_run_opts *o, int *solved)
{
    lacus_neat_run_opts d = lacus_neat_run_opts_default();
    if (!o) o = &d;
    if (solved) *solved = 0;
    if (o->n_generations < 1 || o->checkpoint_every < 0) {
        snprintf(p->errmsg, sizeof p->errmsg, "n_generations = %lld must be >= 1, checkpoint_every >= 0",
                 (long long)o->n_generations);
        return LACUS_ERR_ARG;
    }
    for (int64_t k = 0; k < o->n_generations; k++) {
        lacus_neat_gen_stats s;
        int done = 0;
        lacus_status st = lacus_neat_step(p, fn, user, &s, &done);
        if (st) return st;
        if (o->progress) o->progress(&s, o->progress_user);
        if (done) {
            if (solved) *solved = 1;
            return LACUS_OK;
        }
        /* Like neat-python's Checkpointer: after reproduction, so that a
         * resumed run starts by evaluating generation p->generation. */
        if (o->checkpoint_every > 0 && o->checkpoint_prefix && p->generation % o->checkpoint_every == 0) {
            char path[4096];
            lacus_error e = {0};
            snprintf(path, sizeof path, "%s%lld", o->checkpoint_prefix, (long long)p->generation);
            /* Under MPI the ranks hold the same population: rank 0 writes. */
            if (lacus_dist_rank() == 0) st = lacus_neat_save(p, path, &e);
            if (lacus_dist_size() > 1) st = lacus_dist_agree(st, &e);
            if (st) {
                snprintf(p->errmsg, sizeof p->errmsg, "%s", e.msg);
                return st;
            }
        }
    }
    return LACUS_OK;
}
