/* Preprocessing node files: an .npz (numpy.load opens it) with
 *   manifest.json   {"format": "lacus-prep", "format_version": 1, "kind",
 *                    "range": [lo, hi], "delay", "stride", "delay_drop",
 *                    "n_features", "n_samples", "lacus_version"}
 *   data_min, data_max (n_features)   MINMAX
 *   mean, var (n_features)            ZSCORE (population variance)
 *   categories (n_categories)         ONEHOT
 * The statistics are stored as themselves, not as a derived scale and
 * offset, so numpy users read them directly and a loaded node can go on
 * with partial_fit (M2 is recovered as var n, exact to rounding). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "nodes/preprocess.h"

static lacus_ndarray vec(int64_t n, const double *data)
{
    lacus_ndarray a;
    memset(&a, 0, sizeof a);
    a.dtype = LACUS_F64;
    a.ndim = 1;
    a.shape[0] = n;
    a.data = (void *)data;
    return a;
}

static char *manifest(const lacus_prep *p)
{
    cJSON *m = cJSON_CreateObject(), *range = cJSON_CreateArray();
    if (!m || !range) {
        cJSON_Delete(m);
        cJSON_Delete(range);
        return NULL;
    }
    cJSON_AddStringToObject(m, "format", "lacus-prep");
    cJSON_AddNumberToObject(m, "format_version", LACUS_PREP_FORMAT_VERSION);
    cJSON_AddStringToObject(m, "lacus_version", lacus_version());
    cJSON_AddStringToObject(m, "kind", lacus_prep_kind_name(p->p.kind));
    cJSON_AddItemToArray(range, cJSON_CreateNumber(p->p.range_lo));
    cJSON_AddItemToArray(range, cJSON_CreateNumber(p->p.range_hi));
    cJSON_AddItemToObject(m, "range", range);
    cJSON_AddNumberToObject(m, "delay", (double)p->p.delay);
    cJSON_AddNumberToObject(m, "stride", (double)p->p.stride);
    cJSON_AddBoolToObject(m, "delay_drop", p->p.delay_drop);
    cJSON_AddNumberToObject(m, "n_features", (double)p->n_features);
    cJSON_AddNumberToObject(m, "n_samples", (double)p->n_samples);
    char *s = cJSON_Print(m);
    cJSON_Delete(m);
    return s;
}

/* The node's members under prefix ("" for a file of its own, "node3/" or
 * "input_prep/" inside a model file): prefix + "manifest.json" and the
 * statistics. */
lacus_status lacus__prep_write(lacus_npz_writer *w, const char *prefix, const lacus_prep *p,
                               lacus_error *err)
{
    if (!lacus_prep_is_fitted(p))
        return lacus__fail(err, LACUS_ERR_STATE, "the %s node is not fitted: nothing to save",
                           lacus_prep_kind_name(p->p.kind));
    char *json = manifest(p);
    if (!json) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory writing the manifest");
    char key[256];
    snprintf(key, sizeof key, "%smanifest.json", prefix);
    lacus_status st = lacus_npz_writer_add_bytes(w, key, json, strlen(json), err);
    cJSON_free(json);
    double *var = NULL;
    const int64_t F = p->n_features;
    lacus_ndarray a;
    if (!st && p->p.kind == LACUS_PREP_MINMAX) {
        a = vec(F, p->a);
        snprintf(key, sizeof key, "%sdata_min", prefix);
        if (!(st = lacus_npz_writer_add(w, key, &a, err))) {
            a = vec(F, p->b);
            snprintf(key, sizeof key, "%sdata_max", prefix);
            st = lacus_npz_writer_add(w, key, &a, err);
        }
    } else if (!st && p->p.kind == LACUS_PREP_ZSCORE) {
        if (!(var = LACUS__NEW(double, 2 * F))) st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory");
        else {
            lacus_prep_get_stats(p, var + F, var, NULL); /* var, then the mean */
            a = vec(F, var + F);
            snprintf(key, sizeof key, "%smean", prefix);
            if (!(st = lacus_npz_writer_add(w, key, &a, err))) {
                a = vec(F, var);
                snprintf(key, sizeof key, "%svar", prefix);
                st = lacus_npz_writer_add(w, key, &a, err);
            }
            /* The accumulators themselves (shift K, mean of x - K, M2), so
             * that a loaded node transforms bit for bit as the saved one:
             * mean and var alone give the same numbers only to rounding. */
            const double *acc[3] = {p->shift, p->a, p->b};
            const char *names[3] = {"acc_shift", "acc_mean", "acc_m2"};
            for (int k = 0; k < 3 && !st; k++) {
                a = vec(F, acc[k]);
                snprintf(key, sizeof key, "%s%s", prefix, names[k]);
                st = lacus_npz_writer_add(w, key, &a, err);
            }
        }
    } else if (!st && p->p.kind == LACUS_PREP_ONEHOT) {
        a = vec(p->n_cats, p->cats);
        snprintf(key, sizeof key, "%scategories", prefix);
        st = lacus_npz_writer_add(w, key, &a, err);
    }
    lacus__free(var);
    return st;
}

