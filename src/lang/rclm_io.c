/* Reservoir LM files: an .npz with the readout (Wout, b), the optional
 * embedding E, an optional tokenizer.json and manifest.json holding the
 * hyperparameters and beta. The reservoir itself is redrawn from its seed,
 * which describes it completely. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "lang/rclm.h"
#include "lang/tokenizer.h"

#define LM_FORMAT "lacus-lm"
#define LM_FORMAT_VERSION 1

void lacus__lm_params_to_json(struct cJSON *root, const lacus_lm_params *p)
{
    cJSON_AddNumberToObject(root, "vocab_size", (double)p->vocab_size);
    cJSON_AddNumberToObject(root, "n_units", (double)p->n_units);
    cJSON_AddNumberToObject(root, "lr", p->lr);
    cJSON_AddNumberToObject(root, "sr", p->sr);
    cJSON_AddNumberToObject(root, "input_scaling", p->input_scaling);
    cJSON_AddNumberToObject(root, "input_connectivity", p->input_connectivity);
    cJSON_AddNumberToObject(root, "rc_degree", p->rc_degree);
    cJSON_AddNumberToObject(root, "bias_scaling", p->bias_scaling);
    cJSON_AddNumberToObject(root, "ridge", p->ridge);
    cJSON_AddBoolToObject(root, "feed_token", p->feed_token);
    cJSON_AddNumberToObject(root, "warmup", (double)p->warmup);
    /* The seed as a string: a double cannot hold every 64-bit value. */
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)p->seed);
    cJSON_AddStringToObject(root, "seed", seed);
}

int lacus__json_num(const struct cJSON *root, const char *key, double *out)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble)) return -1;
    *out = x->valuedouble;
    return 0;
}

lacus_status lacus__lm_params_from_json(const struct cJSON *root, const char *path, lacus_lm_params *p,
                                       lacus_error *err)
{
    static const char *keys[] = {"vocab_size", "n_units", "warmup", "lr", "sr", "input_scaling",
                                 "input_connectivity", "rc_degree", "bias_scaling", "ridge"};
    double v[10];
    for (int i = 0; i < 10; i++)
        if (lacus__json_num(root, keys[i], &v[i]))
            return lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: \"%s\" is missing or not a finite number",
                               path, keys[i]);
    for (int i = 0; i < 3; i++) /* integers in range before any conversion */
        if (!(v[i] >= 0 && v[i] <= 1e12) || v[i] != (double)(int64_t)v[i])
            return lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: \"%s\" = %g is not an integer in [0, 1e12]",
                               path, keys[i], v[i]);
    p->vocab_size = (int64_t)v[0], p->n_units = (int64_t)v[1], p->warmup = (int64_t)v[2], p->lr = v[3];
    p->sr = v[4], p->input_scaling = v[5], p->input_connectivity = v[6], p->rc_degree = v[7];
    p->bias_scaling = v[8], p->ridge = v[9];
    const cJSON *ft = cJSON_GetObjectItemCaseSensitive(root, "feed_token");
    const cJSON *sd = cJSON_GetObjectItemCaseSensitive(root, "seed");
    char *end = NULL;
    if (!cJSON_IsBool(ft) || !cJSON_IsString(sd) || !*sd->valuestring ||
        (p->seed = strtoull(sd->valuestring, &end, 10), *end))
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: feed_token or seed is malformed", path);
    p->feed_token = cJSON_IsTrue(ft);
    return LACUS_OK;
}

lacus_status lacus__lm_write(const char *path, struct cJSON *root, const lacus_tokenizer *tok,
                             lacus__lm_add_arrays add, const void *ctx, const char *what, lacus_error *err)
{
    char *man = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    char *tj = tok ? lacus__tokenizer_to_json(tok) : NULL;
    lacus_status s = LACUS_OK;
    lacus_npz_writer *w = NULL;
    if (!man || (tok && !tj)) s = lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory", what);
    else if (!(s = lacus_npz_writer_open(path, 0, &w, err))) {
        s = add(w, ctx, err);
        if (!s) s = lacus_npz_writer_add_bytes(w, "manifest.json", man, strlen(man), err);
        if (!s && tj) s = lacus_npz_writer_add_bytes(w, "tokenizer.json", tj, strlen(tj), err);
        if (s) lacus_npz_writer_abort(w);
        else s = lacus_npz_writer_commit(w, err);
    }
    cJSON_free(man);
    cJSON_free(tj);
    return s;
}

