/* "preprocess" of an ESN config under mpirun: the node is fitted on the
 * sequences of every rank (lacus_prep_fit_dist: exact or double-double
 * reductions, so the node, and the model, do not depend on the number of
 * ranks), then each rank transforms its own sequences. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "config.h"

/* The first non-finite value of this rank's inputs, named by file and
 * sequence (id = (file << 32) + position, fit_dist.c), so that the message
 * every rank prints says where the bad value is. */
static lacus_status check_finite(const opt_list *files, const lacus_seqs *mine, const int64_t *ids,
                                 lacus_error *err)
{
    for (int64_t i = 0; i < mine->n_seqs; i++) {
        int64_t n = mine->n_steps[i] * mine->n_features;
        for (int64_t k = 0; k < n; k++) {
            double v = mine->data[i][k];
            if (isfinite(v)) continue;
            int64_t f = ids[i] >> 32;
            snprintf(err->msg, sizeof err->msg, "%s, sequence %lld: input[%lld, %lld] is %s",
                     files && f < files->n ? files->items[f] : "input", (long long)(ids[i] & 0xffffffff),
                     (long long)(k / mine->n_features), (long long)(k % mine->n_features),
                     isnan(v) ? "NaN" : "Inf");
            return LACUS_ERR_NUMERIC;
        }
    }
    return LACUS_OK;
}

int cli_prep_fit_dist(const char *path, const lacus_prep_params *pp, const opt_list *files,
                      const lacus_seqs *mine, const int64_t *ids, lacus_prep **prep, cli_prep_seqs *P,
                      const lacus_seqs **use)
{
    *use = mine;
    *prep = NULL;
    memset(P, 0, sizeof *P);
    if (!pp) return 0;
    lacus_error err = {0};
    lacus_status st = check_finite(files, mine, ids, &err);
    if ((st = lacus_dist_agree(st, &err))) return cli_error("%s: preprocess: %s", path, err.msg), 1;
    st = lacus_prep_create(pp, prep, &err);
    if ((st = lacus_dist_agree(st, &err))) return cli_error("%s: preprocess: %s", path, err.msg), 1;
    if ((st = lacus_prep_fit_dist(*prep, mine, ids))) {
        cli_error("%s: preprocess (%s) on the inputs: %s", path, lacus_prep_kind_name(pp->kind),
                  lacus_prep_errmsg(*prep));
        goto fail;
    }
    /* A rank that holds no sequence has nothing to transform. */
    st = mine->n_seqs > 0 && cli_prep_transform(*prep, mine, "input", P) ? LACUS_ERR_ARG : LACUS_OK;
    if (st) snprintf(err.msg, sizeof err.msg, "could not preprocess its inputs (its message is above)");
    if ((st = lacus_dist_agree(st, &err))) {
        cli_error("%s", err.msg);
        goto fail;
    }
    if (mine->n_seqs == 0) P->s = (lacus_seqs){0, lacus_prep_n_outputs(*prep), NULL, NULL};
    *use = &P->s;
    if (lacus_dist_rank() == 0)
        fprintf(stderr, "preprocess: %s fitted over %d ranks, %lld -> %lld features\n",
                lacus_prep_kind_name(pp->kind), lacus_dist_size(), (long long)lacus_prep_n_features(*prep),
                (long long)lacus_prep_n_outputs(*prep));
    return 0;
fail:
    cli_prep_seqs_free(P);
    lacus_prep_free(*prep);
    *prep = NULL;
    return 1;
}
