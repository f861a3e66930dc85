/* Forward-Forward, layered and supervised (Hinton 2022, "The Forward-Forward
 * Algorithm: Some Preliminary Investigations", arXiv:2212.13345, section 3:
 * the label written into the input). Equations in
 * include/lacus/local_learning.h. Each layer has its own loss and its own
 * Adam optimiser (Kingma & Ba 2015, beta1 0.9, beta2 0.999, eps 1e-8); the
 * input of layer l is the length-normalised output of layer l-1 computed
 * with the current weights, and no gradient crosses layers.
 *
 * Scale: this is a small dense implementation for the paper's check on a
 * generated task (lacus_ff_make_task), not an MNIST trainer; everything is
 * plain loops over (n_hidden x n_in) per sample. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "learn/ff_unit.h"

#define FF_MAX_LAYERS 8
#define STREAM_FF_INIT 61
#define STREAM_FF_TRAIN 62
#define STREAM_FF_TASK 63

typedef struct ff_layer {
    int64_t n_in, n_out;
    double *W, *b;         /* (n_out, n_in), (n_out) */
    double *gW, *gb;       /* gradient accumulators */
    double *mW, *vW, *mb, *vb; /* Adam moments */
} ff_layer;

struct lacus_ff {
    lacus_ff_params p;
    int L;
    ff_layer layer[FF_MAX_LAYERS];
    double *in, *hp, *hn_, *bufp, *bufn; /* workspaces */
    int64_t width;         /* max layer width (inputs or hidden) */
    int64_t adam_t;
    lacus_error err;
};

lacus_ff_params lacus_ff_params_default(void)
{
    lacus_ff_params p;
    memset(&p, 0, sizeof p);
    p.n_layers = 2;
    p.n_hidden = 200;
    p.theta = 0.0;
    p.lr = 0.01;
    p.epochs = 30;
    p.batch = 64;
    p.seed = 42;
    return p;
}

void lacus_ff_free(lacus_ff *m)
{
    if (!m) return;
    for (int l = 0; l < FF_MAX_LAYERS; l++) {
        ff_layer *y = &m->layer[l];
        void *b[] = {y->W, y->b, y->gW, y->gb, y->mW, y->vW, y->mb, y->vb};
        for (size_t i = 0; i < sizeof b / sizeof *b; i++) lacus__free(b[i]);
    }
    lacus__free(m->in), lacus__free(m->hp), lacus__free(m->hn_);
    lacus__free(m->bufp), lacus__free(m->bufn);
    lacus__free(m);
}

