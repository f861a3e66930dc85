/* lacus/classify.h — sequence classification with an ESN, accuracy, confusion matrix. Part of
 * the public API: include <lacus.h>, which includes this file; the conventions of lacus.h hold
 * here. */
#ifndef LACUS_CLASSIFY_H
#define LACUS_CLASSIFY_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/classify.h>"
#endif

/* ------------------------------------------------------------------------ */
/* Sequence classification                                                  */
/* ------------------------------------------------------------------------ */

/*
 * One label per sequence, in 0 .. n_classes-1. Every sequence runs through
 * the reservoir from a zero state (the ESN's equation, lacus/reservoir.h);
 * its states x[0 .. T-1] are reduced to readout rows by the decision mode,
 * and the ridge readout (lacus/ridge.h) is trained on one-hot targets
 * (1 for the sequence's class, 0 elsewhere):
 *
 * LACUS_CLASSIFY_LAST  one row per sequence, its last state x[T-1];
 *                      scores = Wout^T x[T-1] + b, label = argmax.
 * LACUS_CLASSIFY_MEAN  one row per sequence, the mean of x[w .. T-1]
 *                      (w = warmup; a sequence with T <= w uses x[T-1]
 *                      alone); label = argmax of its scores.
 * LACUS_CLASSIFY_VOTE  one row per step t in w .. T-1 (same rule for short
 *                      sequences), every step trained on the sequence's
 *                      one-hot; at prediction each step votes for the argmax
 *                      of its scores and the label is the majority. Ties (in
 *                      a step's argmax or in the vote count) go to the
 *                      lowest class index, as numpy.argmax and
 *                      numpy.bincount(votes).argmax() do in ReservoirPy's
 *                      Japanese-vowels tutorial. The reported scores are the
 *                      vote fractions.
 *
 * warmup is ignored by LAST. argmax ties always go to the lowest index.
 * States stream into the readout's sums in the reservoir's fixed schedule
 * (lacus_esn_fit's), so the result does not depend on the thread count and
 * at most 8 sequences' states are held at once.
 */
typedef enum lacus_classify_mode {
    LACUS_CLASSIFY_LAST = 0,
    LACUS_CLASSIFY_MEAN = 1,
    LACUS_CLASSIFY_VOTE = 2
} lacus_classify_mode;

/* "last", "mean", "vote". */
const char *lacus_classify_mode_name(lacus_classify_mode m);
lacus_status lacus_classify_mode_parse(const char *name, lacus_classify_mode *out);

typedef struct lacus_classifier_params {
    /* Reservoir, ridge (ridge, bias mode) and warmup. feed_input and
     * n_feedback must be 0 (LACUS_ERR_UNSUPPORTED otherwise); the readout's
     * n_features/n_outputs are set by the classifier. */
    lacus_esn_params esn;
    lacus_classify_mode mode;  /* default LACUS_CLASSIFY_LAST */
    int64_t n_classes;         /* required, >= 2 */
} lacus_classifier_params;

lacus_classifier_params lacus_classifier_params_default(void);

typedef struct lacus_classifier lacus_classifier;

lacus_status lacus_classifier_create(const lacus_classifier_params *p, lacus_classifier **out,
                                     lacus_error *err);
void lacus_classifier_free(lacus_classifier *c);
const char *lacus_classifier_errmsg(const lacus_classifier *c);
/* The ESN inside (borrowed): its reservoir can be read or set with the
 * reservoir calls before fit. */
lacus_esn *lacus_classifier_esn(lacus_classifier *c);
lacus_classify_mode lacus_classifier_mode(const lacus_classifier *c);
int64_t lacus_classifier_n_classes(const lacus_classifier *c);

/* Trains the readout (replacing any earlier one). inputs: n_seqs sequences
 * of (n_steps[i], n_inputs); labels (n_seqs) in [0, n_classes) (else
 * LACUS_ERR_ARG naming the sequence). Non-finite inputs: LACUS_ERR_NUMERIC;
 * a singular system (ridge 0 with fewer rows than units):
 * LACUS_ERR_NUMERIC. On any failure the classifier is left untrained. */
lacus_status lacus_classifier_fit(lacus_classifier *c, const lacus_seqs *inputs,
                                  const int64_t *labels);
/* Predicts a label per sequence. labels (n_seqs); scores (n_seqs,
 * n_classes) or NULL: the readout's outputs (LAST, MEAN) or the vote
 * fractions (VOTE). Before fit: LACUS_ERR_STATE. */
lacus_status lacus_classifier_predict(lacus_classifier *c, const lacus_seqs *inputs,
                                      int64_t *labels, double *scores);
/* Replaces the readout with given weights: Wout (n_units, n_classes), b
 * (n_classes) (e.g. to test a decision rule with known weights). */
lacus_status lacus_classifier_set_readout(lacus_classifier *c, const double *Wout,
                                          const double *b);

/* Model file: an ESN model file (lacus_esn_save's layout, so lacus_esn_load
 * and `lacus run` read it and give the per-step class scores) with one more
 * member, classifier.json: {"mode", "n_classes", "warmup"}. Atomic save;
 * loading a plain ESN file here fails with LACUS_ERR_FORMAT. */
lacus_status lacus_classifier_save(const lacus_classifier *c, const char *path,
                                   lacus_error *err);
lacus_status lacus_classifier_load(const char *path, lacus_classifier **out, lacus_error *err);

/* Fraction of i with pred[i] == truth[i], n >= 1. */
lacus_status lacus_accuracy(const int64_t *truth, const int64_t *pred, int64_t n, double *out,
                            lacus_error *err);
/* Confusion matrix C (n_classes, n_classes), row = true class, column =
 * predicted class (scikit-learn's convention): C[i][j] counts sequences of
 * class i predicted as j. Labels outside [0, n_classes): LACUS_ERR_ARG
 * naming the index. */
lacus_status lacus_confusion_matrix(const int64_t *truth, const int64_t *pred, int64_t n,
                                    int64_t n_classes, int64_t *out, lacus_error *err);

#endif /* LACUS_CLASSIFY_H */
