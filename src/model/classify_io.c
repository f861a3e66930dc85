/* Classifier files: an ESN model file (esn_io.c's layout, so lacus_esn_load
 * and `lacus run` read it and give per-step class scores) plus one member,
 * classifier.json = {"format": "lacus-classifier", "format_version": 1,
 * "mode", "n_classes", "warmup"}. */
#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "model/model_file.h"
#include "model/classify.h"
#include "model/esn.h"

#define CLASSIFIER_FORMAT_VERSION 1

lacus_status lacus_classifier_save(const lacus_classifier *c, const char *path, lacus_error *err)
{
    if (!c || !path) return lacus__fail(err, LACUS_ERR_ARG, "classifier or path is NULL");
    if (!lacus_esn_is_trained(c->esn))
        return lacus__fail(err, LACUS_ERR_STATE, "the classifier is not trained: nothing to save");
    cJSON *j = cJSON_CreateObject();
    char *text = NULL;
    if (j) {
        cJSON_AddStringToObject(j, "format", "lacus-classifier");
        cJSON_AddNumberToObject(j, "format_version", CLASSIFIER_FORMAT_VERSION);
        cJSON_AddStringToObject(j, "mode", lacus_classify_mode_name(c->p.mode));
        cJSON_AddNumberToObject(j, "n_classes", (double)c->p.n_classes);
        cJSON_AddNumberToObject(j, "warmup", (double)c->p.esn.warmup);
        text = cJSON_Print(j);
        cJSON_Delete(j);
    }
    if (!text) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory writing classifier.json");
    /* lacus_esn_save's members (manifest and arrays), then ours. */
    cJSON *man = lacus__esn_manifest(c->esn);
    char *json = man ? cJSON_Print(man) : NULL;
    cJSON_Delete(man);
    if (!json) {
        cJSON_free(text);
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory writing the manifest");
    }
    lacus_npz_writer *w = NULL;
    lacus_status st = lacus_npz_writer_open(path, 1, &w, err);
    if (!st) st = lacus_npz_writer_add_bytes(w, "manifest.json", json, strlen(json), err);
    if (!st) st = lacus__esn_write_arrays(w, "", c->esn, err);
    if (!st) st = lacus_npz_writer_add_bytes(w, "classifier.json", text, strlen(text), err);
    cJSON_free(json);
    cJSON_free(text);
    if (st) {
        if (w) lacus_npz_writer_abort(w);
        return st;
    }
    return lacus_npz_writer_commit(w, err);
}

static lacus_status parse(const char *path, const char *buf, size_t len,
                          lacus_classifier_params *p, lacus_error *err)
{
    cJSON *j = cJSON_ParseWithLength(buf, len);
    lacus_status st = LACUS_OK;
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(j, "format");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "format_version");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "mode");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(j, "n_classes");
    if (!cJSON_IsObject(j) || !cJSON_IsString(f) || strcmp(f->valuestring, "lacus-classifier"))
        st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: classifier.json is not a lacus-classifier object", path);
    else if (!cJSON_IsNumber(v) || v->valuedouble < 1)
        st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: classifier.json: \"format_version\" is missing", path);
    else if (v->valuedouble > CLASSIFIER_FORMAT_VERSION)
        st = lacus__fail(err, LACUS_ERR_UNSUPPORTED, "%s: classifier format version %g is not "
                         "supported by lacus %s (it reads versions 1 to %d): upgrade lacus", path,
                         v->valuedouble, lacus_version(), CLASSIFIER_FORMAT_VERSION);
    else if (!cJSON_IsString(m) || lacus_classify_mode_parse(m->valuestring, &p->mode))
        st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: classifier.json: \"mode\" is not last, mean or vote", path);
    else if (!lacus__json_int(n, 0, LACUS__JSON_INT_MAX, &p->n_classes))
        st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: classifier.json: \"n_classes\" is not an integer", path);
    cJSON_Delete(j);
    return st;
}

lacus_status lacus_classifier_load(const char *path, lacus_classifier **out, lacus_error *err)
{
    if (!path || !out) return lacus__fail(err, LACUS_ERR_ARG, "path or out is NULL");
    *out = NULL;
    lacus_npz *z = NULL;
    lacus_status st = lacus_npz_open(path, &z, err);
    if (st) return st;
    if (!lacus_npz_has(z, "classifier.json")) {
        lacus_npz_close(z);
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s has no classifier.json: a plain ESN model, "
                           "not a classifier (train one with lacus classify fit)", path);
    }
    void *buf = NULL;
    size_t len = 0;
    st = lacus_npz_read_bytes(z, "classifier.json", &buf, &len, err);
    lacus_npz_close(z);
    if (st) return st;
    lacus_classifier_params p = lacus_classifier_params_default();
    st = parse(path, buf, len, &p, err);
    lacus_free(buf);
    if (st) return st;
    lacus_esn *m = NULL;
    if ((st = lacus_esn_load(path, &m, err))) return st;
    p.esn = m->p;
    if ((st = lacus__classifier_check(&p, err)) || m->n_outputs != p.n_classes) {
        if (!st) st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: the readout has %lld outputs but "
                                  "classifier.json says %lld classes", path,
                                  (long long)m->n_outputs, (long long)p.n_classes);
        else lacus__prefix(err, "%s: ", path);
        lacus_esn_free(m);
        return st == LACUS_ERR_ARG ? LACUS_ERR_FORMAT : st;
    }
    lacus_classifier *c = LACUS__ZNEW(lacus_classifier, 1);
    if (!c) {
        lacus_esn_free(m);
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for a classifier");
    }
    c->p = p;
    c->esn = m;
    *out = c;
    return LACUS_OK;
}
