/* lacus_esn_fit_dist_ex in one process (no mpirun): the choice of solve,
 * the per-rank memory model behind --rank-mem-mb, and the errors. The
 * ScaLAPACK solve itself needs MPI and is compared with the serial solve on
 * 1 to 4 ranks by tests/cli/test_mpi_scalapack.sh. */
#include <math.h>
#include <string.h>

#include "lacus.h"
#include "test.h"

enum { S = 4, T = 250, N = 60 };

static lacus_esn *make(void)
{
    lacus_esn_params p = lacus_esn_params_default();
    p.reservoir.n_units = N;
    p.reservoir.n_inputs = 1;
    p.reservoir.lr = 0.4;
    p.reservoir.sr = 0.9;
    p.readout.ridge = 1e-3;
    p.warmup = 10;
    lacus_esn *m = NULL;
    lacus_error err = {0};
    CHECK_STATUS(lacus_esn_create(&p, &m, &err), LACUS_OK);
    return m;
}

/* Elements of a dimension n in blocks of nb that process 0 of P owns,
 * counted one index at a time (block b belongs to process b mod P): an
 * independent check of the closed form in scalapack.c. */
static int64_t owned0(int64_t n, int64_t nb, int64_t P)
{
    int64_t c = 0;
    for (int64_t i = 0; i < n; i++) c += (i / nb) % P == 0;
    return c;
}

static int has(const lacus_esn *m, const char *s) { return strstr(lacus_esn_errmsg(m), s) != NULL; }

