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
 * messages. With the ScaLAPACK solve (lacus_nvar_model_fit_dist_ex) the
 * feature rows go into the block-cyclic system of spk.h instead, the
 * machinery of the ESN's and the graphs' distributed solve. */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "dist/dd.h"
#include "dist/dist_priv.h"
#include "dist/spk.h"
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
    const int64_t C = lacus__nvar_chunk_rows(T_max);
    double *Fe = LACUS__NEW(double, C * F), *Y = LACUS__NEW(double, C * I);
    double *v = LACUS__NEW(double, P);
    lacus_status st = LACUS_OK;
    if (!Fe || !Y || !v)
        st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for the NVAR features of %lld steps "
                         "and the reproducible sums (%lld doubles)", (long long)C, (long long)P);
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

/* What both solves share: arguments checked and agreed, the widths agreed,
 * the model (no readout yet) made, this rank's sequences checked and
 * counted (training rows, longest sequence), the readout created. On
 * failure every rank returns the same error and *out is NULL. */
static lacus_status prepare(const lacus_nvar_model_params *p, const lacus_seqs *series,
                            const lacus_seqs *targets, const int64_t *ids, lacus_nvar_model **out,
                            int64_t *usable, int64_t *T_max, lacus_error *err)
{
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
    lacus_ridge_params rp = m ? m->p.readout : p->readout;
    rp.keep_samples = 0;
    if (!st) st = lacus__nvar_model_check(m, series, targets, ids, usable, T_max, err);
    if (!st) st = lacus_ridge_create(&rp, &m->readout, err);
    if (!(st = lacus_dist_agree(st, err)) && lacus_dist_max(*usable) == 0)
        st = lacus__fail(err, LACUS_ERR_SHAPE, "NVAR model fit: warmup = %lld leaves no training "
                         "row on any rank (a sequence of n steps gives %s rows)",
                         (long long)m->p.warmup, targets ? "n - warmup" : "n - 1 - warmup");
    if (st) {
        lacus_nvar_model_free(m);
        return st;
    }
    *out = m;
    return LACUS_OK;
}

/* The reduce solve: double-double sums reduced to rank 0, solved there. */
static lacus_status fit_reduce(lacus_nvar_model *m, const lacus_seqs *series,
                               const lacus_seqs *targets, const int64_t *ids, int64_t T_max,
                               lacus_error *err)
{
    const int64_t P = lacus__dist_packed_size(m->p.readout.n_features, m->p.readout.n_outputs);
    double *hi = LACUS__ZNEW(double, P), *lo = LACUS__ZNEW(double, P);
    lacus_status st = hi && lo ? LACUS_OK
                               : lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for the "
                                             "reproducible sums (2 x %lld doubles)", (long long)P);
    if (!st) st = add_local(m, series, targets, ids, T_max, hi, lo, P, err);
    if ((st = lacus_dist_agree(st, err))) goto done;
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
done:
    lacus__free(hi);
    lacus__free(lo);
    return st;
}


/* Rows per chunk of features in the ScaLAPACK path: the features of a
 * whole sequence (T x F) may not fit where F is large, which is when this
 * solve is used; lacus_nvar_run continues the delay line across chunks. */
#define SPK_CHUNK 256

/* lacus__nvar_model_rows' rows into the block-cyclic system, in slices that
 * end where a round does: lacus__spk_add runs the round (a collective)
 * when its staged rows are full. Its messages go to spk_open's err. */
typedef struct spk_rows_ctx {
    lacus__spk *sp;
    int64_t F, O;
} spk_rows_ctx;

static lacus_status spk_rows(void *ctx, const double *Fe, const double *Y, int64_t rows, lacus_error *err)
{
    (void)err;
    const spk_rows_ctx *c = ctx;
    lacus_status st = LACUS_OK;
    for (int64_t t = 0; t < rows && !st;) {
        int64_t k = lacus__spk_room(c->sp);
        if (k > rows - t) k = rows - t;
        st = lacus__spk_add(c->sp, Fe + t * c->F, c->F, Y + t * c->O, c->O, k);
        t += k;
    }
    return st;
}

/* The ScaLAPACK solve: every rank's feature rows go, round by round, into
 * the block-cyclic X^T X of spk.h (no rank holds F x F), solved there. A
 * rank that fails mid-way keeps running the agreed rounds (with zeros), so
 * the collectives pair up, and its error is reported after the last. */
