/* lacus/sweep.h — skill probes of a reservoir LM on an lgen stream, and
 * emergence thresholds (the size at which a skill reaches its criterion)
 * with bootstrap intervals over seeds. Part of the public API: include
 * <lacus.h>, which includes this file; the conventions of lacus.h hold
 * here. `lacus lm sweep` (docs/sweep.md) drives them over a grid of
 * reservoir sizes x training tokens x seeds. */
#ifndef LACUS_SWEEP_H
#define LACUS_SWEEP_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/sweep.h>"
#endif

/* ------------------------------------------------------------------------ */
/* Skill probes (spec: language.md section 4.3)                             */
/* ------------------------------------------------------------------------ */

/*
 * Every skill has a discrete metric (an accuracy, ceiling 1) and a
 * continuous one (higher is better), as the "mirage" critique (Schaeffer
 * et al. 2023) asks: a threshold seen only in the discrete metric is an
 * artefact of the metric.
 *
 * At each probed position t (t >= start) the model's next-token
 * distribution q_t is computed once from the true prefix ids[0..t).
 * twin[t] is the number-flipped twin of token t (lacus_lgen_twins: verbs,
 * reflexives and nouns; ids[t] elsewhere). Ties count as a random choice
 * among the tied answers (half a point for a pair, 1/m for m tied), so a
 * model with uniform q scores exactly the chance level of each probe.
 *
 *   S0 word class   the class with most model mass, sum of q_t over the
 *                   words of a class, equals the class with most mass under
 *                   the grammar's true distribution p_t. Continuous: mean
 *                   log2 of the model's mass on the class of ids[t].
 *   S1 local agreement   at nouns (the determiner, two to a few tokens
 *                   back, fixes their number): the correct form beats its
 *                   number-flipped twin, q_t(ids[t]) > q_t(twin[t]).
 *                   Continuous: mean log2 q_t(ids[t]) / q_t(twin[t]).
 *   S2 agreement, no attractor   the same at verbs whose subject is linked
 *                   (annot.link >= 0) and annot.attractors == 0 (Linzen et
 *                   al. 2016).
 *   S3 agreement across attractors   the same at verbs with >= 1 noun of
 *                   the other number between subject and verb.
 *   S6 clause closure   "." (token eos) is predicted as likely (q > 1/2)
 *                   exactly where the grammar makes it likely (p > 1/2):
 *                   "." is impossible while a clause or dependency is open.
 *                   Balanced accuracy (the mean of the accuracies on the
 *                   positions where p > 1/2 and where p <= 1/2; chance 1/2),
 *                   since "." is unlikely at most positions.
 *                   Continuous: minus the mean Bernoulli KL(p_t(eos) ||
 *                   q_t(eos)) in bits.
 *   S7 argument structure   at the token after each verb: an object (a
 *                   determiner: objects are never pronouns) is predicted as
 *                   likely (model mass on the determiners > 1/2) exactly
 *                   where the grammar requires one (a transitive verb with
 *                   its object in place; intransitive, reflexive and
 *                   complement verbs, and the gapped verb of an object
 *                   relative, take none). Balanced accuracy; continuous:
 *                   minus the mean Bernoulli KL of the determiner mass.
 *   S8 reflexive agreement   like S2 at reflexives (number, person and
 *                   gender of the clause's subject; the reflexive follows
 *                   its verb, which already shows number for 3rd-person
 *                   subjects, so this is the easiest agreement).
 *
 * Word classes come from the annotations (the class of each word as seen
 * in ids); words that never occur in ids carry no class mass.
 */
typedef enum lacus_skill {
    LACUS_SKILL_CLASS = 0,     /* S0 */
    LACUS_SKILL_AGREE = 1,     /* S2 */
    LACUS_SKILL_ATTRACT = 2,   /* S3 */
    LACUS_SKILL_CLOSURE = 3,   /* S6 */
    LACUS_SKILL_REFLEXIVE = 4, /* S8 */
    LACUS_SKILL_LOCAL = 5,     /* S1 */
    LACUS_SKILL_ARGS = 6,      /* S7 */
    LACUS_SKILL_COUNT = 7
} lacus_skill;

