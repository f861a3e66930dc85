/* lacus tune: outputs (weights and architecture .npz, predictions, PNG)
 * and the reservoir bridge (tuning W of a model written by `lacus fit`). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "cmd_tune.h"


static lacus_ndarray f64(int ndim, int64_t r, int64_t c, const double *d)
{
    lacus_ndarray a;
    memset(&a, 0, sizeof a);
    a.dtype = LACUS_F64;
    a.ndim = ndim;
    a.shape[0] = r;
    a.shape[1] = c;
    a.data = (void *)d;
    return a;
}

/* Observed outputs of a run, (T, O). */
static double *outputs(const lacus_tune_net *net, const lacus_tune_criterion *c, const double *u,
                       int64_t T, lacus_error *err)
{
    int64_t Nn = lacus_tune_net_n_nodes(net), O = c->n_observed;
    double *x = malloc((size_t)(T * Nn) * sizeof *x), *y = malloc((size_t)(T * O) * sizeof *y);
    if (!x || !y || lacus_tune_forward(net, u, T, x, err)) {
        if (!x || !y) snprintf(err->msg, sizeof err->msg, "out of memory");
        free(x), free(y);
        return NULL;
    }
    for (int64_t t = 0; t < T; t++)
        for (int64_t o = 0; o < O; o++) y[t * O + o] = x[t * Nn + (c->observed ? c->observed[o] : o)];
    free(x);
    return y;
}

int lacus__cli_tune_write(const tune_cfg *c, const lacus_tune_net *net, const lacus_tune_result *r,
                          const double *u, int64_t T)
{
    lacus_error err = {0};
    int64_t nw = lacus_tune_net_n_weights(net), N = lacus_tune_net_n_units(net);
    int64_t S = N + lacus_tune_net_n_inputs(net), e = 0;
    double *W = malloc((size_t)nw * sizeof *W), *C = malloc((size_t)(N * S) * sizeof *C);
    double *hist = malloc((size_t)(S + 1) * sizeof *hist);
    int64_t *h = malloc((size_t)(S + 1) * sizeof *h);
    double *pred = NULL;
    int rc = -1;
    lacus_npz_writer *w = NULL;
    if (!W || !C || !hist || !h) {
        cli_error("out of memory");
        goto done;
    }
    lacus_tune_net_get_weights(net, W);
    lacus_tune_net_architecture(net, C, &e, h);
    for (int64_t k = 0; k <= S; k++) hist[k] = (double)h[k];
    if (c->predictions) {
        if (!(pred = outputs(net, &c->crit, u, T, &err))) {
            cli_error("predictions: %s", err.msg);
            goto done;
        }
        lacus_ndarray a = f64(2, T, c->crit.n_observed, pred);
        if (lacus_npy_write(c->predictions, &a, &err)) {
            cli_error("%s", err.msg);
            goto done;
        }
    }
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "format", "lacus-tune");
    cJSON_AddStringToObject(m, "lacus_version", lacus_version());
    cJSON_AddStringToObject(m, "unit", lacus_tune_unit_name(c->net.unit));
    cJSON_AddNumberToObject(m, "n_units", (double)N);
    cJSON_AddNumberToObject(m, "n_inputs", (double)lacus_tune_net_n_inputs(net));
    cJSON_AddNumberToObject(m, "n_nodes", (double)lacus_tune_net_n_nodes(net));
    cJSON_AddNumberToObject(m, "seed", (double)c->net.seed);
    cJSON_AddStringToObject(m, "criterion", lacus_tune_crit_name(c->crit.type));
    cJSON_AddStringToObject(m, "method", lacus_tune_method_name(c->fit.method));
    cJSON_AddNumberToObject(m, "iterations", (double)r->iterations);
    cJSON_AddNumberToObject(m, "nrmse0", r->nrmse0);
    cJSON_AddNumberToObject(m, "nrmse", r->nrmse);
    cJSON_AddNumberToObject(m, "edges", (double)e);
    char *json = cJSON_Print(m);
    cJSON_Delete(m);
    lacus_ndarray aW = f64(1, nw, 0, W), aC = f64(2, N, S, C), aH = f64(1, S + 1, 0, hist);
    if (!json || lacus_npz_writer_open(c->output, 1, &w, &err) ||
        lacus_npz_writer_add_bytes(w, "manifest.json", json, strlen(json), &err) ||
        lacus_npz_writer_add(w, "weights", &aW, &err) || lacus_npz_writer_add(w, "connectivity", &aC, &err) ||
        lacus_npz_writer_add(w, "fanin_hist", &aH, &err) || lacus_npz_writer_commit(w, &err)) {
        cli_error("%s: %s", c->output, json ? err.msg : "out of memory");
        free(json);
        goto done;
    }
    w = NULL;
    free(json);
    printf("wrote %s (%lld weights, %lld edges)\n", c->output, (long long)nw, (long long)e);
    if (c->png) {
        lacus_status st = lacus_tune_plot_architecture(net, c->png, "backward tuning: surviving architecture", &err);
        if (st) {
            cli_error("png: %s", err.msg);
            goto done;
        }
        printf("wrote %s\n", c->png);
    }
    rc = 0;
