/* The distributed ridge solve: X^T X never exists whole on one rank.
 *
 * Layout (ScaLAPACK's, column-major locally):
 *   - a Pr x Pc BLACS grid over the K ranks (as square as K allows), on
 *     which the N x N matrix G = X^T X and the N x m right-hand side live
 *     block-cyclic (nb x nb blocks): about N^2 / K doubles per rank;
 *   - a 1 x K grid on which the "round matrix" X^T (N x K R) lives with one
 *     column block of R columns per rank: rank k's R x N row-major chunk of
 *     states IS its N x R column-major block, so nothing is copied;
 *   - each round, pdgemr2d moves X^T onto the 2-D grid and pdsyrk adds
 *     X^T (X^T)^T = X^T X (the round's states of every rank) into G.
 *   Every rank takes part in every round; a rank whose data is done passes
 *   zeros (they add nothing). The number of rounds is the largest of the
 *   ranks' ceil(rows / R), known before streaming starts, so the
 *   collectives always pair up, even when a rank fails mid-way.
 *
 * X^T Y (N x m), the column sums and the sample count are small: each rank
 * sums its own and one MPI_Allreduce gives every rank the totals. The system
 * is then centred exactly as the serial solve (src/nodes/ridge_solve.c)
 * centres it, factorised by pdpotrf and solved by pdpotrs; Wout (N x m) is
 * gathered to rank 0 with pdgemr2d and broadcast.
 *
 * Written here: only the glue. The BLACS/PBLAS/ScaLAPACK calls are Debian's
 * libscalapack-openmpi, which ships no C header, hence the prototypes below
 * (PBLAS and REDIST are C; pdpotrf/pdpotrs are Fortran, with the hidden
 * length of each character argument). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/error.h"
#include "linalg/tiled.h"
#include "dist/dist_check.h"
#include "dist/dist_priv.h"
#include "dist/spk.h"
#include "model/esn.h"

#ifdef LACUS_HAVE_SCALAPACK
#include <mpi.h>

void Cblacs_pinfo(int *mypnum, int *nprocs);
void Cblacs_get(int icontxt, int what, int *val);
void Cblacs_gridinit(int *icontxt, const char *order, int nprow, int npcol);
void Cblacs_gridinfo(int icontxt, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int icontxt);
int numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc, const int *nprocs);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb,
               const int *irsrc, const int *icsrc, const int *ictxt, const int *lld, int *info);
void pdgemr2d_(const int *m, const int *n, const double *a, const int *ia, const int *ja,
               const int *desca, double *b, const int *ib, const int *jb, const int *descb,
               const int *ictxt);
void pdsyrk_(const char *uplo, const char *trans, const int *n, const int *k, const double *alpha,
             const double *a, const int *ia, const int *ja, const int *desca, const double *beta,
             double *c, const int *ic, const int *jc, const int *descc);
void pdpotrf_(const char *uplo, const int *n, double *a, const int *ia, const int *ja,
              const int *desca, int *info, size_t uplo_len);
void pdpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *ia,
              const int *ja, const int *desca, double *b, const int *ib, const int *jb,
              const int *descb, int *info, size_t uplo_len);
void pdtradd_(const char *uplo, const char *trans, const int *m, const int *n, const double *alpha,
              const double *a, const int *ia, const int *ja, const int *desca, const double *beta,
              double *c, const int *ic, const int *jc, const int *descc);
void pdgesv_(const int *n, const int *nrhs, double *a, const int *ia, const int *ja, const int *desca,
             int *ipiv, double *b, const int *ib, const int *jb, const int *descb, int *info);
#endif

lacus_dist_params lacus_dist_params_default(void)
{
    lacus_dist_params p;
    memset(&p, 0, sizeof p);
    p.solve = LACUS_DIST_SOLVE_AUTO;
    p.rank_mem_mb = 0.0;
    p.block = 0;
    p.rows = 0;
    return p;
}

int lacus_dist_scalapack_available(void)
{
#ifdef LACUS_HAVE_SCALAPACK
    return 1;
#else
    return 0;
#endif
}

/* The grid: Pr x Pc = K with Pr the largest divisor of K not above sqrt K
 * (1 x 2, 1 x 3, 2 x 2, 2 x 3, ...): square grids balance pdpotrf's panel
 * broadcasts along rows and columns. */
static void grid_shape(int K, int *pr, int *pc)
{
    int r = 1;
    for (int d = 1; d * d <= K; d++)
        if (K % d == 0) r = d;
    *pr = r;
    *pc = K / r;
}

/* Rows of a global dimension n in blocks of nb that process p of P owns
 * (ScaLAPACK's numroc, source process 0), in 64 bits. */
static int64_t n_local(int64_t n, int64_t nb, int64_t p, int64_t P)
{
    int64_t blocks = n / nb, mine = (blocks / P) * nb, extra = blocks % P;
    if (p < extra) mine += nb;
    else if (p == extra) mine += n % nb;
    return mine;
}