lacus_status lacus_ff_create(const lacus_ff_params *p, lacus_ff **out, lacus_error *err)
{
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "out is NULL");
    *out = NULL;
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "FF parameters are NULL");
    if (p->n_inputs < 1 || p->n_inputs > 1000000)
        return lacus__fail(err, LACUS_ERR_ARG, "n_inputs = %lld: must be in 1..1e6", (long long)p->n_inputs);
    if (p->n_classes < 2 || p->n_classes > 10000)
        return lacus__fail(err, LACUS_ERR_ARG, "n_classes = %lld: must be in 2..10000", (long long)p->n_classes);
    if (p->n_layers < 1 || p->n_layers > FF_MAX_LAYERS)
        return lacus__fail(err, LACUS_ERR_ARG, "n_layers = %d: must be in 1..%d", p->n_layers, FF_MAX_LAYERS);
    if (p->n_hidden < 1 || p->n_hidden > 100000)
        return lacus__fail(err, LACUS_ERR_ARG, "n_hidden = %lld: must be in 1..100000", (long long)p->n_hidden);
    if (!(p->theta >= 0.0) || !isfinite(p->theta))
        return lacus__fail(err, LACUS_ERR_ARG, "theta = %g: must be >= 0 (0: n_hidden)", p->theta);
    if (!(p->lr > 0.0) || !isfinite(p->lr))
        return lacus__fail(err, LACUS_ERR_ARG, "lr = %g: must be > 0", p->lr);
    if (p->epochs < 1 || p->batch < 1)
        return lacus__fail(err, LACUS_ERR_ARG, "epochs = %lld, batch = %lld: must be >= 1",
                           (long long)p->epochs, (long long)p->batch);
    lacus_ff *m = LACUS__ZNEW(lacus_ff, 1);
    if (!m) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for FF");
    m->p = *p;
    if (m->p.theta == 0.0) m->p.theta = (double)p->n_hidden;
    m->L = p->n_layers;
    int64_t n0 = p->n_inputs + p->n_classes;
    m->width = n0 > p->n_hidden ? n0 : p->n_hidden;
    lacus__rng rng;
    lacus__rng_stream(&rng, p->seed, STREAM_FF_INIT, 0);
    for (int l = 0; l < m->L; l++) {
        ff_layer *y = &m->layer[l];
        y->n_in = l ? p->n_hidden : n0;
        y->n_out = p->n_hidden;
        int64_t n = y->n_in * y->n_out;
        y->W = LACUS__NEW(double, n);
        y->gW = LACUS__ZNEW(double, n);
        y->mW = LACUS__ZNEW(double, n);
        y->vW = LACUS__ZNEW(double, n);
        y->b = LACUS__ZNEW(double, y->n_out);
        y->gb = LACUS__ZNEW(double, y->n_out);
        y->mb = LACUS__ZNEW(double, y->n_out);
        y->vb = LACUS__ZNEW(double, y->n_out);
        if (!y->W || !y->gW || !y->mW || !y->vW || !y->b || !y->gb || !y->mb || !y->vb) {
            lacus_ff_free(m);
            return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for FF layer %d", l);
        }
        /* He initialisation for ReLU layers */
        double s = sqrt(2.0 / (double)y->n_in);
        for (int64_t k = 0; k < n; k++) y->W[k] = s * lacus__rng_normal(&rng);
    }
    m->in = LACUS__NEW(double, n0);
    m->hp = LACUS__NEW(double, (int64_t)m->L * p->n_hidden);
    m->hn_ = LACUS__NEW(double, (int64_t)m->L * p->n_hidden);
    m->bufp = LACUS__NEW(double, m->width);
    m->bufn = LACUS__NEW(double, m->width);
    if (!m->in || !m->hp || !m->hn_ || !m->bufp || !m->bufn) {
        lacus_ff_free(m);
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for FF workspaces");
    }
    *out = m;
    return LACUS_OK;
}

const char *lacus_ff_errmsg(const lacus_ff *m) { return m ? m->err.msg : "NULL FF network"; }

/* h = ReLU(W in + b); returns G = sum h^2. */
static double layer_fwd(const ff_layer *y, const double *in, double *h)
{
    double G = 0.0;
    for (int64_t o = 0; o < y->n_out; o++) {
        const double *w = y->W + o * y->n_in;
        double a = y->b[o];
        for (int64_t k = 0; k < y->n_in; k++) a += w[k] * in[k];
        h[o] = a > 0.0 ? a : 0.0;
        G += h[o] * h[o];
    }
    return G;
}

static void normalise(const double *h, int64_t n, double *out)
{
    double s = 0.0;
    for (int64_t k = 0; k < n; k++) s += h[k] * h[k];
    s = 1.0 / (sqrt(s) + 1e-8);
    for (int64_t k = 0; k < n; k++) out[k] = h[k] * s;
}

static void make_input(const lacus_ff *m, const double *x, int64_t label, double *in)
{
    int64_t C = m->p.n_classes;
    memset(in, 0, (size_t)C * sizeof *in);
    in[label] = 1.0;
    memcpy(in + C, x, (size_t)m->p.n_inputs * sizeof *x);
}

/* Adds the local gradient of one layer's loss for one (pos, neg) pair to gW,
 * gb; returns the loss. in_* are the layer's inputs, h* its outputs. */
