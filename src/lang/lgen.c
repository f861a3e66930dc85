/* lgen: the synthetic-language generator (grammar and guarantees in
 * lacus/lgen.h). The derivation is kept as a stack of pending symbols; the
 * true next-token distribution is the distribution of the first token of
 * the stack (first_sym, with epsilon mass flowing down the stack), and a
 * step samples the same choices (step), so the two are computed by separate
 * code paths that the tests compare (chi-square, log-likelihoods). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "lacus.h"

enum { T_END = 0, T_THAT = 1, T_DET = 2, T_PRON = 6, T_REFL = 13, T_PREP = 20 };
enum { K_TOK, K_NP, K_ADJS, K_N, K_MOD, K_REL, K_VP, K_VT, K_REFL };
enum { R_SUBJ, R_OBJ, R_PP };
enum { C_VI, C_VT, C_VR, C_VC };

typedef struct sym {
    int kind, depth, frame, role, num, tok, attract;
} sym;

typedef struct frame {
    int num, per, gen, noun, verb_done, attract;
    int64_t head; /* stream position of the head noun/pronoun, or -1 */
} frame;

struct lacus_lgen {
    lacus_lgen_params p;
    int64_t V, n_verbs, noun0, adj0, verb0, cls0[5];
    char **words;
    int *noun_gen;           /* (n_nouns) 0 m, 1 f, 2 n */
    double *zn, *za, *zv;    /* Zipf weights: nouns, adjectives, verbs within class */
    unsigned char *heldout;  /* (n_nouns, n_verbs) newcomb pairs */
    lacus__rng rng;
    sym *stack;
    int64_t sp, stack_cap;
    frame *fr;
    int64_t n_fr, fr_cap;
    int64_t pos, sentence;
    lacus_error err;
};

lacus_lgen_params lacus_lgen_params_default(void)
{
    lacus_lgen_params p = {40, 16, 4, 12, 12, 4, 4, 1.0, 0.5, 0.15, 0.2, 0.15, 0.1, 0.3,
                           0.35, 0.4, 0.1, 0.15, 0.0, 3, LACUS_LGEN_IID, 0.2, 1};
    return p;
}

void lacus_lgen_free(lacus_lgen *g)
{
    if (!g) return;
    if (g->words)
        for (int64_t i = 0; i < g->V; i++) lacus__free(g->words[i]);
    lacus__free(g->words);
    lacus__free(g->noun_gen), lacus__free(g->zn), lacus__free(g->za), lacus__free(g->zv);
    lacus__free(g->heldout), lacus__free(g->stack), lacus__free(g->fr);
    lacus__free(g);
}

const char *lacus_lgen_errmsg(const lacus_lgen *g) { return g ? g->err.msg : "lgen is NULL"; }
int64_t lacus_lgen_vocab_size(const lacus_lgen *g) { return g->V; }
const char *lacus_lgen_word(const lacus_lgen *g, int32_t id) { return id >= 0 && id < g->V ? g->words[id] : NULL; }

void lacus_lgen_reset(lacus_lgen *g, uint64_t seed)
{
    lacus__rng_stream(&g->rng, seed, LACUS__STREAM_DATA, 1);
    g->sp = 0, g->n_fr = 0, g->pos = 0, g->sentence = 0;
}

static void zipf(double *w, int64_t n, double s)
{
    double z = 0;
    for (int64_t i = 0; i < n; i++) z += w[i] = pow((double)(i + 1), -s);
    for (int64_t i = 0; i < n; i++) w[i] /= z;
}

static int n_class(const lacus_lgen *g, int c)
{
    const int64_t n[4] = {g->p.n_vi, g->p.n_vt, g->p.n_vr, g->p.n_vc};
    return (int)n[c];
}