lacus_status lacus_prep_save(const lacus_prep *p, const char *path, lacus_error *err)
{
    if (!p || !path) return lacus__fail(err, LACUS_ERR_ARG, "node or path is NULL");
    if (!lacus_prep_is_fitted(p))
        return lacus__fail(err, LACUS_ERR_STATE, "the %s node is not fitted: nothing to save",
                           lacus_prep_kind_name(p->p.kind));
    lacus_npz_writer *w = NULL;
    lacus_status st = lacus_npz_writer_open(path, 1, &w, err);
    if (st) return st;
    if ((st = lacus__prep_write(w, "", p, err))) {
        lacus_npz_writer_abort(w);
        return st;
    }
    return lacus_npz_writer_commit(w, err);
}

typedef struct {
    const char *path;
    const char *prefix; /* of every member name */
    lacus_error *err;
} loader;

static const char *mname(const loader *L, const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s", L->prefix, name);
    return buf;
}

static lacus_status bad(loader *L, const char *what)
{
    return lacus__fail(L->err, LACUS_ERR_FORMAT, "%s: %smanifest.json: %s", L->path, L->prefix, what);
}

static lacus_status num(loader *L, const cJSON *m, const char *key, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, key);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return lacus__fail(L->err, LACUS_ERR_FORMAT, "%s: %smanifest.json: key \"%s\" is missing "
                           "or not a finite number", L->path, L->prefix, key);
    *out = v->valuedouble;
    return LACUS_OK;
}

/* Reads a 1-D float64 member of length n into dst. */
static lacus_status member(loader *L, lacus_npz *z, const char *name, int64_t n, double *dst)
{
    lacus_ndarray a = {0};
    char key[256];
    lacus_status st = lacus_npz_read(z, mname(L, name, key, sizeof key), &a, L->err);
    if (!st) st = lacus_ndarray_to_f64(&a, L->err);
    if (!st && (a.ndim != 1 || a.shape[0] != n))
        st = lacus__fail(L->err, LACUS_ERR_FORMAT, "%s: member %s has the wrong shape: expected "
                         "(%lld,)", L->path, name, (long long)n);
    if (!st) st = lacus__check_finite(L->err, name, a.data, n, 1, 1);
    if (!st) memcpy(dst, a.data, (size_t)n * sizeof *dst);
    lacus_ndarray_free(&a);
    return st;
}

