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

#endif
