/* ESN model files: an .npz that numpy.load opens, holding
 *
 *   W_indptr (N+1, i8), W_indices (nnz, i4), W_data (nnz, f8)   recurrent CSR
 *   Win_indptr, Win_indices, Win_data                           input CSR
 *   bias (N), lr (N), Wout (F, O), bout (O)                     f8
 *
 * With output feedback, Win has n_inputs + n_feedback columns (the
 * reservoir's n_inputs in the manifest counts them).
 *   manifest.json   format version, equation, hyperparameters, seed, version
 *
 * Sparse matrices are stored as CSR arrays (scipy.sparse.csr_array((data,
 * indices, indptr)) rebuilds them) because a 10,000-unit W is 300,000
 * non-zeros but 800 MB dense. Writing goes through the npz writer, which
 * renames a complete temporary file into place. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "model/esn.h"
#include "model/model_file.h"

#define EQUATION                                                                       \
    "x[t+1] = (1-lr)*x[t] + lr*f(W x[t] + Win (u[t+1] + noise_in) + bias) + noise_rc; " \
    "y[t] = Wout^T [x[t] (, u[t])] + bout"

void *lacus__reservoir_json(const lacus_reservoir_params *p)
{
    cJSON *res = cJSON_CreateObject();
    if (!res) return NULL;
    cJSON_AddNumberToObject(res, "n_units", (double)p->n_units);
    cJSON_AddNumberToObject(res, "n_inputs", (double)p->n_inputs);
    cJSON_AddNumberToObject(res, "lr", p->lr);
    cJSON_AddNumberToObject(res, "sr", p->sr);
    cJSON_AddNumberToObject(res, "input_scaling", p->input_scaling);
    cJSON_AddNumberToObject(res, "input_connectivity", p->input_connectivity);
    cJSON_AddNumberToObject(res, "rc_connectivity", p->rc_connectivity);
    cJSON_AddNumberToObject(res, "bias_scaling", p->bias_scaling);
    cJSON_AddNumberToObject(res, "bias_connectivity", p->bias_connectivity);
    cJSON_AddStringToObject(res, "activation", lacus_activation_name(p->activation));
    cJSON_AddStringToObject(res, "W_init", lacus_init_name(p->W_init));
    cJSON_AddStringToObject(res, "Win_init", lacus_init_name(p->Win_init));
    cJSON_AddStringToObject(res, "bias_init", lacus_init_name(p->bias_init));
    cJSON_AddNumberToObject(res, "noise_rc", p->noise_rc);
    cJSON_AddNumberToObject(res, "noise_in", p->noise_in);
    cJSON_AddStringToObject(res, "noise_type", lacus_noise_name(p->noise_type));
    /* A 64-bit seed does not fit a JSON number exactly: keep it as text. */
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)p->seed);
    cJSON_AddStringToObject(res, "seed", seed);
    return res;
}

void *lacus__ridge_json(const lacus_ridge *r)
{
    cJSON *ro = cJSON_CreateObject();
    if (!ro) return NULL;
    cJSON_AddNumberToObject(ro, "ridge", r->p.ridge);
    cJSON_AddStringToObject(ro, "bias", lacus_bias_mode_name(r->p.bias));
    cJSON_AddStringToObject(ro, "solver", lacus_solver_name(r->p.solver));
    cJSON_AddNumberToObject(ro, "n_features", (double)r->p.n_features);
    cJSON_AddNumberToObject(ro, "n_outputs", (double)r->p.n_outputs);
    cJSON_AddNumberToObject(ro, "n_samples", (double)r->n_samples);
    return ro;
}

void *lacus__esn_manifest(const lacus_esn *m)
{
    cJSON *root = lacus__manifest_new("esn");
    cJSON *res = lacus__reservoir_json(&m->res->p), *ro = lacus__ridge_json(m->readout);
    if (!root || !res || !ro) {
        cJSON_Delete(root); cJSON_Delete(res); cJSON_Delete(ro);
        return NULL;
    }
    cJSON_AddStringToObject(root, "equation", EQUATION);
    cJSON_AddNumberToObject(root, "warmup", (double)m->p.warmup);
    cJSON_AddBoolToObject(root, "feed_input", m->p.feed_input);
    cJSON_AddNumberToObject(root, "n_feedback", (double)m->p.n_feedback);
    cJSON_AddNumberToObject(root, "fb_scaling", m->p.fb_scaling);
    cJSON_AddNumberToObject(root, "fb_connectivity", m->p.fb_connectivity);
    cJSON_AddStringToObject(root, "fb_init", lacus_init_name(m->p.fb_init));
    cJSON_AddItemToObject(root, "reservoir", res);
    cJSON_AddItemToObject(root, "readout", ro);
    return root;
}