/* The block size nb. pdpotrf's trailing updates are dgemm calls of depth
 * nb: measured on one rank at N = 5,000 (idle cores would be faster, the
 * ratio holds), nb = 64 took 4.9 s of CPU, 128 3.7 s, 256 2.4 s. But each
 * process row and column needs several blocks, or the ranks' shares (and
 * their work) are unequal: nb = N / (4 max(Pr, Pc)) in 32..256. */
static int64_t block_size(int64_t F, int K, const lacus_dist_params *dp)
{
    if (dp->block > 0) return dp->block;
    int pr, pc;
    grid_shape(K, &pr, &pc);
    int64_t b = F / (4 * (pr > pc ? pr : pc));
    return b < 32 ? 32 : b > 256 ? 256 : b;
}

static int64_t chunk_rows(int64_t F, int K, const lacus_dist_params *dp)
{
    if (dp->rows > 0) return dp->rows;
    /* Three chunk-sized buffers per rank (the chunk, its 2-D copy, pdgemr2d's)
     * of N R doubles each, beside G's N^2 / K. R = N / (8 max(K, 2)) keeps
     * them near 3/8 of G's share on every K (so the whole share falls as
     * 1/K), while a round still adds K R = N / 8 states to X^T X, enough
     * for pdsyrk to run at matrix-matrix speed. */
    int64_t r = F / (8 * (K > 2 ? K : 2));
    return r < 32 ? 32 : r > 1024 ? 1024 : r;
}



static int64_t packed_size(int64_t F, int64_t O) { return 1 + F + O + F * (F + 1) / 2 + F * O; }

int64_t lacus_dist_solve_bytes(lacus_dist_solve how, int64_t F, int64_t O, int K,
                               const lacus_dist_params *dp)
{
    lacus_dist_params d = dp ? *dp : lacus_dist_params_default();
    if (F < 1 || O < 1 || K < 1 || d.block < 0) return -1;
    int64_t small = 2 * F * O + 2 * F + 2 * O; /* Wout, b, sums (the ridge's and ours) */
    if (how == LACUS_DIST_SOLVE_REDUCE) {
        int64_t P = packed_size(F, O), stage = 1024 * (F + O);
        int64_t tmp = K > 1 ? 2 * (P < (1 << 23) ? P : (1 << 23)) : 0;
        return 8 * (F * F + F * O + 3 * P + tmp + stage + small);
    }
    if (how != LACUS_DIST_SOLVE_SCALAPACK) return -1;
    int pr, pc;
    grid_shape(K, &pr, &pc);
    int64_t nb = block_size(F, K, &d), R = chunk_rows(F, K, &d);
    int64_t lr = n_local(F, nb, 0, pr), lc = n_local(F, nb, 0, pc); /* rank 0 has the most */
    int64_t G = lr * lc;
    int64_t chunk = R * (F + O);                          /* this rank's states and targets */
    int64_t x2 = lr * n_local((int64_t)K * R, nb, 0, pc); /* X^T on the 2-D grid */
    int64_t redist = F * R;                               /* pdgemr2d's send/receive buffers */
    int64_t panels = 4 * nb * (lr + lc);                  /* PBLAS/pdpotrf panel copies */
    int64_t rhs = lr * n_local(O, nb, 0, pc) + 2 * F * O; /* B, the summed X^T Y, gathered W */
    return 8 * (G + chunk + x2 + redist + panels + rhs + F * O + small);
}

#ifdef LACUS_HAVE_SCALAPACK

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

struct lacus__spk {
    lacus_error *err;
    int K, pr, pc, myr, myc;
    int ctx2, ctx1, ctx0;   /* Pr x Pc, 1 x K, 1 x 1 (rank 0); -1 where not a member */
    int N, O, nb, R;
    int desc1[9], descx[9], descG[9], descB[9], desc0[9];
    int64_t rounds_total, rounds_done, n_staged, lrG, lcG;
    double *chunk, *ychunk; /* R x N and R x O row-major: this rank's next round */
    double *x2, *G, *B;     /* local pieces on the 2-D grid */
    double *sums;           /* X^T Y (N x O, row-major), sx (N), sy (O), n: all-reduced */
};
typedef struct lacus__spk spk;

static void spk_free(spk *s)
{
    lacus__free(s->chunk);
    lacus__free(s->ychunk);
    lacus__free(s->x2);
    lacus__free(s->G);
    lacus__free(s->B);
    lacus__free(s->sums);
    if (s->ctx2 >= 0) Cblacs_gridexit(s->ctx2);
    if (s->ctx1 >= 0) Cblacs_gridexit(s->ctx1);
    if (s->ctx0 >= 0) Cblacs_gridexit(s->ctx0);
}

static int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }

