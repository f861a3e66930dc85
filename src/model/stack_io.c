/* Stack model files: one .npz with every layer's ESN arrays under
 * "layer<l>/" and a manifest of kind "stack" whose "layers" array holds each
 * layer's own ESN manifest, so a layer reads back exactly as a single ESN
 * file would (same checks, same messages). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "model/model_file.h"
#include "model/stack.h"
#include "nodes/preprocess.h"

lacus_status lacus_stack_save_with_prep(const lacus_stack *s, const lacus_prep *input_prep,
                                        const char *path, lacus_error *err)
{
    if (!s || !path) return lacus__fail(err, LACUS_ERR_ARG, "stack or path is NULL");
    for (int64_t l = 0; l < s->n_layers; l++)
        if (!lacus_esn_is_trained(s->layers[l]))
            return lacus__fail(err, LACUS_ERR_STATE, "layer %lld is not trained: nothing to save",
                               (long long)l);
    cJSON *man = lacus__manifest_new("stack"), *layers = cJSON_CreateArray();
    int ok = man && layers;
    if (ok) {
        cJSON_AddNumberToObject(man, "n_layers", (double)s->n_layers);
        cJSON_AddBoolToObject(man, "teacher_inputs", s->teacher_inputs);
        cJSON_AddItemToObject(man, "layers", layers);
        if (input_prep) cJSON_AddStringToObject(man, "input_prep", lacus_prep_kind_name(input_prep->p.kind));
        for (int64_t l = 0; l < s->n_layers && ok; l++) {
            cJSON *lm = lacus__esn_manifest(s->layers[l]);
            ok = lm && cJSON_AddItemToArray(layers, lm);
        }
    } else {
        cJSON_Delete(layers);
    }
    char *json = ok ? cJSON_Print(man) : NULL;
    cJSON_Delete(man);
    if (!json) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory writing the manifest");
    lacus_npz_writer *w = NULL;
    lacus_status st = lacus_npz_writer_open(path, 1, &w, err);
    if (!st) st = lacus_npz_writer_add_bytes(w, "manifest.json", json, strlen(json), err);
    for (int64_t l = 0; l < s->n_layers && !st; l++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "layer%lld/", (long long)l);
        st = lacus__esn_write_arrays(w, prefix, s->layers[l], err);
    }
    if (!st && input_prep) st = lacus__prep_write(w, "input_prep/", input_prep, err);
    cJSON_free(json);
    if (st) {
        if (w) lacus_npz_writer_abort(w);
        return st;
    }
    return lacus_npz_writer_commit(w, err);
}

lacus_status lacus_stack_save(const lacus_stack *s, const char *path, lacus_error *err)
{
    return lacus_stack_save_with_prep(s, NULL, path, err);
}

static lacus_status bad(lacus_error *err, const char *path, const char *what)
{
    return lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: %s", path, what);
}

static lacus_status build(const char *path, const cJSON *man, lacus_npz *z, lacus_stack **out,
                          lacus_error *err)
{
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(man, "layers");
    const cJSON *teacher = cJSON_GetObjectItemCaseSensitive(man, "teacher_inputs");
    if (!cJSON_IsArray(layers) || cJSON_GetArraySize(layers) < 1)
        return bad(err, path, "key \"layers\" is missing or empty");
    lacus_stack *s;
    lacus_status st = lacus__stack_alloc(cJSON_GetArraySize(layers), &s, err);
    if (st) return st;
    s->teacher_inputs = cJSON_IsTrue(teacher);
    int64_t l = 0;
    const cJSON *lm;
    cJSON_ArrayForEach(lm, layers) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "layer%lld/", (long long)l);
        if ((st = lacus__esn_build(path, lm, z, prefix, &s->layers[l], err))) {
            lacus__prefix(err, "layer %lld: ", (long long)l);
            break;
        }
        s->n_outputs[l] = lacus_esn_n_outputs(s->layers[l]);
        if (l > 0 && s->layers[l]->p.reservoir.n_inputs != s->n_outputs[l - 1]) {
            st = lacus__fail(err, LACUS_ERR_FORMAT,
                             "%s: layer %lld reads %lld inputs but layer %lld has %lld outputs",
                             path, (long long)l, (long long)s->layers[l]->p.reservoir.n_inputs,
                             (long long)l - 1, (long long)s->n_outputs[l - 1]);
            break;
        }
        l++;
    }
    if (st) {
        lacus_stack_free(s);
        return st;
    }
    *out = s;
    return LACUS_OK;
}

lacus_status lacus_model_file_kind(const char *path, char *kind, size_t kind_size,
                                   lacus_error *err)
{
    if (!path || !kind || kind_size == 0)
        return lacus__fail(err, LACUS_ERR_ARG, "path or kind is NULL");
    kind[0] = '\0';
    cJSON *man = NULL;
    lacus_status st = lacus__manifest_read(path, NULL, NULL, &man, err);
    if (st) return st;
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(man, "kind");
    if (cJSON_IsString(k)) snprintf(kind, kind_size, "%s", k->valuestring);
    else st = bad(err, path, "key \"kind\" is missing");
    cJSON_Delete(man);
    return st;
}

lacus_status lacus_stack_load(const char *path, lacus_stack **out, lacus_error *err)
{
    if (!path || !out) return lacus__fail(err, LACUS_ERR_ARG, "path or out is NULL");
    *out = NULL;
    lacus_npz *z = NULL;
    cJSON *man = NULL;
    lacus_status st = lacus__manifest_read(path, "stack", &z, &man, err);
    if (st) return st;
    st = build(path, man, z, out, err);
    cJSON_Delete(man);
    lacus_npz_close(z);
    return st;
}
