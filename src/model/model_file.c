/* The header shared by every model file (see model_file.h). */
#include "model/model_file.h"

#include <math.h>
#include <string.h>

#include "core/error.h"

int lacus__json_int(const cJSON *x, int64_t lo, int64_t hi, int64_t *out)
{
    if (!cJSON_IsNumber(x)) return 0;
    double v = x->valuedouble;
    if (!(v >= (double)lo && v <= (double)hi) || v != floor(v)) return 0;
    *out = (int64_t)v;
    return 1;
}

cJSON *lacus__manifest_new(const char *kind)
{
    cJSON *m = cJSON_CreateObject();
    if (!m) return NULL;
    cJSON_AddStringToObject(m, "format", "lacus-model");
    cJSON_AddNumberToObject(m, "format_version", LACUS_MODEL_FORMAT_VERSION);
    cJSON_AddStringToObject(m, "lacus_version", lacus_version());
    cJSON_AddStringToObject(m, "kind", kind);
    return m;
}

lacus_status lacus__manifest_read(const char *path, const char *kind, lacus_npz **zout,
                                  cJSON **out, lacus_error *err)
{
    *out = NULL;
    if (zout) *zout = NULL;
    lacus_npz *z = NULL;
    lacus_status st = lacus_npz_open(path, &z, err);
    if (st) return st;
    void *buf = NULL;
    size_t len = 0;
    if ((st = lacus_npz_read_bytes(z, "manifest.json", &buf, &len, err))) {
        lacus_npz_close(z);
        return st;
    }
    cJSON *man = cJSON_ParseWithLength(buf, len);
    lacus_free(buf);
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(man, "format");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(man, "format_version");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(man, "kind");
    if (!cJSON_IsObject(man))
        st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: not a JSON object", path);
    else if (kind && (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "lacus-model") != 0))
        st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: \"format\" is not \"lacus-model\"", path);
    else if (kind && !cJSON_IsNumber(ver))
        st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: key \"format_version\" is missing", path);
    else if (kind && (ver->valuedouble > LACUS_MODEL_FORMAT_VERSION || ver->valuedouble < 1))
        st = lacus__fail(err, LACUS_ERR_UNSUPPORTED,
                         "%s: model format version %g is not supported by lacus %s (it reads "
                         "versions 1 to %d): upgrade lacus",
                         path, ver->valuedouble, lacus_version(), LACUS_MODEL_FORMAT_VERSION);
    else if (kind && (!cJSON_IsString(k) || strcmp(k->valuestring, kind) != 0))
        st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: \"kind\" is not \"%s\"", path, kind);
    if (st) {
        cJSON_Delete(man);
        lacus_npz_close(z);
        return st;
    }
    *out = man;
    if (zout) *zout = z;
    else lacus_npz_close(z);
    return LACUS_OK;
}