/* Grids, descriptors and buffers. A collective (BLACS grid creation); on
 * failure it still returns after every rank took part. */
static lacus_status spk_setup(spk *s, lacus_error *err, int64_t F, int64_t O, const lacus_dist_params *dp)
{
    int me = 0, np = 0, info = 0, zero = 0;
    s->err = err;
    s->ctx0 = s->ctx1 = s->ctx2 = -1;
    Cblacs_pinfo(&me, &np);
    s->K = np;
    grid_shape(np, &s->pr, &s->pc);
    Cblacs_get(-1, 0, &s->ctx2);
    Cblacs_gridinit(&s->ctx2, "Row", s->pr, s->pc);
    Cblacs_get(-1, 0, &s->ctx1);
    Cblacs_gridinit(&s->ctx1, "Row", 1, np);
    Cblacs_get(-1, 0, &s->ctx0);
    Cblacs_gridinit(&s->ctx0, "Row", 1, 1);
    int nr, nc, r1, c1;
    Cblacs_gridinfo(s->ctx2, &nr, &nc, &s->myr, &s->myc);
    s->N = (int)F;
    s->O = (int)O;
    s->nb = (int)block_size(F, np, dp);
    s->R = (int)chunk_rows(F, np, dp);
    int KR = s->K * s->R;
    /* X^T on the 1 x K grid: rank k owns columns [k R, (k+1) R). */
    Cblacs_gridinfo(s->ctx1, &nr, &nc, &r1, &c1);
    descinit_(s->desc1, &s->N, &KR, &s->N, &s->R, &zero, &zero, &s->ctx1, &s->N, &info);
    /* X^T, G and B on the 2-D grid. */
    int lr = (int)n_local(F, s->nb, s->myr, s->pr), lld = (int)imax(1, lr);
    int lcx = (int)n_local(KR, s->nb, s->myc, s->pc);
    s->lrG = lr;
    s->lcG = n_local(F, s->nb, s->myc, s->pc);
    int lcB = (int)n_local(O, s->nb, s->myc, s->pc);
    descinit_(s->descx, &s->N, &KR, &s->nb, &s->nb, &zero, &zero, &s->ctx2, &lld, &info);
    descinit_(s->descG, &s->N, &s->N, &s->nb, &s->nb, &zero, &zero, &s->ctx2, &lld, &info);
    descinit_(s->descB, &s->N, &s->O, &s->nb, &s->nb, &zero, &zero, &s->ctx2, &lld, &info);
    /* W gathered on rank 0 (a 1 x 1 grid); elsewhere a descriptor whose
     * context is -1, as pdgemr2d wants from non-members. */
    memset(s->desc0, 0, sizeof s->desc0);
    s->desc0[1] = -1;
    if (s->ctx0 >= 0) descinit_(s->desc0, &s->N, &s->O, &s->N, &s->O, &zero, &zero, &s->ctx0, &s->N, &info);
    s->chunk = LACUS__ZNEW(double, (int64_t)s->R * F);
    s->ychunk = LACUS__ZNEW(double, (int64_t)s->R * O);
    s->x2 = LACUS__ZNEW(double, imax(1, (int64_t)lr * lcx));
    s->G = LACUS__ZNEW(double, imax(1, s->lrG * s->lcG));
    s->B = LACUS__ZNEW(double, imax(1, (int64_t)lr * lcB));
    s->sums = LACUS__ZNEW(double, F * O + F + O + 1);
    if (!s->chunk || !s->ychunk || !s->x2 || !s->G || !s->B || !s->sums)
        return lacus__fail(err, LACUS_ERR_NOMEM,
                           "out of memory for this rank's share of the distributed %lld x %lld "
                           "system (%.1f MiB)", (long long)F, (long long)F,
                           (double)lacus_dist_solve_bytes(LACUS_DIST_SOLVE_SCALAPACK, F, O, s->K, dp) /
                               (1 << 20));
    return LACUS_OK;
}

/* One round: this rank's staged rows (zeros past n_staged) join every other
 * rank's in X^T X. X^T Y and the sums stay local until the end. */
static void spk_round(spk *s)
{
    int64_t N = s->N, O = s->O, n = s->n_staged;
    if (n > 0) {
        lacus__tiled_gemm_at_b(N, O, n, s->chunk, N, s->ychunk, O, s->sums, O);
        double *sx = s->sums + N * O, *sy = sx + N;
        for (int64_t t = 0; t < n; t++) {
            const double *x = s->chunk + t * N, *y = s->ychunk + t * O;
            for (int64_t j = 0; j < N; j++) sx[j] += x[j];
            for (int64_t o = 0; o < O; o++) sy[o] += y[o];
        }
        sy[O] += (double)n;
    }
    if (n < s->R) memset(s->chunk + n * N, 0, (size_t)((s->R - n) * N) * sizeof(double));
    int KR = s->K * s->R, one = 1;
    const double alpha = 1.0, beta = 1.0;
    pdgemr2d_(&s->N, &KR, s->chunk, &one, &one, s->desc1, s->x2, &one, &one, s->descx, &s->ctx2);
    pdsyrk_("U", "N", &s->N, &KR, &alpha, s->x2, &one, &one, s->descx, &beta, s->G, &one, &one,
            s->descG);
    s->n_staged = 0;
    s->rounds_done++;
}

