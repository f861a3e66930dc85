/* NVAR forecasters fitted from sequences spread over MPI ranks
 * (lacus_nvar_model_fit_dist, include/lacus/nvar.h). The ESN's sharded
 * fit (dist.c) is reused piece by piece: each sequence's ridge sums are
 * computed from zero (lacus__nvar_model_add, the one-process fit's code),
 * packed (lacus__dist_pack) and added into double-double accumulators
 * (lacus__dd_add); lacus_dist_sum_dd reduces them to rank 0 along dist.c's
 * fixed binomial tree and rounds once; rank 0 solves and broadcasts Wout
 * and the bias. So the model does not depend on the number of ranks nor on
 * how the sequences are spread. NVAR has no noise, so unlike the ESN no
 * sequence id names a random stream; the ids only name sequences in
 * messages. */
#include <stdint.h>

#include "core/alloc.h"
#include "core/error.h"
#include "dist/dd.h"
#include "dist/dist_priv.h"
#include "model/nvar_model.h"

/* A set of sequences' width, agreed over the ranks: ranks without
 * sequences take it from the others; ranks with sequences must agree. */
static lacus_status agree_width(const lacus_seqs *s, const char *what, int64_t *width,
                                lacus_error *err)
{
    int has = s->n_seqs > 0;
    int64_t mx = lacus_dist_max(has ? s->n_features : 0);
    int64_t mn = -lacus_dist_max(has ? -s->n_features : -INT64_MAX);
    *width = mx;
    if (mx < 1)
        return lacus__fail(err, LACUS_ERR_SHAPE, "NVAR model fit: no rank holds a sequence (or the "
                           "%s have no column)", what);
    if (mn != mx)
        return lacus__fail(err, LACUS_ERR_SHAPE, "NVAR model fit: the ranks' %s have %lld to "
                           "%lld columns: every sequence must have the same width", what,
                           (long long)mn, (long long)mx);
    return LACUS_OK;
}

/* Accumulates this rank's sequences, each from zero, into (hi, lo). */
static lacus_status add_local(lacus_nvar_model *m, const lacus_seqs *s, const lacus_seqs *y,
                              const int64_t *ids, int64_t T_max, double *hi, double *lo, int64_t P,
                              lacus_error *err)
{
    const int64_t I = m->p.nvar.n_inputs, F = m->p.readout.n_features;
    double *Fe = LACUS__NEW(double, T_max * F), *Y = LACUS__NEW(double, T_max * I);
    double *v = LACUS__NEW(double, P);
    lacus_status st = LACUS_OK;
    if (!Fe || !Y || !v)
        st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for the NVAR features of %lld steps "
                         "and the reproducible sums (%lld doubles)", (long long)T_max, (long long)P);
    for (int64_t q = 0; q < s->n_seqs && !st; q++) {
        lacus_ridge_reset(m->readout);
        if ((st = lacus__nvar_model_add(m, s->data[q], y ? y->data[q] : NULL, s->n_steps[q], Fe, Y,
                                        err))) {
            lacus__prefix(err, "sequence %lld: ", (long long)(ids ? ids[q] : q));
            break;
        }
        if (m->readout->n_samples == 0 && m->readout->n_staged == 0) continue; /* too short */
        lacus__ridge_flush_stage(m->readout);
        lacus__dist_pack(m->readout, v, 0);
        lacus__dd_add(hi, lo, v, P);
    }
    lacus__free(Fe);
    lacus__free(Y);
    lacus__free(v);
    return st;
}

lacus_status lacus_nvar_model_fit_dist(const lacus_nvar_model_params *p, const lacus_seqs *series,
                                       const int64_t *ids, lacus_nvar_model **out, lacus_error *err)
{
    return lacus_nvar_model_fit_dist_xy(p, series, NULL, ids, out, err);
}

