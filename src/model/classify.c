/* Sequence classification with an ESN: the reservoir's state stream is
 * reduced per sequence (last state, mean state) or per step (vote) into the
 * rows of a ridge readout trained on one-hot class targets. See
 * include/lacus/classify.h for the decision rules.
 *
 * The reservoir stream (nodes/reservoir_stream.c) hands blocks of states of
 * at most 8 sequences at a time, in a fixed order; a sequence's blocks come
 * in time order. So a per-sequence reduction needs at most 8 accumulators,
 * kept in a small table keyed by the sequence index, and nothing grows with
 * the number of sequences except the caller's label and score arrays. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "model/classify.h"
#include "model/esn.h"

#define ROW_BUF 256    /* reduced or per-step rows gathered before a partial_fit: the
                          * stream hands short blocks (a few steps of each of 8
                          * sequences), and one X^T X update of 256 rows runs at
                          * BLAS speed where many of 3 rows do not */
#define N_ACC LACUS__BATCH_MAX
#define SCRATCH_ROWS 256 /* rows of targets / step scores handled at once */

static const char *const mode_names[] = {"last", "mean", "vote"};

const char *lacus_classify_mode_name(lacus_classify_mode m)
{
    return (unsigned)m < 3 ? mode_names[m] : "unknown";
}

lacus_status lacus_classify_mode_parse(const char *name, lacus_classify_mode *out)
{
    for (int k = 0; name && k < 3; k++)
        if (!strcmp(name, mode_names[k])) {
            *out = (lacus_classify_mode)k;
            return LACUS_OK;
        }
    return LACUS_ERR_ARG;
}

lacus_classifier_params lacus_classifier_params_default(void)
{
    lacus_classifier_params p;
    memset(&p, 0, sizeof p);
    p.esn = lacus_esn_params_default();
    p.mode = LACUS_CLASSIFY_LAST;
    p.n_classes = 0;
    return p;
}

lacus_status lacus__classifier_check(const lacus_classifier_params *p, lacus_error *err)
{
    if ((unsigned)p->mode > LACUS_CLASSIFY_VOTE)
        return lacus__fail(err, LACUS_ERR_ARG, "mode = %d: expected last, mean or vote", (int)p->mode);
    if (p->n_classes < 2 || p->n_classes > 1000000)
        return lacus__fail(err, LACUS_ERR_ARG, "n_classes = %lld: must be in [2, 1e6]",
                           (long long)p->n_classes);
    if (p->esn.feed_input || p->esn.n_feedback)
        return lacus__fail(err, LACUS_ERR_UNSUPPORTED,
                           "a classifier reads the states only: feed_input and n_feedback must be 0");
    return LACUS_OK;
}

lacus_status lacus_classifier_create(const lacus_classifier_params *p, lacus_classifier **out,
                                     lacus_error *err)
{
    if (!p || !out) return lacus__fail(err, LACUS_ERR_ARG, "params or out is NULL");
    *out = NULL;
    lacus_status st = lacus__classifier_check(p, err);
    if (st) return st;
    lacus_classifier *c = LACUS__ZNEW(lacus_classifier, 1);
    if (!c) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for a classifier");
    c->p = *p;
    if ((st = lacus_esn_create(&p->esn, &c->esn, err))) {
        lacus__free(c);
        return st;
    }
    *out = c;
    return LACUS_OK;
}

void lacus_classifier_free(lacus_classifier *c)
{
    if (!c) return;
    lacus_esn_free(c->esn);
    lacus__free(c);
}

const char *lacus_classifier_errmsg(const lacus_classifier *c) { return c ? c->err.msg : "NULL classifier"; }
lacus_esn *lacus_classifier_esn(lacus_classifier *c) { return c->esn; }
lacus_classify_mode lacus_classifier_mode(const lacus_classifier *c) { return c->p.mode; }
int64_t lacus_classifier_n_classes(const lacus_classifier *c) { return c->p.n_classes; }