/* The ESN's states arrive here block by block (m->stream_sink). */
static lacus_status spk_sink(void *user, const double *X, int64_t ldx, const double *Y, int64_t ldy,
                             int64_t n)
{
    spk *s = user;
    for (int64_t t = 0; t < n; t++) {
        if (s->n_staged == s->R) {
            if (s->rounds_done == s->rounds_total) /* the row count was wrong: a bug */
                return lacus__fail(s->err, LACUS_ERR_STATE,
                                   "more states than the %lld rounds counted", (long long)s->rounds_total);
            spk_round(s);
        }
        memcpy(s->chunk + s->n_staged * s->N, X + t * ldx, (size_t)s->N * sizeof(double));
        memcpy(s->ychunk + s->n_staged * s->O, Y + t * ldy, (size_t)s->O * sizeof(double));
        s->n_staged++;
    }
    return LACUS_OK;
}

/* Global index of local index l of a dimension in blocks of nb over P processes. */
static int64_t g_index(int64_t l, int64_t nb, int64_t p, int64_t P)
{
    return ((l / nb) * P + p) * nb + l % nb;
}

/* The centred system, as prepare_primal in src/nodes/ridge_solve.c:
 * G_upper <- G + lambda I - s s^T / c, B <- X^T Y - s sy^T / c. */
static void spk_centre(spk *s, double c, double ridge)
{
    int64_t N = s->N, O = s->O, lld = imax(1, s->lrG);
    const double *xty = s->sums, *sx = s->sums + N * O, *sy = sx + N;
    for (int64_t jl = 0; jl < s->lcG; jl++) {
        int64_t j = g_index(jl, s->nb, s->myc, s->pc);
        for (int64_t il = 0; il < s->lrG; il++) {
            int64_t i = g_index(il, s->nb, s->myr, s->pr);
            if (i > j) continue; /* upper triangle only: pdsyrk filled only it */
            double *a = s->G + il + jl * lld;
            if (c > 0.0) *a -= (sx[i] / c) * sx[j];
            if (i == j) *a += ridge;
        }
    }
    int64_t lcB = n_local(O, s->nb, s->myc, s->pc);
    for (int64_t jl = 0; jl < lcB; jl++) {
        int64_t o = g_index(jl, s->nb, s->myc, s->pc);
        for (int64_t il = 0; il < s->lrG; il++) {
            int64_t i = g_index(il, s->nb, s->myr, s->pr);
            s->B[il + jl * lld] = xty[i * O + o] - (c > 0.0 ? sx[i] * sy[o] / c : 0.0);
        }
    }
}

/* Before pdpotrf: the strict upper triangle of the centred system G is
 * mirrored into the strict lower one (which pdsyrk and pdpotrf never
 * touch) by one distributed transpose, and this rank's diagonal entries
 * are kept in diag (lrG): no second N x N buffer, as in the serial solve. */
static void spk_keep(spk *s, double *diag)
{
    int64_t lld = imax(1, s->lrG);
    for (int64_t il = 0; il < s->lrG; il++) {
        diag[il] = NAN;
        int64_t i = g_index(il, s->nb, s->myr, s->pr);
        for (int64_t jl = 0; jl < s->lcG; jl++)
            if (g_index(jl, s->nb, s->myc, s->pc) == i) diag[il] = s->G[il + jl * lld];
    }
    if (s->N < 2) return;
    /* G(2:N, 1:N-1) lower <- G(1:N-1, 2:N) upper, transposed: the two
     * triangles do not overlap. */
    int n1 = s->N - 1, one = 1, two = 2;
    const double a = 1.0, b = 0.0;
    pdtradd_("L", "T", &n1, &n1, &a, s->G, &one, &two, s->descG, &b, s->G, &two, &one, s->descG);
}

/* pdpotrf failed at leading minor `minor` (ridge 0, or tiny, on
 * rank-deficient states). ScaLAPACK has no symmetric indefinite
 * factorisation (the serial solve's Bunch-Kaufman, dsysv), so the full
 * symmetric system is rebuilt from the mirror and solved by LU with partial
 * pivoting (pdgesv), the distributed factorisation closest to it: both are
 * backward stable on a symmetric indefinite or singular system, and both
 * stop only on an exactly zero pivot. Solutions of a numerically singular
 * system are not unique: the serial and distributed ones agree in what
 * the data determine (the fit), not in the null-space directions. */