lacus_status lacus_lgen_create(const lacus_lgen_params *p, lacus_lgen **out, lacus_error *err)
{
    if (!out || !p) return lacus__fail(err, LACUS_ERR_ARG, "lgen: NULL argument");
    *out = NULL;
    const int64_t sizes[] = {p->n_nouns, p->n_adj, p->n_prep, p->n_vi, p->n_vt, p->n_vr, p->n_vc};
    static const char *names[] = {"n_nouns", "n_adj", "n_prep", "n_vi", "n_vt", "n_vr", "n_vc"};
    for (int i = 0; i < 7; i++)
        if (sizes[i] < 1 || sizes[i] > 100000)
            return lacus__fail(err, LACUS_ERR_ARG, "lgen %s = %lld: must be in [1, 100000]", names[i],
                               (long long)sizes[i]);
    const double probs[] = {p->p_plural, p->p_pron, p->p_adj, p->p_pp, p->p_rel, p->p_orc, p->p_attractor,
                            p->heldout_frac};
    static const char *pn[] = {"p_plural", "p_pron", "p_adj", "p_pp", "p_rel", "p_orc", "p_attractor",
                               "heldout_frac"};
    for (int i = 0; i < 8; i++)
        if (!(probs[i] >= 0 && probs[i] <= 1))
            return lacus__fail(err, LACUS_ERR_ARG, "lgen %s = %g: must be in [0, 1]", pn[i], probs[i]);
    if (p->p_adj >= 1 || p->p_pp + p->p_rel > 1 || p->p_pron >= 1)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "lgen: p_adj = %g and p_pron = %g must be < 1, p_pp + p_rel = %g <= 1", p->p_adj,
                           p->p_pron, p->p_pp + p->p_rel);
    if (!(p->p_vi >= 0 && p->p_vt >= 0 && p->p_vr >= 0 && p->p_vc >= 0 && p->p_vi + p->p_vt + p->p_vr > 0 &&
          isfinite(p->p_vi + p->p_vt + p->p_vr + p->p_vc)))
        return lacus__fail(err, LACUS_ERR_ARG, "lgen: verb class weights must be >= 0, finite, and p_vi + p_vt + "
                                               "p_vr > 0 (clauses at max_depth cannot embed)");
    if (!(p->zipf >= 0 && p->zipf <= 10))
        return lacus__fail(err, LACUS_ERR_ARG, "lgen zipf = %g: must be in [0, 10]", p->zipf);
    if (p->max_depth < 0 || p->max_depth > 50)
        return lacus__fail(err, LACUS_ERR_ARG, "lgen max_depth = %d: must be in [0, 50]", p->max_depth);
    if ((unsigned)p->split > 3) return lacus__fail(err, LACUS_ERR_ARG, "lgen split = %d: must be 0..3", (int)p->split);
    if (p->split == LACUS_LGEN_DEEPER && !(p->p_vc > 0))
        return lacus__fail(err, LACUS_ERR_ARG, "lgen split deeper needs p_vc > 0");
    lacus_lgen *g = lacus__calloc(1, sizeof *g);
    if (!g) return lacus__fail(err, LACUS_ERR_NOMEM, "lgen: out of memory");
    g->p = *p;
    if (p->split == LACUS_LGEN_DEEPER) g->p.max_depth = p->max_depth + 1;
    g->n_verbs = p->n_vi + p->n_vt + p->n_vr + p->n_vc;
    g->noun0 = T_PREP + p->n_prep;
    g->adj0 = g->noun0 + 2 * p->n_nouns;
    g->verb0 = g->adj0 + p->n_adj;
    g->V = g->verb0 + 2 * g->n_verbs;
    g->cls0[0] = 0;
    for (int c = 0; c < 4; c++) g->cls0[c + 1] = g->cls0[c] + n_class(g, c);
    g->words = LACUS__ZNEW(char *, g->V);
    g->noun_gen = LACUS__NEW(int, p->n_nouns);
    g->zn = LACUS__NEW(double, p->n_nouns);
    g->za = LACUS__NEW(double, p->n_adj);
    g->zv = LACUS__NEW(double, g->n_verbs);
    g->heldout = LACUS__ZNEW(unsigned char, p->n_nouns * g->n_verbs);
    g->stack_cap = 64, g->fr_cap = 16;
    g->stack = LACUS__NEW(sym, g->stack_cap);
    g->fr = LACUS__NEW(frame, g->fr_cap);
    if (!g->words || !g->noun_gen || !g->zn || !g->za || !g->zv || !g->heldout || !g->stack || !g->fr) goto nomem;
    static const char *fixed[] = {".", "that", "a", "this", "some", "these", "I", "you", "he", "she", "it",
                                  "we", "they", "myself", "yourself", "himself", "herself", "itself",
                                  "ourselves", "themselves"};
    static const char *vcls[] = {"vi", "vt", "vr", "vc"};
    char buf[64];
    for (int64_t i = 0; i < g->V; i++) {
        if (i < T_PREP) snprintf(buf, sizeof buf, "%s", fixed[i]);
        else if (i < g->noun0) snprintf(buf, sizeof buf, "p%lld", (long long)(i - T_PREP));
        else if (i < g->adj0) snprintf(buf, sizeof buf, "n%lld%s", (long long)((i - g->noun0) / 2), (i - g->noun0) % 2 ? "s" : "");
        else if (i < g->verb0) snprintf(buf, sizeof buf, "j%lld", (long long)(i - g->adj0));
        else {
            int64_t L = (i - g->verb0) / 2;
            int c = 0;
            while (L >= g->cls0[c + 1]) c++;
            snprintf(buf, sizeof buf, "%s%lld%s", vcls[c], (long long)(L - g->cls0[c]), (i - g->verb0) % 2 ? "s" : "");
        }
        if (!(g->words[i] = lacus__strdup(buf))) goto nomem;
    }
    /* The lexicon from the seed: noun genders and held-out pairs. */
    lacus__rng r;
    lacus__rng_stream(&r, p->seed, LACUS__STREAM_DATA, 0);
    for (int64_t i = 0; i < p->n_nouns; i++) g->noun_gen[i] = (int)lacus__rng_below(&r, 3);
    for (int64_t i = 0; i < p->n_nouns; i++) {
        int any = 0;
        for (int64_t L = 0; L < g->n_verbs; L++) any |= g->heldout[i * g->n_verbs + L] = lacus__rng_uniform(&r) < p->heldout_frac;
        if (!any) g->heldout[i * g->n_verbs + (int64_t)lacus__rng_below(&r, (uint64_t)g->n_verbs)] = 1;
        /* every noun keeps at least one verb for the train split */
        int all = 1;
        for (int64_t L = 0; L < g->n_verbs; L++) all &= g->heldout[i * g->n_verbs + L];
        if (all) g->heldout[i * g->n_verbs] = 0;
    }
    zipf(g->zn, p->n_nouns, p->zipf);
    zipf(g->za, p->n_adj, p->zipf);
    for (int c = 0; c < 4; c++) zipf(g->zv + g->cls0[c], n_class(g, c), p->zipf);
    lacus_lgen_reset(g, p->seed);
    *out = g;
    return LACUS_OK;