static lacus_status build(loader *L, const cJSON *m, lacus_npz *z, lacus_prep **out)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(m, "format");
    if (!cJSON_IsString(s) || strcmp(s->valuestring, "lacus-prep"))
        return bad(L, "\"format\" is not \"lacus-prep\" (is this a preprocessing file?)");
    double v = 0, f = 0, n = 0, d = 0, str = 0;
    lacus_status st;
    if ((st = num(L, m, "format_version", &v))) return st;
    if (v > LACUS_PREP_FORMAT_VERSION || v < 1)
        return lacus__fail(L->err, LACUS_ERR_UNSUPPORTED,
                           "%s: preprocessing format version %g is not supported by lacus %s (it "
                           "reads versions 1 to %d): upgrade lacus",
                           L->path, v, lacus_version(), LACUS_PREP_FORMAT_VERSION);
    lacus_prep_params p = lacus_prep_params_default();
    s = cJSON_GetObjectItemCaseSensitive(m, "kind");
    if (!cJSON_IsString(s) || lacus_prep_kind_parse(s->valuestring, &p.kind))
        return bad(L, "\"kind\" is not one of minmax, zscore, onehot, delay");
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(m, "range");
    if (!cJSON_IsArray(r) || cJSON_GetArraySize(r) != 2 ||
        !cJSON_IsNumber(cJSON_GetArrayItem(r, 0)) || !cJSON_IsNumber(cJSON_GetArrayItem(r, 1)))
        return bad(L, "\"range\" is not an array of two numbers");
    p.range_lo = cJSON_GetArrayItem(r, 0)->valuedouble;
    p.range_hi = cJSON_GetArrayItem(r, 1)->valuedouble;
    const cJSON *dd = cJSON_GetObjectItemCaseSensitive(m, "delay_drop");
    if (!cJSON_IsBool(dd)) return bad(L, "\"delay_drop\" is missing or not a boolean");
    p.delay_drop = cJSON_IsTrue(dd);
    if ((st = num(L, m, "delay", &d)) || (st = num(L, m, "stride", &str)) ||
        (st = num(L, m, "n_features", &f)) || (st = num(L, m, "n_samples", &n)))
        return st;
    /* Range first: casting an out-of-range double is undefined. */
    if (!(fabs(d) <= 1e9 && fabs(str) <= 1e9) || d != floor(d) || str != floor(str))
        return bad(L, "\"delay\" and \"stride\" must be integers");
    p.delay = (int64_t)d;
    p.stride = (int64_t)str;
    if (!(f >= 0 && f <= 1e9 && f == floor(f)) || !(n >= 0 && n <= 9e15 && n == floor(n)))
        return bad(L, "\"n_features\" or \"n_samples\" is not a count");
    int64_t F = (int64_t)f;
    if (p.kind != LACUS_PREP_DELAY && (F < 1 || n < 1))
        return bad(L, "a fitted node needs n_features >= 1 and n_samples >= 1");
    lacus_prep *q = NULL;
    if ((st = lacus_prep_create(&p, &q, L->err))) {
        lacus__prefix(L->err, "%s: %smanifest.json: ", L->path, L->prefix);
        return LACUS_ERR_FORMAT;
    }
    q->n_samples = (int64_t)n;
    q->n_features = F;
    if (p.kind == LACUS_PREP_MINMAX || p.kind == LACUS_PREP_ZSCORE) {
        /* Size the statistics from a member that exists, not from the
         * manifest's word alone: a lying n_features must not allocate
         * gigabytes. */
        lacus_ndarray probe = {0};
        const char *first = p.kind == LACUS_PREP_MINMAX ? "data_min" : "mean";
        char key[256];
        if (!(st = lacus_npz_read(z, mname(L, first, key, sizeof key), &probe, L->err)) && (probe.ndim != 1 || probe.shape[0] != F))
            st = lacus__fail(L->err, LACUS_ERR_FORMAT, "%s: member %s has the wrong shape: expected "
                             "(%lld,) from n_features", L->path, first, (long long)F);
        lacus_ndarray_free(&probe);
        if (st) {
            /* reported above */
        } else if ((st = lacus__prep_alloc_stats(q, F))) {
            lacus__fail(L->err, st, "%s: %s", L->path, q->err.msg);
        } else if (p.kind == LACUS_PREP_MINMAX) {
            if (!(st = member(L, z, "data_min", F, q->a)) && !(st = member(L, z, "data_max", F, q->b)))
                for (int64_t j = 0; j < F && !st; j++)
                    if (q->a[j] > q->b[j])
                        st = lacus__fail(L->err, LACUS_ERR_FORMAT, "%s: data_min[%lld] > data_max",
                                         L->path, (long long)j);
        } else if (!(st = member(L, z, "mean", F, q->shift)) && !(st = member(L, z, "var", F, q->b))) {
            for (int64_t j = 0; j < F && !st; j++) {
                if (q->b[j] < 0)
                    st = lacus__fail(L->err, LACUS_ERR_FORMAT, "%s: var[%lld] is negative", L->path,
                                     (long long)j);
                q->b[j] *= n; /* M2 */
            }
            /* Newer files carry the exact accumulators too; older ones load from mean and var. */
            char k2[256];
            if (!st && lacus_npz_has(z, mname(L, "acc_m2", k2, sizeof k2))) {
                if (!(st = member(L, z, "acc_shift", F, q->shift)) && !(st = member(L, z, "acc_mean", F, q->a)))
                    st = member(L, z, "acc_m2", F, q->b);
                for (int64_t j = 0; j < F && !st; j++)
                    if (q->b[j] < 0)
                        st = lacus__fail(L->err, LACUS_ERR_FORMAT, "%s: acc_m2[%lld] is negative", L->path,
                                         (long long)j);
            }
        }
    } else if (p.kind == LACUS_PREP_ONEHOT) {
        lacus_ndarray a = {0};
        char key[256];
        if (!(st = lacus_npz_read(z, mname(L, "categories", key, sizeof key), &a, L->err)) &&
            !(st = lacus_ndarray_to_f64(&a, L->err))) {
            if (a.ndim != 1 || a.shape[0] < 1)
                st = lacus__fail(L->err, LACUS_ERR_FORMAT, "%s: categories must be a non-empty 1-D array",
                                 L->path);
            for (int64_t i = 0; !st && i < a.shape[0]; i++) {
                double c = ((double *)a.data)[i];
                if (!(fabs(c) <= 9007199254740992.0 && c == floor(c)) ||
                    (i > 0 && !(c > ((double *)a.data)[i - 1])))
                    st = lacus__fail(L->err, LACUS_ERR_FORMAT, "%s: categories[%lld] = %g: "
                                     "categories must be increasing integers", L->path, (long long)i, c);
            }
            if (!st) {
                q->cats = LACUS__NEW(double, a.shape[0]);
                if (!q->cats) st = lacus__fail(L->err, LACUS_ERR_NOMEM, "out of memory");
                else {
                    memcpy(q->cats, a.data, (size_t)a.shape[0] * sizeof(double));
                    q->n_cats = q->cap_cats = a.shape[0];
                }
            }
        }
        lacus_ndarray_free(&a);
        if (!st && F != 1) st = bad(L, "a one-hot node has n_features = 1");
    }
    if (st) {
        lacus_prep_free(q);
        return st;
    }
    *out = q;
    return LACUS_OK;
}

lacus_status lacus__prep_read(const char *path, lacus_npz *z, const char *prefix, lacus_prep **out,
                              lacus_error *err)
{
    *out = NULL;
    lacus_error local;
    loader L = {path, prefix, err ? err : &local};
    void *buf = NULL;
    size_t len = 0;
    char key[256];
    lacus_status st = lacus_npz_read_bytes(z, mname(&L, "manifest.json", key, sizeof key), &buf, &len, L.err);
    if (st) return st;
    cJSON *m = cJSON_ParseWithLength(buf, len);
    lacus_free(buf);
    if (!m || !cJSON_IsObject(m)) st = bad(&L, "not a JSON object");
    else st = build(&L, m, z, out);
    cJSON_Delete(m);
    return st;
}

lacus_status lacus_prep_load(const char *path, lacus_prep **out, lacus_error *err)
{
    if (!path || !out) return lacus__fail(err, LACUS_ERR_ARG, "path or out is NULL");
    *out = NULL;
    lacus_npz *z = NULL;
    lacus_status st = lacus_npz_open(path, &z, err);
    if (st) return st;
    st = lacus__prep_read(path, z, "", out, err);
    lacus_npz_close(z);
    return st;
}