static lacus_status spk_fallback(spk *s, const double *diag, int minor, double ridge)
{
    int64_t lld = imax(1, s->lrG);
    int one = 1, two = 2, info = 0;
    if (s->N > 1) {
        int n1 = s->N - 1;
        const double a = 1.0, b = 0.0;
        pdtradd_("U", "T", &n1, &n1, &a, s->G, &two, &one, s->descG, &b, s->G, &one, &two, s->descG);
    }
    for (int64_t il = 0; il < s->lrG; il++) {
        int64_t i = g_index(il, s->nb, s->myr, s->pr);
        for (int64_t jl = 0; jl < s->lcG; jl++)
            if (g_index(jl, s->nb, s->myc, s->pc) == i) s->G[il + jl * lld] = diag[il];
    }
    int *ipiv = LACUS__NEW(int, s->lrG + s->nb);
    lacus_status st = ipiv ? LACUS_OK : lacus__fail(s->err, LACUS_ERR_NOMEM, "out of memory for pivots");
    if ((st = lacus_dist_agree(st, s->err))) {
        lacus__free(ipiv);
        return st;
    }
    pdgesv_(&s->N, &s->O, s->G, &one, &one, s->descG, ipiv, s->B, &one, &one, s->descB, &info);
    lacus__free(ipiv);
    if (info > 0)
        return lacus__fail(s->err, LACUS_ERR_NUMERIC,
                           "the distributed %d x %d ridge system is not positive definite (pdpotrf: "
                           "leading minor %d; ridge = %g) and exactly singular (LU, pdgesv: pivot %d "
                           "is zero): increase ridge or check for constant features",
                           s->N, s->N, minor, ridge, info);
    if (info < 0) return lacus__fail(s->err, LACUS_ERR_STATE, "pdgesv: argument %d is wrong", -info);
    return LACUS_OK;
}

static double bias_denominator(const lacus_ridge *r, double n)
{
    switch (r->p.bias) {
    case LACUS_BIAS_CENTERED: return n;
    case LACUS_BIAS_AUGMENTED: return n + r->p.ridge;
    case LACUS_BIAS_NONE:
    default: return 0.0;
    }
}

/* Streams this rank's sequences through the rounds; then pads with empty
 * rounds up to the common count, whatever happened. */
static lacus_status spk_stream(spk *s, lacus_esn *m, const lacus_seqs *in, const lacus_seqs *tg,
                               const int64_t *ids)
{
    lacus_status st = LACUS_OK;
    m->stream_sink = spk_sink;
    m->stream_sink_user = s;
    for (int64_t k = 0; k < in->n_seqs && !st; k++) {
        m->n_streamed = ids[k]; /* the sequence's noise stream, as lacus_esn_fit_dist */
        st = lacus_esn_partial_fit(m, in->data[k], tg->data[k], in->n_steps[k], tg->n_features, 1);
    }
    m->stream_sink = NULL;
    m->stream_sink_user = NULL;
    if (!st && s->n_staged > 0) spk_round(s);
    while (s->rounds_done < s->rounds_total) spk_round(s);
    return st;
}

/* The end of the stream and the solve, for ridge r (its sums and weights
 * are filled: every rank returns the same readout): the common number of
 * rounds is completed (empty ones), the small sums all-reduced, the system
 * centred, kept, factorised (with the LU fallback) and solved; W gathered
 * to rank 0, the bias computed there, both broadcast. Collective. */