nomem:
    lacus_lgen_free(g);
    return lacus__fail(err, LACUS_ERR_NOMEM, "lgen: out of memory");
}

/* ---- the distribution of the next token ---------------------------------- */

static int verb_form(const frame *f) { return f->per == 3 && f->num == 0; } /* 1: the "-s" form */

static int refl_token(const frame *f)
{
    if (f->per == 1) return T_REFL + (f->num ? 5 : 0);
    if (f->per == 2) return T_REFL + 1;
    return f->num ? T_REFL + 6 : T_REFL + 2 + f->gen;
}

/* Probability of verb lemma L for a VP (transitive only for an object
 * relative's gap verb) of clause frame f at depth d: class weight times
 * Zipf within the class, restricted by the split, normalised. w (n_verbs). */
static void verb_probs_split(const lacus_lgen *g, const frame *f, int d, int gap, int use_split, double *w);
static void verb_probs(const lacus_lgen *g, const frame *f, int d, int gap, double *w)
{
    verb_probs_split(g, f, d, gap, 1, w);
}

static void verb_probs_split(const lacus_lgen *g, const frame *f, int d, int gap, int use_split, double *w)
{
    const double cw[4] = {g->p.p_vi, g->p.p_vt, g->p.p_vr, g->p.p_vc};
    double z = 0;
    int deeper_main = g->p.split == LACUS_LGEN_DEEPER && d == 0 && !gap;
    for (int c = 0; c < 4; c++)
        for (int64_t L = g->cls0[c]; L < g->cls0[c + 1]; L++) {
            double x = cw[c] * g->zv[L];
            if (gap && c != C_VT) x = 0;
            if (c == C_VC && d >= g->p.max_depth) x = 0;
            if (deeper_main && c != C_VC) x = 0;
            if (use_split && f->noun >= 0 && d == 0 && !gap) {
                int h = g->heldout[f->noun * g->n_verbs + L];
                if ((g->p.split == LACUS_LGEN_NEWCOMB_TRAIN && h) || (g->p.split == LACUS_LGEN_NEWCOMB_TEST && !h)) x = 0;
            }
            z += w[L] = x;
        }
    /* A noun whose held-out verbs all belong to classes excluded here
     * (embedding at max_depth 0) falls back to the unrestricted choice. */
    if (!(z > 0) && use_split) return verb_probs_split(g, f, d, gap, 0, w);
    for (int64_t L = 0; L < g->n_verbs; L++) w[L] /= z;
}

