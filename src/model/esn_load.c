/* Loading an ESN model file (see esn_io.c for the layout). Every field of
 * the manifest and every array is checked: a file from a newer format, a
 * missing key, a wrong shape or dtype, or a corrupt CSR structure gives an
 * error that names the file and the field, never a crash. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "model/esn.h"
#include "model/model_file.h"

typedef struct {
    const char *path;
    lacus_error *err;
    const char *prefix; /* member-name prefix ("" or "layer3/" inside a stack) */
} loader;

static lacus_status bad(loader *L, const char *what)
{
    return lacus__fail(L->err, LACUS_ERR_FORMAT, "%s: manifest.json: %s", L->path, what);
}

static lacus_status get_num(loader *L, const cJSON *obj, const char *key, double *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(it)) {
        char msg[128];
        snprintf(msg, sizeof msg, "key \"%s\" is missing or not a number", key);
        return bad(L, msg);
    }
    *out = it->valuedouble;
    return LACUS_OK;
}

/* An integer in [lo, hi] (lacus__json_int). */
static lacus_status get_int(loader *L, const cJSON *obj, const char *key, int64_t lo, int64_t hi,
                            int64_t *out)
{
    if (lacus__json_int(cJSON_GetObjectItemCaseSensitive(obj, key), lo, hi, out)) return LACUS_OK;
    char msg[160];
    snprintf(msg, sizeof msg, "key \"%s\" is missing or not an integer in [%lld, %lld]", key,
             (long long)lo, (long long)hi);
    return bad(L, msg);
}

static lacus_status get_str(loader *L, const cJSON *obj, const char *key, const char **out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsString(it)) {
        char msg[128];
        snprintf(msg, sizeof msg, "key \"%s\" is missing or not a string", key);
        return bad(L, msg);
    }
    *out = it->valuestring;
    return LACUS_OK;
}

static lacus_status get_enum(loader *L, const cJSON *obj, const char *key,
                             lacus_status (*parse)(const char *, int *), int *out)
{
    const char *s = NULL;
    lacus_status st = get_str(L, obj, key, &s);
    if (st) return st;
    if (parse(s, out)) {
        char msg[160];
        snprintf(msg, sizeof msg, "key \"%s\" has unknown value \"%.60s\"", key, s);
        return bad(L, msg);
    }
    return LACUS_OK;
}

/* The parsers take typed enums; these adapters let get_enum share one path. */
#define ENUM_ADAPTER(fn, type) \
    static lacus_status fn##_int(const char *s, int *o) { type v; lacus_status st = fn(s, &v); *o = (int)v; return st; }
ENUM_ADAPTER(lacus_activation_parse, lacus_activation)
ENUM_ADAPTER(lacus_init_parse, lacus_init)
ENUM_ADAPTER(lacus_noise_parse, lacus_noise)
ENUM_ADAPTER(lacus_bias_mode_parse, lacus_bias_mode)
ENUM_ADAPTER(lacus_solver_parse, lacus_solver)