int main(void)
{
    static double u[S][T], y[S][T], Wa[N], Wb[N];
    const double *ud[S], *yd[S];
    int64_t steps[S], ids[S];
    for (int s = 0; s < S; s++) {
        for (int t = 0; t < T; t++) {
            u[s][t] = sin(0.07 * t * (s + 1) + s);
            y[s][t] = cos(0.07 * t * (s + 1) + s) * 0.5;
        }
        ud[s] = u[s];
        yd[s] = y[s];
        steps[s] = T;
        ids[s] = s;
    }
    lacus_seqs U = {S, 1, ud, steps}, Y = {S, 1, yd, steps};

    TEST("defaults") {
        lacus_dist_params d = lacus_dist_params_default();
        CHECK(d.solve == LACUS_DIST_SOLVE_AUTO && d.rank_mem_mb == 0.0 && d.block == 0 && d.rows == 0);
    }
    TEST("memory per rank: no rank of the scalapack solve holds N^2") {
        const int64_t F = 8000, O = 3;
        lacus_dist_params d = lacus_dist_params_default();
        d.block = 64; /* fixed, for the block-cyclic count below */
        double n2 = 8.0 * (double)F * (double)F;
        int64_t red = lacus_dist_solve_bytes(LACUS_DIST_SOLVE_REDUCE, F, O, 2, &d);
        CHECK((double)red > 2.5 * n2); /* X^T X and the packed double-double copies */
        int64_t prev = INT64_MAX;
        for (int K = 1; K <= 16; K++) {
            int64_t b = lacus_dist_solve_bytes(LACUS_DIST_SOLVE_SCALAPACK, F, O, K, &d);
            /* the largest share of G: grid Pr x Pc as square as K allows */
            int pr = 1;
            for (int q = 1; q * q <= K; q++)
                if (K % q == 0) pr = q;
            double g = 8.0 * (double)owned0(F, d.block, pr) * (double)owned0(F, d.block, K / pr);
            CHECK((double)b >= g);
            CHECK((double)b <= 2.0 * g); /* chunk buffers, panels, W: less than G again */
            if ((K & (K - 1)) == 0) { /* 1, 2, 4, 8, 16: more ranks, less per rank */
                CHECK(b < prev);
                prev = b;
            }
            if (K >= 2) CHECK((double)b < n2);
        }
        CHECK(lacus_dist_solve_bytes(LACUS_DIST_SOLVE_SCALAPACK, F, O, 4, &d) < 0.5 * n2);
        /* the share falls nearly as 1/K: 16 ranks need < 1/8 of one rank's */
        CHECK(8 * lacus_dist_solve_bytes(LACUS_DIST_SOLVE_SCALAPACK, F, O, 16, &d) <
              lacus_dist_solve_bytes(LACUS_DIST_SOLVE_SCALAPACK, F, O, 1, &d));
        /* with the automatic block size too */
        lacus_dist_params a = lacus_dist_params_default();
        CHECK(lacus_dist_solve_bytes(LACUS_DIST_SOLVE_SCALAPACK, F, O, 2, &a) < n2);
        CHECK(lacus_dist_solve_bytes(LACUS_DIST_SOLVE_SCALAPACK, F, O, 4, &a) < 0.5 * n2);
        /* the reduce solve's share does not shrink with K */
        CHECK(lacus_dist_solve_bytes(LACUS_DIST_SOLVE_REDUCE, F, O, 16, &d) >= red);
        CHECK(lacus_dist_solve_bytes(LACUS_DIST_SOLVE_AUTO, F, O, 2, &d) == -1);
        CHECK(lacus_dist_solve_bytes(LACUS_DIST_SOLVE_SCALAPACK, 0, O, 2, &d) == -1);
        CHECK(lacus_dist_solve_bytes(LACUS_DIST_SOLVE_SCALAPACK, F, O, 0, &d) == -1);
    }
    TEST("the default (reduce) is lacus_esn_fit_dist, bit for bit") {
        lacus_esn *a = make(), *b = make();
        lacus_dist_stats st;
        CHECK_STATUS(lacus_esn_fit_dist_ex(a, &U, &Y, ids, NULL, &st), LACUS_OK);
        CHECK(st.used == LACUS_DIST_SOLVE_REDUCE && st.grid_rows == 1 && st.grid_cols == 1);
        CHECK(st.total_s >= 0.0);
        CHECK_STATUS(lacus_esn_fit_dist(b, &U, &Y, ids), LACUS_OK);
        double ba[1], bb[1];
        lacus_ridge_get_weights(lacus_esn_readout(a), Wa, ba);
        lacus_ridge_get_weights(lacus_esn_readout(b), Wb, bb);
        CHECK(memcmp(Wa, Wb, sizeof Wa) == 0 && ba[0] == bb[0]);
        lacus_esn_free(a);
        lacus_esn_free(b);
    }
    TEST("the scalapack solve outside mpirun, or without ScaLAPACK, is refused") {
        lacus_esn *a = make();
        lacus_dist_params d = lacus_dist_params_default();
        d.solve = LACUS_DIST_SOLVE_SCALAPACK;
        CHECK_STATUS(lacus_esn_fit_dist_ex(a, &U, &Y, ids, &d, NULL), LACUS_ERR_UNSUPPORTED);
        CHECK(lacus_dist_scalapack_available() ? has(a, "mpirun") : has(a, "built without ScaLAPACK"));
        const lacus_ridge *r = lacus_esn_readout(a); /* none until a fit starts */
        CHECK(!r || lacus_ridge_get_weights(r, Wa, NULL) == LACUS_ERR_STATE);
        lacus_esn_free(a);
    }
    TEST("auto under a cap the reduce solve exceeds takes scalapack") {
        lacus_esn *a = make();
        lacus_dist_params d = lacus_dist_params_default();
        int64_t red = lacus_dist_solve_bytes(LACUS_DIST_SOLVE_REDUCE, N, 1, 1, &d);
        int64_t spk = lacus_dist_solve_bytes(LACUS_DIST_SOLVE_SCALAPACK, N, 1, 1, &d);
        CHECK(spk < red);
        d.rank_mem_mb = 0.5 * (double)(spk + red) / 1048576.0; /* between the two */
        lacus_dist_stats st;
        CHECK_STATUS(lacus_esn_fit_dist_ex(a, &U, &Y, ids, &d, &st), LACUS_ERR_UNSUPPORTED);
        CHECK(st.used == LACUS_DIST_SOLVE_SCALAPACK);
        /* a cap above both: auto stays with reduce, and fits */
        d.rank_mem_mb = 2.0 * (double)red / 1048576.0;
        CHECK_STATUS(lacus_esn_fit_dist_ex(a, &U, &Y, ids, &d, &st), LACUS_OK);
        CHECK(st.used == LACUS_DIST_SOLVE_REDUCE);
        lacus_esn_free(a);
    }
    TEST("a cap below every solve says how many ranks would do") {
        lacus_esn *a = make();
        lacus_dist_params d = lacus_dist_params_default();
        int64_t two = lacus_dist_solve_bytes(LACUS_DIST_SOLVE_SCALAPACK, N, 1, 2, &d);
        int64_t one = lacus_dist_solve_bytes(LACUS_DIST_SOLVE_SCALAPACK, N, 1, 1, &d);
        if (two < one) {
            d.rank_mem_mb = 0.5 * (double)(two + one) / 1048576.0;
            CHECK_STATUS(lacus_esn_fit_dist_ex(a, &U, &Y, ids, &d, NULL), LACUS_ERR_ARG);
            CHECK(has(a, "fits on 2 ranks"));
        }
        d.rank_mem_mb = 0.001; /* below even the chunk buffers */
        CHECK_STATUS(lacus_esn_fit_dist_ex(a, &U, &Y, ids, &d, NULL), LACUS_ERR_ARG);
        CHECK(has(a, lacus_dist_scalapack_available() ? "fits on no number of ranks"
                                                      : "this build has no scalapack solve"));
        d.solve = LACUS_DIST_SOLVE_REDUCE;
        CHECK_STATUS(lacus_esn_fit_dist_ex(a, &U, &Y, ids, &d, NULL), LACUS_ERR_ARG);
        CHECK(has(a, "every rank holds the N x N sums"));
        lacus_esn_free(a);
    }
    TEST("bad parameters and shapes") {
        lacus_esn *a = make();
        lacus_dist_params d = lacus_dist_params_default();
        d.block = -1;
        CHECK_STATUS(lacus_esn_fit_dist_ex(a, &U, &Y, ids, &d, NULL), LACUS_ERR_ARG);
        CHECK(has(a, "block = -1"));
        d = lacus_dist_params_default();
        d.rows = -1;
        CHECK_STATUS(lacus_esn_fit_dist_ex(a, &U, &Y, ids, &d, NULL), LACUS_ERR_ARG);
        d = lacus_dist_params_default();
        d.rank_mem_mb = NAN;
        CHECK_STATUS(lacus_esn_fit_dist_ex(a, &U, &Y, ids, &d, NULL), LACUS_ERR_ARG);
        CHECK(has(a, "rank_mem_mb"));
        d = lacus_dist_params_default();
        d.solve = (lacus_dist_solve)7;
        CHECK_STATUS(lacus_esn_fit_dist_ex(a, &U, &Y, ids, &d, NULL), LACUS_ERR_ARG);
        int64_t short_steps[S] = {T, T, T - 1, T};
        lacus_seqs Y2 = {S, 1, yd, short_steps};
        CHECK_STATUS(lacus_esn_fit_dist_ex(a, &U, &Y2, ids, NULL, NULL), LACUS_ERR_SHAPE);
        CHECK(has(a, "sequence 2"));
        lacus_seqs Y3 = {S - 1, 1, yd, steps};
        CHECK_STATUS(lacus_esn_fit_dist_ex(a, &U, &Y3, ids, NULL, NULL), LACUS_ERR_SHAPE);
        CHECK_STATUS(lacus_esn_fit_dist_ex(a, &U, &Y, NULL, NULL, NULL), LACUS_ERR_ARG);
        lacus_esn_free(a);
    }
    TEST_MAIN_END();
}
