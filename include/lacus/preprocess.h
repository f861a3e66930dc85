/* lacus/preprocess.h — preprocessing nodes: scaling, one-hot, delay embedding. Part of the public
 * API: include <lacus.h>, which includes this file; the conventions of lacus.h hold here. */
#ifndef LACUS_PREPROCESS_H
#define LACUS_PREPROCESS_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/preprocess.h>"
#endif

/* ------------------------------------------------------------------------ */
/* Preprocessing nodes                                                      */
/* ------------------------------------------------------------------------ */

/*
 * A preprocessing node maps each row of a sequence (n_steps, n_features) to
 * a row of (n_steps, n_outputs). Nodes with fitted statistics are fitted on
 * training data in one streaming pass (any number of chunks of any number of
 * sequences), then applied to new data and saved with the model.
 *
 * LACUS_PREP_MINMAX   y = lo + (x - min) (hi - lo) / (max - min), per feature,
 *                     with [lo, hi] = [-1, 1] by default: scikit-learn's
 *                     MinMaxScaler(feature_range=(lo, hi)).
 * LACUS_PREP_ZSCORE   y = (x - mean) / std, per feature, std the population
 *                     standard deviation (ddof = 0): scikit-learn's
 *                     StandardScaler(). The statistics are accumulated chunk
 *                     by chunk with Chan, Golub & LeVeque's pairwise update
 *                     (each chunk's mean and sum of squared deviations by
 *                     two passes, then merged), so a large offset does not
 *                     cancel the variance as the textbook sum of squares does.
 * LACUS_PREP_ONEHOT   one integer label per row (n_features = 1) -> a row of
 *                     n_classes columns with a single 1. The categories are
 *                     the sorted distinct labels seen by fit (like
 *                     scikit-learn's OneHotEncoder); a label not seen at fit
 *                     time is an error (LACUS_ERR_ARG naming the row and the
 *                     label), not a silent row of zeros.
 * LACUS_PREP_DELAY    delay embedding: row t becomes
 *                     [u[t], u[t - s], u[t - 2s], ..., u[t - (k-1)s]]
 *                     (k blocks of n_features, newest first, stride s), the
 *                     linear part of ReservoirPy's NVAR(delay=k, strides=s).
 *                     Rows before the start of the sequence are zeros, as in
 *                     NVAR, whose window starts filled with zeros; with
 *                     delay_drop = 1 the first (k-1) s rows are dropped
 *                     instead, so every row is a complete window. Nothing is
 *                     fitted; each call to transform is one whole sequence.
 *
 * Constant features (an explicit choice, never a NaN): as scikit-learn
 * 1.5, a feature whose range (MINMAX) is below 10 machine epsilons, or
 * whose variance (ZSCORE) is within rounding of zero
 * (var <= n eps var + (n eps mean)^2), gets scale 1: ZSCORE maps it to
 * x - mean (0 on the training data), MINMAX to lo + (x - min) (lo on the
 * training data). inverse undoes exactly that.
 *
 * NaN or Inf in data is rejected with LACUS_ERR_NUMERIC naming the row and
 * column. A handle is not thread-safe; distinct handles are.
 */
typedef enum lacus_prep_kind {
    LACUS_PREP_MINMAX = 0,
    LACUS_PREP_ZSCORE = 1,
    LACUS_PREP_ONEHOT = 2,
    LACUS_PREP_DELAY = 3
} lacus_prep_kind;

/* "minmax", "zscore", "onehot", "delay". */
const char *lacus_prep_kind_name(lacus_prep_kind k);
lacus_status lacus_prep_kind_parse(const char *name, lacus_prep_kind *out);

typedef struct lacus_prep_params {
    lacus_prep_kind kind;   /* default LACUS_PREP_MINMAX */
    double range_lo;        /* MINMAX target range, lo < hi, finite; default -1 */
    double range_hi;        /* default 1 */
    int64_t delay;          /* DELAY: k >= 1 blocks (1: the input itself); default 2 */
    int64_t stride;         /* DELAY: s >= 1; default 1 */
    int delay_drop;         /* DELAY: 1 drops the first (k-1) s rows; default 0 (zeros) */
} lacus_prep_params;

lacus_prep_params lacus_prep_params_default(void);

typedef struct lacus_prep lacus_prep;

/* Checks the parameters (LACUS_ERR_ARG naming the field) and makes an
 * unfitted node. DELAY nodes need no fit but learn n_features from a fit
 * on any data of the right width, or from the first transform. */
lacus_status lacus_prep_create(const lacus_prep_params *p, lacus_prep **out, lacus_error *err);
void lacus_prep_free(lacus_prep *p);
const char *lacus_prep_errmsg(const lacus_prep *p);
lacus_prep_kind lacus_prep_get_kind(const lacus_prep *p);

/* Adds rows to the statistics. x (n_rows, n_features), row stride ldx. The
 * first call fixes n_features (later calls must agree: LACUS_ERR_SHAPE).
 * ONEHOT: n_features must be 1 and every value an integer within +-2^53.
 * n_rows = 0 is allowed and adds nothing. */
