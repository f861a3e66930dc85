/* MPI across machines: start/stop, agreement on errors, and the sharded
 * ESN fit with an ordered (fixed-tree) reduction of the ridge sums. Without
 * MPI (LACUS_HAVE_MPI undefined) the same calls work with one rank. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "dist/dd.h"
#include "dist/dist_check.h"
#include "dist/dist_priv.h"
#include "model/esn.h"

#ifdef LACUS_HAVE_MPI
#include <mpi.h>
#endif

static int g_rank = 0, g_size = 1, g_started = 0;

int lacus_dist_available(void)
{
#ifdef LACUS_HAVE_MPI
    return 1;
#else
    return 0;
#endif
}

int lacus_dist_rank(void) { return g_rank; }
int lacus_dist_launched(void) { return g_started; }
int lacus_dist_size(void) { return g_size; }

lacus_status lacus_dist_init(int *argc, char ***argv, lacus_error *err)
{
#ifdef LACUS_HAVE_MPI
    /* Only under a launcher: a plain run must not start MPI (and the
     * sanitizer builds must not see MPI's one-off allocations). */
    if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMI_SIZE") && !getenv("PMIX_RANK"))
        return LACUS_OK;
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return lacus__fail(err, LACUS_ERR_UNSUPPORTED, "MPI_Init_thread failed");
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    g_started = 1;
    return LACUS_OK;
#else
    (void)argc;
    (void)argv;
    (void)err;
    return LACUS_OK;
#endif
}

void lacus_dist_finalize(void)
{
#ifdef LACUS_HAVE_MPI
    if (g_started) MPI_Finalize();
    g_started = 0;
#endif
}

int64_t lacus_dist_max(int64_t v)
{
#ifdef LACUS_HAVE_MPI
    if (g_started && g_size > 1) {
        long long in = v, out = v;
        MPI_Allreduce(&in, &out, 1, MPI_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
        return out;
    }
#endif
    return v;
}

void lacus_dist_bcast(double *v, int64_t n, int root)
{
#ifdef LACUS_HAVE_MPI
    if (!g_started || g_size < 2) return;
    for (int64_t o = 0; o < n; o += (1 << 24)) {
        int64_t c = n - o < (1 << 24) ? n - o : (1 << 24);
        MPI_Bcast(v + o, (int)c, MPI_DOUBLE, root, MPI_COMM_WORLD);
    }
#else
    (void)v;
    (void)n;
    (void)root;
#endif
}

lacus_status lacus_dist_agree(lacus_status st, lacus_error *err)
{
#ifdef LACUS_HAVE_MPI
    if (!g_started || g_size == 1) return st;
    /* The lowest failing rank wins; its message is broadcast from it. */
    int mine = st ? g_rank : g_size, first = g_size;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == g_size) return LACUS_OK;
    struct {
        int status;
        char msg[LACUS_ERRMSG_SIZE];
    } m = {0};
    if (g_rank == first) {
        m.status = st;
        snprintf(m.msg, sizeof m.msg, "rank %d: %.490s", g_rank, err ? err->msg : "");
    }
    MPI_Bcast(&m, (int)sizeof m, MPI_BYTE, first, MPI_COMM_WORLD);
    if (err) {
        err->status = (lacus_status)m.status;
        snprintf(err->msg, sizeof err->msg, "%s", m.msg);
    }
    return (lacus_status)m.status;
#else
    (void)err;
    return st;
#endif
}

/* The ridge sums as one vector: n_samples, sx (F), sy (O), the upper
 * triangle of X^T X row by row, X^T Y (F x O). */
int64_t lacus__dist_packed_size(int64_t F, int64_t O) { return 1 + F + O + F * (F + 1) / 2 + F * O; }

void lacus__dist_pack(lacus_ridge *r, double *v, int unpack)
{
    int64_t F = r->p.n_features, O = r->p.n_outputs, k = 0;
#define MOVE(dst, src) do { if (unpack) (dst) = v[k++]; else v[k++] = (src); } while (0)
    double ns = (double)r->n_samples; /* exact up to 2^53 samples */
    MOVE(ns, ns);
    r->n_samples = (int64_t)ns;
    for (int64_t j = 0; j < F; j++) MOVE(r->sx[j], r->sx[j]);
    for (int64_t j = 0; j < O; j++) MOVE(r->sy[j], r->sy[j]);
    for (int64_t i = 0; i < F; i++)
        for (int64_t j = i; j < F; j++) MOVE(r->XtX[i * F + j], r->XtX[i * F + j]);
    for (int64_t i = 0; i < F * O; i++) MOVE(r->XtY[i], r->XtY[i]);
#undef MOVE
}

