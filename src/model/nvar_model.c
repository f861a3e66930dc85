/* The NVAR forecaster (lacus_nvar_model, include/lacus/nvar.h): NVAR
 * features of a series, a ridge readout trained on the series' own next
 * value or increment (Gauthier et al. 2021), a model file of kind "nvar",
 * one-step-ahead prediction and closed-loop generation through
 * lacus_nvar_forecast. The readout's hyperparameters and weights are
 * written and read by the same code as the ESN's and the graph's readouts
 * (model/esn.h), so an "nvar" file has the same "readout" entry, Wout and
 * bout. */
#include <cjson/cJSON.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "lacus.h"
#include "model/esn.h"
#include "model/model_file.h"
#include "model/nvar_model.h"
#include "nodes/ridge.h"

/* The node's last message, into err (the node's struct is private to nvar.c). */
static void nvar_err(lacus_error *err, const lacus_nvar *n, lacus_status st)
{
    lacus__fail(err, st, "%s", lacus_nvar_errmsg(n));
}

lacus_nvar_model_params lacus_nvar_model_params_default(void)
{
    lacus_nvar_model_params p;
    memset(&p, 0, sizeof p);
    p.nvar = lacus_nvar_params_default();
    p.readout = lacus_ridge_params_default();
    p.predicts = LACUS_NVAR_PREDICT_INCREMENT;
    p.warmup = -1;
    return p;
}

void lacus_nvar_model_free(lacus_nvar_model *m)
{
    if (!m) return;
    lacus_nvar_free(m->nvar);
    lacus_ridge_free(m->readout);
    lacus__free(m);
}

const char *lacus_nvar_model_errmsg(const lacus_nvar_model *m) { return m ? m->err.msg : "NULL NVAR model"; }
int64_t lacus_nvar_model_n_inputs(const lacus_nvar_model *m) { return m ? m->p.nvar.n_inputs : 0; }
int64_t lacus_nvar_model_n_features(const lacus_nvar_model *m) { return m ? lacus_nvar_n_features(m->nvar) : 0; }
int64_t lacus_nvar_model_n_outputs(const lacus_nvar_model *m) { return m ? m->p.readout.n_outputs : 0; }
lacus_nvar_model_params lacus_nvar_model_params_get(const lacus_nvar_model *m)
{
    return m ? m->p : lacus_nvar_model_params_default();
}

lacus_status lacus_nvar_model_get_weights(const lacus_nvar_model *m, double *Wout, double *b)
{
    if (!m) return LACUS_ERR_ARG;
    return lacus_ridge_get_weights(m->readout, Wout, b);
}

/* The model without weights: checked parameters, an NVAR node and a ridge
 * readout for n_inputs. */
lacus_status lacus__nvar_model_new(const lacus_nvar_model_params *p, int64_t n_inputs,
                                   int64_t n_targets, lacus_nvar_model **out, lacus_error *err)
{
    *out = NULL;
    lacus_nvar_model_params q = *p;
    q.nvar.n_inputs = n_inputs;
    if (q.predicts != LACUS_NVAR_PREDICT_NEXT && q.predicts != LACUS_NVAR_PREDICT_INCREMENT &&
        q.predicts != LACUS_NVAR_PREDICT_TARGET)
        return lacus__fail(err, LACUS_ERR_ARG, "NVAR model: predicts = %d: expected next (0), "
                           "increment (1) or target (2)", (int)q.predicts);
    if (q.predicts == LACUS_NVAR_PREDICT_TARGET && n_targets < 1)
        return lacus__fail(err, LACUS_ERR_SHAPE, "NVAR model: the targets have %lld columns: must "
                           "be >= 1", (long long)n_targets);
    lacus_status st = lacus_nvar_params_check(&q.nvar, err);
    if (st) return st;
    int64_t need = (q.nvar.delay - 1) * q.nvar.strides;
    if (q.warmup == -1) q.warmup = need;
    if (q.warmup < 0)
        return lacus__fail(err, LACUS_ERR_ARG, "NVAR model: warmup = %lld: must be >= 0 (or -1 "
                           "for (delay - 1) * strides = %lld)", (long long)q.warmup, (long long)need);
    lacus_nvar_model *m = LACUS__ZNEW(lacus_nvar_model, 1);
    if (!m) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for an NVAR model");
    if ((st = lacus_nvar_create(&q.nvar, &m->nvar, err))) {
        lacus_nvar_model_free(m);
        return st;
    }
    q.readout.n_features = lacus_nvar_n_features(m->nvar);
    q.readout.n_outputs = q.predicts == LACUS_NVAR_PREDICT_TARGET ? n_targets : n_inputs;
    m->p = q;
    *out = m;
    return LACUS_OK;
}