static double layer_grad(ff_layer *y, double theta, const double *inp, const double *hp, double Gp,
                         const double *inn, const double *hn, double Gn, double *gW, double *gb)
{
    double loss = lacus__softplus(theta - Gp) + lacus__softplus(Gn - theta);
    double cp = -1.0 / (1.0 + exp(-(theta - Gp))); /* dL/dG+ */
    double cn = 1.0 / (1.0 + exp(-(Gn - theta)));  /* dL/dG- */
    for (int64_t o = 0; o < y->n_out; o++) {
        double dp = hp[o] > 0.0 ? cp * 2.0 * hp[o] : 0.0;
        double dn = hn[o] > 0.0 ? cn * 2.0 * hn[o] : 0.0;
        if (dp == 0.0 && dn == 0.0) continue;
        double *g = gW + o * y->n_in;
        for (int64_t k = 0; k < y->n_in; k++) g[k] += dp * inp[k] + dn * inn[k];
        gb[o] += dp + dn;
    }
    return loss;
}

lacus_status lacus_ff_layer_loss_grad(const lacus_ff *m, int layer, const double *in_pos,
                                      const double *in_neg, double *loss, double *dW, double *db)
{
    if (!m || layer < 0 || layer >= m->L || !in_pos || !in_neg || !loss || !dW || !db)
        return LACUS_ERR_ARG;
    ff_layer *y = (ff_layer *)&m->layer[layer];
    double *hp = m->hp, *hn = m->hn_;
    double Gp = layer_fwd(y, in_pos, hp), Gn = layer_fwd(y, in_neg, hn);
    memset(dW, 0, (size_t)(y->n_in * y->n_out) * sizeof *dW);
    memset(db, 0, (size_t)y->n_out * sizeof *db);
    *loss = layer_grad(y, m->p.theta, in_pos, hp, Gp, in_neg, hn, Gn, dW, db);
    return LACUS_OK;
}

static void adam(double *w, double *g, double *mo, double *v, int64_t n, double lr, int64_t t,
                 double scale)
{
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    double c1 = 1.0 - pow(b1, (double)t), c2 = 1.0 - pow(b2, (double)t);
    for (int64_t k = 0; k < n; k++) {
        double gk = g[k] * scale;
        mo[k] = b1 * mo[k] + (1.0 - b1) * gk;
        v[k] = b2 * v[k] + (1.0 - b2) * gk * gk;
        w[k] -= lr * (mo[k] / c1) / (sqrt(v[k] / c2) + eps);
        g[k] = 0.0;
    }
}

static lacus_status check_data(lacus_ff *m, const double *x, const int32_t *labels, int64_t n)
{
    if (!x || n < 1)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "x must be given with n >= 1 (n = %lld)", (long long)n);
    lacus_status st = lacus__check_finite(&m->err, "x", x, n, m->p.n_inputs, m->p.n_inputs);
    if (st) return st;
    for (int64_t i = 0; labels && i < n; i++)
        if (labels[i] < 0 || labels[i] >= m->p.n_classes)
            return lacus__fail(&m->err, LACUS_ERR_ARG, "labels[%lld] = %d: must be in 0..%lld",
                               (long long)i, labels[i], (long long)m->p.n_classes - 1);
    return LACUS_OK;
}

