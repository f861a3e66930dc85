/* lacus/dist.h — MPI: fits sharded over ranks with an ordered reduction.
 * Part of the public API: include <lacus.h>, which includes this file; the
 * conventions of lacus.h hold here. No MPI type appears here: the library
 * uses MPI_COMM_WORLD, and builds without MPI keep these calls (size 1). */
#ifndef LACUS_DIST_H
#define LACUS_DIST_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/dist.h>"
#endif

/* ------------------------------------------------------------------------ */
/* Distributed fits (MPI)                                                   */
/* ------------------------------------------------------------------------ */

/* 1 when this build has MPI (CMake found OpenMPI), else 0. */
int lacus_dist_available(void);

/* Starts MPI (MPI_Init_thread, funneled) when the process was launched by
 * mpirun/srun (an MPI launcher's environment is present); otherwise does
 * nothing, so a plain run never touches MPI. Afterwards lacus_dist_size()
 * is the number of ranks (1 without MPI). Call once, first thing. */
lacus_status lacus_dist_init(int *argc, char ***argv, lacus_error *err);
void lacus_dist_finalize(void);
/* 1 when lacus_dist_init started MPI (launched by mpirun, any size). */
int lacus_dist_launched(void);
int lacus_dist_rank(void);
int lacus_dist_size(void);

/* The largest of every rank's v (a collective; v itself with one rank):
 * lets ranks that hold no data learn the data's widths. */
int64_t lacus_dist_max(int64_t v);

/* v (n doubles) from rank root to every rank (a collective; nothing
 * happens with one rank). Lets ranks share results that one of them
 * computed, e.g. a search trial's losses. */
void lacus_dist_bcast(double *v, int64_t n, int root);

/* Sums over the ranks that do not depend on their number: every rank
 * passes its own double-double partial sums (hi, lo: n each, e.g. built
 * with TwoSum); they are added along the fixed binomial tree of the
 * fits below, rounded once on rank 0, and every rank gets the rounded
 * totals in hi (lo is zeroed). Collective; with one rank, hi += lo. */
lacus_status lacus_dist_sum_dd(double *hi, double *lo, int64_t n, lacus_error *err);

/* Element-wise minimum of mn and maximum of mx over the ranks, in place on
 * every rank (exact). Collective; nothing happens with one rank. */
void lacus_dist_minmax(double *mn, double *mx, int64_t n);

/* Every rank passes its own status and message; every rank gets back the
 * status of the lowest-numbered failing rank, with that rank's message
 * ("rank 2: ...") in err: one rank's bad file stops all ranks with the same
 * clear error instead of a hang. A collective call. */
lacus_status lacus_dist_agree(lacus_status st, lacus_error *err);

/* Fits an ESN from sequences spread over the ranks. Each rank passes its
 * own sequences (possibly none; targets->n_features must still be the
 * target width) and a global id per sequence, which names its noise stream
 * so that noise does not depend on which rank holds what. Each sequence's
 * X^T X, X^T Y and sums are accumulated from zero (streaming, as
 * lacus_esn_partial_fit) and added into double-double accumulators
 * (error-free TwoSum); the ranks' accumulators are reduced to rank 0 along
 * a fixed binomial tree, rounded once to double, and solved there (primal
 * form); the readout is broadcast, so every rank returns the same model.
 * Because the double-double sums do not depend on the order of additions,
 * the model is the same, bit for bit in practice, whatever the number of
 * ranks and however the sequences are spread (tests: 1, 2, 3 ranks). Costs
 * three packed copies of the sums (about 1.5 N^2 doubles) per rank.
 * Collective; on any rank's failure every rank returns that error
 * (lacus_dist_agree). Without MPI it runs on the one process. */
lacus_status lacus_esn_fit_dist(lacus_esn *m, const lacus_seqs *inputs, const lacus_seqs *targets,
                                const int64_t *ids);

/* Trains a stack over the ranks. With teacher inputs the layers are
 * independent: layer l is trained on rank l mod K and its readout (and
 * training MSE) broadcast, so every rank ends with the whole trained stack,
 * bit for bit the one lacus_stack_fit gives (each fit is thread-count
 * invariant). Chained stacks (each layer needs the previous one's
 * predictions) are trained whole on every rank. Every rank passes all the
 * data. Collective; one rank's failure fails all. */
