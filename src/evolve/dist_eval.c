/* NEAT evaluation over MPI ranks (issue 10): every rank holds the whole,
 * replicated population and draws the same reproduction numbers; rank r
 * evaluates the genomes [n r / K, n (r+1) / K) and the fitnesses are
 * gathered with MPI_Allgatherv, so every rank continues with the same
 * population, and the run equals the 1-rank run for the same seed (each
 * genome's fitness depends only on its own evaluation seed). Builds
 * without MPI (or runs not started by mpirun) have one rank: the block is
 * the whole population and nothing is gathered. */
#include <string.h>

#ifdef LACUS_HAVE_MPI
#include <mpi.h>
#endif

#include "core/alloc.h"
#include "core/error.h"
#include "evolve/neat_int.h"

void lacus__neat_block(int64_t n, int64_t *i0, int64_t *i1)
{
    int64_t K = lacus_dist_size(), r = lacus_dist_rank();
    if (K < 1) K = 1, r = 0;
    *i0 = n * r / K;
    *i1 = n * (r + 1) / K;
}

lacus_status lacus__neat_gather(lacus_neat *p, int64_t i0, int64_t i1, lacus_status local_st,
                                lacus_error *err)
{
    /* Agree first: a failing rank must not leave the others waiting in the
     * gather, and every rank reports the same (lowest rank's) error. */
    lacus_status st = lacus_dist_agree(local_st, err);
    if (st) return st;
#ifdef LACUS_HAVE_MPI
    const int64_t n = p->n_pop;
    int K = lacus_dist_size();
    double *f = LACUS__NEW(double, n);
    int *cnt = LACUS__NEW(int, K), *dsp = LACUS__NEW(int, K);
    lacus_status mine = (!f || !cnt || !dsp) ? LACUS_ERR_NOMEM : LACUS_OK;
    if ((st = lacus_dist_agree(mine ? lacus__fail(err, mine, "out of memory gathering fitnesses") : LACUS_OK,
                               err))) {
        lacus__free(f), lacus__free(cnt), lacus__free(dsp);
        return st;
    }
    for (int r = 0; r < K; r++) {
        int64_t a = n * r / K, b = n * (r + 1) / K;
        cnt[r] = (int)(b - a);
        dsp[r] = (int)a;
    }
    for (int64_t i = i0; i < i1; i++) f[i] = p->pop[i]->fitness;
    int rc = MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, f, cnt, dsp, MPI_DOUBLE, MPI_COMM_WORLD);
    if (rc == MPI_SUCCESS)
        for (int64_t i = 0; i < n; i++) {
            p->pop[i]->fitness = f[i];
            p->pop[i]->has_fitness = 1;
        }
    lacus__free(f), lacus__free(cnt), lacus__free(dsp);
    if (rc != MPI_SUCCESS) return lacus__fail(err, LACUS_ERR_IO, "MPI_Allgatherv of the fitnesses failed (%d)", rc);
#else
    (void)p, (void)i0, (void)i1;
#endif
    return LACUS_OK;
}