lacus_status lacus__nvar_model_check(const lacus_nvar_model *m, const lacus_seqs *series,
                                     const lacus_seqs *targets, const int64_t *ids,
                                     int64_t *usable, int64_t *T_max, lacus_error *err)
{
    const int64_t I = m->p.nvar.n_inputs, O = m->p.readout.n_outputs, w = m->p.warmup;
    const int xy = m->p.predicts == LACUS_NVAR_PREDICT_TARGET;
    *usable = *T_max = 0;
    for (int64_t q = 0; q < series->n_seqs; q++) {
        int64_t T = series->n_steps[q], id = ids ? ids[q] : q;
        if (T < 0 || (T > 0 && !series->data[q]) || (xy && T > 0 && !targets->data[q]))
            return lacus__fail(err, LACUS_ERR_ARG, "NVAR model fit: sequence %lld has no data",
                               (long long)id);
        if (xy && targets->n_steps[q] != T)
            return lacus__fail(err, LACUS_ERR_SHAPE, "NVAR model fit: sequence %lld: %lld input "
                               "steps but %lld target steps", (long long)id, (long long)T,
                               (long long)targets->n_steps[q]);
        lacus_status st = lacus__check_finite(err, "NVAR model fit: the series", series->data[q], T, I, I);
        if (!st && xy)
            st = lacus__check_finite(err, "NVAR model fit: the targets", targets->data[q], T, O, O);
        if (st) {
            lacus__prefix(err, "sequence %lld: ", (long long)id);
            return st;
        }
        int64_t rows = xy ? T - w : T - 1 - w;
        *usable += rows > 0 ? rows : 0;
        if (T > *T_max) *T_max = T;
    }
    return LACUS_OK;
}

lacus_status lacus__nvar_model_rows(lacus_nvar_model *m, const double *x, const double *y, int64_t T, int64_t C,
                                    double *Fe, double *Y, lacus__nvar_emit emit, void *ctx, lacus_error *err)
{
    const int64_t I = m->p.nvar.n_inputs, F = m->p.readout.n_features, w = m->p.warmup;
    const int64_t O = m->p.readout.n_outputs;
    /* Feature rows t = 0 .. last - 1 (with targets every step has one, a
     * forecaster's last step has no next one); rows t >= warmup train. */
    const int64_t last = y ? T : T - 1;
    lacus_status st = LACUS_OK;
    if (last - w <= 0) return LACUS_OK;
    for (int64_t t0 = 0; t0 < last && !st; t0 += C) {
        const int64_t n = last - t0 < C ? last - t0 : C;
        if ((st = lacus_nvar_run(m->nvar, x + t0 * I, n, t0 == 0, Fe))) {
            nvar_err(err, m->nvar, st);
            break;
        }
        const int64_t a = w > t0 ? w : t0; /* the chunk's first training row */
        if (a >= t0 + n) continue;
        const double *tg = y ? y + a * O : Y;
        if (!y)
            for (int64_t t = a; t < t0 + n; t++)
                for (int64_t i = 0; i < I; i++)
                    Y[(t - a) * I + i] = x[(t + 1) * I + i] -
                                         (m->p.predicts == LACUS_NVAR_PREDICT_INCREMENT ? x[t * I + i] : 0.0);
        st = emit(ctx, Fe + (a - t0) * F, tg, t0 + n - a, err);
    }
    return st;
}

/* lacus__nvar_model_add's rows go into the readout's sums. */
static lacus_status add_rows(void *ctx, const double *Fe, const double *Y, int64_t rows, lacus_error *err)
{
    lacus_nvar_model *m = ctx;
    lacus_status st = lacus_ridge_partial_fit(m->readout, Fe, m->p.readout.n_features, Y,
                                              m->p.readout.n_outputs, rows);
    if (st) *err = m->readout->err;
    return st;
}

lacus_status lacus__nvar_model_add(lacus_nvar_model *m, const double *x, const double *y,
                                   int64_t T, double *Fe, double *Y, lacus_error *err)
{
    return lacus__nvar_model_rows(m, x, y, T, lacus__nvar_chunk_rows(T), Fe, Y, add_rows, m, err);
}

