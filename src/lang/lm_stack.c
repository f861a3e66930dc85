/* Stacked reservoir LMs (lacus/lm.h, lacus_lm_stack_eval): L echo state
 * networks of lacus/stack.h in chained mode. Layer 0 reads onehot(tok_t);
 * every layer's ridge readout predicts onehot(tok_{t+1}); layer l > 0 reads
 * layer l-1's predicted scores. Each layer's scores become probabilities as
 * in the single reservoir LM (log max(s, eps), inverse temperature beta
 * fitted on the calibration tokens), so the held-out bits of every depth
 * are comparable. lacus_stack takes dense sequences: the one-hot inputs and
 * targets cost 2 n_train V doubles, the caller's memory bound. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "lang/lm_stack.h"
#include "lang/rclm.h"

#define CTX 1000 /* tokens run before the calibration part (the fading
                    memory forgets the zero start well within them) */

/* Mean over rows of -log softmax(beta log max(s, eps))_y, natural log. */
double lacus__lm_stack_nll(const double *S, const int32_t *y, int64_t rows, int64_t V, double eps, double beta)
{
    double f = 0;
    for (int64_t t = 0; t < rows; t++) {
        const double *s = S + t * V;
        double mx = -INFINITY, z = 0;
        for (int64_t v = 0; v < V; v++) mx = fmax(mx, beta * log(fmax(s[v], eps)));
        for (int64_t v = 0; v < V; v++) z += exp(beta * log(fmax(s[v], eps)) - mx);
        f += mx + log(z) - beta * log(fmax(s[y[t]], eps));
    }
    return f / (double)rows;
}

/* The same on precomputed logits G = log max(s, eps): the calibration's
 * 40 golden-section steps per eps then cost exp only, not log too. */
static double nll_logits(const double *G, const int32_t *y, int64_t rows, int64_t V, double beta)
{
    double f = 0;
    for (int64_t t = 0; t < rows; t++) {
        const double *g = G + t * V;
        double mx = -INFINITY, z = 0;
        for (int64_t v = 0; v < V; v++) mx = fmax(mx, beta * g[v]);
        for (int64_t v = 0; v < V; v++) z += exp(beta * g[v] - mx);
        f += mx + log(z) - beta * g[y[t]];
    }
    return f / (double)rows;
}

/* eps on the half-decade grid of lacus_lm_fit, beta by golden-section
 * search on [0.05, 20] (the objective is convex in beta). Values equal
 * those of lacus__lm_stack_nll (the same logs, computed once). */
void lacus__lm_stack_calibrate(const double *S, const int32_t *y, int64_t rows, int64_t V, double *eps_out, double *beta_out)
{
    double best = INFINITY, *G = LACUS__NEW(double, rows * V);
    for (int g = 0; g < 9; g++) {
        double eps = pow(10.0, -6.0 + 0.5 * g), a = 0.05, b = 20, r = 0.5 * (sqrt(5.0) - 1);
#define NLL(beta) (G ? nll_logits(G, y, rows, V, (beta)) : lacus__lm_stack_nll(S, y, rows, V, eps, (beta)))
        if (G)
            for (int64_t i = 0; i < rows * V; i++) G[i] = log(fmax(S[i], eps));
        double c = b - r * (b - a), d = a + r * (b - a), fc = NLL(c), fd = NLL(d);
        for (int it = 0; it < 40; it++) {
            if (fc < fd) b = d, d = c, fd = fc, c = b - r * (b - a), fc = NLL(c);
            else a = c, c = d, fc = fd, d = a + r * (b - a), fd = NLL(d);
        }
        double beta = 0.5 * (a + b), f = NLL(beta);
#undef NLL
        if (f < best) best = f, *eps_out = eps, *beta_out = beta;
    }
    lacus__free(G);
}

lacus_esn_params lacus__lm_stack_layer_params(const lacus_lm_params *p, int64_t l)
{
    const int64_t V = p->vocab_size, N = p->n_units;
    lacus_esn_params e = lacus_esn_params_default();
    e.reservoir.n_units = N;
    e.reservoir.n_inputs = V; /* layer l > 0 reads layer l-1's V scores */
    e.reservoir.lr = p->lr, e.reservoir.sr = p->sr, e.reservoir.input_scaling = p->input_scaling;
    e.reservoir.input_connectivity = p->input_connectivity;
    e.reservoir.rc_connectivity = p->rc_degree / (double)N < 1 ? p->rc_degree / (double)N : 1;
    e.reservoir.bias_scaling = p->bias_scaling;
    e.reservoir.seed = p->seed + 1000003 * (uint64_t)l;
    e.readout.ridge = p->ridge;
    e.feed_input = p->feed_token;
    e.warmup = p->warmup;
    return e;
}

