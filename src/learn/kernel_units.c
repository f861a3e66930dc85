/* The unit library of backward tuning (Vieville et al. RR-9100 §1.1 of the
 * spec) written as node-kernel networks, the reverse-engineering protocol's
 * root target (spec §1.7), and the ESN bridge. Each builder lays out a
 * unit's output as node i, its helper nodes after all outputs, so that
 * same-step sources always have a higher index (causality). */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "learn/tune_internal.h"

static const char *UNIT_NAMES[] = {"linear", "lnl", "sparse-relu", "aif", "softmax"};

const char *lacus_tune_unit_name(lacus_tune_unit u)
{
    return (unsigned)u < 5 ? UNIT_NAMES[u] : "?";
}

lacus_status lacus_tune_unit_parse(const char *name, lacus_tune_unit *out)
{
    for (int i = 0; name && i < 5; i++)
        if (!strcmp(name, UNIT_NAMES[i])) {
            *out = (lacus_tune_unit)i;
            return LACUS_OK;
        }
    return LACUS_ERR_ARG;
}

lacus_tune_net_params lacus_tune_net_params_default(void)
{
    lacus_tune_net_params p;
    memset(&p, 0, sizeof p);
    p.unit = LACUS_TUNE_LNL;
    p.n_inputs = 1;
    p.seed = 42;
    p.init_std = NAN; /* 0.5 / sqrt(n_units), resolved at create */
    p.zeta_lo = 0.0;
    p.zeta_hi = 1.0;
    p.sharpness = 100.0;
    return p;
}

lacus_status lacus_tune_net_params_check(const lacus_tune_net_params *p, lacus_error *err)
{
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "params is NULL");
    if ((unsigned)p->unit > LACUS_TUNE_SOFTMAX)
        return lacus__fail(err, LACUS_ERR_ARG, "unit = %d: must be linear|lnl|sparse-relu|aif|softmax",
                           (int)p->unit);
    if (p->n_units < 1 || p->n_units > 100000)
        return lacus__fail(err, LACUS_ERR_ARG, "n_units = %lld: must be in [1, 100000]",
                           (long long)p->n_units);
    if (p->n_inputs < 0 || p->n_inputs > 100000)
        return lacus__fail(err, LACUS_ERR_ARG, "n_inputs = %lld: must be in [0, 100000]",
                           (long long)p->n_inputs);
    if (!isfinite(p->init_mean))
        return lacus__fail(err, LACUS_ERR_ARG, "init_mean = %g: must be finite", p->init_mean);
    if (!isnan(p->init_std) && !(p->init_std >= 0 && isfinite(p->init_std)))
        return lacus__fail(err, LACUS_ERR_ARG, "init_std = %g: must be finite and >= 0", p->init_std);
    if (p->fan_in < 0 || p->fan_in > p->n_units)
        return lacus__fail(err, LACUS_ERR_ARG, "fan_in = %lld: must be in [0, n_units = %lld]",
                           (long long)p->fan_in, (long long)p->n_units);
    if (!(p->leak >= 0 && p->leak <= 0.999))
        return lacus__fail(err, LACUS_ERR_ARG, "leak = %g: must be in [0, 0.999]", p->leak);
    if (!isfinite(p->offset))
        return lacus__fail(err, LACUS_ERR_ARG, "offset = %g: must be finite", p->offset);
    if (!isfinite(p->zeta_lo) || isnan(p->zeta_hi) || !(p->zeta_hi > p->zeta_lo))
        return lacus__fail(err, LACUS_ERR_ARG, "zeta range [%g, %g]: need finite lo < hi (hi may be inf)",
                           p->zeta_lo, p->zeta_hi);
    if (!(p->sharpness >= 0 && p->sharpness <= 100))
        return lacus__fail(err, LACUS_ERR_ARG, "sharpness = %g: must be in [0, 100]", p->sharpness);
    return LACUS_OK;
}

/* k distinct presynaptic units of n_units (all when k == 0), sorted. */
static void pick_presyn(lacus__rng *r, int64_t n_units, int64_t k, int64_t *perm, int64_t *out,
                        int64_t *n_out)
{
    for (int64_t i = 0; i < n_units; i++) perm[i] = i;
    if (k <= 0 || k >= n_units) {
        memcpy(out, perm, (size_t)n_units * sizeof *out);
        *n_out = n_units;
        return;
    }
    for (int64_t i = 0; i < k; i++) {
        int64_t j = i + (int64_t)lacus__rng_below(r, (uint64_t)(n_units - i));
        int64_t tmp = perm[i];
        perm[i] = perm[j];
        perm[j] = tmp;
    }
    /* insertion sort of the k picks: kernels in source order */
    for (int64_t i = 1; i < k; i++)
        for (int64_t j = i; j > 0 && perm[j - 1] > perm[j]; j--) {
            int64_t tmp = perm[j];
            perm[j] = perm[j - 1];
            perm[j - 1] = tmp;
        }
    memcpy(out, perm, (size_t)k * sizeof *out);
    *n_out = k;
}

