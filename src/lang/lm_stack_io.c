/* Stacked reservoir LM files (lacus/lm.h, lacus_lm_stack_save/load): the
 * conventions of rclm_io.c — an .npz with every layer's readout
 * (layer<l>/Wout, layer<l>/b), an optional tokenizer.json, and
 * manifest.json with the hyperparameters, the seed and each layer's
 * calibration. The reservoirs are redrawn from the seed on load. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "lang/lm_stack.h"
#include "lang/rclm.h"
#include "lang/tokenizer.h"

#define STACK_FORMAT "lacus-lm-stack"
#define STACK_FORMAT_VERSION 1

static lacus_status add_stack_arrays(lacus_npz_writer *w, const void *ctx, lacus_error *err)
{
    const lacus_lm_stack *m = ctx;
    lacus_status s = LACUS_OK;
    for (int64_t l = 0; l < m->L && !s; l++) {
        char name[32];
        lacus_ndarray W = {LACUS_F64, 2, {m->F, m->p.vocab_size}, m->Wout[l]};
        lacus_ndarray b = {LACUS_F64, 1, {m->p.vocab_size}, m->b[l]};
        snprintf(name, sizeof name, "layer%lld/Wout", (long long)l);
        s = lacus_npz_writer_add(w, name, &W, err);
        snprintf(name, sizeof name, "layer%lld/b", (long long)l);
        if (!s) s = lacus_npz_writer_add(w, name, &b, err);
    }
    return s;
}

lacus_status lacus_lm_stack_save(const lacus_lm_stack *m, const lacus_tokenizer *tok, const char *path,
                                 lacus_error *err)
{
    lacus__clear(err);
    if (!m || !path) return lacus__fail(err, LACUS_ERR_ARG, "lm stack save: NULL argument");
    const lacus_lm_params *p = &m->p;
    if (tok && lacus_tokenizer_vocab_size(tok) != p->vocab_size)
        return lacus__fail(err, LACUS_ERR_SHAPE, "lm stack save: tokenizer has V = %lld, model %lld",
                           (long long)lacus_tokenizer_vocab_size(tok), (long long)p->vocab_size);
    cJSON *root = cJSON_CreateObject();
    if (!root) return lacus__fail(err, LACUS_ERR_NOMEM, "lm stack save: out of memory");
    cJSON_AddStringToObject(root, "format", STACK_FORMAT);
    cJSON_AddNumberToObject(root, "format_version", STACK_FORMAT_VERSION);
    cJSON_AddStringToObject(root, "lacus_version", lacus_version());
    cJSON_AddStringToObject(root, "equation",
                            "x_l[t] = (1-lr) x_l[t-1] + lr tanh(W_l x_l[t-1] + Win_l u_l[t] + bias_l); "
                            "u_0 = onehot(tok_t), u_{l+1} = s_l; s_l = Wout_l^T [x_l[t], u_l[t]] + b_l; "
                            "p_l = softmax(beta_l log(max(s_l, eps_l)))");
    cJSON_AddNumberToObject(root, "n_layers", (double)m->L);
    lacus__lm_params_to_json(root, p);
    cJSON_AddItemToObject(root, "eps", cJSON_CreateDoubleArray(m->eps, (int)m->L));
    cJSON_AddItemToObject(root, "beta", cJSON_CreateDoubleArray(m->beta, (int)m->L));
    return lacus__lm_write(path, root, tok, add_stack_arrays, m, "lm stack save", err);
}

lacus_status lacus_lm_file_is_stack(const char *path, int *stacked, lacus_error *err)
{
    lacus__clear(err);
    if (!path || !stacked) return lacus__fail(err, LACUS_ERR_ARG, "lm file: NULL argument");
    lacus_npz *z = NULL;
    lacus_status s = lacus_npz_open(path, &z, err);
    if (s) return s;
    cJSON *root = NULL;
    const char *fmt = NULL;
    if (!(s = lacus__lm_read_manifest(z, path, &root, &fmt, err))) {
        if (!strcmp(fmt, STACK_FORMAT)) *stacked = 1;
        else if (!strcmp(fmt, "lacus-lm")) *stacked = 0;
        else s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: a \"%s\" file, not a language model", path, fmt);
    }
    cJSON_Delete(root);
    lacus_npz_close(z);
    return s;
}

/* n numbers of the array `key` into v; -1 when it is not n finite numbers. */
static int num_array(const cJSON *root, const char *key, double *v, int64_t n)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n) return -1;
    int64_t i = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, a)
    {
        if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble)) return -1;
        v[i++] = x->valuedouble;
    }
    return 0;
}