lacus_status lacus__nvar_model_check_xy(const lacus_nvar_model_params *p, const lacus_seqs *series,
                                        const lacus_seqs *targets, lacus_error *err)
{
    int xy = p->predicts == LACUS_NVAR_PREDICT_TARGET;
    if (xy && !targets)
        return lacus__fail(err, LACUS_ERR_ARG, "NVAR model fit: predicts = target needs targets");
    if (!xy && targets)
        return lacus__fail(err, LACUS_ERR_ARG, "NVAR model fit: targets given, but predicts = %s "
                           "(the series' own %s): set predicts = target",
                           lacus_nvar_predicts_name(p->predicts), lacus_nvar_predicts_name(p->predicts));
    if (xy && (targets->n_seqs != series->n_seqs ||
               (targets->n_seqs > 0 && (!targets->data || !targets->n_steps))))
        return lacus__fail(err, LACUS_ERR_SHAPE, "NVAR model fit: %lld input sequences but %lld "
                           "target sequences", (long long)series->n_seqs, (long long)targets->n_seqs);
    return LACUS_OK;
}

lacus_status lacus_nvar_model_fit(const lacus_nvar_model_params *p, const lacus_seqs *series,
                                  lacus_nvar_model **out, lacus_error *err)
{
    return lacus_nvar_model_fit_xy(p, series, NULL, out, err);
}

lacus_status lacus_nvar_model_fit_xy(const lacus_nvar_model_params *p, const lacus_seqs *series,
                                     const lacus_seqs *targets, lacus_nvar_model **out,
                                     lacus_error *err)
{
    if (!p || !series || !out)
        return lacus__fail(err, LACUS_ERR_ARG, "NVAR model fit: %s is NULL",
                           !p ? "params" : !series ? "series" : "out");
    *out = NULL;
    if (series->n_seqs < 1 || series->n_features < 1 || !series->data || !series->n_steps)
        return lacus__fail(err, LACUS_ERR_SHAPE, "NVAR model fit: the series is empty (%lld "
                           "sequences of %lld columns)", (long long)series->n_seqs,
                           (long long)series->n_features);
    lacus_status st = lacus__nvar_model_check_xy(p, series, targets, err);
    if (st) return st;
    lacus_nvar_model *m = NULL;
    if ((st = lacus__nvar_model_new(p, series->n_features, targets ? targets->n_features : 0, &m, err)))
        return st;
    const int64_t I = series->n_features, F = m->p.readout.n_features, w = m->p.warmup;
    int64_t usable = 0, T_max = 0;
    if ((st = lacus__nvar_model_check(m, series, targets, NULL, &usable, &T_max, err))) goto fail;
    if (usable == 0) {
        st = lacus__fail(err, LACUS_ERR_SHAPE, "NVAR model fit: warmup = %lld leaves no training "
                         "row (a sequence of n steps gives %s rows)", (long long)w,
                         targets ? "n - warmup" : "n - 1 - warmup");
        goto fail;
    }
    lacus_ridge_params rp = m->p.readout;
    lacus__ridge_keep_rows_for(&rp, usable);
    if ((st = lacus_ridge_create(&rp, &m->readout, err))) goto fail;
    const int64_t C = lacus__nvar_chunk_rows(T_max);
    double *Fe = LACUS__NEW(double, C * F), *Y = LACUS__NEW(double, C * I);
    if (!Fe || !Y) st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for the NVAR features "
                                    "of %lld steps", (long long)C);
    for (int64_t q = 0; q < series->n_seqs && !st; q++)
        if ((st = lacus__nvar_model_add(m, series->data[q], targets ? targets->data[q] : NULL,
                                        series->n_steps[q], Fe, Y, err)))
            lacus__prefix(err, "sequence %lld: ", (long long)q);
    lacus__free(Fe);
    lacus__free(Y);
    if (!st && (st = lacus_ridge_solve(m->readout))) *err = m->readout->err;
    if (st) goto fail;
    lacus_nvar_reset(m->nvar);
    *out = m;
    return LACUS_OK;
fail:
    lacus_nvar_model_free(m);
    return st;
}

