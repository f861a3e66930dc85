/* lacus/lgen.h — lgen, the synthetic-language generator: a probabilistic
 * grammar with agreement whose true next-token distribution is known at
 * every token. Part of the public API: include <lacus.h>, which includes
 * this file; the conventions of lacus.h hold here. */
#ifndef LACUS_LGEN_H
#define LACUS_LGEN_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/lgen.h>"
#endif

/*
 * The grammar (top-down, left to right; d is the embedding depth):
 *
 *   S_d    -> NP_d[subj] VP_d ("." at depth 0)
 *   NP_d   -> Pron                                (subjects only, p_pron)
 *           | Det[num] Adj* N[num] Mod_d          (num: p_plural; Adj: geometric, p_adj)
 *   Mod_d  -> P NP_{d+1}[pp]       (p_pp)   | "that" Rel_{d+1} (p_rel)  | nothing
 *   Rel_d  -> VP_d                 (subject relative, agrees with the head noun)
 *           | NP_d[subj] Vt        (object relative = centre-embedding, p_orc;
 *                                   Vt agrees with the inner subject)
 *   VP_d   -> Vi | Vt NP_d[obj] | Vr Refl | Vc "that" S_{d+1}
 *
 * Agreement: verbs agree in person and number with their subject (3rd
 * singular takes the "-s" form, everything else the base form); reflexives
 * (myself ... themselves) agree in person, number and gender (nouns have a
 * fixed gender drawn from the seed). Mod, Rel and Vc are only chosen below
 * max_depth. Forced attractors: inside a subject's PP, the noun takes the
 * opposite number of the subject's noun with probability
 * p_attractor + (1 - p_attractor) * (its usual probability). Lexical choices
 * within a class follow a Zipf law with exponent zipf (0: uniform).
 *
 * Every choice is revealed by the next token (determiners carry number,
 * Mod/Rel/Vc begin with distinct words, and no optional item can begin
 * with a word that may follow it), so the prefix determines the derivation
 * and the true next-token distribution is the one the generator samples
 * from: it is reported exactly, and the log-probability of a sample under
 * the grammar equals the sum of the log-probabilities of its tokens.
 *
 * Splits: LACUS_LGEN_IID draws everything as above; LACUS_LGEN_DEEPER draws
 * only sentences whose main clause embeds at least one clause (the top-level
 * VP is always Vc, or the subject always takes a relative clause) with
 * max_depth raised by 1; LACUS_LGEN_NEWCOMB holds out the (subject noun,
 * verb lemma) pairs marked by heldout_frac: the train split never has them
 * as head noun and main verb of a clause, the test split always does (for
 * that clause, the verb is drawn among the held-out lemmas of the noun).
 */
typedef enum lacus_lgen_split {
    LACUS_LGEN_IID = 0,
    LACUS_LGEN_DEEPER = 1,
    LACUS_LGEN_NEWCOMB_TRAIN = 2,
    LACUS_LGEN_NEWCOMB_TEST = 3
} lacus_lgen_split;

typedef struct lacus_lgen_params {
    int64_t n_nouns, n_adj, n_prep;                 /* defaults 40, 16, 4 */
    int64_t n_vi, n_vt, n_vr, n_vc;                 /* verbs per class: 12, 12, 4, 4 */
    double zipf;                                    /* default 1.0 */
    double p_plural, p_pron, p_adj;                 /* 0.5, 0.15, 0.2 */
    double p_pp, p_rel, p_orc;                      /* 0.15, 0.1, 0.3 */
    double p_vi, p_vt, p_vr, p_vc;                  /* verb class weights 0.35, 0.4, 0.1, 0.15 */
    double p_attractor;                             /* default 0 */
    int max_depth;                                  /* default 3 */
    lacus_lgen_split split;                         /* default iid */
    double heldout_frac;                            /* newcomb: default 0.2 */
    uint64_t seed;                                  /* lexicon and sampling; default 1 */
} lacus_lgen_params;

lacus_lgen_params lacus_lgen_params_default(void);

/* Word classes of the annotations. */
typedef enum lacus_lgen_class {
    LACUS_LGEN_PUNCT = 0, LACUS_LGEN_DET = 1, LACUS_LGEN_ADJ = 2, LACUS_LGEN_NOUN = 3,
    LACUS_LGEN_PRON = 4, LACUS_LGEN_VERB = 5, LACUS_LGEN_PREP = 6, LACUS_LGEN_COMP = 7,
    LACUS_LGEN_REFL = 8
} lacus_lgen_class;

