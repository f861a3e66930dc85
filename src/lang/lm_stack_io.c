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
    char *man = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    char *tj = tok ? lacus__tokenizer_to_json(tok) : NULL;
    if (!man || (tok && !tj)) {
        cJSON_free(man);
        cJSON_free(tj);
        return lacus__fail(err, LACUS_ERR_NOMEM, "lm stack save: out of memory");
    }
    lacus_npz_writer *w = NULL;
    lacus_status s = lacus_npz_writer_open(path, 0, &w, err);
    if (!s) {
        for (int64_t l = 0; l < m->L && !s; l++) {
            char name[32];
            lacus_ndarray W = {LACUS_F64, 2, {m->F, p->vocab_size}, m->Wout[l]};
            lacus_ndarray b = {LACUS_F64, 1, {p->vocab_size}, m->b[l]};
            snprintf(name, sizeof name, "layer%lld/Wout", (long long)l);
            s = lacus_npz_writer_add(w, name, &W, err);
            snprintf(name, sizeof name, "layer%lld/b", (long long)l);
            if (!s) s = lacus_npz_writer_add(w, name, &b, err);
        }
        if (!s) s = lacus_npz_writer_add_bytes(w, "manifest.json", man, strlen(man), err);
        if (!s && tj) s = lacus_npz_writer_add_bytes(w, "tokenizer.json", tj, strlen(tj), err);
        if (s) lacus_npz_writer_abort(w);
        else s = lacus_npz_writer_commit(w, err);
    }
    cJSON_free(man);
    cJSON_free(tj);
    return s;
}

/* Reads the manifest of path into *root (caller deletes) and its format
 * string into fmt (NULL when there is none). */
static lacus_status read_manifest(lacus_npz *z, const char *path, cJSON **root, const char **fmt, lacus_error *err)
{
    void *buf = NULL;
    size_t len;
    *root = NULL, *fmt = NULL;
    lacus_status s = lacus_npz_read_bytes(z, "manifest.json", &buf, &len, err);
    if (s) return s;
    *root = cJSON_ParseWithLength(buf, len);
    lacus_free(buf);
    const cJSON *f = *root ? cJSON_GetObjectItemCaseSensitive(*root, "format") : NULL;
    if (cJSON_IsString(f)) *fmt = f->valuestring;
    if (!*fmt) return lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json has no \"format\"", path);
    return LACUS_OK;
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
    if (!(s = read_manifest(z, path, &root, &fmt, err))) {
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
    void *buf = NULL;
    size_t len;
    if ((s = read_manifest(z, path, &root, &fmt, err))) goto done;
    if (strcmp(fmt, STACK_FORMAT)) {
        s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json is not a %s manifest (\"%s\")", path, STACK_FORMAT,
                        fmt);
        goto done;
    }
    double v[11], ver;
    static const char *keys[] = {"n_layers", "vocab_size", "n_units", "warmup", "lr", "sr", "input_scaling",
                                 "input_connectivity", "rc_degree", "bias_scaling", "ridge"};
    for (int i = 0; i < 11; i++)
        if (lacus__json_num(root, keys[i], &v[i])) {
            s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: \"%s\" is missing or not a finite number",
                            path, keys[i]);
            goto done;
        }
    for (int i = 0; i < 4; i++)
        if (!(v[i] >= 0 && v[i] <= 1e12) || v[i] != (double)(int64_t)v[i]) {
            s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: \"%s\" = %g is not an integer in [0, 1e12]",
                            path, keys[i], v[i]);
            goto done;
        }
    if (lacus__json_num(root, "format_version", &ver) || ver != STACK_FORMAT_VERSION) {
        s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: format_version must be %d", path, STACK_FORMAT_VERSION);
        goto done;
    }
    const int64_t L = (int64_t)v[0];
    if (L < 1 || L > 16) {
        s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: n_layers = %lld must be in [1, 16]", path,
                        (long long)L);
        goto done;
    }
    lacus_lm_params p = lacus_lm_params_default();
    p.vocab_size = (int64_t)v[1], p.n_units = (int64_t)v[2], p.warmup = (int64_t)v[3], p.lr = v[4], p.sr = v[5];
    p.input_scaling = v[6], p.input_connectivity = v[7], p.rc_degree = v[8], p.bias_scaling = v[9], p.ridge = v[10];
    p.gate_tokens = 0;
    const cJSON *ft = cJSON_GetObjectItemCaseSensitive(root, "feed_token");
    const cJSON *sd = cJSON_GetObjectItemCaseSensitive(root, "seed");
    char *end = NULL;
    if (!cJSON_IsBool(ft) || !cJSON_IsString(sd) || !*sd->valuestring ||
        (p.seed = strtoull(sd->valuestring, &end, 10), *end)) {
        s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: feed_token or seed is malformed", path);
        goto done;
    }
    p.feed_token = cJSON_IsTrue(ft);
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
    if (tok && lacus_npz_has(z, "tokenizer.json")) {
        if ((s = lacus_npz_read_bytes(z, "tokenizer.json", &buf, &len, err))) goto done;
        s = lacus__tokenizer_from_json(buf, len, path, tok, err);
        if (!s && lacus_tokenizer_vocab_size(*tok) != V) {
            lacus_tokenizer_free(*tok);
            *tok = NULL;
            s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: the tokenizer's vocabulary differs from the model's", path);
        }
    }
done:
    lacus_free(buf);
    cJSON_Delete(root);
    lacus_ndarray_free(&W), lacus_ndarray_free(&b);
    lacus_npz_close(z);
    if (s) lacus_lm_stack_free(m), m = NULL;
    *out = m;
    return s;
}