lacus_status lacus_nvar_model_predict(lacus_nvar_model *m, const double *u, int64_t n_steps,
                                      double *out)
{
    if (!m) return LACUS_ERR_ARG;
    if (!u || !out)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "NVAR model predict: %s is NULL", !u ? "u" : "out");
    if (n_steps < 1)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "NVAR model predict: n_steps = %lld: must be "
                           ">= 1", (long long)n_steps);
    const int64_t I = m->p.nvar.n_inputs, F = m->p.readout.n_features, O = m->p.readout.n_outputs;
    const int64_t chunk = 1024; /* features of up to 1024 rows at a time */
    double *Fe = LACUS__NEW(double, (n_steps < chunk ? n_steps : chunk) * F);
    if (!Fe) return lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory for the NVAR features");
    lacus_status st = LACUS_OK;
    for (int64_t t0 = 0; t0 < n_steps && !st; t0 += chunk) {
        int64_t n = n_steps - t0 < chunk ? n_steps - t0 : chunk;
        if ((st = lacus_nvar_run(m->nvar, u + t0 * I, n, t0 == 0, Fe))) {
            nvar_err(&m->err, m->nvar, st);
            break;
        }
        lacus_ridge_predict(m->readout, Fe, F, n, out + t0 * O, O);
        if (m->p.predicts == LACUS_NVAR_PREDICT_INCREMENT)
            for (int64_t t = t0; t < t0 + n; t++)
                for (int64_t i = 0; i < I; i++) out[t * I + i] = u[t * I + i] + out[t * I + i];
    }
    lacus__free(Fe);
    return st;
}

lacus_status lacus_nvar_model_generate(lacus_nvar_model *m, const double *warmup,
                                       int64_t n_warmup, int64_t n_steps, double *out,
                                       int64_t *n_done)
{
    if (n_done) *n_done = 0;
    if (!m) return LACUS_ERR_ARG;
    const int64_t I = m->p.nvar.n_inputs, F = m->p.readout.n_features;
    const int64_t need = (m->p.nvar.delay - 1) * m->p.nvar.strides + 1;
    if (!warmup || !out)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "NVAR generate: %s is NULL",
                           !warmup ? "the warm-up" : "out");
    if (m->p.predicts == LACUS_NVAR_PREDICT_TARGET)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "NVAR generate: the model predicts targets, not "
                           "its own input: it has no closed loop (run it one step at a time)");
    if (n_warmup < need)
        return lacus__fail(&m->err, LACUS_ERR_STATE, "NVAR generate: the warm-up has %lld step(s); "
                           "the delay line needs (delay - 1) * strides + 1 = %lld",
                           (long long)n_warmup, (long long)need);
    if (n_steps < 1)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "NVAR generate: n_steps = %lld: must be >= 1",
                           (long long)n_steps);
    /* Only the last `need` rows reach the delay line; the others are
     * checked (NaN/Inf) by lacus_nvar_run all the same. */
    double *f = LACUS__NEW(double, need * F);
    if (!f) return lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory for the NVAR warm-up");
    lacus_status st = lacus__check_finite(&m->err, "NVAR generate: the warm-up", warmup, n_warmup, I, I);
    if (!st && (st = lacus_nvar_run(m->nvar, warmup + (n_warmup - need) * I, need, 1, f)))
        nvar_err(&m->err, m->nvar, st);
    lacus__free(f);
    if (st) return st;
    if ((st = lacus_nvar_forecast(m->nvar, m->readout->Wout, F, I, m->readout->b, m->p.predicts,
                                  n_steps, out, n_done)))
        nvar_err(&m->err, m->nvar, st);
    return st;
}

lacus_status lacus_nvar_model_save(const lacus_nvar_model *m, const char *path, lacus_error *err)
{
    if (!m || !path) return lacus__fail(err, LACUS_ERR_ARG, "model or path is NULL");
    cJSON *man = lacus__manifest_new("nvar"), *nv = cJSON_CreateObject();
    cJSON *ro = lacus__ridge_json(m->readout);
    char *json = NULL;
    if (man && nv && ro) {
        cJSON_AddNumberToObject(nv, "n_inputs", (double)m->p.nvar.n_inputs);
        cJSON_AddNumberToObject(nv, "delay", (double)m->p.nvar.delay);
        cJSON_AddNumberToObject(nv, "order", (double)m->p.nvar.order);
        cJSON_AddNumberToObject(nv, "strides", (double)m->p.nvar.strides);
        cJSON_AddNumberToObject(nv, "n_features", (double)m->p.readout.n_features);
        cJSON_AddItemToObject(man, "nvar", nv);
        cJSON_AddStringToObject(man, "predicts", lacus_nvar_predicts_name(m->p.predicts));
        cJSON_AddNumberToObject(man, "warmup", (double)m->p.warmup);
        cJSON_AddItemToObject(man, "readout", ro);
        nv = ro = NULL;
        json = cJSON_Print(man);
    }
    cJSON_Delete(man);
    cJSON_Delete(nv);
    cJSON_Delete(ro);
    if (!json) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory writing the manifest");
    lacus_npz_writer *w = NULL;
    lacus_status st = lacus_npz_writer_open(path, 1, &w, err);
    if (!st) st = lacus_npz_writer_add_bytes(w, "manifest.json", json, strlen(json), err);
    if (!st) st = lacus__ridge_write(w, "", m->readout, err);
    cJSON_free(json);
    if (st) {
        if (w) lacus_npz_writer_abort(w);
        return st;
    }
    return lacus_npz_writer_commit(w, err);
}