lacus_status lacus_stack_fit_dist(lacus_stack *s, const lacus_seqs *inputs,
                                  const lacus_seqs *const *targets);

/* Trains a graph's ridge nodes over the ranks: every rank passes ALL the
 * sequences (the same inputs and targets as lacus_graph_fit) and computes
 * sequence q when q mod K == its rank. Each sequence's sums of each ridge
 * node start from zero and go into double-double accumulators, reduced
 * along the same binomial tree as lacus_esn_fit_dist, rounded once and
 * solved on rank 0; the readouts are broadcast. The model is the same
 * whatever K (tested on 1, 2 and 3 ranks, byte for byte), and within
 * rounding of lacus_graph_fit's (whose sums run across sequences). A
 * reservoir's noise stream is numbered by the sequence. Fitted prep nodes
 * (minmax, zscore, onehot) are fitted over the ranks' shares of their
 * input with lacus_prep_fit_dist (the same node whatever K; within
 * rounding of lacus_graph_fit's for zscore, exactly for the others; each
 * rank holds its share of the node's input during that fit). Online
 * (RLS/LMS) nodes learn sample after sample: rank 0
 * trains them on every sequence in order, as one process would, and
 * broadcasts their weights; the ridge sums stay shared out. Collective; one
 * rank's failure fails all. Without MPI it runs on the one process. */
lacus_status lacus_graph_fit_dist(lacus_graph *g, const lacus_seqs *const *inputs,
                                  const lacus_seqs *const *targets, int64_t warmup);

/* The same when each rank holds only its own sequences (it read only its
 * files): inputs and targets have this rank's sequences, seq_ids[i] the
 * global index of local sequence i (every index on exactly one rank; it
 * numbers the noise streams, so the model equals lacus_graph_fit_dist's on
 * all the sequences, byte for byte, however they are spread). The ids over
 * all ranks must number the sequences 0..n-1, each once (LACUS_ERR_ARG
 * otherwise). Every rank must hold at least one sequence. Fitted prep
 * nodes are fitted as above. Online nodes are trained by rank 0 over every
 * sequence in the global order: the other ranks compute the online nodes'
 * input rows for their sequences and send them, with the targets (after
 * the warmup), to rank 0 (point to point, one sequence at a time), so no
 * rank reads another's files; the model is byte-identical to
 * lacus_graph_fit_dist's. Collective; a rank's failure fails every rank
 * with its message, without a hang. */
lacus_status lacus_graph_fit_dist_local(lacus_graph *g, const lacus_seqs *const *inputs,
                                        const lacus_seqs *const *targets, int64_t warmup,
                                        const int64_t *seq_ids);

typedef struct lacus_prep lacus_prep; /* lacus/preprocess.h */

/* Fits an input preprocessing node (lacus/preprocess.h) on sequences
 * spread over the ranks: each rank passes its own (possibly none) and a
 * unique global id per sequence. minmax: exact min/max reduction; zscore:
 * count, mean and sum of squared deviations as double-double sums reduced
 * with lacus_dist_sum_dd (two passes), the shift K being the first row of
 * the sequence with the smallest id; onehot: the union of the ranks'
 * categories; delay: the width. Every rank ends with the same node, bit
 * for bit whatever the number of ranks and the spread of the sequences;
 * it equals lacus_prep_fit's on all the sequences exactly for minmax,
 * onehot and delay, and within rounding (~1e-16 relative) for zscore.
 * Collective; one rank's bad data fail every rank with its message
 * ("rank 1: sequence 7: ..."). */
lacus_status lacus_prep_fit_dist(lacus_prep *p, const lacus_seqs *local, const int64_t *ids);

/* ------------------------------------------------------------------------ */
/* The distributed solve (ScaLAPACK)                                        */
/* ------------------------------------------------------------------------ */