/* Sums that do not depend on the order of the additions: each value is a
 * double-double (hi + lo, ~106 bits) built with error-free TwoSum, so
 * adding the same numbers in any order gives the same hi + lo to ~1e-32
 * relative, and rounding it to double gives the same double (unless the
 * exact sum sits within that distance of a rounding boundary). This is what
 * makes a fit on K ranks equal the 1-rank one whatever K. Written by hand:
 * no Debian library offers an element-wise reproducible vector sum. */
#define dd_add lacus__dd_add /* dd.h */
#define packed_size lacus__dist_packed_size
#define pack lacus__dist_pack
#define tree_reduce lacus__dist_tree_reduce

#ifdef LACUS_HAVE_MPI
/* (hi, lo) += (hi2, lo2). */
static void dd_add_dd(double *hi, double *lo, const double *hi2, const double *lo2, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        double s = hi[i] + hi2[i], bp = s - hi[i];
        double e = (hi[i] - (s - bp)) + (hi2[i] - bp);
        double l = lo[i] + lo2[i] + e, t = s + l; /* renormalise */
        lo[i] = l - (t - s);
        hi[i] = t;
    }
}

/* (hi, lo) (n each) summed onto rank 0 along a binomial tree: at level s a
 * rank r with r mod 2s == s sends to r - s, which adds it to its own. The
 * additions happen in the same order for a given number of ranks, whatever
 * the timing. Messages go in pieces of at most 2^24 doubles. */