lacus_status lacus__lm_stack_fit_tokens(const lacus_lm_params *p, int64_t n_layers, const int32_t *ids,
                                        int64_t n_train, const char *what, lacus_stack **out,
                                        lacus_error *err)
{
    const int64_t V = p->vocab_size, T = n_train - 1;
    lacus_esn_params ep[16];
    int64_t outs[16];
    for (int64_t l = 0; l < n_layers; l++) ep[l] = lacus__lm_stack_layer_params(p, l), outs[l] = V;
    lacus_stack_params sp = lacus_stack_params_default();
    sp.n_layers = n_layers, sp.layers = ep, sp.n_outputs = outs, sp.report_mse = 0;
    *out = NULL;
    double *U = LACUS__ZNEW(double, T * V), *Y = LACUS__ZNEW(double, T * V);
    lacus_stack *st = NULL;
    lacus_status s;
    if (!U || !Y) {
        s = lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory (%lld training tokens x V = %lld, dense)",
                        what, (long long)T, (long long)V);
    } else {
        for (int64_t t = 0; t < T; t++) U[t * V + ids[t]] = 1, Y[t * V + ids[t + 1]] = 1;
        const double *ud[1] = {U}, *yd[1] = {Y};
        const lacus_seqs in = {1, V, ud, &T}, tg = {1, V, yd, &T};
        const lacus_seqs *tgs[16];
        for (int64_t l = 0; l < n_layers; l++) tgs[l] = &tg;
        if (!(s = lacus_stack_create(&sp, &st, err)) && (s = lacus_stack_fit(st, &in, tgs)))
            s = lacus__fail(err, s, "%s: %s", what, lacus_stack_errmsg(st));
    }
    lacus__free(U), lacus__free(Y);
    if (s) lacus_stack_free(st);
    else *out = st;
    return s;
}

lacus_status lacus_lm_stack_eval(const lacus_lm_params *p, int64_t n_layers, const int32_t *ids, int64_t n,
                                 int64_t n_train, int64_t n_calib, double *bits, lacus_error *err)
{
    lacus__clear(err);
    lacus_status s = lacus_lm_params_check(p, err);
    if (s) return s;
    const int64_t V = p->vocab_size;
    if (!ids || !bits || n_layers < 1 || n_layers > 16)
        return lacus__fail(err, LACUS_ERR_ARG, "lm stack: need ids, bits and 1 <= n_layers <= 16 (got %lld)",
                           (long long)n_layers);
    if (n_train < p->warmup + 2 || n_calib < 1 || n_train + n_calib >= n)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "lm stack: n_train = %lld, n_calib = %lld, n = %lld: need warmup + 2 <= n_train and "
                           "n_train + n_calib < n", (long long)n_train, (long long)n_calib, (long long)n);
    if (p->gate_tokens)
        return lacus__fail(err, LACUS_ERR_ARG, "lm stack: the layers' ridge readouts have no gates (gate_tokens "
                           "= %lld: set 0)", (long long)p->gate_tokens);
    for (int64_t t = 0; t < n; t++)
        if (ids[t] < 0 || ids[t] >= V)
            return lacus__fail(err, LACUS_ERR_ARG, "lm stack: ids[%lld] = %d not in [0, %lld)", (long long)t,
                               (int)ids[t], (long long)V);
    const int64_t r0 = n_train - 1 - CTX > 0 ? n_train - 1 - CTX : 0; /* first run step */
    const int64_t R = n - 1 - r0; /* run steps */
    lacus_stack *st = NULL;
    double *Ur = NULL, *out[16] = {0};
    int32_t *y = NULL;
    if ((s = lacus__lm_stack_fit_tokens(p, n_layers, ids, n_train, "lm stack", &st, err))) return s;
    /* Run over the calibration and test tokens (after CTX context). */
    Ur = LACUS__ZNEW(double, R * V);
    y = LACUS__NEW(int32_t, R);
    if (!Ur || !y) goto nomem;
    for (int64_t t = 0; t < R; t++) Ur[t * V + ids[r0 + t]] = 1, y[t] = ids[r0 + t + 1];
    for (int64_t l = 0; l < n_layers; l++)
        if (!(out[l] = LACUS__NEW(double, R * V))) goto nomem;
    {
        const double *ud[1] = {Ur};
        const lacus_seqs in = {1, V, ud, &R};
        double *const *o[16];
        double *ol[16][1];
        for (int64_t l = 0; l < n_layers; l++) ol[l][0] = out[l], o[l] = ol[l];
        if ((s = lacus_stack_run(st, &in, (double *const *const *)o))) {
            s = lacus__fail(err, s, "lm stack: %s", lacus_stack_errmsg(st));
            goto done;
        }
    }
    /* Rows: step r0 + t predicts ids[r0 + t + 1]; calibration rows predict
     * tokens [n_train, n_train + n_calib), test rows the rest. */
    const int64_t c0 = n_train - 1 - r0, nc = n_calib < 50000 ? n_calib : 50000, t0 = n_train + n_calib - 1 - r0;
    for (int64_t l = 0; l < n_layers; l++) {
        double eps = 1e-3, beta = 1;
        lacus__lm_stack_calibrate(out[l] + c0 * V, y + c0, nc, V, &eps, &beta);
        bits[l] = lacus__lm_stack_nll(out[l] + t0 * V, y + t0, R - t0, V, eps, beta) / log(2.0);
    }
    goto done;
nomem:
    s = lacus__fail(err, LACUS_ERR_NOMEM, "lm stack: out of memory (%lld run tokens x V = %lld, dense)",
                    (long long)R, (long long)V);
done:
    lacus_stack_free(st);
    lacus__free(Ur), lacus__free(y);
    for (int64_t l = 0; l < 16; l++) lacus__free(out[l]);
    return s;
}