lacus_status lacus__lm_read_manifest(lacus_npz *z, const char *path, struct cJSON **root, const char **fmt,
                                     lacus_error *err)
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

lacus_status lacus__lm_read_tokenizer(lacus_npz *z, const char *path, int64_t vocab_size, lacus_tokenizer **tok,
                                      lacus_error *err)
{
    if (!tok || !lacus_npz_has(z, "tokenizer.json")) return LACUS_OK;
    void *buf = NULL;
    size_t len;
    lacus_status s = lacus_npz_read_bytes(z, "tokenizer.json", &buf, &len, err);
    if (s) return s;
    s = lacus__tokenizer_from_json(buf, len, path, tok, err);
    lacus_free(buf);
    if (!s && lacus_tokenizer_vocab_size(*tok) != vocab_size) {
        lacus_tokenizer_free(*tok);
        *tok = NULL;
        s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: the tokenizer's vocabulary differs from the model's", path);
    }
    return s;
}

static lacus_status add_lm_arrays(lacus_npz_writer *w, const void *ctx, lacus_error *err)
{
    const lacus_lm *m = ctx;
    const lacus_lm_params *p = &m->p;
    lacus_ndarray W = {LACUS_F64, 2, {m->F, p->vocab_size}, m->Wout};
    lacus_ndarray b = {LACUS_F64, 1, {p->vocab_size}, m->b};
    lacus_ndarray E = {LACUS_F64, 2, {p->vocab_size, m->d}, m->E};
    lacus_ndarray G = {LACUS_F64, 3, {m->n_gate, p->n_units, p->vocab_size}, m->Wg};
    lacus_ndarray GT = {LACUS_I32, 1, {m->n_gate}, m->gate_tok};
    lacus_status s = lacus_npz_writer_add(w, "Wout", &W, err);
    if (!s) s = lacus_npz_writer_add(w, "b", &b, err);
    if (!s && m->E) s = lacus_npz_writer_add(w, "E", &E, err);
    if (!s && m->n_gate) s = lacus_npz_writer_add(w, "gate_Wout", &G, err);
    if (!s && m->n_gate) s = lacus_npz_writer_add(w, "gate_tokens", &GT, err);
    if (!s && m->n_pair) {
        const int64_t d = m->xp.pair_units ? m->xp.pair_units : p->n_units;
        lacus_ndarray H = {LACUS_F64, 3, {m->n_pair, d, p->vocab_size}, m->Wp};
        lacus_ndarray PK = {LACUS_I64, 1, {m->n_pair}, m->pair_key};
        s = lacus_npz_writer_add(w, "pair_Wout", &H, err);
        if (!s) s = lacus_npz_writer_add(w, "pair_keys", &PK, err);
    }
    return s;
}