/* Short id ("S0") and name ("word class") of a skill; NULL out of range. */
const char *lacus_skill_id(int skill);
const char *lacus_skill_name(int skill);

typedef struct lacus_skill_score {
    double acc;  /* discrete metric in [0, 1] (NaN when n == 0) */
    double cont; /* continuous metric, higher is better (NaN when n == 0) */
    int64_t n;   /* probed positions */
} lacus_skill_score;

/* Probes a trained model on an lgen stream: ids (n) with its annotations
 * (n), the per-position twins (n) from lacus_lgen_twins (the sentence-level
 * lacus_lgen_minimal_pair also works: its nouns are unchanged, so S1 then
 * probes nothing) and the grammar's true next-token distributions
 * true_probs (n, V) from lacus_lgen_generate. Positions [start, n) are
 * probed (start >= 1); out receives LACUS_SKILL_COUNT scores. bits
 * (optional) receives the model's mean -log2 q_t(ids[t]) over the probed
 * positions. Errors on the model. */
lacus_status lacus_lm_skills(lacus_lm *m, const int32_t *ids, const int32_t *twin,
                             const lacus_lgen_annot *annot, const double *true_probs, int64_t n,
                             int64_t start, int32_t eos, lacus_skill_score *out, double *bits);

/* The same probes for any model given as its next-token distributions:
 * model_probs (n, V), row t = q_t (rows before start are not read). Used
 * for the n-gram baselines of the sweep and to test the probes on
 * hand-built models (the true distribution scores 1, a uniform one chance).
 * Every row read must be finite and >= 0. */
lacus_status lacus_skills_from_probs(const double *model_probs, const int32_t *ids, const int32_t *twin,
                                     const lacus_lgen_annot *annot, const double *true_probs, int64_t n,
                                     int64_t V, int64_t start, int32_t eos, lacus_skill_score *out,
                                     double *bits, lacus_error *err);

/*
 * Formal skills, on the streams of lacus_formal_generate (lacus/lgen.h).
 * At each probed position a set S of "structural" tokens holds exactly one
 * token the grammar allows, the target; the discrete metric is whether the
 * model's most likely token of S is the target (chance 1/|S|), the
 * continuous one log2 q(target) / q(S) (0 at best, -log2 |S| for uniform q).
 *
 *   copy (S12, induction)  positions where the next token is certain: the
 *                   second half (recalled from the first) and the final
 *                   "$"; S = every token.
 *   reverse         the same on the reverse task.
 *   counting        a^n b^n: the b's after the first and the "$", where
 *                   the count of a's decides; S = every token.
 *   Dyck closure    every position: S = the closing brackets and "$",
 *                   the target the closer of the innermost open bracket
 *                   ("$" at depth 0).
 */
lacus_status lacus_formal_skill_from_probs(lacus_formal_task task, int64_t k, const double *model_probs,
                                           const int32_t *ids, const double *true_probs, int64_t n,
                                           int64_t V, int64_t start, lacus_skill_score *out,
                                           lacus_error *err);
/* The same for a trained reservoir LM (vocab_size = V of the task); bits
 * (optional) as for lacus_lm_skills. Errors on the model. */
lacus_status lacus_lm_formal_skill(lacus_lm *m, lacus_formal_task task, int64_t k, const int32_t *ids,
                                   const double *true_probs, int64_t n, int64_t start,
                                   lacus_skill_score *out, double *bits);

/* ------------------------------------------------------------------------ */
/* Emergence thresholds                                                     */
/* ------------------------------------------------------------------------ */