static lacus_ndarray vec(lacus_dtype t, int64_t n, const void *data)
{
    lacus_ndarray a;
    memset(&a, 0, sizeof a);
    a.dtype = t;
    a.ndim = 1;
    a.shape[0] = n;
    a.data = (void *)data;
    return a;
}

static lacus_status add_csr(lacus_npz_writer *w, const char *prefix, const char *name,
                            const lacus__csr *A, lacus_error *err)
{
    char key[128];
    lacus_ndarray a = vec(LACUS_I64, A->n_rows + 1, A->indptr);
    lacus_status st;
    snprintf(key, sizeof key, "%s%s_indptr", prefix, name);
    if ((st = lacus_npz_writer_add(w, key, &a, err))) return st;
    a = vec(LACUS_I32, A->nnz, A->indices);
    snprintf(key, sizeof key, "%s%s_indices", prefix, name);
    if ((st = lacus_npz_writer_add(w, key, &a, err))) return st;
    a = vec(LACUS_F64, A->nnz, A->values);
    snprintf(key, sizeof key, "%s%s_data", prefix, name);
    return lacus_npz_writer_add(w, key, &a, err);
}

lacus_status lacus__reservoir_write(lacus_npz_writer *w, const char *prefix,
                                   const lacus_reservoir *r, lacus_error *err)
{
    int64_t N = r->p.n_units;
    char key[128];
    lacus_ndarray a;
    lacus_status st;
    if ((st = add_csr(w, prefix, "W", &r->W, err)) || (st = add_csr(w, prefix, "Win", &r->Win, err)))
        return st;
    a = vec(LACUS_F64, N, r->bias);
    snprintf(key, sizeof key, "%sbias", prefix);
    if ((st = lacus_npz_writer_add(w, key, &a, err))) return st;
    a = vec(LACUS_F64, N, r->lr);
    snprintf(key, sizeof key, "%slr", prefix);
    return lacus_npz_writer_add(w, key, &a, err);
}

lacus_status lacus__ridge_write(lacus_npz_writer *w, const char *prefix, const lacus_ridge *r,
                                lacus_error *err)
{
    char key[128];
    lacus_ndarray a = vec(LACUS_F64, r->p.n_features, r->Wout);
    a.ndim = 2;
    a.shape[1] = r->p.n_outputs;
    snprintf(key, sizeof key, "%sWout", prefix);
    lacus_status st = lacus_npz_writer_add(w, key, &a, err);
    if (st) return st;
    a = vec(LACUS_F64, r->p.n_outputs, r->b);
    snprintf(key, sizeof key, "%sbout", prefix);
    return lacus_npz_writer_add(w, key, &a, err);
}

lacus_status lacus__esn_write_arrays(lacus_npz_writer *w, const char *prefix, const lacus_esn *m,
                                     lacus_error *err)
{
    lacus_status st = lacus__reservoir_write(w, prefix, m->res, err);
    return st ? st : lacus__ridge_write(w, prefix, m->readout, err);
}

lacus_status lacus_esn_save(const lacus_esn *m, const char *path, lacus_error *err)
{
    if (!m || !path) return lacus__fail(err, LACUS_ERR_ARG, "model or path is NULL");
    if (!lacus_esn_is_trained(m))
        return lacus__fail(err, LACUS_ERR_STATE, "the model is not trained: nothing to save");
    cJSON *man = lacus__esn_manifest(m);
    char *json = man ? cJSON_Print(man) : NULL;
    cJSON_Delete(man);
    if (!json) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory writing the manifest");
    lacus_npz_writer *w = NULL;
    lacus_status st = lacus_npz_writer_open(path, 1, &w, err);
    if (!st) st = lacus_npz_writer_add_bytes(w, "manifest.json", json, strlen(json), err);
    if (!st) st = lacus__esn_write_arrays(w, "", m, err);
    cJSON_free(json);
    if (st) {
        if (w) lacus_npz_writer_abort(w);
        return st;
    }
    return lacus_npz_writer_commit(w, err);
}