done:
    free(W), free(C), free(hist), free(h), free(pred);
    return rc;
}

/* The members of a `lacus fit` model file that the bridge reads. */
typedef struct esn_file {
    lacus_npz *z;
    lacus_ndarray ip, ix, xd, wip, wix, wxd, bias, lr, Wout, bout;
} esn_file;

static int rd(esn_file *f, const char *name, lacus_ndarray *a, lacus_error *err)
{
    if (lacus_npz_read(f->z, name, a, err) || lacus_ndarray_to_f64(a, err)) return -1;
    return 0;
}

static void esn_file_free(esn_file *f)
{
    lacus_ndarray *all[] = {&f->ip, &f->ix, &f->xd, &f->wip, &f->wix, &f->wxd, &f->bias, &f->lr, &f->Wout, &f->bout};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) lacus_ndarray_free(all[i]);
    lacus_npz_close(f->z);
}

static double segment_nrmse(const double *p, const double *y, int64_t T, int64_t O)
{
    double se = 0, sv = 0;
    for (int64_t o = 0; o < O; o++) {
        double m = 0;
        for (int64_t t = 0; t < T; t++) m += y[t * O + o];
        m /= (double)T;
        for (int64_t t = 0; t < T; t++) {
            se += (p[t * O + o] - y[t * O + o]) * (p[t * O + o] - y[t * O + o]);
            sv += (y[t * O + o] - m) * (y[t * O + o] - m);
        }
    }
    return sqrt(se / sv);
}

