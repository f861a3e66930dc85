/* Input preprocessing applied by the command line: fitted by `lacus fit`
 * on the training inputs ("preprocess" in a config), stored in the model
 * file, and applied again by `lacus run` before the model sees the data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "config.h"

void cli_prep_seqs_free(cli_prep_seqs *s)
{
    for (int64_t i = 0; s->rows && i < s->s.n_seqs; i++) free(s->rows[i]);
    free(s->rows);
    free(s->steps);
    memset(s, 0, sizeof *s);
}

int cli_prep_transform(lacus_prep *p, const lacus_seqs *in, const char *what, cli_prep_seqs *out)
{
    memset(out, 0, sizeof *out);
    /* Fitted (a DELAY node too: fit learns its width), so the width is known. */
    int64_t n = in->n_seqs, W = lacus_prep_n_outputs(p);
    if (W < 1) return cli_error("%s: the preprocessing node is not fitted", what), -1;
    if (in->n_features != lacus_prep_n_features(p))
        return cli_error("%s: %lld features, the model's preprocessing (%s) was fitted on %lld", what,
                         (long long)in->n_features, lacus_prep_kind_name(lacus_prep_get_kind(p)),
                         (long long)lacus_prep_n_features(p)), -1;
    out->rows = calloc((size_t)(n ? n : 1), sizeof *out->rows);
    out->steps = calloc((size_t)(n ? n : 1), sizeof *out->steps);
    if (!out->rows || !out->steps) {
        cli_prep_seqs_free(out);
        return cli_error("out of memory"), -1;
    }
    out->s.n_seqs = n;
    for (int64_t i = 0; i < n; i++) {
        int64_t T = in->n_steps[i], R = lacus_prep_out_rows(p, T);
        if (!(out->rows[i] = malloc((size_t)((R ? R : 1) * W) * sizeof(double)))) {
            cli_prep_seqs_free(out);
            return cli_error("out of memory for the preprocessed %s", what), -1;
        }
        if (lacus_prep_transform(p, in->data[i], T, in->n_features, out->rows[i], W)) {
            cli_error("%s, sequence %lld: preprocessing (%s): %s", what, (long long)i,
                      lacus_prep_kind_name(lacus_prep_get_kind(p)), lacus_prep_errmsg(p));
            cli_prep_seqs_free(out);
            return -1;
        }
        out->steps[i] = R;
    }
    out->s.n_features = W;
    out->s.data = (const double *const *)out->rows;
    out->s.n_steps = out->steps;
    return 0;
}

int cli_model_prep_inputs(const char *model, const lacus_seqs *in, cli_prep_seqs *out,
                          const lacus_seqs **use)
{
    memset(out, 0, sizeof *out);
    *use = in;
    lacus_error err = {0};
    lacus_prep *p = NULL;
    if (lacus_model_input_prep(model, &p, &err)) return cli_error("%s", err.msg), 1;
    if (!p) return 0;
    int rc = cli_prep_transform(p, in, "--input", out) ? 1 : 0;
    lacus_prep_free(p);
    if (!rc) *use = &out->s;
    return rc;
}