static double num_prob(const lacus_lgen *g, const sym *s, int num)
{
    double pl = g->p.p_plural, q = num ? pl : 1 - pl;
    if (s->attract >= 0 && num != s->attract) q = g->p.p_attractor + (1 - g->p.p_attractor) * q;
    else if (s->attract >= 0) q = (1 - g->p.p_attractor) * q;
    return q;
}

static double p_pron(const lacus_lgen *g, const sym *s)
{
    /* Subjects of the newcomb test split are nouns, so every main clause
     * has a (noun, verb) pair to test. */
    if (s->role != R_SUBJ) return 0;
    if (g->p.split == LACUS_LGEN_NEWCOMB_TEST && s->depth == 0) return 0;
    return g->p.p_pron;
}

static void mod_probs(const lacus_lgen *g, int d, double *pp, double *rel)
{
    int ok = d < g->p.max_depth;
    *pp = ok ? g->p.p_pp : 0, *rel = ok ? g->p.p_rel : 0;
}

/* Adds mass times the first-token distribution of symbol s (at stack index
 * idx, or -1 for one not yet pushed) to dist; epsilon mass continues with
 * the symbol below. */
static void first_sym(const lacus_lgen *g, const sym *s, int64_t idx, double mass, double *dist, double *vw);

static void first_at(const lacus_lgen *g, int64_t idx, double mass, double *dist, double *vw)
{
    if (idx >= 0 && mass > 0) first_sym(g, &g->stack[idx], idx, mass, dist, vw);
}

static void first_sym(const lacus_lgen *g, const sym *s, int64_t idx, double mass, double *dist, double *vw)
{
    const lacus_lgen_params *p = &g->p;
    switch (s->kind) {
    case K_TOK: dist[s->tok] += mass; break;
    case K_NP: {
        double pr = p_pron(g, s);
        for (int i = 0; i < 7; i++) dist[T_PRON + i] += mass * pr / 7;
        for (int num = 0; num < 2; num++) {
            double q = mass * (1 - pr) * num_prob(g, s, num) / 2;
            dist[T_DET + 2 * num] += q;
            dist[T_DET + 2 * num + 1] += q;
        }
        break;
    }
    case K_ADJS:
        for (int64_t i = 0; i < p->n_adj; i++) dist[g->adj0 + i] += mass * p->p_adj * g->za[i];
        first_at(g, idx - 1, mass * (1 - p->p_adj), dist, vw);
        break;
    case K_N:
        for (int64_t i = 0; i < p->n_nouns; i++) dist[g->noun0 + 2 * i + s->num] += mass * g->zn[i];
        break;
    case K_MOD: {
        double pp, rel;
        mod_probs(g, s->depth, &pp, &rel);
        for (int64_t i = 0; i < p->n_prep; i++) dist[T_PREP + i] += mass * pp / (double)p->n_prep;
        dist[T_THAT] += mass * rel;
        first_at(g, idx - 1, mass * (1 - pp - rel), dist, vw);
        break;
    }
    case K_REL: {
        sym vp = {K_VP, s->depth, s->frame, 0, 0, 0, -1}, np = {K_NP, s->depth, -1, R_SUBJ, 0, 0, -1};
        first_sym(g, &vp, -1, mass * (1 - p->p_orc), dist, vw);
        first_sym(g, &np, -1, mass * p->p_orc, dist, vw);
        break;
    }
    case K_VP:
    case K_VT: {
        const frame *f = &g->fr[s->frame];
        verb_probs(g, f, s->depth, s->kind == K_VT, vw);
        int form = verb_form(f);
        for (int64_t L = 0; L < g->n_verbs; L++) dist[g->verb0 + 2 * L + form] += mass * vw[L];
        break;
    }
    case K_REFL: dist[refl_token(&g->fr[s->frame])] += mass; break;
    }
}