static lacus_status fit_scalapack(lacus_nvar_model *m, const lacus_seqs *series,
                                  const lacus_seqs *targets, int64_t usable,
                                  const lacus_dist_params *dp, lacus_dist_stats *stats,
                                  lacus_error *err)
{
    const int64_t F = m->p.readout.n_features, O = m->p.readout.n_outputs;
    lacus__spk *sp = NULL;
    double ts = lacus__dist_now_s();
    lacus_status st = lacus__spk_open(&sp, F, O, usable, dp, err); /* collective, agreed */
    if (st) return st;
    lacus__spk_grid(sp, &stats->grid_rows, &stats->grid_cols, &stats->rounds);
    double *Fe = LACUS__NEW(double, SPK_CHUNK * F), *Y = LACUS__NEW(double, SPK_CHUNK * O);
    if (!Fe || !Y) st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for %d rows of NVAR "
                                    "features", SPK_CHUNK);
    spk_rows_ctx ctx = {sp, F, O};
    for (int64_t q = 0; q < series->n_seqs && !st; q++)
        st = lacus__nvar_model_rows(m, series->data[q], targets ? targets->data[q] : NULL, series->n_steps[q],
                                    SPK_CHUNK, Fe, Y, spk_rows, &ctx, err);
    lacus__free(Fe);
    lacus__free(Y);
    while (lacus__spk_step(sp)) {} /* the agreed number of rounds, whatever happened */
    double t1 = lacus__dist_now_s();
    stats->stream_s = t1 - ts;
    if (!(st = lacus_dist_agree(st, err))) {
        st = lacus__spk_solve(sp, m->readout, stats); /* its messages go to err (spk_open) */
        m->readout->has_weights = !st;
        stats->solve_s = lacus__dist_now_s() - t1;
    }
    lacus__spk_close(sp);
    return st;
}

lacus_status lacus_nvar_model_fit_dist(const lacus_nvar_model_params *p, const lacus_seqs *series,
                                       const int64_t *ids, lacus_nvar_model **out, lacus_error *err)
{
    return lacus_nvar_model_fit_dist_ex(p, series, NULL, ids, NULL, NULL, out, err);
}

lacus_status lacus_nvar_model_fit_dist_xy(const lacus_nvar_model_params *p, const lacus_seqs *series,
                                          const lacus_seqs *targets, const int64_t *ids,
                                          lacus_nvar_model **out, lacus_error *err)
{
    return lacus_nvar_model_fit_dist_ex(p, series, targets, ids, NULL, NULL, out, err);
}

lacus_status lacus_nvar_model_fit_dist_ex(const lacus_nvar_model_params *p, const lacus_seqs *series,
                                          const lacus_seqs *targets, const int64_t *ids,
                                          const struct lacus_dist_params *dp,
                                          struct lacus_dist_stats *stats, lacus_nvar_model **out,
                                          lacus_error *err)
{
    lacus_error local;
    if (!err) err = &local;
    if (out) *out = NULL;
    lacus_dist_stats ls;
    if (!stats) stats = &ls;
    lacus__dist_stats_init(stats);
    lacus_dist_params d = dp ? *dp : lacus_dist_params_default();
    lacus_status st = lacus__dist_params_check(&d, err);
    if ((st = lacus_dist_agree(st, err))) return st;
    lacus_nvar_model *m = NULL;
    int64_t usable = 0, T_max = 0;
    if ((st = prepare(p, series, targets, ids, out ? &m : NULL, &usable, &T_max, err))) return st;
    lacus_dist_solve how = LACUS_DIST_SOLVE_REDUCE;
    st = lacus__dist_choose_solve(&d, m->p.readout.n_features, m->p.readout.n_outputs, &how, err);
    if (!st) {
        stats->used = how;
        st = how == LACUS_DIST_SOLVE_REDUCE ? fit_reduce(m, series, targets, ids, T_max, err)
                                            : fit_scalapack(m, series, targets, usable, &d, stats, err);
    }
    if (!st && how == LACUS_DIST_SOLVE_REDUCE)
        stats->fallback = (int)lacus_dist_max(m->readout->used_fallback);
    if (st) {
        lacus_nvar_model_free(m);
        return st;
    }
    lacus_nvar_reset(m->nvar);
    *out = m;
    return LACUS_OK;
}