lacus_status lacus_lm_save(const lacus_lm *m, const lacus_tokenizer *tok, const char *path, lacus_error *err)
{
    if (!m || !path) return lacus__fail(err, LACUS_ERR_ARG, "lm save: NULL argument");
    if (!m->trained) return lacus__fail(err, LACUS_ERR_STATE, "lm save: the model is not trained");
    if (tok && lacus_tokenizer_vocab_size(tok) != m->p.vocab_size)
        return lacus__fail(err, LACUS_ERR_SHAPE, "lm save: tokenizer has V = %lld, model %lld",
                           (long long)lacus_tokenizer_vocab_size(tok), (long long)m->p.vocab_size);
    const lacus_lm_params *p = &m->p;
    cJSON *root = cJSON_CreateObject();
    if (!root) return lacus__fail(err, LACUS_ERR_NOMEM, "lm save: out of memory");
    cJSON_AddStringToObject(root, "format", LM_FORMAT);
    cJSON_AddNumberToObject(root, "format_version", LM_FORMAT_VERSION);
    cJSON_AddStringToObject(root, "lacus_version", lacus_version());
    cJSON_AddStringToObject(root, "equation",
                            "x[t] = (1-lr) x[t-1] + lr tanh(W x[t-1] + e[tok_t] + bias); "
                            "p = softmax(beta log(max(Wout^T [x[t], onehot(tok_t)] + b, eps)))");
    lacus__lm_params_to_json(root, p);
    cJSON_AddNumberToObject(root, "chunk", (double)p->chunk);
    cJSON_AddNumberToObject(root, "beta", m->beta);
    cJSON_AddNumberToObject(root, "eps", m->eps);
    cJSON_AddNumberToObject(root, "gate_tokens", (double)p->gate_tokens);
    cJSON_AddNumberToObject(root, "gate_ridge", p->gate_ridge);
    /* Absent in files written before the logistic readout: ridge. With
     * "logistic" the logits are the scores themselves and eps is 0. */
    cJSON_AddStringToObject(root, "readout", m->ro.kind == LACUS_LM_LOGISTIC ? "logistic" : "ridge");
    if (m->ro.kind == LACUS_LM_LOGISTIC) cJSON_AddNumberToObject(root, "logit_l2", m->ro.l2);
    /* Absent in files written before round 7: no pair gates, no slow units. */
    cJSON_AddNumberToObject(root, "pair_gates", (double)m->xp.pair_gates);
    cJSON_AddNumberToObject(root, "pair_units", (double)m->xp.pair_units);
    cJSON_AddNumberToObject(root, "pair_ridge", m->xp.pair_ridge);
    cJSON_AddNumberToObject(root, "slow_units", (double)m->xp.slow_units);
    cJSON_AddNumberToObject(root, "slow_lr", m->xp.slow_lr);
    return lacus__lm_write(path, root, tok, add_lm_arrays, m, "lm save", err);
}