/* Index of the largest of n values; ties go to the lowest index. */
static int64_t argmax(const double *v, int64_t n)
{
    int64_t best = 0;
    for (int64_t i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

typedef struct {
    int64_t seq;  /* -1: free */
    int64_t count;
    double *sum;  /* MEAN: (N) state sum; VOTE predict: (C) vote counts */
} acc;

typedef struct {
    lacus_classifier *c;
    const int64_t *steps;
    int fitting;
    int64_t N, C, warmup;
    /* fit */
    const int64_t *labels;
    double *rows, *targets;  /* (ROW_BUF, N) rows and (ROW_BUF, C) one-hot targets */
    int64_t n_rows;
    /* predict */
    int64_t *pred;
    double *scores;       /* caller's (n_seqs, C) or NULL */
    double *step_scores;  /* (SCRATCH_ROWS, C) */
    acc tab[N_ACC];
} sink_ctx;

static lacus_status flush_rows(sink_ctx *k)
{
    if (k->n_rows == 0) return LACUS_OK;
    lacus_ridge *r = k->c->esn->readout;
    lacus_status st = lacus_ridge_partial_fit(r, k->rows, k->N, k->targets, k->C, k->n_rows);
    if (st) lacus__fail(&k->c->err, st, "readout: %s", lacus_ridge_errmsg(r));
    k->n_rows = 0;
    return st;
}

/* One reduced row for sequence seq: into the training rows, or scored. */
static lacus_status emit(sink_ctx *k, int64_t seq, const double *x)
{
    if (k->fitting) {
        memcpy(k->rows + k->n_rows * k->N, x, (size_t)k->N * sizeof *x);
        double *y = k->targets + k->n_rows * k->C;
        memset(y, 0, (size_t)k->C * sizeof *y);
        y[k->labels[seq]] = 1.0;
        return ++k->n_rows == ROW_BUF ? flush_rows(k) : LACUS_OK;
    }
    double *s = k->step_scores;
    lacus_status st = lacus_ridge_predict(k->c->esn->readout, x, k->N, 1, s, k->C);
    if (st) return lacus__fail(&k->c->err, st, "readout: %s", lacus_ridge_errmsg(k->c->esn->readout));
    k->pred[seq] = argmax(s, k->C);
    if (k->scores) memcpy(k->scores + seq * k->C, s, (size_t)k->C * sizeof *s);
    return LACUS_OK;
}

static acc *acc_get(sink_ctx *k, int64_t seq)
{
    acc *free_one = NULL;
    for (int i = 0; i < N_ACC; i++) {
        if (k->tab[i].seq == seq) return &k->tab[i];
        if (k->tab[i].seq < 0 && !free_one) free_one = &k->tab[i];
    }
    if (free_one) {
        free_one->seq = seq;
        free_one->count = 0;
        memset(free_one->sum, 0, (size_t)(k->N > k->C ? k->N : k->C) * sizeof(double));
    }
    return free_one;
}

static lacus_status sink(void *ctx, int64_t seq, int64_t t, int64_t rows, const double *block,
                         int64_t ld)
{
    sink_ctx *k = ctx;
    const int64_t T = k->steps[seq], N = k->N, C = k->C;
    const int last_block = t + rows == T;
    if (k->c->p.mode == LACUS_CLASSIFY_LAST)
        return last_block ? emit(k, seq, block + (rows - 1) * ld) : LACUS_OK;
    /* MEAN and VOTE use steps w .. T-1, with w < T (short sequences: the last). */
    int64_t w = k->warmup < T ? k->warmup : T - 1;
    int64_t lo = w > t ? w - t : 0; /* first useful row of the block */
    if (k->c->p.mode == LACUS_CLASSIFY_VOTE && k->fitting) {
        for (int64_t i = lo; i < rows; i++) {
            lacus_status st = emit(k, seq, block + i * ld);
            if (st) return st;
        }
        return LACUS_OK;
    }
    acc *a = acc_get(k, seq);
    if (!a) return lacus__fail(&k->c->err, LACUS_ERR_STATE, "internal: more than %d sequences in flight", N_ACC);
    lacus_status st = LACUS_OK;
    if (k->c->p.mode == LACUS_CLASSIFY_MEAN) {
        for (int64_t i = lo; i < rows; i++)
            for (int64_t j = 0; j < N; j++) a->sum[j] += block[i * ld + j];
        a->count += rows > lo ? rows - lo : 0;
        if (last_block) {
            for (int64_t j = 0; j < N; j++) a->sum[j] /= (double)a->count;
            st = emit(k, seq, a->sum);
        }
    } else { /* VOTE, predicting */
        lacus_ridge *r = k->c->esn->readout;
        for (int64_t i = lo; i < rows; i += SCRATCH_ROWS) {
            int64_t n = rows - i < SCRATCH_ROWS ? rows - i : SCRATCH_ROWS;
            if ((st = lacus_ridge_predict(r, block + i * ld, ld, n, k->step_scores, C)))
                return lacus__fail(&k->c->err, st, "readout: %s", lacus_ridge_errmsg(r));
            for (int64_t q = 0; q < n; q++) a->sum[argmax(k->step_scores + q * C, C)] += 1.0;
            a->count += n;
        }
        if (last_block) {
            k->pred[seq] = argmax(a->sum, C);
            if (k->scores)
                for (int64_t j = 0; j < C; j++) k->scores[seq * C + j] = a->sum[j] / (double)a->count;
        }
    }
    if (last_block) a->seq = -1;
    return st;
}

static void ctx_free(sink_ctx *k)
{
    lacus__free(k->rows);
    lacus__free(k->targets);
    lacus__free(k->step_scores);
    for (int i = 0; i < N_ACC; i++) lacus__free(k->tab[i].sum);
}

static lacus_status ctx_init(sink_ctx *k, lacus_classifier *c, const lacus_seqs *in, int fitting)
{
    memset(k, 0, sizeof *k);
    k->c = c;
    k->steps = in->n_steps;
    k->fitting = fitting;
    k->N = c->p.esn.reservoir.n_units;
    k->C = c->p.n_classes;
    k->warmup = c->p.esn.warmup;
    int64_t W = k->N > k->C ? k->N : k->C;
    int ok = 1;
    if (fitting) {
        k->rows = LACUS__NEW(double, ROW_BUF * k->N);
        k->targets = LACUS__NEW(double, ROW_BUF * k->C);
        ok = k->rows && k->targets;
    } else {
        ok = (k->step_scores = LACUS__NEW(double, SCRATCH_ROWS * k->C)) != NULL;
    }
    for (int i = 0; i < N_ACC; i++) {
        k->tab[i].seq = -1;
        if (!(k->tab[i].sum = LACUS__NEW(double, W))) ok = 0;
    }
    if (!ok) {
        ctx_free(k);
        return lacus__fail(&c->err, LACUS_ERR_NOMEM, "out of memory for the classifier's buffers");
    }
    return LACUS_OK;
}

lacus_status lacus_classifier_fit(lacus_classifier *c, const lacus_seqs *inputs,
                                  const int64_t *labels)
{
    if (!c) return LACUS_ERR_ARG;
    lacus_esn *m = c->esn;
    lacus_status st = lacus__esn_check_seqs(&c->err, "inputs", inputs, c->p.esn.reservoir.n_inputs);
    if (st) return st;
    if (!labels) return lacus__fail(&c->err, LACUS_ERR_ARG, "labels is NULL");
    for (int64_t i = 0; i < inputs->n_seqs; i++)
        if (labels[i] < 0 || labels[i] >= c->p.n_classes)
            return lacus__fail(&c->err, LACUS_ERR_ARG, "label of sequence %lld is %lld: must be in "
                               "[0, %lld)", (long long)i, (long long)labels[i],
                               (long long)c->p.n_classes);
    const int64_t N = c->p.esn.reservoir.n_units, C = c->p.n_classes;
    lacus_ridge_params rp = c->p.esn.readout;
    rp.n_features = N;
    rp.n_outputs = C;
    /* With one row per sequence there are often fewer rows than units; keep
     * them (when that is small) so the AUTO solver can take the dual form. */
    rp.keep_samples = c->p.mode != LACUS_CLASSIFY_VOTE && inputs->n_seqs * N <= (1 << 24) &&
                              rp.solver != LACUS_SOLVER_PRIMAL ? inputs->n_seqs : 0;
    lacus_ridge *r = NULL;
    if ((st = lacus_ridge_create(&rp, &r, &c->err))) return st;
    lacus_ridge_free(m->readout);
    m->readout = r;
    m->n_outputs = C;
    sink_ctx k;
    if ((st = ctx_init(&k, c, inputs, 1))) return st;
    k.labels = labels;
    st = lacus__reservoir_stream(m->res, inputs, 0, sink, &k, m->p.progress, m->p.progress_user,
                                 &c->err);
    if (!st) st = flush_rows(&k);
    ctx_free(&k);
    if (!st && (st = lacus_ridge_solve(r)))
        lacus__fail(&c->err, st, "readout: %s", lacus_ridge_errmsg(r));
    if (st) { /* leave the classifier untrained rather than half trained */
        lacus_ridge_free(m->readout);
        m->readout = NULL;
    }
    return st;
}

lacus_status lacus_classifier_predict(lacus_classifier *c, const lacus_seqs *inputs,
                                      int64_t *labels, double *scores)
{
    if (!c) return LACUS_ERR_ARG;
    lacus_esn *m = c->esn;
    if (!lacus_esn_is_trained(m))
        return lacus__fail(&c->err, LACUS_ERR_STATE, "the classifier is not trained: fit or load first");
    lacus_status st = lacus__esn_check_seqs(&c->err, "inputs", inputs, c->p.esn.reservoir.n_inputs);
    if (st) return st;
    if (!labels) return lacus__fail(&c->err, LACUS_ERR_ARG, "labels is NULL");
    sink_ctx k;
    if ((st = ctx_init(&k, c, inputs, 0))) return st;
    k.pred = labels;
    k.scores = scores;
    st = lacus__reservoir_stream(m->res, inputs, 0, sink, &k, m->p.progress, m->p.progress_user,
                                 &c->err);
    ctx_free(&k);
    return st;
}

lacus_status lacus_classifier_set_readout(lacus_classifier *c, const double *Wout, const double *b)
{
    if (!c || !Wout || !b) return lacus__fail(c ? &c->err : NULL, LACUS_ERR_ARG, "NULL argument");
    lacus_esn *m = c->esn;
    lacus_ridge_params rp = c->p.esn.readout;
    rp.n_features = c->p.esn.reservoir.n_units;
    rp.n_outputs = c->p.n_classes;
    rp.keep_samples = 0;
    lacus_ridge *r = NULL;
    lacus_status st = lacus_ridge_create(&rp, &r, &c->err);
    if (!st && (st = lacus_ridge_set_weights(r, Wout, b)))
        lacus__fail(&c->err, st, "readout: %s", lacus_ridge_errmsg(r));
    if (st) {
        lacus_ridge_free(r);
        return st;
    }
    lacus_ridge_free(m->readout);
    m->readout = r;
    m->n_outputs = c->p.n_classes;
    return LACUS_OK;
}

lacus_status lacus_accuracy(const int64_t *truth, const int64_t *pred, int64_t n, double *out,
                            lacus_error *err)
{
    if (!truth || !pred || !out) return lacus__fail(err, LACUS_ERR_ARG, "truth, pred or out is NULL");
    if (n < 1) return lacus__fail(err, LACUS_ERR_SHAPE, "n = %lld: accuracy of no samples", (long long)n);
    int64_t hit = 0;
    for (int64_t i = 0; i < n; i++) hit += truth[i] == pred[i];
    *out = (double)hit / (double)n;
    return LACUS_OK;
}

lacus_status lacus_confusion_matrix(const int64_t *truth, const int64_t *pred, int64_t n,
                                    int64_t n_classes, int64_t *out, lacus_error *err)
{
    if (!truth || !pred || !out) return lacus__fail(err, LACUS_ERR_ARG, "truth, pred or out is NULL");
    if (n < 0 || n_classes < 1 || n_classes > 1000000)
        return lacus__fail(err, LACUS_ERR_ARG, "n = %lld, n_classes = %lld: need n >= 0 and "
                           "n_classes in [1, 1e6]", (long long)n, (long long)n_classes);
    for (int64_t i = 0; i < n; i++)
        if (truth[i] < 0 || truth[i] >= n_classes || pred[i] < 0 || pred[i] >= n_classes)
            return lacus__fail(err, LACUS_ERR_ARG, "sample %lld: true %lld, predicted %lld: labels "
                               "must be in [0, %lld)", (long long)i, (long long)truth[i],
                               (long long)pred[i], (long long)n_classes);
    memset(out, 0, (size_t)(n_classes * n_classes) * sizeof *out);
    for (int64_t i = 0; i < n; i++) out[truth[i] * n_classes + pred[i]]++;
    return LACUS_OK;
}