static lacus_status spk_solve(spk *s, lacus_ridge *r, lacus_dist_stats *stats)
{
    int rank = lacus_dist_rank();
    int64_t F = s->N, O = s->O;
    lacus_status st = LACUS_OK;
    if (s->n_staged > 0) spk_round(s);
    while (s->rounds_done < s->rounds_total) spk_round(s);
    int64_t nsum = F * O + F + O + 1;
    for (int64_t o = 0; o < nsum; o += (1 << 24)) {
        int c = (int)(nsum - o < (1 << 24) ? nsum - o : (1 << 24));
        MPI_Allreduce(MPI_IN_PLACE, s->sums + o, c, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    }
    const double *sx = s->sums + F * O, *sy = sx + F;
    double n = sy[O], c = bias_denominator(r, n);
    spk_centre(s, c, r->p.ridge);

    int one = 1, info = 0;
    double tf = lacus__dist_now_s(), cf = cpu_s();
    /* pdpotrf overwrites the upper triangle; its mirror in the (unused)
     * strict lower triangle and the diagonal are what the fallback below
     * rebuilds the system from, as the serial solve does (linalg/solve.h). */
    double *diag = LACUS__NEW(double, imax(1, s->lrG));
    st = diag ? LACUS_OK : lacus__fail(s->err, LACUS_ERR_NOMEM, "out of memory");
    if ((st = lacus_dist_agree(st, s->err))) {
        lacus__free(diag);
        return st;
    }
    spk_keep(s, diag);
    pdpotrf_("U", &s->N, s->G, &one, &one, s->descG, &info, 1);
    if (info > 0) { /* info is the same on every rank */
        stats->fallback = 1;
        stats->failed_minor = info;
        st = spk_fallback(s, diag, info, r->p.ridge);
        lacus__free(diag);
        if (st) return st;
    } else {
        lacus__free(diag);
        if (info < 0) {
            st = lacus__fail(s->err, LACUS_ERR_STATE, "pdpotrf: argument %d is wrong", -info);
            return st;
        }
        pdpotrs_("U", &s->N, &s->O, s->G, &one, &one, s->descG, s->B, &one, &one, s->descB, &info, 1);
        if (info) {
            st = lacus__fail(s->err, LACUS_ERR_STATE, "pdpotrs: argument %d is wrong", -info);
            return st;
        }
    }
    stats->factor_s = lacus__dist_now_s() - tf;
    stats->factor_cpu_s = cpu_s() - cf;
    /* W to rank 0 (column-major N x O there), then row-major Wout, the bias-> */
    double *w0 = rank == 0 ? LACUS__NEW(double, F * O) : NULL;
    int have = rank != 0 || w0;
    int all = 0;
    MPI_Allreduce(&have, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (!all) {
        lacus__free(w0);
        st = lacus__fail(s->err, LACUS_ERR_NOMEM, "rank 0: out of memory for Wout");
        return st;
    }
    pdgemr2d_(&s->N, &s->O, s->B, &one, &one, s->descB, w0, &one, &one, s->desc0, &s->ctx2);
    memcpy(r->sx, sx, (size_t)F * sizeof(double));
    memcpy(r->sy, sy, (size_t)O * sizeof(double));
    r->n_samples = (int64_t)n;
    if (rank == 0) {
        for (int64_t i = 0; i < F; i++)
            for (int64_t o = 0; o < O; o++) r->Wout[i * O + o] = w0[i + o * F];
        for (int64_t o = 0; o < O; o++) {
            double dot = 0.0;
            for (int64_t j = 0; j < F && c > 0.0; j++) dot += sx[j] * r->Wout[j * O + o];
            r->b[o] = c > 0.0 ? (sy[o] - dot) / c : 0.0;
        }
        st = lacus__check_finite(s->err, "Wout", r->Wout, F, O, O);
    }
    lacus__free(w0);
    if ((st = lacus_dist_agree(st, s->err))) return st;
    lacus_dist_bcast(r->Wout, F * O, 0);
    lacus_dist_bcast(r->b, O, 0);
    r->solved = 1;
    r->last_solver = LACUS_SOLVER_PRIMAL;
    r->used_fallback = stats->fallback;
    return st;
}

static lacus_status spk_fit(lacus_esn *m, const lacus_seqs *in, const lacus_seqs *tg, const int64_t *ids,
                            const lacus_dist_params *dp, lacus_dist_stats *stats)
{
    double t0 = lacus__dist_now_s();
    spk s;
    memset(&s, 0, sizeof s);
    lacus_status st = lacus__esn_stream_start(m, tg->n_features);
    int64_t F = lacus__esn_n_features(m), O = tg->n_features;
    if ((st = lacus_dist_agree(st, &m->err))) return st;
    /* Rounds: every rank's states after the warmup, R per round. */
    int64_t rows = 0, warm = m->p.warmup;
    for (int64_t k = 0; k < in->n_seqs; k++) rows += in->n_steps[k] > warm ? in->n_steps[k] - warm : 0;
    st = spk_setup(&s, &m->err, F, O, dp);
    s.rounds_total = lacus_dist_max((rows + s.R - 1) / s.R);
    if (lacus_dist_max(rows) == 0 && !st)
        st = lacus__fail(&m->err, LACUS_ERR_SHAPE,
                         "no states to train on: every sequence is within the warmup (%lld steps)",
                         (long long)warm);
    if ((st = lacus_dist_agree(st, &m->err))) goto done;
    st = spk_stream(&s, m, in, tg, ids);
    if ((st = lacus_dist_agree(st, &m->err))) goto done;
    double t1 = lacus__dist_now_s();
    stats->grid_rows = s.pr;
    stats->grid_cols = s.pc;
    stats->rounds = s.rounds_total;
    stats->stream_s = t1 - t0;

    st = spk_solve(&s, m->readout, stats);
    stats->solve_s = lacus__dist_now_s() - t1;
done:
    spk_free(&s);
    lacus__esn_stream_free(m);
    return st;
}

/* The internal API of spk.h (graphs' ridge nodes, dist.c). */
lacus_status lacus__spk_open(lacus__spk **out, int64_t F, int64_t O, int64_t rows, const lacus_dist_params *dp,
                             lacus_error *err)
{
    spk *s = LACUS__ZNEW(spk, 1);
    lacus_status st = s ? LACUS_OK : lacus__fail(err, LACUS_ERR_NOMEM, "out of memory");
    if ((st = lacus_dist_agree(st, err))) return st;
    st = spk_setup(s, err, F, O, dp);
    s->rounds_total = lacus_dist_max((rows + s->R - 1) / s->R);
    if ((st = lacus_dist_agree(st, err))) {
        lacus__spk_close(s);
        return st;
    }
    *out = s;
    return LACUS_OK;
}

lacus_status lacus__spk_add(lacus__spk *s, const double *X, int64_t ldx, const double *Y, int64_t ldy, int64_t n)
{
    return spk_sink(s, X, ldx, Y, ldy, n);
}

int64_t lacus__spk_room(const lacus__spk *s) { return s->n_staged == s->R ? s->R : s->R - s->n_staged; }

void lacus__spk_grid(const lacus__spk *s, int *rows, int *cols, int64_t *rounds)
{
    *rows = s->pr, *cols = s->pc, *rounds = s->rounds_total;
}

int lacus__spk_step(lacus__spk *s)
{
    if (s->rounds_done >= s->rounds_total) return 0;
    spk_round(s);
    return 1;
}

lacus_status lacus__spk_solve(lacus__spk *s, lacus_ridge *r, lacus_dist_stats *stats)
{
    lacus_dist_stats local;
    memset(&local, 0, sizeof local);
    return spk_solve(s, r, stats ? stats : &local);
}

void lacus__spk_close(lacus__spk *s)
{
    if (!s) return;
    spk_free(s);
    lacus__free(s);
}
#else
lacus_status lacus__spk_open(lacus__spk **out, int64_t F, int64_t O, int64_t rows, const lacus_dist_params *dp,
                             lacus_error *err)
{
    (void)out, (void)F, (void)O, (void)rows, (void)dp;
    return lacus__fail(err, LACUS_ERR_UNSUPPORTED, "the scalapack solve is not in this build: lacus was "
                       "built without ScaLAPACK (install libscalapack-openmpi-dev and rebuild)");
}
lacus_status lacus__spk_add(lacus__spk *s, const double *X, int64_t ldx, const double *Y, int64_t ldy, int64_t n)
{
    (void)s, (void)X, (void)ldx, (void)Y, (void)ldy, (void)n;
    return LACUS_ERR_UNSUPPORTED;
}
int64_t lacus__spk_room(const lacus__spk *s) { (void)s; return 1; }
void lacus__spk_grid(const lacus__spk *s, int *rows, int *cols, int64_t *rounds)
{
    (void)s, *rows = *cols = 1, *rounds = 0;
}
int lacus__spk_step(lacus__spk *s) { (void)s; return 0; }
lacus_status lacus__spk_solve(lacus__spk *s, lacus_ridge *r, lacus_dist_stats *stats)
{
    (void)s, (void)r, (void)stats;
    return LACUS_ERR_UNSUPPORTED;
}
void lacus__spk_close(lacus__spk *s) { (void)s; }
#endif /* LACUS_HAVE_SCALAPACK */

int64_t lacus__spk_rows(int64_t F, int K, const lacus_dist_params *dp) { return chunk_rows(F, K, dp); }

void lacus__dist_stats_init(lacus_dist_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    stats->used = LACUS_DIST_SOLVE_REDUCE;
    stats->grid_rows = stats->grid_cols = 1;
    stats->stream_s = stats->solve_s = stats->factor_s = stats->factor_cpu_s = -1;
}

lacus_status lacus_esn_fit_dist_ex(lacus_esn *m, const lacus_seqs *inputs, const lacus_seqs *targets,
                                   const int64_t *ids, const lacus_dist_params *dp,
                                   lacus_dist_stats *stats)
{
    lacus__clear(&m->err);
    lacus_dist_stats local;
    if (!stats) stats = &local;
    lacus__dist_stats_init(stats);
    double t0 = lacus__dist_now_s();
    lacus_dist_params d = dp ? *dp : lacus_dist_params_default();
    lacus_status st = lacus__dist_params_check(&d, &m->err);
    if (!st) st = lacus__dist_check_seqs(&m->err, inputs, targets, ids);
    for (int64_t k = 0; !st && k < inputs->n_seqs; k++)
        if (inputs->n_steps[k] != targets->n_steps[k])
            st = lacus__fail(&m->err, LACUS_ERR_SHAPE,
                             "sequence %lld: %lld input steps but %lld target steps", (long long)ids[k],
                             (long long)inputs->n_steps[k], (long long)targets->n_steps[k]);
    if ((st = lacus_dist_agree(st, &m->err))) return st;
    int64_t F = lacus__esn_n_features(m), O = lacus_dist_max(targets->n_features);
    lacus_dist_solve how = LACUS_DIST_SOLVE_REDUCE;
    st = lacus__dist_choose_solve(&d, F, O, &how, &m->err);
    stats->used = how; /* also when the scalapack solve it chose cannot run */
    if (st) return st;
    if (how == LACUS_DIST_SOLVE_REDUCE) {
        st = lacus_esn_fit_dist(m, inputs, targets, ids);
        /* Solved on rank 0: every rank learns whether it fell back. */
        if (!st) stats->fallback = (int)lacus_dist_max(m->readout->used_fallback);
        stats->total_s = lacus__dist_now_s() - t0;
        return st;
    }
#ifdef LACUS_HAVE_SCALAPACK
    st = spk_fit(m, inputs, targets, ids, &d, stats);
    stats->total_s = lacus__dist_now_s() - t0;
    return st;
#else
    return LACUS_ERR_UNSUPPORTED; /* lacus__dist_choose_solve refused it */
#endif
}

lacus_status lacus__dist_params_check(const lacus_dist_params *d, lacus_error *err)
{
    if ((unsigned)d->solve > LACUS_DIST_SOLVE_SCALAPACK)
        return lacus__fail(err, LACUS_ERR_ARG, "solve %d: unknown", (int)d->solve);
    if (!(d->rank_mem_mb >= 0.0 && d->rank_mem_mb < 1e12))
        return lacus__fail(err, LACUS_ERR_ARG, "rank_mem_mb = %g: must be >= 0 (0: no cap)",
                           d->rank_mem_mb);
    if (d->block < 0 || d->block > 4096)
        return lacus__fail(err, LACUS_ERR_ARG, "block = %lld: must be in 0..4096 (0: automatic)",
                           (long long)d->block);
    if (d->rows < 0 || d->rows > 65536)
        return lacus__fail(err, LACUS_ERR_ARG, "rows = %lld: must be in 0..65536 (0: automatic)",
                           (long long)d->rows);
    return LACUS_OK;
}

lacus_status lacus__dist_choose_solve(const lacus_dist_params *dp, int64_t F, int64_t O,
                                      lacus_dist_solve *out, lacus_error *err)
{
    /* Which solve: every rank decides the same from the same numbers. */
    const lacus_dist_params d = *dp;
    int K = lacus_dist_size();
    double cap = d.rank_mem_mb * 1048576.0;
    int64_t b_reduce = lacus_dist_solve_bytes(LACUS_DIST_SOLVE_REDUCE, F, O, K, &d);
    int64_t b_spk = lacus_dist_solve_bytes(LACUS_DIST_SOLVE_SCALAPACK, F, O, K, &d);
    lacus_dist_solve how = d.solve;
    if (how == LACUS_DIST_SOLVE_AUTO)
        how = cap > 0 && (double)b_reduce > cap ? LACUS_DIST_SOLVE_SCALAPACK : LACUS_DIST_SOLVE_REDUCE;
    int64_t need = how == LACUS_DIST_SOLVE_REDUCE ? b_reduce : b_spk;
    if (cap > 0 && (double)need > cap) {
        /* Where to go from here: the smallest K that the scalapack solve
         * fits on (its chunk buffers and panels keep it from shrinking
         * forever, so the search stops). */
        char hint[96];
        int k2 = K;
        while (k2 < 65536 && (double)lacus_dist_solve_bytes(LACUS_DIST_SOLVE_SCALAPACK, F, O, k2, &d) > cap)
            k2++;
        if (!lacus_dist_scalapack_available())
            snprintf(hint, sizeof hint, "this build has no scalapack solve");
        else if (k2 < 65536)
            snprintf(hint, sizeof hint, "the scalapack solve fits on %d ranks", k2);
        else
            snprintf(hint, sizeof hint, "the scalapack solve fits on no number of ranks: raise the cap");
        return lacus__fail(err, LACUS_ERR_ARG,
                           "the %s solve of %lld features needs %.1f MiB per rank on %d rank%s, "
                           "over the cap of %g MiB%s; %s",
                           how == LACUS_DIST_SOLVE_REDUCE ? "reduce" : "scalapack", (long long)F,
                           (double)need / 1048576.0, K, K > 1 ? "s" : "", d.rank_mem_mb,
                           how == LACUS_DIST_SOLVE_REDUCE ? " (every rank holds the N x N sums)" : "",
                           hint);
    }
    *out = how;
    if (how == LACUS_DIST_SOLVE_SCALAPACK && !lacus_dist_scalapack_available())
        return lacus__fail(err, LACUS_ERR_UNSUPPORTED, "the scalapack solve is not in this build: lacus was "
                           "built without ScaLAPACK (install libscalapack-openmpi-dev and rebuild)");
    if (how == LACUS_DIST_SOLVE_SCALAPACK && !lacus_dist_launched())
        return lacus__fail(err, LACUS_ERR_UNSUPPORTED, "the scalapack solve runs under mpirun (mpirun -np 1 "
                           "works): MPI was not started");
    return LACUS_OK;
}
