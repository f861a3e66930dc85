/* Input preprocessing carried inside ESN and stack model files: the
 * preprocessing node's own members under "input_prep/" (its manifest and
 * statistics, as lacus_prep_save writes them) and "input_prep": "<kind>" in
 * the model's manifest for readers of the file. Files without it (every
 * file written before this existed) load as before and have no input
 * preprocessing. Graphs carry prep nodes instead (graph_io.c). */
#include <cjson/cJSON.h>
#include <string.h>

#include "core/error.h"
#include "model/esn.h"
#include "model/model_file.h"
#include "nodes/preprocess.h"

lacus_status lacus_esn_save_with_prep(const lacus_esn *m, const lacus_prep *input_prep,
                                      const char *path, lacus_error *err)
{
    if (!input_prep) return lacus_esn_save(m, path, err);
    if (!m || !path) return lacus__fail(err, LACUS_ERR_ARG, "model or path is NULL");
    if (!lacus_esn_is_trained(m))
        return lacus__fail(err, LACUS_ERR_STATE, "the model is not trained: nothing to save");
    if (!lacus_prep_is_fitted(input_prep))
        return lacus__fail(err, LACUS_ERR_STATE, "the input preprocessing node is not fitted");
    if (lacus_prep_n_outputs(input_prep) != m->p.reservoir.n_inputs)
        return lacus__fail(err, LACUS_ERR_SHAPE, "the input preprocessing node outputs %lld "
                           "features, the model reads %lld",
                           (long long)lacus_prep_n_outputs(input_prep),
                           (long long)(m->p.reservoir.n_inputs));
    cJSON *man = lacus__esn_manifest(m);
    if (man) cJSON_AddStringToObject(man, "input_prep", lacus_prep_kind_name(input_prep->p.kind));
    char *json = man ? cJSON_Print(man) : NULL;
    cJSON_Delete(man);
    if (!json) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory writing the manifest");
    lacus_npz_writer *w = NULL;
    lacus_status st = lacus_npz_writer_open(path, 1, &w, err);
    if (!st) st = lacus_npz_writer_add_bytes(w, "manifest.json", json, strlen(json), err);
    if (!st) st = lacus__esn_write_arrays(w, "", m, err);
    if (!st) st = lacus__prep_write(w, "input_prep/", input_prep, err);
    cJSON_free(json);
    if (st) {
        if (w) lacus_npz_writer_abort(w);
        return st;
    }
    return lacus_npz_writer_commit(w, err);
}

lacus_status lacus_model_input_prep(const char *path, lacus_prep **out, lacus_error *err)
{
    if (!path || !out) return lacus__fail(err, LACUS_ERR_ARG, "path or out is NULL");
    *out = NULL;
    lacus_npz *z = NULL;
    cJSON *man = NULL;
    lacus_status st = lacus__manifest_read(path, NULL, &z, &man, err);
    if (st) return st;
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(man, "input_prep");
    int has = lacus_npz_has(z, "input_prep/manifest.json");
    if (k && (!cJSON_IsString(k) || !has))
        st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json names input_prep but the file "
                         "has no input_prep/manifest.json", path);
    else if (has) st = lacus__prep_read(path, z, "input_prep/", out, err);
    if (!st && *out && k && strcmp(k->valuestring, lacus_prep_kind_name((*out)->p.kind))) {
        st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: input_prep is \"%s\", its "
                         "members are \"%s\"", path, k->valuestring,
                         lacus_prep_kind_name((*out)->p.kind));
        lacus_prep_free(*out);
        *out = NULL;
    }
    cJSON_Delete(man);
    lacus_npz_close(z);
    return st;
}