lacus_status lacus_ff_fit(lacus_ff *m, const double *x, const int32_t *labels, int64_t n)
{
    if (!m) return LACUS_ERR_ARG;
    if (!labels) return lacus__fail(&m->err, LACUS_ERR_ARG, "labels are NULL");
    lacus_status st = check_data(m, x, labels, n);
    if (st) return st;
    int64_t *order = LACUS__NEW(int64_t, n);
    double *inp = LACUS__NEW(double, m->width), *inn = LACUS__NEW(double, m->width);
    if (!order || !inp || !inn) {
        lacus__free(order), lacus__free(inp), lacus__free(inn);
        return lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory for FF training");
    }
    lacus__rng rng;
    lacus__rng_stream(&rng, m->p.seed, STREAM_FF_TRAIN, (uint64_t)m->adam_t);
    int64_t C = m->p.n_classes, H = m->p.n_hidden;
    for (int64_t ep = 0; ep < m->p.epochs && !st; ep++) {
        for (int64_t i = 0; i < n; i++) order[i] = i;
        for (int64_t i = n - 1; i > 0; i--) {
            int64_t j = (int64_t)lacus__rng_below(&rng, (uint64_t)i + 1), t = order[i];
            order[i] = order[j], order[j] = t;
        }
        for (int64_t s0 = 0; s0 < n && !st; s0 += m->p.batch) {
            int64_t s1 = s0 + m->p.batch < n ? s0 + m->p.batch : n;
            for (int64_t s = s0; s < s1; s++) {
                int64_t i = order[s];
                int64_t wrong = (labels[i] + 1 + (int64_t)lacus__rng_below(&rng, (uint64_t)C - 1)) % C;
                make_input(m, x + i * m->p.n_inputs, labels[i], inp);
                make_input(m, x + i * m->p.n_inputs, wrong, inn);
                for (int l = 0; l < m->L; l++) {
                    ff_layer *y = &m->layer[l];
                    double Gp = layer_fwd(y, inp, m->hp), Gn = layer_fwd(y, inn, m->hn_);
                    layer_grad(y, m->p.theta, inp, m->hp, Gp, inn, m->hn_, Gn, y->gW, y->gb);
                    normalise(m->hp, H, inp);
                    normalise(m->hn_, H, inn);
                }
            }
            m->adam_t++;
            double scale = 1.0 / (double)(s1 - s0);
            for (int l = 0; l < m->L; l++) {
                ff_layer *y = &m->layer[l];
                adam(y->W, y->gW, y->mW, y->vW, y->n_in * y->n_out, m->p.lr, m->adam_t, scale);
                adam(y->b, y->gb, y->mb, y->vb, y->n_out, m->p.lr, m->adam_t, scale);
                for (int64_t k = 0; k < y->n_out; k++)
                    if (!isfinite(y->b[k]))
                        st = lacus__fail(&m->err, LACUS_ERR_NUMERIC,
                                         "FF layer %d diverged in epoch %lld (lr = %g too large)", l,
                                         (long long)ep, m->p.lr);
            }
        }
    }
    lacus__free(order), lacus__free(inp), lacus__free(inn);
    return st;
}

/* Goodness of every layer for x with label c; in is scratch (width). */
static void goodness_all(const lacus_ff *m, const double *x, int64_t c, double *in, double *G)
{
    lacus_ff *mm = (lacus_ff *)m;
    make_input(m, x, c, in);
    for (int l = 0; l < m->L; l++) {
        G[l] = layer_fwd(&m->layer[l], in, mm->hp);
        normalise(mm->hp, m->p.n_hidden, in);
    }
}

lacus_status lacus_ff_predict(const lacus_ff *m, const double *x, int64_t n, int32_t *labels,
                              double *goodness)
{
    if (!m) return LACUS_ERR_ARG;
    lacus_status st = check_data((lacus_ff *)m, x, NULL, n);
    if (st) return st;
    if (!labels) return lacus__fail((lacus_error *)&m->err, LACUS_ERR_ARG, "labels are NULL");
    int64_t C = m->p.n_classes;
    int l0 = m->L <= 2 ? 0 : 1;
    double G[FF_MAX_LAYERS];
    for (int64_t i = 0; i < n; i++) {
        double best = -INFINITY;
        for (int64_t c = 0; c < C; c++) {
            goodness_all(m, x + i * m->p.n_inputs, c, m->bufp, G);
            double s = 0.0;
            for (int l = l0; l < m->L; l++) s += G[l];
            if (goodness) goodness[i * C + c] = s;
            if (s > best) best = s, labels[i] = (int32_t)c;
        }
    }
    return LACUS_OK;
}