int lacus__cli_tune_esn(tune_cfg *c, const double *u, const double *y, int64_t T, int64_t M,
                        int64_t O, const double *ut, const double *yt, int64_t Tt)
{
    esn_file f;
    memset(&f, 0, sizeof f);
    lacus_error err = {0};
    int rc = 1;
    double *W = NULL, *Win = NULL, *Wo = NULL, *bo = NULL, *p0 = NULL, *p1 = NULL, *newd = NULL;
    lacus_tune_net *net = NULL;
    lacus_npz_writer *w = NULL;
    char *man = NULL;
    size_t man_len = 0;
    if (lacus_npz_open(c->model, &f.z, &err)) {
        cli_error("model: %s", err.msg);
        goto done;
    }
    if (lacus_npz_read_bytes(f.z, "manifest.json", (void **)&man, &man_len, &err)) {
        cli_error("model %s: %s", c->model, err.msg);
        goto done;
    }
    {
        char *s = malloc(man_len + 1);
        if (!s) goto done;
        memcpy(s, man, man_len);
        s[man_len] = 0;
        cJSON *j = cJSON_Parse(s);
        free(s);
        const cJSON *kind = cJSON_GetObjectItem(j, "kind"), *fi = cJSON_GetObjectItem(j, "feed_input");
        const cJSON *nf = cJSON_GetObjectItem(j, "n_feedback"), *res = cJSON_GetObjectItem(j, "reservoir");
        const cJSON *act = cJSON_GetObjectItem(res, "activation"), *wu = cJSON_GetObjectItem(j, "warmup");
        /* fit's washout is the criterion's warm-up unless the config set one */
        if (c->crit.warmup == 0 && cJSON_IsNumber(wu) && wu->valuedouble > 0 && wu->valuedouble < (double)T - 1)
            c->crit.warmup = (int64_t)wu->valuedouble;
        const char *why = !j                                         ? "its manifest.json is not JSON"
                          : !cJSON_IsString(kind) || strcmp(kind->valuestring, "esn") ? "it is not an ESN model"
                          : cJSON_IsTrue(fi)                         ? "its readout also sees the input (feed_input)"
                          : cJSON_IsNumber(nf) && nf->valuedouble != 0 ? "it has output feedback"
                          : !cJSON_IsString(act) || strcmp(act->valuestring, "tanh") ? "its activation is not tanh"
                                                                     : NULL;
        cJSON_Delete(j);
        if (why) {
            cli_error("model %s: cannot be tuned: %s", c->model, why);
            goto done;
        }
    }
    if (rd(&f, "W_indptr", &f.ip, &err) || rd(&f, "W_indices", &f.ix, &err) || rd(&f, "W_data", &f.xd, &err) ||
        rd(&f, "Win_indptr", &f.wip, &err) || rd(&f, "Win_indices", &f.wix, &err) ||
        rd(&f, "Win_data", &f.wxd, &err) || rd(&f, "bias", &f.bias, &err) || rd(&f, "lr", &f.lr, &err) ||
        rd(&f, "Wout", &f.Wout, &err) || rd(&f, "bout", &f.bout, &err)) {
        cli_error("model %s: %s", c->model, err.msg);
        goto done;
    }
    int64_t N = f.ip.shape[0] - 1;
    const double *ip = f.ip.data, *ix = f.ix.data, *xd = f.xd.data, *wip = f.wip.data, *wix = f.wix.data;
    const double *wxd = f.wxd.data, *lr = f.lr.data;
    int ok = N >= 1 && f.wip.shape[0] == N + 1 && f.bias.shape[0] == N && f.lr.shape[0] == N &&
             f.Wout.ndim == 2 && f.Wout.shape[0] == N && f.Wout.shape[1] == O && f.bout.shape[0] == O &&
             lacus_ndarray_size(&f.ix) == lacus_ndarray_size(&f.xd) &&
             lacus_ndarray_size(&f.wix) == lacus_ndarray_size(&f.wxd) && ip[N] == (double)lacus_ndarray_size(&f.xd) &&
             wip[N] == (double)lacus_ndarray_size(&f.wxd);
    if (!ok) {
        cli_error("model %s: arrays W, Win, bias, lr, Wout (%lld x %lld), bout do not fit a %lld-unit ESN with "
                  "%lld outputs (the target's columns)", c->model, (long long)f.Wout.shape[0],
                  (long long)f.Wout.shape[1], (long long)N, (long long)O);
        goto done;
    }
    for (int64_t i = 1; i < N; i++)
        if (lr[i] != lr[0]) {
            cli_error("model %s: per-unit leak rates are not supported by the bridge", c->model);
            goto done;
        }
    W = calloc((size_t)(N * N), sizeof *W);
    Win = calloc((size_t)(N * M), sizeof *Win);
    if (!W || !Win) goto oom;
    for (int64_t i = 0; i < N; i++) {
        for (int64_t k = (int64_t)ip[i]; k < (int64_t)ip[i + 1]; k++) {
            int64_t j = (int64_t)ix[k];
            if (k < 0 || j < 0 || j >= N) {
                cli_error("model %s: W index out of range", c->model);
                goto done;
            }
            W[i * N + j] = xd[k];
        }
        for (int64_t k = (int64_t)wip[i]; k < (int64_t)wip[i + 1]; k++) {
            int64_t j = (int64_t)wix[k];
            if (k < 0 || j < 0 || j >= M) {
                cli_error("model %s: Win column %lld is not one of the %lld inputs", c->model, (long long)j,
                          (long long)M);
                goto done;
            }
            Win[i * M + j] = wxd[k];
        }
    }
    if (lacus_tune_net_from_esn(N, M, O, lr[0], W, Win, f.bias.data, f.Wout.data, f.bout.data, &net, &err)) {
        cli_error("model %s: %s", c->model, err.msg);
        goto done;
    }
    c->crit.n_observed = O;
    c->crit.observed = NULL;
    double test0 = NAN, test1 = NAN;
    if (ut) {
        if (!(p0 = outputs(net, &c->crit, ut, Tt, &err))) goto numfail;
        test0 = segment_nrmse(p0, yt, Tt, O);
    }
    lacus_tune_result r;
    int64_t nl = 0;
    for (int64_t j = 0; j < lacus_tune_net_n_weights(net); j++) {
        lacus_tune_weight_info wi;
        lacus_tune_net_weight_info(net, j, &wi);
        nl += wi.learnable;
    }
    fprintf(stderr, "tune: ESN %s, %lld units, %lld weights (%lld learnable: W's non-zeros, Wout, bout), "
                    "%lld steps\n", c->model, (long long)N, (long long)lacus_tune_net_n_weights(net),
            (long long)nl, (long long)T);
    lacus_status st = lacus_tune_fit(net, u, y, T, &c->crit, &c->fit, &r, &err);
    if (st && st != LACUS_ERR_NUMERIC) goto numfail;
    if (st) cli_error("tune: %s", err.msg);
    printf("ESN training NRMSE: readout only %.6g, tuned %.6g (%lld iterations)\n", r.nrmse0, r.nrmse,
           (long long)r.iterations);
    if (ut) {
        if (!(p1 = outputs(net, &c->crit, ut, Tt, &err))) goto numfail;
        test1 = segment_nrmse(p1, yt, Tt, O);
        printf("ESN test NRMSE: readout only %.6g, tuned %.6g\n", test0, test1);
    }
    Wo = malloc((size_t)(N * O) * sizeof *Wo);
    bo = malloc((size_t)O * sizeof *bo);
    newd = malloc((size_t)lacus_ndarray_size(&f.xd) * sizeof *newd);
    if (!Wo || !bo || !newd) goto oom;
    lacus_tune_net_to_esn(net, W, Wo, bo, NULL);
    for (int64_t i = 0; i < N; i++)
        for (int64_t k = (int64_t)ip[i]; k < (int64_t)ip[i + 1]; k++) newd[k] = W[i * N + (int64_t)ix[k]];
    /* The tuned model: every member of the source file, with W_data, Wout
     * and bout replaced, so `lacus run` reads it as any model. */
    if (lacus_npz_writer_open(c->output, 1, &w, &err)) goto wfail;
    for (int64_t i = 0; i < lacus_npz_count(f.z); i++) {
        const char *name = lacus_npz_name(f.z, i);
        lacus_status s2;
        if (!strcmp(name, "manifest.json")) {
            s2 = lacus_npz_writer_add_bytes(w, name, man, man_len, &err);
        } else if (!strcmp(name, "W_data") || !strcmp(name, "Wout") || !strcmp(name, "bout")) {
            lacus_ndarray a = !strcmp(name, "W_data") ? f64(1, lacus_ndarray_size(&f.xd), 0, newd)
                              : !strcmp(name, "Wout") ? f64(2, N, O, Wo)
                                                      : f64(1, O, 0, bo);
            s2 = lacus_npz_writer_add(w, name, &a, &err);
        } else {
            lacus_ndarray a = {0};
            s2 = lacus_npz_read(f.z, name, &a, &err);
            if (!s2) s2 = lacus_npz_writer_add(w, name, &a, &err);
            lacus_ndarray_free(&a);
        }
        if (s2) goto wfail;
    }
    if (lacus_npz_writer_commit(w, &err)) {
        w = NULL;
        goto wfail;
    }
    w = NULL;
    printf("wrote %s (a model file for lacus run)\n", c->output);
    rc = st ? 1 : 0;
    goto done;
oom:
    cli_error("out of memory");
    goto done;
numfail:
    cli_error("tune: %s", err.msg);
    goto done;
wfail:
    cli_error("%s: %s", c->output, err.msg);
done:
    if (w) lacus_npz_writer_abort(w);
    lacus_tune_net_free(net);
    esn_file_free(&f);
    lacus_free(man);
    free(W), free(Win), free(Wo), free(bo), free(p0), free(p1), free(newd);
    return rc;
}