void lacus__dist_tree_reduce(double *hi, double *lo, int64_t n, double *tmp, int64_t tmp_n)
{
    for (int s = 1; s < g_size; s <<= 1) {
        if (g_rank % (2 * s) == s) {
            for (int64_t o = 0; o < n; o += tmp_n) {
                int64_t c = n - o < tmp_n ? n - o : tmp_n;
                MPI_Send(hi + o, (int)c, MPI_DOUBLE, g_rank - s, 7, MPI_COMM_WORLD);
                MPI_Send(lo + o, (int)c, MPI_DOUBLE, g_rank - s, 8, MPI_COMM_WORLD);
            }
            return;
        }
        if (g_rank % (2 * s) == 0 && g_rank + s < g_size)
            for (int64_t o = 0; o < n; o += tmp_n) {
                int64_t c = n - o < tmp_n ? n - o : tmp_n;
                MPI_Recv(tmp, (int)c, MPI_DOUBLE, g_rank + s, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                MPI_Recv(tmp + c, (int)c, MPI_DOUBLE, g_rank + s, 8, MPI_COMM_WORLD,
                         MPI_STATUS_IGNORE);
                dd_add_dd(hi + o, lo + o, tmp, tmp + c, c);
            }
    }
}
#endif

/* Fits this rank's sequences one at a time: each sequence's sums start
 * from zero (so they do not depend on its neighbours) and are added to
 * (hi, lo), n_packed doubles each. */
static lacus_status accumulate_local(lacus_esn *m, const lacus_seqs *in, const lacus_seqs *tg,
                                     const int64_t *ids, double **hi, double **lo, int64_t *n_packed)
{
    lacus_status st = lacus__esn_stream_start(m, tg->n_features);
    if (st) return st;
    lacus_ridge *r = m->readout;
    int64_t P = packed_size(r->p.n_features, r->p.n_outputs);
    *n_packed = P;
    *hi = LACUS__ZNEW(double, P);
    *lo = LACUS__ZNEW(double, P);
    double *v = LACUS__NEW(double, P);
    if (!*hi || !*lo || !v) {
        lacus__free(v);
        return lacus__fail(&m->err, LACUS_ERR_NOMEM,
                           "out of memory for the reproducible sums (3 x %lld doubles)", (long long)P);
    }
    for (int64_t k = 0; k < in->n_seqs && !st; k++) {
        if (in->n_steps[k] != tg->n_steps[k]) {
            st = lacus__fail(&m->err, LACUS_ERR_SHAPE,
                             "sequence %lld: %lld input steps but %lld target steps",
                             (long long)ids[k], (long long)in->n_steps[k], (long long)tg->n_steps[k]);
            break;
        }
        lacus_ridge_reset(r);
        m->n_streamed = ids[k]; /* the sequence's noise stream */
        st = lacus_esn_partial_fit(m, in->data[k], tg->data[k], in->n_steps[k], tg->n_features, 1);
        if (st) break;
        lacus__ridge_flush_stage(r);
        pack(r, v, 0);
        dd_add(*hi, *lo, v, P);
    }
    lacus__free(v);
    return st;
}

lacus_status lacus__dist_check_seqs(lacus_error *err, const lacus_seqs *inputs,
                                    const lacus_seqs *targets, const int64_t *ids)
{
    if (!inputs || !targets || (inputs->n_seqs > 0 && !ids))
        return lacus__fail(err, LACUS_ERR_ARG, "inputs, targets or ids is NULL");
    if (inputs->n_seqs != targets->n_seqs)
        return lacus__fail(err, LACUS_ERR_SHAPE, "%lld input sequences but %lld target sequences",
                           (long long)inputs->n_seqs, (long long)targets->n_seqs);
    if (targets->n_features < 1)
        return lacus__fail(err, LACUS_ERR_SHAPE, "targets: n_features = %lld: must be >= 1",
                           (long long)targets->n_features);
    return LACUS_OK;
}

lacus_status lacus_esn_fit_dist(lacus_esn *m, const lacus_seqs *inputs, const lacus_seqs *targets,
                                const int64_t *ids)
{
    lacus__clear(&m->err);
    lacus_status st = LACUS_OK;
    double *hi = NULL, *lo = NULL;
    int64_t P = 0;
    st = lacus__dist_check_seqs(&m->err, inputs, targets, ids);
    if (!st) st = accumulate_local(m, inputs, targets, ids, &hi, &lo, &P);
    if ((st = lacus_dist_agree(st, &m->err))) goto done;
    lacus_ridge *r = m->readout;
#ifdef LACUS_HAVE_MPI
    if (g_started && g_size > 1) {
        /* Every rank must hold the same shapes. */
        long long shape[2] = {r->p.n_features, r->p.n_outputs}, lohi[4];
        MPI_Allreduce(shape, lohi, 2, MPI_LONG_LONG, MPI_MIN, MPI_COMM_WORLD);
        MPI_Allreduce(shape, lohi + 2, 2, MPI_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
        if (lohi[0] != lohi[2] || lohi[1] != lohi[3]) {
            st = lacus__fail(&m->err, LACUS_ERR_SHAPE,
                             "the ranks disagree on the readout's shape (%lld..%lld features, "
                             "%lld..%lld outputs): same model and target width on every rank",
                             lohi[0], lohi[2], lohi[1], lohi[3]);
            goto done;
        }
        int64_t tmp_n = P < (1 << 23) ? P : (1 << 23);
        double *tmp = LACUS__NEW(double, 2 * tmp_n);
        st = tmp ? LACUS_OK : lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory for the reduction");
        if ((st = lacus_dist_agree(st, &m->err))) goto done;
        tree_reduce(hi, lo, P, tmp, tmp_n);
        lacus__free(tmp);
    }
#endif
    if (g_rank == 0) {
        for (int64_t i = 0; i < P; i++) hi[i] += lo[i]; /* round once */
        pack(r, hi, 1);
        st = lacus_ridge_solve(r);
        if (st) m->err = r->err;
    }
    if ((st = lacus_dist_agree(st, &m->err))) goto done;
#ifdef LACUS_HAVE_MPI
    if (g_started && g_size > 1) {
        int64_t F = r->p.n_features, O = r->p.n_outputs;
        MPI_Bcast(r->Wout, (int)(F * O), MPI_DOUBLE, 0, MPI_COMM_WORLD);
        MPI_Bcast(r->b, (int)O, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        r->solved = 1;
    }
#endif
done:
    lacus__free(hi);
    lacus__free(lo);
    return st;
}

/* Reduction helpers for statistics other than the ridge sums (input
 * preprocessing under MPI, dist_prep.c). */
lacus_status lacus_dist_sum_dd(double *hi, double *lo, int64_t n, lacus_error *err)
{
    lacus_status st = LACUS_OK;
#ifdef LACUS_HAVE_MPI
    if (g_started && g_size > 1) {
        int64_t tmp_n = n < (1 << 23) ? (n > 0 ? n : 1) : (1 << 23);
        double *tmp = LACUS__NEW(double, 2 * tmp_n);
        st = tmp ? LACUS_OK : lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for the reduction");
        if ((st = lacus_dist_agree(st, err))) {
            lacus__free(tmp);
            return st;
        }
        tree_reduce(hi, lo, n, tmp, tmp_n);
        lacus__free(tmp);
    }
#else
    (void)err;
#endif
    if (g_rank == 0)
        for (int64_t i = 0; i < n; i++) hi[i] += lo[i]; /* round once */
    for (int64_t i = 0; i < n; i++) lo[i] = 0.0;
    lacus_dist_bcast(hi, n, 0);
    return st;
}

void lacus_dist_minmax(double *mn, double *mx, int64_t n)
{
#ifdef LACUS_HAVE_MPI
    if (!g_started || g_size < 2) return;
    for (int64_t o = 0; o < n; o += (1 << 24)) {
        int c = (int)(n - o < (1 << 24) ? n - o : (1 << 24));
        MPI_Allreduce(MPI_IN_PLACE, mn + o, c, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
        MPI_Allreduce(MPI_IN_PLACE, mx + o, c, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    }
#else
    (void)mn;
    (void)mx;
    (void)n;
#endif
}

/* ------------------------------------------------------------------------ */
/* Stacks: layers trained on teacher inputs are independent, so layer l is  */
/* trained on rank l mod K and its readout broadcast from there.            */
/* ------------------------------------------------------------------------ */

#include "model/stack.h"

lacus_status lacus_stack_fit_dist(lacus_stack *s, const lacus_seqs *inputs,
                                  const lacus_seqs *const *targets)
{
    if (g_size == 1 || !s->teacher_inputs) {
        /* One rank, or chained layers (each needs the previous one's
         * predictions): every rank trains the whole stack, identically. */
        return lacus_stack_fit(s, inputs, targets);
    }
#ifdef LACUS_HAVE_MPI
    lacus__clear(&s->err);
    lacus_status st = LACUS_OK;
    for (int64_t l = g_rank; l < s->n_layers && !st; l += g_size) {
        lacus_esn *m = s->layers[l];
        const lacus_seqs *in = l == 0 ? inputs : targets[l - 1];
        if (!targets || !targets[l]) {
            st = lacus__fail(&s->err, LACUS_ERR_ARG, "layer %lld: targets missing", (long long)l);
            break;
        }
        if ((st = lacus_esn_fit(m, in, targets[l]))) {
            s->err = m->err;
            lacus__prefix(&s->err, "layer %lld: ", (long long)l);
            break;
        }
        lacus__ridge_release(m->readout);
        s->mse[l] = NAN;
        if (s->report_mse) { /* the layer's training error, as lacus_stack_fit reports it */
            double se = 0, cnt = 0;
            int64_t O = targets[l]->n_features;
            for (int64_t i = 0; i < in->n_seqs && !st; i++) {
                double *p = LACUS__NEW(double, in->n_steps[i] * O);
                lacus_seqs one = {1, in->n_features, &in->data[i], &in->n_steps[i]};
                st = p ? lacus_esn_run(m, &one, &p) : LACUS_ERR_NOMEM;
                for (int64_t t = m->p.warmup; !st && t < in->n_steps[i]; t++)
                    for (int64_t j = 0; j < O; j++, cnt++) {
                        double e = p[t * O + j] - targets[l]->data[i][t * O + j];
                        se += e * e;
                    }
                lacus__free(p);
            }
            if (st) s->err = m->err;
            else s->mse[l] = cnt > 0 ? se / cnt : NAN;
        }
    }
    if ((st = lacus_dist_agree(st, &s->err))) return st;
    /* Every rank gets every layer's readout (and training error). */
    for (int64_t l = 0; l < s->n_layers && !st; l++) {
        lacus_esn *m = s->layers[l];
        int owner = (int)(l % g_size);
        int64_t F = lacus__esn_n_features(m), O = s->n_outputs[l];
        if (g_rank != owner) {
            lacus_ridge_params rp = m->p.readout;
            rp.n_features = F;
            rp.n_outputs = O;
            rp.keep_samples = 0;
            lacus_ridge_free(m->readout);
            m->readout = NULL;
            st = lacus_ridge_create(&rp, &m->readout, &s->err);
            m->n_outputs = O;
        }
        if ((st = lacus_dist_agree(st, &s->err))) return st;
        MPI_Bcast(m->readout->Wout, (int)(F * O), MPI_DOUBLE, owner, MPI_COMM_WORLD);
        MPI_Bcast(m->readout->b, (int)O, MPI_DOUBLE, owner, MPI_COMM_WORLD);
        MPI_Bcast(&s->mse[l], 1, MPI_DOUBLE, owner, MPI_COMM_WORLD);
        m->readout->has_weights = 1;
    }
    return st;
#else
    return lacus_stack_fit(s, inputs, targets);
#endif
}