static lacus_tune_kernel fixed(lacus_tune_kernel_kind kind, int32_t node, int32_t lag, double w)
{
    lacus_tune_kernel k = lacus_tune_kernel_make(kind, node, lag, w);
    k.learnable = 0;
    return k;
}

lacus_status lacus_tune_net_create(const lacus_tune_net_params *p, lacus_tune_net **out,
                                   lacus_error *err)
{
    if (out) *out = NULL;
    lacus_status st = lacus_tune_net_params_check(p, err);
    if (st) return st;
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "out is NULL");
    const int64_t N = p->n_units, M = p->n_inputs;
    int64_t Nn = p->unit == LACUS_TUNE_LINEAR || p->unit == LACUS_TUNE_SPARSE_RELU ? N
                 : p->unit == LACUS_TUNE_AIF                                    ? 2 * N
                 : p->unit == LACUS_TUNE_LNL                                    ? 3 * N
                                                                                : 3 * N + 1;
    if ((st = lacus_tune_net_create_empty(Nn, M, out, err))) return st;
    lacus_tune_net *net = *out;
    net->unit = (int)p->unit;
    net->n_units = N;
    double sd = isnan(p->init_std) ? 0.5 / sqrt((double)N) : p->init_std;
    lacus__rng rw, rc;
    lacus__rng_stream(&rw, p->seed, LACUS__STREAM_W, 0);
    lacus__rng_stream(&rc, p->seed, LACUS__STREAM_W, 1);
    int64_t *perm = LACUS__NEW(int64_t, N), *pre = LACUS__NEW(int64_t, N), n_pre = 0;
    if (!perm || !pre) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (network)");
        goto fail;
    }
    int64_t fan = p->fan_in;
    if (p->unit == LACUS_TUNE_SPARSE_RELU && fan == 0)
        fan = N <= 3 ? 1 : N == 4 ? 2 : (int64_t)floor(sqrt((double)N));
    lacus_tune_kernel k;
#define ADD(node, kern, dst, src)                                            \
    do {                                                                     \
        k = (kern);                                                          \
        if ((st = lacus__tune_add(net, (node), &k, (dst), (src), err))) goto fail; \
    } while (0)
    /* Connection and input weights of unit n on node `node`, reading the
     * unit outputs through kind `kind` from `base + m` at lag `lag`. */