/* ---- sampling ------------------------------------------------------------ */

static int push(lacus_lgen *g, sym s)
{
    if (g->sp == g->stack_cap) {
        sym *n = lacus__realloc(g->stack, (size_t)(2 * g->stack_cap) * sizeof *n);
        if (!n) return -1;
        g->stack = n, g->stack_cap *= 2;
    }
    g->stack[g->sp++] = s;
    return 0;
}

static int new_frame(lacus_lgen *g)
{
    if (g->n_fr == g->fr_cap) {
        frame *n = lacus__realloc(g->fr, (size_t)(2 * g->fr_cap) * sizeof *n);
        if (!n) return -1;
        g->fr = n, g->fr_cap *= 2;
    }
    frame f = {0, 3, 2, -1, 0, 0, -1};
    g->fr[g->n_fr] = f;
    return (int)g->n_fr++;
}

/* Pushes a clause: subject NP of a new frame, then its VP (and the full stop at depth 0). */
static int push_clause(lacus_lgen *g, int d)
{
    int f = new_frame(g);
    if (f < 0) return -1;
    if (d == 0 && push(g, (sym){K_TOK, 0, -1, 0, 0, T_END, -1})) return -1;
    if (push(g, (sym){K_VP, d, f, 0, 0, 0, -1})) return -1;
    return push(g, (sym){K_NP, d, f, R_SUBJ, 0, 0, -1});
}

/* Index drawn from weights w (n) summing to 1. */
static int64_t draw(lacus__rng *r, const double *w, int64_t n)
{
    double u = lacus__rng_uniform(r), c = 0;
    for (int64_t i = 0; i < n; i++)
        if ((c += w[i]) > u && w[i] > 0) return i;
    for (int64_t i = n - 1; i >= 0; i--)
        if (w[i] > 0) return i;
    return 0;
}

static void noun_seen(lacus_lgen *g, int own, int num)
{
    for (int64_t i = 0; i < g->n_fr; i++)
        if (i != own && g->fr[i].head >= 0 && !g->fr[i].verb_done && g->fr[i].num != num) g->fr[i].attract++;
}