lacus_status lacus_ff_goodness(const lacus_ff *m, const double *x, const int32_t *labels,
                               int64_t n, int layer, double *pos, double *neg)
{
    if (!m || !pos || !neg) return LACUS_ERR_ARG;
    if (layer < 0 || layer >= m->L)
        return lacus__fail((lacus_error *)&m->err, LACUS_ERR_ARG, "layer = %d: must be in 0..%d",
                           layer, m->L - 1);
    if (!labels) return lacus__fail((lacus_error *)&m->err, LACUS_ERR_ARG, "labels are NULL");
    lacus_status st = check_data((lacus_ff *)m, x, labels, n);
    if (st) return st;
    double G[FF_MAX_LAYERS], sp = 0.0, sn = 0.0;
    for (int64_t i = 0; i < n; i++) {
        goodness_all(m, x + i * m->p.n_inputs, labels[i], m->bufp, G);
        sp += G[layer];
        goodness_all(m, x + i * m->p.n_inputs, (labels[i] + 1) % m->p.n_classes, m->bufp, G);
        sn += G[layer];
    }
    *pos = sp / (double)n;
    *neg = sn / (double)n;
    return LACUS_OK;
}

int64_t lacus_ff_layer_n_in(const lacus_ff *m, int layer)
{
    return (m && layer >= 0 && layer < m->L) ? m->layer[layer].n_in : 0;
}

lacus_status lacus_ff_layer_get(const lacus_ff *m, int layer, double *W, double *b)
{
    if (!m || layer < 0 || layer >= m->L) return LACUS_ERR_ARG;
    const ff_layer *y = &m->layer[layer];
    if (W) memcpy(W, y->W, (size_t)(y->n_in * y->n_out) * sizeof *W);
    if (b) memcpy(b, y->b, (size_t)y->n_out * sizeof *b);
    return LACUS_OK;
}

lacus_status lacus_ff_layer_set(lacus_ff *m, int layer, const double *W, const double *b)
{
    if (!m || layer < 0 || layer >= m->L) return LACUS_ERR_ARG;
    ff_layer *y = &m->layer[layer];
    lacus_status st;
    if (W && (st = lacus__check_finite(&m->err, "W", W, y->n_out, y->n_in, y->n_in))) return st;
    if (b && (st = lacus__check_finite(&m->err, "b", b, 1, y->n_out, y->n_out))) return st;
    if (W) memcpy(y->W, W, (size_t)(y->n_in * y->n_out) * sizeof *W);
    if (b) memcpy(y->b, b, (size_t)y->n_out * sizeof *b);
    return LACUS_OK;
}

lacus_status lacus_ff_make_task(int64_t n, int64_t n_inputs, int64_t n_classes, double noise,
                                uint64_t seed, double *x, int32_t *labels, lacus_error *err)
{
    if (n < 1 || n_inputs < 1 || n_classes < 2 || !x || !labels)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "n = %lld, n_inputs = %lld, n_classes = %lld: need n, n_inputs >= 1, "
                           "n_classes >= 2 and x, labels given",
                           (long long)n, (long long)n_inputs, (long long)n_classes);
    if (!(noise >= 0.0) || !isfinite(noise))
        return lacus__fail(err, LACUS_ERR_ARG, "noise = %g: must be >= 0", noise);
    int64_t np = 2 * n_classes;
    double *proto = LACUS__NEW(double, np * n_inputs);
    if (!proto) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for prototypes");
    lacus__rng rng;
    lacus__rng_stream(&rng, seed, STREAM_FF_TASK, 0);
    for (int64_t k = 0; k < np; k++) {
        double s = 0.0, *p = proto + k * n_inputs;
        for (int64_t j = 0; j < n_inputs; j++) p[j] = lacus__rng_normal(&rng), s += p[j] * p[j];
        s = 2.0 / sqrt(s);
        for (int64_t j = 0; j < n_inputs; j++) p[j] *= s;
    }
    for (int64_t i = 0; i < n; i++) {
        int64_t c = (int64_t)lacus__rng_below(&rng, (uint64_t)n_classes);
        int64_t k = 2 * c + (int64_t)lacus__rng_below(&rng, 2);
        labels[i] = (int32_t)c;
        for (int64_t j = 0; j < n_inputs; j++)
            x[i * n_inputs + j] = proto[k * n_inputs + j] + noise * lacus__rng_normal(&rng);
    }
    lacus__free(proto);
    return LACUS_OK;
}
