/* Cross-validation fold assignments for brain time series: contiguous
 * blocks (scikit-learn KFold without shuffle, as himalaya's cv = k), whole
 * runs grouped into folds, and a shuffled split kept only to show how much
 * it inflates scores on autocorrelated data. */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "lacus.h"

lacus_status lacus_cv_contiguous(int64_t n_samples, int64_t n_folds, int64_t *fold,
                                 lacus_error *err)
{
    if (!fold) return lacus__fail(err, LACUS_ERR_ARG, "fold: NULL output");
    if (n_folds < 2)
        return lacus__fail(err, LACUS_ERR_ARG, "n_folds = %lld: must be >= 2", (long long)n_folds);
    if (n_samples < n_folds)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "n_samples = %lld: fewer samples than the %lld folds",
                           (long long)n_samples, (long long)n_folds);
    /* KFold: fold sizes n // k, the first n % k of them one larger. */
    int64_t base = n_samples / n_folds, extra = n_samples % n_folds, i = 0;
    for (int64_t f = 0; f < n_folds; f++) {
        int64_t len = base + (f < extra);
        for (int64_t j = 0; j < len; j++) fold[i++] = f;
    }
    return LACUS_OK;
}

lacus_status lacus_cv_runs(const int64_t *run_lengths, int64_t n_runs, int64_t n_folds,
                           int64_t *fold, lacus_error *err)
{
    if (!run_lengths || !fold) return lacus__fail(err, LACUS_ERR_ARG, "run_lengths/fold: NULL");
    if (n_folds < 2)
        return lacus__fail(err, LACUS_ERR_ARG, "n_folds = %lld: must be >= 2", (long long)n_folds);
    if (n_runs < n_folds)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "%lld runs but %lld folds: run-wise cross-validation needs at least "
                           "as many runs as folds",
                           (long long)n_runs, (long long)n_folds);
    int64_t base = n_runs / n_folds, extra = n_runs % n_folds, r = 0, i = 0;
    for (int64_t f = 0; f < n_folds; f++) {
        int64_t nr = base + (f < extra);
        for (int64_t k = 0; k < nr; k++, r++) {
            if (run_lengths[r] < 1)
                return lacus__fail(err, LACUS_ERR_ARG, "run_lengths[%lld] = %lld: must be >= 1",
                                   (long long)r, (long long)run_lengths[r]);
            for (int64_t j = 0; j < run_lengths[r]; j++) fold[i++] = f;
        }
    }
    return LACUS_OK;
}

lacus_status lacus_cv_shuffled(int64_t n_samples, int64_t n_folds, uint64_t seed, int64_t *fold,
                               lacus_error *err)
{
    lacus_status st = lacus_cv_contiguous(n_samples, n_folds, fold, err);
    if (st) return st;
    lacus__rng r;
    lacus__rng_stream(&r, seed, LACUS__STREAM_DATA, 0x4356);
    for (int64_t i = n_samples - 1; i > 0; i--) { /* Fisher-Yates */
        int64_t j = (int64_t)lacus__rng_below(&r, (uint64_t)i + 1);
        int64_t tmp = fold[i];
        fold[i] = fold[j];
        fold[j] = tmp;
    }
    return LACUS_OK;
}

lacus_status lacus_cv_score_parse(const char *name, lacus_cv_score *out)
{
    if (!name || !out) return LACUS_ERR_ARG;
    if (!strcmp(name, "neg_mse") || !strcmp(name, "l2")) *out = LACUS_CV_NEG_MSE;
    else if (!strcmp(name, "r2")) *out = LACUS_CV_R2;
    else if (!strcmp(name, "pearson") || !strcmp(name, "r")) *out = LACUS_CV_PEARSON;
    else return LACUS_ERR_ARG;
    return LACUS_OK;
}