/* An integer member of obj, within [lo, hi]. */
static lacus_status get_int(const char *path, const cJSON *obj, const char *key, int64_t lo,
                            int64_t hi, int64_t *v, lacus_error *err)
{
    if (!lacus__json_int(cJSON_GetObjectItemCaseSensitive(obj, key), lo, hi, v))
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: \"%s\" must be an integer in "
                           "[%lld, %lld]", path, key, (long long)lo, (long long)hi);
    return LACUS_OK;
}

lacus_status lacus_nvar_model_load(const char *path, lacus_nvar_model **out, lacus_error *err)
{
    if (!path || !out) return lacus__fail(err, LACUS_ERR_ARG, "path or out is NULL");
    *out = NULL;
    lacus_error local;
    if (!err) err = &local;
    lacus_npz *z = NULL;
    cJSON *man = NULL;
    lacus_status st = lacus__manifest_read(path, "nvar", &z, &man, err);
    if (st) return st;
    lacus_nvar_model_params p = lacus_nvar_model_params_default();
    const cJSON *nv = cJSON_GetObjectItemCaseSensitive(man, "nvar");
    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(man, "predicts");
    lacus_nvar_model *m = NULL;
    int64_t nf = 0;
    if (!cJSON_IsObject(nv)) {
        st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: \"nvar\" is missing", path);
    } else if (!cJSON_IsString(pr) || lacus_nvar_predicts_parse(pr->valuestring, &p.predicts)) {
        st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: \"predicts\" must be \"next\", "
                         "\"increment\" or \"target\"", path);
    } else if (!(st = get_int(path, nv, "n_inputs", 1, INT64_MAX / 2, &p.nvar.n_inputs, err)) &&
               !(st = get_int(path, nv, "delay", 1, INT64_MAX / 2, &p.nvar.delay, err)) &&
               !(st = get_int(path, nv, "order", 1, 64, &p.nvar.order, err)) &&
               !(st = get_int(path, nv, "strides", 1, INT64_MAX / 2, &p.nvar.strides, err)) &&
               !(st = get_int(path, man, "warmup", 0, INT64_MAX / 2, &p.warmup, err)) &&
               !(st = lacus__ridge_parse(path, cJSON_GetObjectItemCaseSensitive(man, "readout"),
                                         &p.readout, err))) {
        if ((st = lacus__nvar_model_new(&p, p.nvar.n_inputs, p.readout.n_outputs, &m, err))) {
            lacus__prefix(err, "%s: ", path);
            st = LACUS_ERR_FORMAT;
        } else if (!(st = get_int(path, nv, "n_features", 1, INT64_MAX / 2, &nf, err)) &&
                   (nf != m->p.readout.n_features || p.readout.n_features != nf ||
                    p.readout.n_outputs != m->p.readout.n_outputs)) {
            st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: the readout is (%lld, %lld) "
                             "but the NVAR has %lld features and %lld %s", path,
                             (long long)p.readout.n_features, (long long)p.readout.n_outputs,
                             (long long)m->p.readout.n_features, (long long)m->p.readout.n_outputs,
                             p.predicts == LACUS_NVAR_PREDICT_TARGET ? "targets" : "inputs");
        }
    }
    if (!st) {
        lacus_ridge_params rp = m->p.readout;
        rp.keep_samples = 0; /* the weights are loaded, the samples are not */
        if (rp.solver == LACUS_SOLVER_DUAL) rp.solver = LACUS_SOLVER_AUTO;
        if (!(st = lacus_ridge_create(&rp, &m->readout, err)))
            st = lacus__ridge_read(path, z, "", m->readout, err);
    }
    cJSON_Delete(man);
    lacus_npz_close(z);
    if (st) {
        lacus_nvar_model_free(m);
        return st;
    }
    *out = m;
    return LACUS_OK;
}