lacus_status lacus_prep_partial_fit(lacus_prep *p, const double *x, int64_t n_rows,
                                    int64_t n_features, int64_t ldx);
/* Clears the statistics, then adds every sequence of s. */
lacus_status lacus_prep_fit(lacus_prep *p, const lacus_seqs *s);
/* Clears the statistics (the node becomes unfitted). */
void lacus_prep_reset(lacus_prep *p);
/* 1 when transform can be called (fitted, or a DELAY node). */
int lacus_prep_is_fitted(const lacus_prep *p);
/* Input and output widths (0 before the first fit/transform fixed them). */
int64_t lacus_prep_n_features(const lacus_prep *p);
int64_t lacus_prep_n_outputs(const lacus_prep *p);
/* Rows transform writes for a sequence of n_rows (n_rows, except DELAY with
 * delay_drop: max(0, n_rows - (k-1) s)). */
int64_t lacus_prep_out_rows(const lacus_prep *p, int64_t n_rows);

/* y (lacus_prep_out_rows(n_rows), n_outputs), row stride ldy = x (n_rows,
 * n_features) transformed. For DELAY, x is one whole sequence, and a node
 * that has not seen any data yet takes n_features = ldx on this first call
 * (fit it on a row of the data instead when rows are strided). Not fitted:
 * LACUS_ERR_STATE; a row stride below the width: LACUS_ERR_SHAPE. x and y
 * must not overlap. Uses scratch memory of the node (not thread-safe). */
lacus_status lacus_prep_transform(lacus_prep *p, const double *x, int64_t n_rows, int64_t ldx,
                                  double *y, int64_t ldy);
/* The inverse map: y (n_rows, n_outputs) -> x (n_rows, n_features).
 * MINMAX/ZSCORE: exact up to rounding. ONEHOT: the category of the largest
 * column of each row (so it also decodes scores; ties go to the first).
 * DELAY: the newest block, u[t] (rows dropped by delay_drop are not
 * recovered). */
lacus_status lacus_prep_inverse(lacus_prep *p, const double *y, int64_t n_rows, int64_t ldy,
                                double *x, int64_t ldx);

/* The fitted statistics, each (n_features): MINMAX: data min and max;
 * ZSCORE: mean and population variance. ONEHOT: the categories
 * (n_outputs values) in a and b unused (NULL). The number of rows seen
 * goes to *n_samples (any may be NULL). LACUS_ERR_STATE before a fit. */
lacus_status lacus_prep_get_stats(const lacus_prep *p, double *a, double *b, int64_t *n_samples);

/* File: an .npz that numpy.load opens: manifest.json (format "lacus-prep",
 * format version, kind, parameters, n_features, n_samples) and the
 * statistics: data_min/data_max (MINMAX), mean/var (ZSCORE), categories
 * (ONEHOT); a DELAY node has the manifest only. Saving is atomic. Loading a
 * newer format version fails with LACUS_ERR_UNSUPPORTED; a malformed file
 * with LACUS_ERR_FORMAT naming the key or member. */
#define LACUS_PREP_FORMAT_VERSION 1
lacus_status lacus_prep_save(const lacus_prep *p, const char *path, lacus_error *err);
lacus_status lacus_prep_load(const char *path, lacus_prep **out, lacus_error *err);

/* ------------------------------------------------------------------------ */
/* Preprocessing inside model files                                         */
/* ------------------------------------------------------------------------ */

/* An ESN or stack model file may carry the input preprocessing its model
 * was trained with (e.g. inputs scaled to [-1, 1]): the node's members go
 * under "input_prep/" in the same .npz (the layout of lacus_prep_save, so
 * numpy.load("model.npz")["input_prep/data_min"] reads them) and the
 * manifest gets "input_prep": "<kind>". The model itself is saved exactly
 * as lacus_esn_save / lacus_stack_save would: lacus_esn_load and
 * lacus_stack_load read such files unchanged, and apply nothing: apply the
 * node returned by lacus_model_input_prep to the inputs first (lacus run
 * does). input_prep may be NULL (= the plain save); it must be fitted, and
 * its output width must be the model's input width (LACUS_ERR_SHAPE).
 * Graphs have prep nodes instead (lacus_graph_add_prep). */
lacus_status lacus_esn_save_with_prep(const lacus_esn *m, const lacus_prep *input_prep,
                                      const char *path, lacus_error *err);
lacus_status lacus_stack_save_with_prep(const lacus_stack *s, const lacus_prep *input_prep,
                                        const char *path, lacus_error *err);
/* The input preprocessing of a model file: *out = a new node (free it with
 * lacus_prep_free), or NULL when the file has none (older files, graphs).
 * A malformed input_prep: LACUS_ERR_FORMAT naming the member. */
lacus_status lacus_model_input_prep(const char *path, lacus_prep **out, lacus_error *err);

#endif /* LACUS_PREPROCESS_H */