/* How lacus_esn_fit_dist_ex solves the readout.
 *   REDUCE     every rank holds the whole N x N sums (about 2.5 N^2 doubles),
 *              reduced to rank 0 and solved there: lacus_esn_fit_dist, the
 *              same model bit for bit whatever the number of ranks.
 *   SCALAPACK  no rank ever holds the N x N system: X^T X lives block-cyclic
 *              on a 2-D BLACS grid (about N^2 / K doubles per rank), filled
 *              round by round with pdsyrk from every rank's chunks of states,
 *              and solved there by pdpotrf + pdpotrs; only Wout (N x m) is
 *              gathered. Needs a build with ScaLAPACK and a run under mpirun
 *              (mpirun -np 1 works). Equal to REDUCE within rounding (the sums
 *              are added in another order): about 1e-12 relative here.
 *   AUTO       REDUCE, unless rank_mem_mb > 0 and REDUCE's sums would not fit
 *              in it on one rank: then SCALAPACK. */
typedef enum {
    LACUS_DIST_SOLVE_AUTO = 0,
    LACUS_DIST_SOLVE_REDUCE = 1,
    LACUS_DIST_SOLVE_SCALAPACK = 2
} lacus_dist_solve;

typedef struct lacus_dist_params {
    lacus_dist_solve solve;  /* AUTO */
    /* Memory cap per rank for the readout's sums and solve, in MiB (0: no
     * cap). The reservoir, the rank's data and MPI's own buffers come on
     * top. A cap that even SCALAPACK on this many ranks exceeds is an error
     * that says how many ranks would do. */
    double rank_mem_mb;      /* 0 */
    int64_t block;           /* block-cyclic block size nb, 0..4096 (0: N / (4 max(Pr, Pc))
                                in 32..256, Pr x Pc the grid: big blocks for dgemm
                                speed, several per process row and column) */
    int64_t rows;            /* states per rank per pdsyrk round (0: N / 8K,
                                at most N / 16, clamped to 32..1024) */
} lacus_dist_params;

lacus_dist_params lacus_dist_params_default(void);

/* 1 when this build has ScaLAPACK (and MPI), else 0. */
int lacus_dist_scalapack_available(void);

/* Bytes per rank that the readout's sums and solve take on n_ranks ranks
 * (the largest rank's share for SCALAPACK, with its chunk buffers, the
 * gathered Wout and BLACS panels; for REDUCE the N^2 sums, their three
 * packed double-double copies and the reduction buffer). This is what
 * rank_mem_mb is compared with. -1 for AUTO or bad sizes. */
int64_t lacus_dist_solve_bytes(lacus_dist_solve how, int64_t n_features, int64_t n_outputs,
                               int n_ranks, const lacus_dist_params *dp);

/* lacus_esn_fit_dist with a choice of solve (dp NULL: defaults, so
 * REDUCE). With SCALAPACK every rank runs its sequences' reservoirs in
 * chunks of dp->rows states; in each round every rank hands its chunk (or
 * zeros, once its data is done) to pdgemr2d + pdsyrk, which add X^T X into
 * the distributed N x N matrix; X^T Y, the column sums and the sample count
 * (N x m at most) are summed on each rank and all-reduced. The system is
 * the serial one, centred the same way (bias not penalised):
 *   (X^T X + lambda I - s s^T / c) W = X^T Y - s sy^T / c,  b = (sy - W^T s) / c,
 * solved by pdpotrf + pdpotrs on the grid. When the Cholesky factorisation
 * fails (ridge 0, or tiny, on rank-deficient states), the system is rebuilt
 * (its mirror was kept in the unused lower triangle: no second N x N
 * buffer) and solved by LU with partial pivoting (pdgesv): the serial solve
 * falls back to Bunch-Kaufman (dsysv) there, which ScaLAPACK lacks; both are
 * backward stable, and stats->fallback says it ran. On such a numerically
 * singular system the solution is not unique: the two agree in the fit
 * (the training error), not weight by weight. Only an exactly singular
 * system (a zero pivot in the LU too) is LACUS_ERR_NUMERIC on every rank.
 * Without ScaLAPACK, or outside mpirun, SCALAPACK returns
 * LACUS_ERR_UNSUPPORTED; a rank_mem_mb that the chosen solve exceeds,
 * LACUS_ERR_ARG (before any work). stats (may be NULL) receives the solve
 * that ran and where the time went. Collective; one rank's failure fails
 * all, with its message. */