lacus_status lacus_nvar_model_fit_dist_xy(const lacus_nvar_model_params *p, const lacus_seqs *series,
                                          const lacus_seqs *targets, const int64_t *ids,
                                          lacus_nvar_model **out, lacus_error *err)
{
    lacus_error local;
    if (!err) err = &local;
    lacus__clear(err);
    if (!p || !series || !out) {
        /* The same mistake on every rank, or a rank-local one: agree either way. */
        lacus_status st = lacus__fail(err, LACUS_ERR_ARG, "NVAR model fit: %s is NULL",
                                      !p ? "params" : !series ? "series" : "out");
        return lacus_dist_agree(st, err);
    }
    *out = NULL;
    lacus_status st = LACUS_OK;
    if (series->n_seqs < 0 || (series->n_seqs > 0 && (!series->data || !series->n_steps)))
        st = lacus__fail(err, LACUS_ERR_ARG, "NVAR model fit: the series' data or n_steps is NULL");
    if (!st) st = lacus__nvar_model_check_xy(p, series, targets, err);
    if ((st = lacus_dist_agree(st, err))) return st;
    int64_t I = 0, O = 0;
    if ((st = agree_width(series, "series", &I, err))) return st; /* the same on every rank */
    if (targets && (st = agree_width(targets, "targets", &O, err))) return st;
    /* The readout is solved from sums alone, in the primal form: the dual
     * and least-squares solvers need every row on one process. */
    if (p->readout.solver == LACUS_SOLVER_DUAL || p->readout.solver == LACUS_SOLVER_LSTSQ)
        return lacus__fail(err, LACUS_ERR_ARG, "NVAR model fit over ranks: solver = %s needs every "
                           "training row in one process; the sharded fit adds sums (use auto or "
                           "primal)", lacus_solver_name(p->readout.solver));
    lacus_nvar_model *m = NULL;
    st = lacus__nvar_model_new(p, I, O, &m, err); /* fails alike on every rank, but for memory */
    if ((st = lacus_dist_agree(st, err))) {
        lacus_nvar_model_free(m);
        return st;
    }
    double *hi = NULL, *lo = NULL;
    int64_t usable = 0, T_max = 0;
    const int64_t P = lacus__dist_packed_size(m->p.readout.n_features, m->p.readout.n_outputs);
    lacus_ridge_params rp = m->p.readout;
    rp.keep_samples = 0;
    st = lacus__nvar_model_check(m, series, targets, ids, &usable, &T_max, err);
    if (!st) st = lacus_ridge_create(&rp, &m->readout, err);
    if (!st && (!(hi = LACUS__ZNEW(double, P)) || !(lo = LACUS__ZNEW(double, P))))
        st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for the reproducible sums (2 x %lld "
                         "doubles)", (long long)P);
    if (!st) st = add_local(m, series, targets, ids, T_max, hi, lo, P, err);
    if ((st = lacus_dist_agree(st, err))) goto done;
    if (lacus_dist_max(usable) == 0) {
        st = lacus__fail(err, LACUS_ERR_SHAPE, "NVAR model fit: warmup = %lld leaves no training "
                         "row on any rank (a sequence of n steps gives n - 1 - warmup rows)",
                         (long long)m->p.warmup);
        goto done;
    }
    /* Reduced to rank 0 in a fixed order and rounded once there. */
    if ((st = lacus_dist_sum_dd(hi, lo, P, err))) goto done;
    if (lacus_dist_rank() == 0) {
        lacus_ridge_reset(m->readout);
        lacus__dist_pack(m->readout, hi, 1);
        if ((st = lacus_ridge_solve(m->readout))) *err = m->readout->err;
    }
    if ((st = lacus_dist_agree(st, err))) goto done;
    lacus_dist_bcast(m->readout->Wout, m->p.readout.n_features * m->p.readout.n_outputs, 0);
    lacus_dist_bcast(m->readout->b, m->p.readout.n_outputs, 0);
    m->readout->solved = 1;
    m->readout->has_weights = 1;
    lacus_nvar_reset(m->nvar);
done:
    lacus__free(hi);
    lacus__free(lo);
    if (st) {
        lacus_nvar_model_free(m);
        return st;
    }
    *out = m;
    return LACUS_OK;
}