lacus_status lacus_lm_load(const char *path, lacus_lm **out, lacus_tokenizer **tok, lacus_error *err)
{
    if (!out || !path) return lacus__fail(err, LACUS_ERR_ARG, "lm load: NULL argument");
    *out = NULL;
    if (tok) *tok = NULL;
    lacus_npz *z = NULL;
    lacus_status s = lacus_npz_open(path, &z, err);
    if (s) return s;
    cJSON *root = NULL;
    lacus_lm *m = NULL;
    lacus_ndarray W = {0}, b = {0}, E = {0};
    const char *fmt = NULL;
    if ((s = lacus__lm_read_manifest(z, path, &root, &fmt, err))) goto done;
    if (strcmp(fmt, LM_FORMAT)) {
        s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json is not a lacus-lm manifest", path);
        goto done;
    }
    double ver;
    if (lacus__json_num(root, "format_version", &ver) || ver != LM_FORMAT_VERSION) {
        s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: format_version must be %d", path, LM_FORMAT_VERSION);
        goto done;
    }
    lacus_lm_params p = lacus_lm_params_default();
    if ((s = lacus__lm_params_from_json(root, path, &p, err))) goto done;
    /* The single LM's own keys: chunk and gate_tokens (integers), beta,
     * eps (v[2]) and gate_ridge. */
    double v[5];
    static const char *keys[] = {"chunk", "gate_tokens", "eps", "beta", "gate_ridge"};
    for (int i = 0; i < 5; i++)
        if (lacus__json_num(root, keys[i], &v[i]) ||
            (i < 2 && (!(v[i] >= 0 && v[i] <= 1e12) || v[i] != (double)(int64_t)v[i]))) {
            s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: \"%s\" is missing or not a valid number",
                            path, keys[i]);
            goto done;
        }
    p.chunk = (int64_t)v[0], p.gate_tokens = (int64_t)v[1], p.gate_ridge = v[4];
    const double beta = v[3];
    if (!(beta > 0)) {
        s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: beta = %g must be > 0", path, beta);
        goto done;
    }
    const cJSON *ro = cJSON_GetObjectItemCaseSensitive(root, "readout");
    if (ro && (!cJSON_IsString(ro) || (strcmp(ro->valuestring, "ridge") && strcmp(ro->valuestring, "logistic")))) {
        s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: readout must be \"ridge\" or \"logistic\"", path);
        goto done;
    }
    lacus_lm_readout_params rop = lacus_lm_readout_params_default();
    if (ro && !strcmp(ro->valuestring, "logistic")) {
        rop.kind = LACUS_LM_LOGISTIC;
        double l2;
        if (!lacus__json_num(root, "logit_l2", &l2)) rop.l2 = l2;
    }
    if ((s = lacus_lm_params_check(&p, err)) || (s = lacus_lm_create(&p, &m, err))) {
        lacus__prefix(err, "%s: ", path);
        if (s == LACUS_ERR_ARG) s = LACUS_ERR_FORMAT;
        goto done;
    }
    if ((s = lacus_npz_read(z, "Wout", &W, err)) || (s = lacus_npz_read(z, "b", &b, err)) ||
        (s = lacus_ndarray_to_f64(&W, err)) || (s = lacus_ndarray_to_f64(&b, err)))
        goto done;
    if (W.ndim != 2 || W.shape[0] != m->F || W.shape[1] != p.vocab_size || b.ndim != 1 ||
        b.shape[0] != p.vocab_size) {
        s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: Wout must be (%lld, %lld) and b (%lld)", path, (long long)m->F,
                        (long long)p.vocab_size, (long long)p.vocab_size);
        goto done;
    }
    if ((s = lacus__check_finite(err, "Wout", W.data, m->F, p.vocab_size, p.vocab_size)) ||
        (s = lacus__check_finite(err, "b", b.data, 1, p.vocab_size, p.vocab_size))) {
        lacus__prefix(err, "%s: ", path);
        goto done;
    }
    memcpy(m->Wout, W.data, (size_t)(m->F * p.vocab_size) * sizeof(double));
    memcpy(m->b, b.data, (size_t)p.vocab_size * sizeof(double));
    if (lacus_npz_has(z, "E")) {
        if ((s = lacus_npz_read(z, "E", &E, err)) || (s = lacus_ndarray_to_f64(&E, err))) goto done;
        if (E.ndim != 2 || E.shape[0] != p.vocab_size ||
            (s = lacus_lm_set_embedding(m, E.data, E.shape[1]))) {
            s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: E must be a finite (%lld, d) embedding", path,
                            (long long)p.vocab_size);
            goto done;
        }
    }
    if (lacus_lm_set_readout(m, &rop)) {
        s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: %s", path, lacus_lm_errmsg(m));
        goto done;
    }
    if (rop.kind == LACUS_LM_LOGISTIC ? v[2] != 0 : !(v[2] > 0 && v[2] < 1)) {
        s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: eps = %g must be in (0, 1) (0 with the logistic readout)",
                        path, v[2]);
        goto done;
    }
    lacus_lm_ext_params xp = lacus_lm_ext_params_default();
    if (cJSON_GetObjectItemCaseSensitive(root, "pair_gates")) {
        double e[5];
        static const char *ek[] = {"pair_gates", "pair_units", "pair_ridge", "slow_units", "slow_lr"};
        for (int i = 0; i < 5; i++)
            if (lacus__json_num(root, ek[i], &e[i]) ||
                (i != 2 && i != 4 && (!(e[i] >= 0 && e[i] <= 1e12) || e[i] != (double)(int64_t)e[i]))) {
                s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: \"%s\" is missing or not a valid number",
                                path, ek[i]);
                goto done;
            }
        xp.pair_gates = (int64_t)e[0], xp.pair_units = (int64_t)e[1], xp.pair_ridge = e[2];
        xp.slow_units = (int64_t)e[3], xp.slow_lr = e[4];
    }
    if (lacus_lm_set_ext(m, &xp)) {
        s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: %s", path, lacus_lm_errmsg(m));
        goto done;
    }
    if (lacus_npz_has(z, "pair_Wout")) {
        lacus_ndarray H = {0}, PK = {0};
        const int64_t d = xp.pair_units ? xp.pair_units : p.n_units;
        if ((s = lacus_npz_read(z, "pair_Wout", &H, err)) || (s = lacus_ndarray_to_f64(&H, err)) ||
            (s = lacus_npz_read(z, "pair_keys", &PK, err)) || (s = lacus_ndarray_to_f64(&PK, err))) {
            lacus_ndarray_free(&H), lacus_ndarray_free(&PK);
            goto done;
        }
        int64_t K2 = PK.ndim == 1 ? PK.shape[0] : -1;
        int ok = K2 >= 1 && K2 <= xp.pair_gates && H.ndim == 3 && H.shape[0] == K2 && H.shape[1] == d &&
                 H.shape[2] == p.vocab_size &&
                 !lacus__check_finite(NULL, "", H.data, K2 * d, p.vocab_size, p.vocab_size);
        if (ok && !(s = lacus__pair_alloc(m, K2))) {
            const double *pk = PK.data, vv = (double)p.vocab_size * (double)p.vocab_size;
            /* Keys prev * V + cur, strictly ascending (the lookup is a binary search). */
            for (int64_t j = 0; j < K2 && ok; j++) {
                ok = pk[j] >= 0 && pk[j] < vv && pk[j] == (double)(int64_t)pk[j] && (j == 0 || pk[j] > pk[j - 1]);
                if (ok) m->pair_key[j] = (int64_t)pk[j];
            }
            if (ok) memcpy(m->Wp, H.data, (size_t)(K2 * d * p.vocab_size) * sizeof(double));
        }
        lacus_ndarray_free(&H), lacus_ndarray_free(&PK);
        if (s || !ok) {
            if (!s)
                s = lacus__fail(err, LACUS_ERR_FORMAT,
                                "%s: pair_Wout must be finite (K2, %lld, %lld) with K2 <= pair_gates and pair_keys K2 "
                                "ascending ids prev * V + cur",
                                path, (long long)d, (long long)p.vocab_size);
            lacus__pair_alloc(m, 0);
            goto done;
        }
    }
    lacus_ndarray G = {0}, GT = {0};
    if (lacus_npz_has(z, "gate_Wout")) {
        if ((s = lacus_npz_read(z, "gate_Wout", &G, err)) || (s = lacus_ndarray_to_f64(&G, err)) ||
            (s = lacus_npz_read(z, "gate_tokens", &GT, err)) || (s = lacus_ndarray_to_f64(&GT, err))) {
            lacus_ndarray_free(&G), lacus_ndarray_free(&GT);
            goto done;
        }
        int64_t K = GT.ndim == 1 ? GT.shape[0] : -1;
        int ok = K >= 1 && K <= p.vocab_size && G.ndim == 3 && G.shape[0] == K && G.shape[1] == p.n_units &&
                 G.shape[2] == p.vocab_size && !lacus__check_finite(NULL, "", G.data, K * p.n_units, p.vocab_size,
                                                                     p.vocab_size);
        if (ok && !(s = lacus__gate_alloc(m, K))) {
            const double *gt = GT.data;
            for (int64_t k = 0; k < K && ok; k++) {
                /* Range first: casting NaN or 1e300 to int32_t is undefined. */
                ok = gt[k] >= 0 && gt[k] < (double)p.vocab_size && gt[k] == floor(gt[k]);
                int32_t c = ok ? (int32_t)gt[k] : 0;
                ok = ok && m->gate_of[c] < 0;
                if (ok) m->gate_tok[k] = c, m->gate_of[c] = (int32_t)k;
            }
            if (ok) memcpy(m->Wg, G.data, (size_t)(K * p.n_units * p.vocab_size) * sizeof(double));
        }
        lacus_ndarray_free(&G), lacus_ndarray_free(&GT);
        if (s || !ok) {
            if (!s) s = lacus__fail(err, LACUS_ERR_FORMAT, "%s: gate_Wout must be finite (K, %lld, %lld) and gate_tokens "
                                                        "K distinct ids", path, (long long)p.n_units, (long long)p.vocab_size);
            goto done;
        }
    }
    m->beta = beta;
    m->eps = v[2];
    if ((s = lacus__lm_make_f32(m))) {
        if (err) *err = m->err;
        goto done;
    }
    m->trained = 1;
    s = lacus__lm_read_tokenizer(z, path, p.vocab_size, tok, err);
done:
    cJSON_Delete(root);
    lacus_ndarray_free(&W), lacus_ndarray_free(&b), lacus_ndarray_free(&E);
    lacus_npz_close(z);
    if (s) {
        lacus_lm_free(m);
        m = NULL;
    }
    *out = m;
    return s;
}