#define CONNECT(node, n, kind, base, lag, prm)                             \
    do {                                                                     \
        pick_presyn(&rc, N, fan, perm, pre, &n_pre);                         \
        for (int64_t i = 0; i < n_pre; i++) {                                \
            k = lacus_tune_kernel_make((kind), (int32_t)((base) + pre[i]), (lag), \
                                       p->init_mean + sd * lacus__rng_normal(&rw)); \
            k.param[0] = (prm);                                              \
            k.sparse = 1;                                                    \
            if ((st = lacus__tune_add(net, (node), &k, (n), pre[i], err))) goto fail; \
        }                                                                    \
        for (int64_t i = 0; i < M; i++) {                                    \
            k = lacus_tune_kernel_make(LACUS_TK_ID, (int32_t)(-i - 1), 1,    \
                                       p->init_mean + sd * lacus__rng_normal(&rw)); \
            k.sparse = p->input_sparse;                                      \
            if ((st = lacus__tune_add(net, (node), &k, p->input_sparse ? (n) : -1, \
                                      p->input_sparse ? N + i : -1, err))) goto fail; \
        }                                                                    \
    } while (0)
    for (int64_t n = 0; n < N; n++) {
        lacus_tune_kernel off = lacus_tune_kernel_make(LACUS_TK_ONE, 0, 0, p->offset);
        off.learnable = p->learn_offset;
        switch (p->unit) {
        case LACUS_TUNE_LINEAR:
            ADD(n, off, -1, -1);
            CONNECT(n, n, LACUS_TK_CLIP, 0, 1, 1e6);
            break;
        case LACUS_TUNE_LNL: {
            ADD(n, fixed(LACUS_TK_ID, (int32_t)(N + n), 0, 1.0), -1, -1);
            k = fixed(LACUS_TK_ZETA, (int32_t)(2 * N + n), 0, 1.0);
            k.param[0] = p->zeta_lo;
            k.param[1] = p->zeta_hi;
            ADD(n, k, -1, -1);
            k = lacus_tune_kernel_make(LACUS_TK_ID, (int32_t)n, 1, p->leak);
            k.learnable = p->learn_leak;
            k.lo = 0.0;
            k.hi = 0.999;
            ADD(N + n, k, -1, -1);
            ADD(2 * N + n, off, -1, -1);
            CONNECT(2 * N + n, n, LACUS_TK_ID, 0, 1, 0.0);
            break;
        }
        case LACUS_TUNE_SPARSE_RELU:
            if (p->leak != 0.0) ADD(n, fixed(LACUS_TK_ID, (int32_t)n, 1, p->leak), -1, -1);
            CONNECT(n, n, LACUS_TK_RELU, 0, 1, 1e7);
            break;
        case LACUS_TUNE_AIF:
            k = lacus_tune_kernel_make(LACUS_TK_AIF_LEAK, (int32_t)(N + n), 0, p->leak);
            k.n_src = 2;
            k.src[1].node = (int32_t)n;
            k.src[1].lag = 1;
            k.learnable = p->learn_leak;
            k.lo = 0.0;
            k.hi = 0.999;
            ADD(n, k, -1, -1);
            ADD(n, off, -1, -1);
            CONNECT(n, n, LACUS_TK_SIG4, N, 0, 0.0);
            k = lacus_tune_kernel_make(LACUS_TK_SHIFT, (int32_t)n, 1, p->sharpness);
            k.param[0] = 0.5;
            k.learnable = p->learn_sharpness;
            k.lo = 0.0;
            k.hi = 100.0;
            ADD(N + n, k, -1, -1);
            break;
        case LACUS_TUNE_SOFTMAX:
            k = fixed(LACUS_TK_RATIO, (int32_t)(N + 1 + n), 0, 1.0);
            k.n_src = 2;
            k.src[1].node = (int32_t)N;
            k.src[1].lag = 0;
            ADD(n, k, -1, -1);
            ADD(N, fixed(LACUS_TK_ID, (int32_t)(N + 1 + n), 0, 1.0), -1, -1);
            k = fixed(LACUS_TK_EXP, (int32_t)(2 * N + 1 + n), 0, 1.0);
            k.param[0] = 1e10;
            ADD(N + 1 + n, k, -1, -1);
            ADD(2 * N + 1 + n, off, -1, -1);
            CONNECT(2 * N + 1 + n, n, LACUS_TK_ID, 0, 1, 0.0);
            break;
        }
    }
#undef ADD
#undef CONNECT
    lacus__free(perm);
    lacus__free(pre);
    return LACUS_OK;
fail:
    lacus__free(perm);
    lacus__free(pre);
    lacus_tune_net_free(*out);
    *out = NULL;
    return st;
}

lacus_status lacus_tune_root_target(const lacus_tune_net_params *root, int64_t T,
                                    uint64_t data_seed, double *u, double *target,
                                    lacus_error *err)
{
    if (!root || !u || !target) return lacus__fail(err, LACUS_ERR_ARG, "NULL argument");
    if (T < 1) return lacus__fail(err, LACUS_ERR_ARG, "T = %lld: must be >= 1", (long long)T);
    if (root->n_inputs != 1)
        return lacus__fail(err, LACUS_ERR_ARG, "root n_inputs = %lld: the protocol has 1 input",
                           (long long)root->n_inputs);
    lacus_tune_net *net = NULL;
    lacus_status st = lacus_tune_net_create(root, &net, err);
    if (st) return st;
    lacus__rng r;
    lacus__rng_stream(&r, data_seed, LACUS__STREAM_DATA, 0);
    for (int64_t t = 0; t < T; t++) u[t] = lacus__rng_normal(&r);
    double *x = LACUS__NEW(double, T * net->n_nodes);
    if (!x) {
        lacus_tune_net_free(net);
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (root trajectory)");
    }
    st = lacus_tune_forward(net, u, T, x, err);
    for (int64_t t = 0; !st && t < T; t++) target[t] = x[t * net->n_nodes];
    lacus__free(x);
    lacus_tune_net_free(net);
    return st;
}