/* One token: pops symbols, making (and scoring) choices, until one emits. */
static int step(lacus_lgen *g, int32_t *tok, double *logp, lacus_lgen_annot *a, double *vw)
{
    const lacus_lgen_params *p = &g->p;
    lacus__rng *r = &g->rng;
    *logp = 0;
    if (g->sp == 0) {
        g->n_fr = 0;
        if (push_clause(g, 0)) return -1;
    }
    for (;;) {
        sym s = g->stack[--g->sp];
        a->depth = s.depth, a->link = -1, a->attractors = 0;
        switch (s.kind) {
        case K_TOK:
            *tok = s.tok;
            a->cls = s.tok == T_END ? LACUS_LGEN_PUNCT : LACUS_LGEN_COMP;
            return 0;
        case K_NP: {
            double pr = p_pron(g, &s);
            frame *f = &g->fr[s.frame];
            if (lacus__rng_uniform(r) < pr) {
                static const int per[7] = {1, 2, 3, 3, 3, 1, 3}, num[7] = {0, 1, 0, 0, 0, 1, 1}, gen[7] = {2, 2, 0, 1, 2, 2, 2};
                int i = (int)lacus__rng_below(r, 7);
                f->per = per[i], f->num = num[i], f->gen = gen[i], f->head = g->pos;
                *tok = T_PRON + i;
                *logp += log(pr / 7);
                a->cls = LACUS_LGEN_PRON;
                return 0;
            }
            double q1 = num_prob(g, &s, 1);
            int num = lacus__rng_uniform(r) < q1;
            int which = (int)lacus__rng_below(r, 2);
            *logp += log((1 - pr) * (num ? q1 : 1 - q1) / 2);
            f->num = num;
            if (push(g, (sym){K_MOD, s.depth, s.frame, s.role, num, 0, -1}) ||
                push(g, (sym){K_N, s.depth, s.frame, s.role, num, 0, -1}) ||
                push(g, (sym){K_ADJS, s.depth, s.frame, 0, num, 0, -1}))
                return -1;
            *tok = T_DET + 2 * num + which;
            a->cls = LACUS_LGEN_DET;
            return 0;
        }
        case K_ADJS:
            if (lacus__rng_uniform(r) < p->p_adj) {
                int64_t i = draw(r, g->za, p->n_adj);
                *logp += log(p->p_adj * g->za[i]);
                if (push(g, s)) return -1;
                *tok = (int32_t)(g->adj0 + i);
                a->cls = LACUS_LGEN_ADJ;
                return 0;
            }
            *logp += log(1 - p->p_adj);
            continue;
        case K_N: {
            int64_t i = draw(r, g->zn, p->n_nouns);
            frame *f = &g->fr[s.frame];
            f->noun = (int)i, f->gen = g->noun_gen[i], f->head = g->pos, f->per = 3;
            *logp += log(g->zn[i]);
            noun_seen(g, s.frame, s.num);
            *tok = (int32_t)(g->noun0 + 2 * i + s.num);
            a->cls = LACUS_LGEN_NOUN;
            return 0;
        }
        case K_MOD: {
            double pp, rel, u = lacus__rng_uniform(r);
            mod_probs(g, s.depth, &pp, &rel);
            if (u < pp) {
                int64_t i = (int64_t)lacus__rng_below(r, (uint64_t)p->n_prep);
                int f2 = new_frame(g);
                if (f2 < 0) return -1;
                int attract = s.role == R_SUBJ ? g->fr[s.frame].num : -1;
                if (push(g, (sym){K_NP, s.depth + 1, f2, R_PP, 0, 0, attract})) return -1;
                *logp += log(pp / (double)p->n_prep);
                *tok = (int32_t)(T_PREP + i);
                a->cls = LACUS_LGEN_PREP;
                return 0;
            }
            if (u < pp + rel) {
                if (push(g, (sym){K_REL, s.depth + 1, s.frame, 0, 0, 0, -1})) return -1;
                *logp += log(rel);
                *tok = T_THAT;
                a->cls = LACUS_LGEN_COMP;
                return 0;
            }
            *logp += log(1 - pp - rel);
            continue;
        }
        case K_REL:
            if (lacus__rng_uniform(r) < p->p_orc) {
                int f2 = new_frame(g);
                if (f2 < 0 || push(g, (sym){K_VT, s.depth, f2, 0, 0, 0, -1}) ||
                    push(g, (sym){K_NP, s.depth, f2, R_SUBJ, 0, 0, -1}))
                    return -1;
                *logp += log(p->p_orc);
            } else {
                if (push(g, (sym){K_VP, s.depth, s.frame, 0, 0, 0, -1})) return -1;
                *logp += log(1 - p->p_orc);
            }
            continue;
        case K_VP:
        case K_VT: {
            frame *f = &g->fr[s.frame];
            verb_probs(g, f, s.depth, s.kind == K_VT, vw);
            int64_t L = draw(r, vw, g->n_verbs);
            *logp += log(vw[L]);
            *tok = (int32_t)(g->verb0 + 2 * L + verb_form(f));
            a->cls = LACUS_LGEN_VERB;
            a->link = (int32_t)f->head; /* made relative by the caller */
            a->attractors = f->attract;
            f->verb_done = 1;
            if (s.kind == K_VP) {
                int c = 0;
                while (L >= g->cls0[c + 1]) c++;
                if (c == C_VT) {
                    int f2 = new_frame(g);
                    if (f2 < 0 || push(g, (sym){K_NP, s.depth, f2, R_OBJ, 0, 0, -1})) return -1;
                } else if (c == C_VR) {
                    if (push(g, (sym){K_REFL, s.depth, s.frame, 0, 0, 0, -1})) return -1;
                } else if (c == C_VC) {
                    if (push_clause(g, s.depth + 1) || push(g, (sym){K_TOK, s.depth, -1, 0, 0, T_THAT, -1})) return -1;
                }
            }
            return 0;
        }
        case K_REFL: {
            const frame *f = &g->fr[s.frame];
            *tok = refl_token(f);
            a->cls = LACUS_LGEN_REFL;
            a->link = (int32_t)f->head;
            return 0;
        }
        }
    }
}

