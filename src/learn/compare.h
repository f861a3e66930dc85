/* Private: the tasks of the comparison harness (compare_tasks.c), used by
 * compare.c. */
#ifndef LACUS_LEARN_COMPARE_H
#define LACUS_LEARN_COMPARE_H

#include "lacus.h"

#define LACUS__CMP_WARMUP 100
#define LACUS__CMP_MC_K 40
#define LACUS__CMP_SEQ_LEN 40

typedef struct lacus__cmp_data {
    lacus_cmp_task task;
    int64_t M, O;          /* inputs, outputs per step */
    int classify;          /* SEQ4: sequences with one label each */
    /* series tasks: one training and one test stretch (the test continues
     * from the training state) */
    int64_t n_train, n_test;
    double *u_train, *y_train, *u_test, *y_test;
    /* SEQ4: n_seq_train + n_seq_test sequences of seq_len steps */
    int64_t n_seq_train, n_seq_test, seq_len;
    int32_t *lab_train, *lab_test;
    /* LGSSM: the true system (for Kalman, tPC) */
    double A[4], B[2], C[4];
} lacus__cmp_data;

lacus_status lacus__cmp_make(const lacus_compare_params *p, lacus_cmp_task t, lacus__cmp_data *d,
                             lacus_error *err);
void lacus__cmp_free(lacus__cmp_data *d);
/* The 2-D system of the LGSSM task (fully observed, q = r = 1). */
void lacus__cmp_lgssm_system(double *A, double *B, double *C);

/* Shared by compare.c and compare_tune.c. */
void lacus__cmp_task_res(const lacus_compare_params *p, lacus_cmp_task t, int64_t N, int64_t M,
                         lacus_reservoir_params *r);
lacus_status lacus__cmp_fit_readout(const double *X, int64_t F, const double *Y, int64_t O, int64_t n,
                                    int64_t warm, lacus_ridge **out, double *chosen, lacus_error *err);
double lacus__cmp_score(lacus_cmp_task t, const double *pred, const double *y, int64_t n, int64_t O);
/* The BACKWARD row (compare_tune.c): the ESN row's reservoir and ridge
 * readout, then backward tuning of W and the readout on the training
 * stretch. Series tasks only. */
lacus_status lacus__cmp_backward(const lacus_compare_params *p, const lacus__cmp_data *d,
                                 lacus_compare_result *r, lacus_error *err);

#endif