lacus_status lacus_tune_net_from_esn(int64_t N, int64_t M, int64_t L, double lr, const double *W,
                                     const double *Win, const double *bias, const double *Wout,
                                     const double *bout, lacus_tune_net **out, lacus_error *err)
{
    if (!W || !Win || !Wout || !out) return lacus__fail(err, LACUS_ERR_ARG, "NULL argument");
    if (N < 1 || M < 1 || L < 1)
        return lacus__fail(err, LACUS_ERR_ARG, "n_units, n_inputs, n_outputs = %lld, %lld, %lld: "
                           "each must be >= 1", (long long)N, (long long)M, (long long)L);
    if (!(lr > 0 && lr <= 1)) return lacus__fail(err, LACUS_ERR_ARG, "lr = %g: must be in (0, 1]", lr);
    lacus_status st;
    if ((st = lacus__check_finite(err, "W", W, N, N, N)) || (st = lacus__check_finite(err, "Win", Win, N, M, M)) ||
        (st = lacus__check_finite(err, "Wout", Wout, N, L, L)) ||
        (bias && (st = lacus__check_finite(err, "bias", bias, N, 1, 1))) ||
        (bout && (st = lacus__check_finite(err, "bout", bout, L, 1, 1))))
        return st;
    if ((st = lacus_tune_net_create_empty(L + 2 * N, M, out, err))) return st;
    lacus_tune_net *net = *out;
    net->n_units = N;
    net->esn_outputs = L;
    lacus_tune_kernel k;
    for (int64_t o = 0; o < L && !st; o++) {
        for (int64_t n = 0; n < N && !st; n++) {
            k = lacus_tune_kernel_make(LACUS_TK_ID, (int32_t)(L + n), 0, Wout[n * L + o]);
            st = lacus__tune_add(net, o, &k, -1, -1, err);
        }
        k = lacus_tune_kernel_make(LACUS_TK_ONE, 0, 0, bout ? bout[o] : 0.0);
        if (!st) st = lacus__tune_add(net, o, &k, -1, -1, err);
    }
    for (int64_t n = 0; n < N && !st; n++) {
        if (lr < 1) {
            k = fixed(LACUS_TK_ID, (int32_t)(L + n), 1, 1.0 - lr);
            st = lacus__tune_add(net, L + n, &k, -1, -1, err);
        }
        k = fixed(LACUS_TK_TANH, (int32_t)(L + N + n), 0, lr);
        if (!st) st = lacus__tune_add(net, L + n, &k, -1, -1, err);
    }
    for (int64_t n = 0; n < N && !st; n++) {
        for (int64_t m = 0; m < N && !st; m++) {
            if (W[n * N + m] == 0.0) continue;
            k = lacus_tune_kernel_make(LACUS_TK_ID, (int32_t)(L + m), 1, W[n * N + m]);
            k.sparse = 1;
            st = lacus__tune_add(net, L + N + n, &k, n, m, err);
        }
        for (int64_t i = 0; i < M && !st; i++) {
            if (Win[n * M + i] == 0.0) continue;
            k = fixed(LACUS_TK_ID, (int32_t)(-i - 1), 0, Win[n * M + i]);
            st = lacus__tune_add(net, L + N + n, &k, -1, -1, err);
        }
        if (!st && bias && bias[n] != 0.0) {
            k = fixed(LACUS_TK_ONE, 0, 0, bias[n]);
            st = lacus__tune_add(net, L + N + n, &k, -1, -1, err);
        }
    }
    if (st) {
        lacus_tune_net_free(net);
        *out = NULL;
    }
    return st;
}

lacus_status lacus_tune_net_to_esn(const lacus_tune_net *net, double *W, double *Wout,
                                   double *bout, lacus_error *err)
{
    if (!net || net->esn_outputs < 1)
        return lacus__fail(err, LACUS_ERR_ARG, "the network was not made by lacus_tune_net_from_esn");
    const int64_t N = net->n_units, L = net->esn_outputs;
    if (W) memset(W, 0, (size_t)(N * N) * sizeof *W);
    for (int64_t o = 0; o < L; o++)
        for (int64_t j = net->off[o]; j < net->off[o + 1]; j++) {
            const lacus_tune_kernel *k = &net->k[j];
            if (k->kind == LACUS_TK_ONE) {
                if (bout) bout[o] = net->W[j];
            } else if (Wout) {
                Wout[(k->src[0].node - L) * L + o] = net->W[j];
            }
        }
    if (W)
        for (int64_t j = 0; j < net->n_w; j++)
            if (net->edge_dst[j] >= 0) W[net->edge_dst[j] * N + net->edge_src[j]] = net->W[j];
    return LACUS_OK;
}