static lacus_status parse_reservoir(loader *L, const cJSON *res, lacus_reservoir_params *p)
{
    double v = 0.0;
    int e;
    lacus_status st;
    const char *seed = NULL;
    *p = lacus_reservoir_params_default();
    if (!cJSON_IsObject(res)) return bad(L, "key \"reservoir\" is missing or not an object");
#define NUM(key, field, cast)                                       \
    if ((st = get_num(L, res, key, &v))) return st;                 \
    p->field = (cast)v;
    if ((st = get_int(L, res, "n_units", 1, LACUS__JSON_INT_MAX, &p->n_units)) ||
        (st = get_int(L, res, "n_inputs", 0, LACUS__JSON_INT_MAX, &p->n_inputs)))
        return st;
    NUM("lr", lr, double)
    NUM("sr", sr, double)
    NUM("input_scaling", input_scaling, double)
    NUM("input_connectivity", input_connectivity, double)
    NUM("rc_connectivity", rc_connectivity, double)
    NUM("bias_scaling", bias_scaling, double)
    NUM("bias_connectivity", bias_connectivity, double)
    NUM("noise_rc", noise_rc, double)
    NUM("noise_in", noise_in, double)
#undef NUM
#define ENUM(key, field, parse, type)                               \
    if ((st = get_enum(L, res, key, parse##_int, &e))) return st;   \
    p->field = (type)e;
    ENUM("activation", activation, lacus_activation_parse, lacus_activation)
    ENUM("W_init", W_init, lacus_init_parse, lacus_init)
    ENUM("Win_init", Win_init, lacus_init_parse, lacus_init)
    ENUM("bias_init", bias_init, lacus_init_parse, lacus_init)
    ENUM("noise_type", noise_type, lacus_noise_parse, lacus_noise)
#undef ENUM
    if ((st = get_str(L, res, "seed", &seed))) return st;
    char *end;
    p->seed = strtoull(seed, &end, 10);
    if (*seed == '\0' || *end != '\0') return bad(L, "key \"seed\" is not an unsigned integer");
    return LACUS_OK;
}

/* Reads a member and checks its dtype and 1-D length (or 2-D shape). */
static lacus_status read_array(loader *L, lacus_npz *z, const char *name, lacus_dtype dtype,
                               int64_t rows, int64_t cols, lacus_ndarray *a)
{
    char member[128];
    snprintf(member, sizeof member, "%s%s", L->prefix, name);
    name = member;
    lacus_status st = lacus_npz_read(z, name, a, L->err);
    if (st) return st;
    int ok = a->dtype == dtype &&
             (cols < 0 ? a->ndim == 1 && a->shape[0] == rows
                       : a->ndim == 2 && a->shape[0] == rows && a->shape[1] == cols);
    if (!ok) {
        lacus_ndarray_free(a);
        return lacus__fail(L->err, LACUS_ERR_FORMAT,
                           "%s: array \"%s\" has the wrong dtype or shape (expected %s of %lld%s%lld)",
                           L->path, name, dtype == LACUS_F64 ? "float64" : "int", (long long)rows,
                           cols < 0 ? "" : " x ", cols < 0 ? 0LL : (long long)cols);
    }
    return LACUS_OK;
}

static lacus_status read_csr(loader *L, lacus_npz *z, const char *name, int64_t rows, int64_t cols,
                             lacus__csr *out)
{
    char key[64];
    lacus_ndarray ip = {0}, ix = {0}, dv = {0};
    lacus_status st;
    snprintf(key, sizeof key, "%s_indptr", name);
    if ((st = read_array(L, z, key, LACUS_I64, rows + 1, -1, &ip))) return st;
    int64_t nnz = ((int64_t *)ip.data)[rows];
    snprintf(key, sizeof key, "%s_indices", name);
    if (nnz < 0 || (st = read_array(L, z, key, LACUS_I32, nnz, -1, &ix))) goto done;
    snprintf(key, sizeof key, "%s_data", name);
    if ((st = read_array(L, z, key, LACUS_F64, nnz, -1, &dv))) goto done;
    int64_t *idx = LACUS__NEW(int64_t, nnz ? nnz : 1);
    if (!idx) {
        st = lacus__fail(L->err, LACUS_ERR_NOMEM, "out of memory loading %s", name);
        goto done;
    }
    for (int64_t k = 0; k < nnz; k++) idx[k] = ((int32_t *)ix.data)[k];
    st = lacus__csr_from_arrays(out, rows, cols, nnz, ip.data, idx, dv.data, L->err);
    lacus__free(idx);
    if (st) lacus__prefix(L->err, "%s: matrix %s", L->path, name);
done:
    if (nnz < 0) st = lacus__fail(L->err, LACUS_ERR_FORMAT, "%s: %s_indptr is negative", L->path, name);
    lacus_ndarray_free(&ip);
    lacus_ndarray_free(&ix);
    lacus_ndarray_free(&dv);
    return st;
}

static lacus_status read_reservoir(loader *L, lacus_npz *z, lacus_reservoir *r)
{
    int64_t N = r->p.n_units, I = r->p.n_inputs;
    lacus_status st;
    lacus__csr_free(&r->W);
    lacus__csr_free(&r->Win);
    if ((st = read_csr(L, z, "W", N, N, &r->W)) || (st = read_csr(L, z, "Win", N, I, &r->Win)))
        return st;
    lacus_ndarray a = {0};
    if ((st = read_array(L, z, "bias", LACUS_F64, N, -1, &a))) return st;
    memcpy(r->bias, a.data, (size_t)N * sizeof(double));
    lacus_ndarray_free(&a);
    if ((st = read_array(L, z, "lr", LACUS_F64, N, -1, &a))) return st;
    memcpy(r->lr, a.data, (size_t)N * sizeof(double));
    lacus_ndarray_free(&a);
    for (int64_t n = 0; n < N; n++)
        if (!(r->lr[n] > 0.0 && r->lr[n] <= 1.0))
            return lacus__fail(L->err, LACUS_ERR_FORMAT, "%s: lr[%lld] = %g is outside (0, 1]",
                               L->path, (long long)n, r->lr[n]);
    return LACUS_OK;
}

static lacus_status read_ridge(loader *L, lacus_npz *z, lacus_ridge *r)
{
    lacus_ndarray a = {0}, b = {0};
    lacus_status st;
    if ((st = read_array(L, z, "Wout", LACUS_F64, r->p.n_features, r->p.n_outputs, &a))) return st;
    if ((st = read_array(L, z, "bout", LACUS_F64, r->p.n_outputs, -1, &b))) {
        lacus_ndarray_free(&a);
        return st;
    }
    st = lacus_ridge_set_weights(r, a.data, b.data);
    if (st) lacus__fail(L->err, st, "%s: Wout/bout: %s", L->path, r->err.msg);
    lacus_ndarray_free(&a);
    lacus_ndarray_free(&b);
    return st;
}

static lacus_status load_arrays(loader *L, lacus_npz *z, lacus_esn *m)
{
    lacus_status st = read_reservoir(L, z, m->res);
    return st ? st : read_ridge(L, z, m->readout);
}

static lacus_status build(loader *L, const cJSON *man, lacus_npz *z, lacus_esn **out)
{
    double v = 0.0;
    const char *s = NULL;
    int e;
    lacus_status st;
    if ((st = get_str(L, man, "format", &s))) return st;
    if (strcmp(s, "lacus-model") != 0) return bad(L, "\"format\" is not \"lacus-model\"");
    if ((st = get_num(L, man, "format_version", &v))) return st;
    if (v > LACUS_MODEL_FORMAT_VERSION || v < 1)
        return lacus__fail(L->err, LACUS_ERR_UNSUPPORTED,
                           "%s: model format version %g is not supported by lacus %s (it reads "
                           "versions 1 to %d): upgrade lacus",
                           L->path, v, lacus_version(), LACUS_MODEL_FORMAT_VERSION);
    if ((st = get_str(L, man, "kind", &s))) return st;
    if (strcmp(s, "esn") != 0) return bad(L, "\"kind\" is not \"esn\"");
    lacus_esn_params p = lacus_esn_params_default();
    if ((st = parse_reservoir(L, cJSON_GetObjectItemCaseSensitive(man, "reservoir"), &p.reservoir)))
        return st;
    if ((st = get_int(L, man, "warmup", 0, LACUS__JSON_INT_MAX, &p.warmup))) return st;
    const cJSON *fi = cJSON_GetObjectItemCaseSensitive(man, "feed_input");
    if (!cJSON_IsBool(fi)) return bad(L, "key \"feed_input\" is missing or not a boolean");
    p.feed_input = cJSON_IsTrue(fi);
    /* Feedback keys arrived within format version 1: absent means none. */
    const cJSON *nfb = cJSON_GetObjectItemCaseSensitive(man, "n_feedback");
    const cJSON *fbs = cJSON_GetObjectItemCaseSensitive(man, "fb_scaling");
    p.n_feedback = 0;
    if ((nfb && !lacus__json_int(nfb, 0, LACUS__JSON_INT_MAX, &p.n_feedback)) ||
        (fbs && !cJSON_IsNumber(fbs)))
        return bad(L, "key \"n_feedback\" must be a count and \"fb_scaling\" a number");
    p.fb_scaling = fbs ? fbs->valuedouble : 1.0;
    /* The separate feedback draw came later still: absent means 0, drawn
     * with the input columns (what every older file did). The weights
     * themselves are in Win; these keys record how they were drawn. */
    const cJSON *fbc = cJSON_GetObjectItemCaseSensitive(man, "fb_connectivity");
    const cJSON *fbi = cJSON_GetObjectItemCaseSensitive(man, "fb_init");
    if (fbc && !(cJSON_IsNumber(fbc) && fbc->valuedouble >= 0.0 && fbc->valuedouble <= 1.0))
        return bad(L, "key \"fb_connectivity\" must be a number in [0, 1]");
    p.fb_connectivity = fbc ? fbc->valuedouble : 0.0;
    p.fb_init = LACUS_INIT_BERNOULLI;
    if (fbi && (!cJSON_IsString(fbi) || lacus_init_parse(fbi->valuestring, &p.fb_init)))
        return bad(L, "key \"fb_init\" must be \"normal\", \"uniform\" or \"bernoulli\"");
    if (p.n_feedback < 0 || p.n_feedback >= p.reservoir.n_inputs || (p.n_feedback && p.feed_input))
        return bad(L, "\"n_feedback\" must be in [0, n_inputs) and not combined with feed_input");
    const cJSON *ro = cJSON_GetObjectItemCaseSensitive(man, "readout");
    if (!cJSON_IsObject(ro)) return bad(L, "key \"readout\" is missing or not an object");
    if ((st = get_num(L, ro, "ridge", &p.readout.ridge))) return st;
    if ((st = get_enum(L, ro, "bias", lacus_bias_mode_parse_int, &e))) return st;
    p.readout.bias = (lacus_bias_mode)e;
    if ((st = get_enum(L, ro, "solver", lacus_solver_parse_int, &e))) return st;
    p.readout.solver = (lacus_solver)e;
    if ((st = get_int(L, ro, "n_outputs", 1, LACUS__JSON_INT_MAX, &p.readout.n_outputs))) return st;
    if (p.n_feedback && p.n_feedback != p.readout.n_outputs)
        return bad(L, "\"n_feedback\" differs from the number of outputs");
    p.readout.n_features = p.reservoir.n_units + (p.feed_input ? p.reservoir.n_inputs : 0);

    lacus_esn *m = LACUS__ZNEW(lacus_esn, 1);
    if (!m) return lacus__fail(L->err, LACUS_ERR_NOMEM, "out of memory loading %s", L->path);
    m->p = p;
    m->n_outputs = p.readout.n_outputs;
    lacus_ridge_params rp = p.readout;
    rp.keep_samples = 0;
    if (rp.solver == LACUS_SOLVER_DUAL) rp.solver = LACUS_SOLVER_AUTO;
    if ((st = lacus__reservoir_create_empty(&p.reservoir, &m->res, L->err)) ||
        (st = lacus_ridge_create(&rp, &m->readout, L->err)) || (st = load_arrays(L, z, m))) {
        if (st == LACUS_ERR_ARG) {
            char msg[LACUS_ERRMSG_SIZE];
            snprintf(msg, sizeof msg, "%.400s", L->err->msg);
            lacus__fail(L->err, LACUS_ERR_FORMAT, "%.80s: invalid hyperparameter: %.400s", L->path, msg);
            st = LACUS_ERR_FORMAT;
        }
        lacus_esn_free(m);
        return st;
    }
    m->readout->p.solver = p.readout.solver;
    m->p.reservoir.n_inputs -= p.n_feedback; /* the caller's inputs, without feedback */
    *out = m;
    return LACUS_OK;
}

lacus_status lacus_esn_load(const char *path, lacus_esn **out, lacus_error *err)
{
    if (!path || !out) return lacus__fail(err, LACUS_ERR_ARG, "path or out is NULL");
    *out = NULL;
    lacus_error local;
    loader L = {path, err ? err : &local, ""};
    lacus_npz *z = NULL;
    cJSON *man = NULL;
    /* build checks format, version and kind itself (layers of a stack too). */
    lacus_status st = lacus__manifest_read(path, NULL, &z, &man, L.err);
    if (st) return st;
    st = build(&L, man, z, out);
    cJSON_Delete(man);
    lacus_npz_close(z);
    return st;
}

lacus_status lacus__esn_build(const char *path, const void *manifest, lacus_npz *z,
                              const char *prefix, lacus_esn **out, lacus_error *err)
{
    lacus_error local;
    loader L = {path, err ? err : &local, prefix};
    if (!cJSON_IsObject((const cJSON *)manifest)) return bad(&L, "a model manifest is not an object");
    return build(&L, manifest, z, out);
}

lacus_status lacus__reservoir_parse(const char *path, const void *obj, lacus_reservoir_params *p,
                                    lacus_error *err)
{
    lacus_error local;
    loader L = {path, err ? err : &local, ""};
    return parse_reservoir(&L, obj, p);
}

lacus_status lacus__ridge_parse(const char *path, const void *obj, lacus_ridge_params *p,
                                lacus_error *err)
{
    lacus_error local;
    loader L = {path, err ? err : &local, ""};
    const cJSON *ro = obj;
    int e;
    lacus_status st;
    *p = lacus_ridge_params_default();
    if (!cJSON_IsObject(ro)) return bad(&L, "a readout entry is not an object");
    if ((st = get_num(&L, ro, "ridge", &p->ridge))) return st;
    if ((st = get_enum(&L, ro, "bias", lacus_bias_mode_parse_int, &e))) return st;
    p->bias = (lacus_bias_mode)e;
    if ((st = get_enum(&L, ro, "solver", lacus_solver_parse_int, &e))) return st;
    p->solver = (lacus_solver)e;
    if ((st = get_int(&L, ro, "n_features", 1, LACUS__JSON_INT_MAX, &p->n_features)) ||
        (st = get_int(&L, ro, "n_outputs", 1, LACUS__JSON_INT_MAX, &p->n_outputs)))
        return st;
    return LACUS_OK;
}

lacus_status lacus__reservoir_read(const char *path, lacus_npz *z, const char *prefix,
                                   lacus_reservoir *r, lacus_error *err)
{
    lacus_error local;
    loader L = {path, err ? err : &local, prefix};
    return read_reservoir(&L, z, r);
}

lacus_status lacus__ridge_read(const char *path, lacus_npz *z, const char *prefix, lacus_ridge *r,
                               lacus_error *err)
{
    lacus_error local;
    loader L = {path, err ? err : &local, prefix};
    return read_ridge(&L, z, r);
}