lacus_status lacus_lgen_generate(lacus_lgen *g, int64_t n, int32_t *ids, double *probs, lacus_lgen_annot *annot,
                                 double *loglik)
{
    if (!g) return LACUS_ERR_ARG;
    lacus__clear(&g->err);
    if (n < 0 || (n && !ids)) return lacus__fail(&g->err, LACUS_ERR_ARG, "lgen generate: n = %lld must be >= 0 with ids", (long long)n);
    double *vw = LACUS__NEW(double, g->n_verbs);
    if (!vw) return lacus__fail(&g->err, LACUS_ERR_NOMEM, "lgen: out of memory");
    const int64_t start = g->pos;
    double ll = 0;
    for (int64_t t = 0; t < n; t++) {
        if (probs) {
            double *d = probs + t * g->V;
            memset(d, 0, (size_t)g->V * sizeof *d);
            if (g->sp == 0) {
                /* A new sentence: the distribution of its first token. */
                sym np = {K_NP, 0, -1, R_SUBJ, 0, 0, -1};
                first_sym(g, &np, -1, 1.0, d, vw);
            } else {
                first_at(g, g->sp - 1, 1.0, d, vw);
            }
        }
        lacus_lgen_annot a = {0};
        double lp;
        if (step(g, &ids[t], &lp, &a, vw)) {
            lacus__free(vw);
            return lacus__fail(&g->err, LACUS_ERR_NOMEM, "lgen: out of memory growing the derivation");
        }
        ll += lp;
        if (annot) {
            int64_t open = 0;
            for (int64_t i = 0; i < g->sp; i++) open += g->stack[i].kind == K_VP || g->stack[i].kind == K_VT || g->stack[i].kind == K_REFL;
            a.open_deps = (int32_t)open;
            a.link = a.link >= 0 && a.link >= start ? (int32_t)(a.link - start) : -1;
            a.sentence = g->sentence;
            annot[t] = a;
        }
        if (ids[t] == T_END) g->sentence++;
        g->pos++;
    }
    lacus__free(vw);
    if (loglik) *loglik = ll;
    return LACUS_OK;
}

int64_t lacus_lgen_minimal_pair(const lacus_lgen *g, const int32_t *ids, int64_t n, int32_t *bad)
{
    static const int flip_refl[7] = {5, 6, 6, 6, 6, 0, 2}; /* myself<->ourselves, ... -> themselves */
    int64_t changed = 0;
    for (int64_t i = 0; i < n; i++) {
        int32_t t = ids[i];
        if (t >= g->verb0 && t < g->V) t = (int32_t)(g->verb0 + ((t - g->verb0) ^ 1)); /* other form */
        else if (t >= T_REFL && t < T_PREP) t = T_REFL + flip_refl[t - T_REFL];
        changed += t != ids[i];
        bad[i] = t;
    }
    return changed;
}

int64_t lacus_lgen_twins(const lacus_lgen *g, const int32_t *ids, int64_t n, int32_t *twin)
{
    int64_t changed = lacus_lgen_minimal_pair(g, ids, n, twin);
    /* Nouns come in (singular, plural) pairs from noun0 on. */
    for (int64_t i = 0; i < n; i++)
        if (ids[i] >= g->noun0 && ids[i] < g->adj0) twin[i] = (int32_t)(g->noun0 + ((ids[i] - g->noun0) ^ 1)), changed++;
    return changed;
}