lacus_status lacus_lm_stack_load(const char *path, lacus_lm_stack **out, lacus_tokenizer **tok, lacus_error *err)
{
    lacus__clear(err);
    if (!out || !path) return lacus__fail(err, LACUS_ERR_ARG, "lm stack load: NULL argument");
    *out = NULL;
    if (tok) *tok = NULL;
    lacus_npz *z = NULL;
    lacus_status s = lacus_npz_open(path, &z, err);
    if (s) return s;
    cJSON *root = NULL;
    const char *fmt = NULL;
    lacus_lm_stack *m = NULL;
    lacus_ndarray W = {0}, b = {0};
    if ((s = lacus__lm_read_manifest(z, path, &root, &fmt, err))) goto done;
    if (strcmp(fmt, STACK_FORMAT)) {
        s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json is not a %s manifest (\"%s\")", path, STACK_FORMAT,
                        fmt);
        goto done;
    }
    double nl, ver;
    if (lacus__json_num(root, "n_layers", &nl) || !(nl >= 1 && nl <= 16) || nl != (double)(int64_t)nl) {
        s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: \"n_layers\" must be an integer in [1, 16]", path);
        goto done;
    }
    if (lacus__json_num(root, "format_version", &ver) || ver != STACK_FORMAT_VERSION) {
        s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: format_version must be %d", path, STACK_FORMAT_VERSION);
        goto done;
    }
    const int64_t L = (int64_t)nl;
    lacus_lm_params p = lacus_lm_params_default();
    p.gate_tokens = 0;
    if ((s = lacus__lm_params_from_json(root, path, &p, err))) goto done;
    double eps[16], beta[16];
    if (num_array(root, "eps", eps, L) || num_array(root, "beta", beta, L)) {
        s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: eps and beta must be arrays of %lld numbers", path,
                        (long long)L);
        goto done;
    }
    for (int64_t l = 0; l < L; l++)
        if (!(eps[l] > 0 && eps[l] < 1) || !(beta[l] > 0)) {
            s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: layer %lld: eps = %g must be in (0, 1) and "
                            "beta = %g > 0", path, (long long)l, eps[l], beta[l]);
            goto done;
        }
    if ((s = lacus__lm_stack_alloc(&p, L, &m, err))) {
        lacus__prefix(err, "%s: ", path);
        if (s == LACUS_ERR_ARG) s = LACUS_ERR_FORMAT;
        goto done;
    }
    const int64_t V = p.vocab_size;
    for (int64_t l = 0; l < L; l++) {
        char nw[32], nb[32];
        snprintf(nw, sizeof nw, "layer%lld/Wout", (long long)l);
        snprintf(nb, sizeof nb, "layer%lld/b", (long long)l);
        if ((s = lacus_npz_read(z, nw, &W, err)) || (s = lacus_npz_read(z, nb, &b, err)) ||
            (s = lacus_ndarray_to_f64(&W, err)) || (s = lacus_ndarray_to_f64(&b, err)))
            goto done;
        if (W.ndim != 2 || W.shape[0] != m->F || W.shape[1] != V || b.ndim != 1 || b.shape[0] != V) {
            s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: %s must be (%lld, %lld) and %s (%lld)", path, nw,
                            (long long)m->F, (long long)V, nb, (long long)V);
            goto done;
        }
        if ((s = lacus__check_finite(err, nw, W.data, m->F, V, V)) || (s = lacus__check_finite(err, nb, b.data, 1, V, V))) {
            lacus__prefix(err, "%s: ", path);
            goto done;
        }
        memcpy(m->Wout[l], W.data, (size_t)(m->F * V) * sizeof(double));
        memcpy(m->b[l], b.data, (size_t)V * sizeof(double));
        lacus_ndarray_free(&W), lacus_ndarray_free(&b);
        m->eps[l] = eps[l], m->beta[l] = beta[l];
    }
    s = lacus__lm_read_tokenizer(z, path, V, tok, err);
done:
    cJSON_Delete(root);
    lacus_ndarray_free(&W), lacus_ndarray_free(&b);
    lacus_npz_close(z);
    if (s) lacus_lm_stack_free(m), m = NULL;
    *out = m;
    return s;
}