/*
 * A skill curve is a metric y measured at sizes x[0] < ... < x[nx-1] (all
 * > 0) for n_seeds seeds: y is (n_seeds, nx), row-major. The threshold is
 * the smallest size at which the seed-mean curve reaches `level` (for an
 * accuracy with ceiling 1, Deletang et al.'s criterion is level = 0.9):
 * the first grid point i with mean[i] >= level, refined by linear
 * interpolation in log x between x[i-1] and x[i] (exact for curves linear
 * in log x there). x[0] when the curve starts above level; +INFINITY when
 * it never gets there.
 *
 * The bootstrap resamples, independently at every size, n_seeds of the
 * seeds with replacement (the seeds at different sizes are different
 * reservoirs, so there is no pairing to keep), inflates the deviation of
 * the resampled mean from the seed mean by sqrt(n / (n - 1)) (so that its
 * variance is the unbiased s^2 / n), recomputes the threshold,
 * and gives the percentile interval [lo, hi] at confidence conf (lo or hi
 * may be +INFINITY). reached is the fraction of replicates that reach level.
 * With 3 seeds no resampling interval can reach its nominal coverage (a
 * t-interval with 2 degrees of freedom would be 2.2 times wider than the
 * normal one): on noisy logistic curves (tests/unit/test_sweep.c) the 95 %
 * interval covers the true threshold 81 % of the time at 3 seeds, 90 %
 * at 10.
 *
 * Sharpness (the "mirage" question): width is the span, in decades of x,
 * from the 10 % to the 90 % crossing of the rise of the seed-mean curve,
 * z = (y - y[0]) / (max y - y[0]) (NaN when the curve never rises above
 * its first point). A step is
 * sharp when its width is below one grid step; the same width under the
 * continuous metric tells whether the step is the metric's artefact.
 */
typedef struct lacus_emergence {
    double threshold; /* on the seed-mean curve */
    double lo, hi;    /* bootstrap percentile interval */
    double reached;   /* fraction of bootstrap replicates that reach level */
    double width;     /* 10-90 % width of the normalised mean curve, decades */
} lacus_emergence;

/* Threshold of one curve (nx points) at level; see above. */
double lacus_emergence_threshold(const double *x, const double *y, int64_t nx, double level);

/* 10-90 % width in decades of one curve; see above. */
double lacus_emergence_width(const double *x, const double *y, int64_t nx);

/* Fits a threshold with n_boot (>= 1) bootstrap replicates drawn from
 * seed. Every y must be finite; nx >= 2, n_seeds >= 1, conf in (0, 1). */
lacus_status lacus_emergence_fit(const double *x, int64_t nx, const double *y, int64_t n_seeds,
                                 double level, int64_t n_boot, double conf, uint64_t seed,
                                 lacus_emergence *out, lacus_error *err);

/* PNG of skill curves through gnuplot: one panel per skill (n_skills,
 * titles skill_titles), with one error-bar series (seed mean +- standard
 * deviation) per data size, against log x. y is (n_skills, n_data, n_seeds,
 * nx); data_labels (n_data) name the series; level (NaN: none) is drawn as
 * a horizontal line, and then the y axis spans [0, 1] (accuracies).
 * LACUS_ERR_UNSUPPORTED without gnuplot. */
lacus_status lacus_emergence_plot(const char *png_path, const char *title, const double *x, int64_t nx,
                                  const double *y, int64_t n_skills, int64_t n_data, int64_t n_seeds,
                                  const char *const *skill_titles, const char *const *data_labels,
                                  const char *xlabel, const char *ylabel, double level,
                                  lacus_error *err);

/* The same with horizontal baseline lines: base (n_skills, n_base), line j
 * of panel k at base[k * n_base + j] (NaN: not drawn), labelled
 * base_labels[j] (the matched n-gram models of the sweep). */
lacus_status lacus_emergence_plot_base(const char *png_path, const char *title, const double *x, int64_t nx,
                                       const double *y, int64_t n_skills, int64_t n_data, int64_t n_seeds,
                                       const char *const *skill_titles, const char *const *data_labels,
                                       const char *xlabel, const char *ylabel, double level, const double *base,
                                       int64_t n_base, const char *const *base_labels, lacus_error *err);

#endif /* LACUS_SWEEP_H */