/* Per-token annotations. */
typedef struct lacus_lgen_annot {
    int32_t cls;        /* lacus_lgen_class */
    int32_t depth;      /* embedding depth of the clause the token belongs to */
    int32_t open_deps;  /* agreement targets still pending after this token
                           (verbs and reflexives waiting for their subject's
                           features) */
    int32_t link;       /* verbs and reflexives: index (in this call's output)
                           of their subject's head noun or pronoun, or -1 */
    int32_t attractors; /* verbs: nouns of the other number between subject
                           head and verb */
    int64_t sentence;   /* sentence number since create/reset */
} lacus_lgen_annot;

typedef struct lacus_lgen lacus_lgen;

lacus_status lacus_lgen_create(const lacus_lgen_params *p, lacus_lgen **out, lacus_error *err);
void lacus_lgen_free(lacus_lgen *g);
const char *lacus_lgen_errmsg(const lacus_lgen *g);
int64_t lacus_lgen_vocab_size(const lacus_lgen *g);
/* The word of a token id (owned by g, valid until lacus_lgen_free), or
 * NULL when out of range. Id 0 is ".". */
const char *lacus_lgen_word(const lacus_lgen *g, int32_t id);
/* Restarts the stream from a seed (the lexicon stays). */
void lacus_lgen_reset(lacus_lgen *g, uint64_t seed);

/* Generates the next n tokens of the stream (whole sentences follow one
 * another). ids (n); optional: probs (n, V), row t the true distribution of
 * token t given everything before it; annot (n); *loglik the natural-log
 * probability of the n tokens under the grammar, summed over the choices
 * made. A call may stop inside a sentence; the next call continues it
 * (links then refer to this call's indices and are -1 across calls). */
lacus_status lacus_lgen_generate(lacus_lgen *g, int64_t n, int32_t *ids, double *probs,
                                 lacus_lgen_annot *annot, double *loglik);

/* Minimal pair of a generated sentence: the same tokens with every verb's
 * (and reflexive's) agreement flipped to the other number, which makes it
 * ungrammatical. ids (n) in, bad (n) out; returns how many tokens changed. */
int64_t lacus_lgen_minimal_pair(const lacus_lgen *g, const int32_t *ids, int64_t n, int32_t *bad);

/* Per-position twins for the agreement probes (lacus/sweep.h): twin[i] is
 * token i with its number flipped when it is a verb, a reflexive (as in
 * lacus_lgen_minimal_pair) or a noun (n3 <-> n3s, which the determiner
 * before it rules out), ids[i] otherwise. Returns how many differ. */
int64_t lacus_lgen_twins(const lacus_lgen *g, const int32_t *ids, int64_t n, int32_t *twin);

/* Formal side tasks, each with its exact next-token distribution:
 * LACUS_FORMAL_DYCK  k bracket types, open with p (depth <= max_depth),
 *                    "$" ends a string at depth 0 with probability 1 - p;
 * LACUS_FORMAL_COPY  random string over k symbols, length geometric (mean
 *                    1/(1-p)), "|", the string again, "$";
 * LACUS_FORMAL_REVERSE  the same, reversed after "|";
 * LACUS_FORMAL_COUNT a^n b^n "$", n geometric.
 * Tokens: "$" = 0, "|" = 1, then the k symbols (brackets: opening
 * 2..k+1, closing k+2..2k+1). */
typedef enum lacus_formal_task {
    LACUS_FORMAL_DYCK = 0, LACUS_FORMAL_COPY = 1, LACUS_FORMAL_REVERSE = 2, LACUS_FORMAL_COUNT = 3
} lacus_formal_task;
/* Generates n tokens; probs (n, V) optional with V = 2 + 2k (Dyck), 2 + k
 * (copy, reverse), 4 (count). *V_out receives V. max_len bounds a string's
 * first half (and Dyck depth). */
lacus_status lacus_formal_generate(lacus_formal_task task, int64_t k, double p, int64_t max_len,
                                   uint64_t seed, int64_t n, int32_t *ids, double *probs,
                                   int64_t *V_out, lacus_error *err);

#endif /* LACUS_LGEN_H */