typedef struct lacus_dist_stats {
    lacus_dist_solve used;    /* REDUCE or SCALAPACK */
    int grid_rows, grid_cols; /* the BLACS grid (SCALAPACK), else 1 x 1 */
    int64_t rounds;           /* pdsyrk rounds (SCALAPACK) */
    double stream_s;          /* SCALAPACK: reservoirs, chunks and the rounds */
    double solve_s;           /* SCALAPACK: all-reduce, centring, pdpotrf, pdpotrs, gather */
    double factor_s;          /* SCALAPACK: pdpotrf + pdpotrs alone (part of solve_s) */
    double factor_cpu_s;      /* ... and this process's CPU time in them (less sensitive
                                 than wall time to other load on the machine) */
    double total_s;           /* the whole call, on this rank */
    /* 1 when the Cholesky factorisation failed and the system was solved
     * by the fallback (SCALAPACK: LU, pdgesv; REDUCE: the serial solve's
     * Bunch-Kaufman), the same on every rank; failed_minor: the leading
     * minor pdpotrf stopped at (SCALAPACK; 0 otherwise). */
    int fallback;
    int failed_minor;
} lacus_dist_stats;

lacus_status lacus_esn_fit_dist_ex(lacus_esn *m, const lacus_seqs *inputs, const lacus_seqs *targets,
                                   const int64_t *ids, const lacus_dist_params *dp,
                                   lacus_dist_stats *stats);

/* lacus_graph_fit_dist (seq_ids NULL: every rank passes all the
 * sequences) or lacus_graph_fit_dist_local (seq_ids: this rank's own) with
 * a choice of solve (dp NULL: REDUCE). SCALAPACK gives each ridge node its
 * own block-cyclic system, filled round by round as lacus_esn_fit_dist_ex
 * does and solved there (LU fallback included), so no rank holds a node's
 * N x N sums. Every ridge node gets the same rows per sequence, so a
 * sequence's rows are kept (one sequence at a time) and fed node after
 * node in round-sized slices: every rank runs the nodes' rounds in the
 * same order. The nodes share one round size (dp->rows, or the smallest
 * automatic one). Equal to REDUCE within rounding (~1e-12 relative, the
 * sums being added in another order), and the same on any number of
 * ranks within rounding. AUTO means REDUCE here (no memory cap). Online
 * nodes with seq_ids are refused under SCALAPACK (LACUS_ERR_UNSUPPORTED):
 * their rows travel point to point to rank 0 while the rounds are
 * collectives. Needs mpirun for SCALAPACK. Collective. */
lacus_status lacus_graph_fit_dist_ex(lacus_graph *g, const lacus_seqs *const *inputs,
                                     const lacus_seqs *const *targets, int64_t warmup,
                                     const int64_t *seq_ids, const lacus_dist_params *dp);

/* lacus_stack_fit_dist with a choice of solve (dp NULL: defaults; AUTO
 * takes SCALAPACK when some layer's REDUCE sums exceed dp->rank_mem_mb).
 * REDUCE is lacus_stack_fit_dist. SCALAPACK trains the layers one after
 * another, each over every rank: sequence q is computed on rank q mod K
 * (its noise stream numbered q) and the layer's readout is solved by
 * lacus_esn_fit_dist_ex's distributed solve (no rank holds a layer's
 * N x N system; its LU fallback included). A chained layer reads the
 * previous layer's predictions, computed by each rank for its own
 * sequences; teacher-input layers read the targets. Training MSEs (when
 * reported) are double-double sums along the fixed tree. Every rank passes
 * all the data. Equal to the REDUCE stack within the distributed solve's
 * rounding (~1e-12 relative). Collective; one rank's failure fails all. */
lacus_status lacus_stack_fit_dist_ex(lacus_stack *s, const lacus_seqs *inputs,
                                     const lacus_seqs *const *targets, const lacus_dist_params *dp);

#endif /* LACUS_DIST_H */
