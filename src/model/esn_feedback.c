/* Output feedback, as ReservoirPy 0.4.2's `reservoir << readout`: the
 * reservoir's input at step t is [u[t], y[t-1]], with y[-1] = 0.
 *
 * Training uses teacher forcing: y is the target, known in advance, so the
 * augmented inputs are built once and the ordinary streaming fit runs on
 * them. Running feeds back the model's own prediction, which exists only
 * after the step that produces it: a closed loop, one step at a time. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "model/esn.h"

void lacus__seqs_buf_free(lacus__seqs_buf *b)
{
    for (int64_t i = 0; b->data && i < b->seqs.n_seqs; i++) lacus__free(b->data[i]);
    lacus__free(b->data);
    lacus__free(b->steps);
    memset(b, 0, sizeof *b);
}

lacus_status lacus__feedback_inputs(lacus_esn *m, const lacus_seqs *inputs,
                                    const lacus_seqs *targets, lacus__seqs_buf *out)
{
    int64_t I = inputs->n_features, O = m->p.n_feedback, S = inputs->n_seqs;
    memset(out, 0, sizeof *out);
    out->data = LACUS__ZNEW(double *, S);
    out->steps = LACUS__NEW(int64_t, S);
    if (!out->data || !out->steps) goto nomem;
    out->seqs = (lacus_seqs){S, I + O, (const double *const *)out->data, out->steps};
    for (int64_t i = 0; i < S; i++) {
        int64_t T = inputs->n_steps[i];
        double *a = out->data[i] = LACUS__NEW(double, T * (I + O));
        if (!a) goto nomem;
        out->steps[i] = T;
        for (int64_t t = 0; t < T; t++) {
            memcpy(a + t * (I + O), inputs->data[i] + t * I, (size_t)I * sizeof(double));
            if (t == 0) memset(a + I, 0, (size_t)O * sizeof(double));
            else memcpy(a + t * (I + O) + I, targets->data[i] + (t - 1) * O, (size_t)O * sizeof(double));
        }
    }
    return LACUS_OK;
nomem:
    lacus__seqs_buf_free(out);
    return lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory for the teacher-forced inputs");
}

lacus_status lacus__feedback_run(lacus_esn *m, const lacus_seqs *inputs, double *const *outputs)
{
    lacus_reservoir *r = m->res;
    int64_t N = r->p.n_units, I = inputs->n_features, O = m->n_outputs;
    double *row = LACUS__NEW(double, I + O), *x = LACUS__NEW(double, N);
    double *state = LACUS__NEW(double, N), *xi = LACUS__NEW(double, 2 * N);
    lacus__run_ws ws;
    int ws_ok = 0;
    lacus_status st = LACUS_OK;
    if (!row || !x || !state || !xi || !(ws_ok = !lacus__run_ws_init(&ws, r))) {
        st = lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory for the closed-loop run");
        goto done;
    }
    uint64_t call = r->n_runs++;
    int64_t total = 0, done_steps = 0;
    for (int64_t i = 0; i < inputs->n_seqs; i++) total += inputs->n_steps[i];
    int blas = lacus__esn_loop_begin();
    for (int64_t i = 0; i < inputs->n_seqs && !st; i++) {
        memset(x, 0, (size_t)N * sizeof(double));
        memset(row + I, 0, (size_t)O * sizeof(double));
        lacus__run_ws_seed(&ws, r, call, (uint64_t)i);
        for (int64_t t = 0; t < inputs->n_steps[i] && !st; t++) {
            memcpy(row, inputs->data[i] + t * I, (size_t)I * sizeof(double));
            lacus__esn_loop_step(r, &ws, x, row, I + O, state, N, xi, blas);
            double *y = outputs[i] + t * O;
            lacus__esn_loop_readout(m->readout, state, y);
            for (int64_t o = 0; !st && o < O; o++)
                if (!isfinite(y[o]))
                    st = lacus__fail(&m->err, LACUS_ERR_NUMERIC,
                                     "closed loop diverged: sequence %lld, step %lld",
                                     (long long)i, (long long)t);
            memcpy(row + I, y, (size_t)O * sizeof(double));
        }
        done_steps += inputs->n_steps[i];
        if (m->p.progress) m->p.progress((double)done_steps / (double)total, m->p.progress_user);
    }
    lacus__esn_loop_end(blas);
done:
    if (ws_ok) lacus__run_ws_free(&ws);
    lacus__free(row);
    lacus__free(x);
    lacus__free(state);
    lacus__free(xi);
    return st;
}
