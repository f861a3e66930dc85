/* Forward-Forward (Hinton 2022, the layered supervised version of
 * include/lacus/local_learning.h) on scikit-learn's bundled 8x8 digits, the
 * offline stand-in for MNIST (tests/ref/make_learn2_fixtures.py), next to
 * scikit-learn's logistic regression stored in the same fixture.
 *
 *   bench_ff_digits FIXTURE.npz [layers] [hidden] [epochs] [seeds]
 *
 * One line per seed: test accuracy, time, goodness of layer 1 on positive
 * and negative data; then the mean and the baseline. */
#include <math.h>
#include <string.h>

#define BENCH_NAME "bench_ff_digits"
#include "bench_util.h"

int main(int argc, char **argv)
{
    set_threads(1); /* lacus_ff trains on one thread */
    if (argc < 2) {
        fprintf(stderr, "usage: bench_ff_digits FIXTURE.npz [layers] [hidden] [epochs] [seeds]\n");
        return 2;
    }
    int layers = argc > 2 ? (int)arg_int(argv[2], 1) : 2;
    int64_t hidden = argc > 3 ? arg_int(argv[3], 1) : 200, epochs = argc > 4 ? arg_int(argv[4], 1) : 30,
            seeds = argc > 5 ? arg_int(argv[5], 1) : 3;
    lacus_npz *z = NULL;
    lacus_error err = {0};
    lacus_status st = lacus_npz_open(argv[1], &z, &err);
    if (st) die("fixture", st, err.msg);
    lacus_ndarray xtr = npz_get_f64(z, "x_train"), xte = npz_get_f64(z, "x_test"), ytr = npz_get_f64(z, "y_train"),
                  yte = npz_get_f64(z, "y_test"), acc = npz_get_f64(z, "logreg_acc");
    int64_t ntr = xtr.shape[0], nte = xte.shape[0], F = xtr.shape[1];
    int32_t *ltr = xmalloc((size_t)ntr * 4), *lte = xmalloc((size_t)nte * 4), *pred = xmalloc((size_t)nte * 4);
    for (int64_t i = 0; i < ntr; i++) ltr[i] = (int32_t)((double *)ytr.data)[i];
    for (int64_t i = 0; i < nte; i++) lte[i] = (int32_t)((double *)yte.data)[i];
    printf("# bench_ff_digits: sklearn digits 8x8, train %lld, test %lld, FF %d x %lld ReLU, %lld epochs, "
           "load1=%.2f\n", (long long)ntr, (long long)nte, layers, (long long)hidden, (long long)epochs, load1());
    double sum = 0.0;
    for (int64_t s = 0; s < seeds; s++) {
        lacus_ff_params p = lacus_ff_params_default();
        p.n_inputs = F, p.n_classes = 10, p.n_layers = layers, p.n_hidden = hidden, p.epochs = epochs;
        p.seed = 42 + (uint64_t)s;
        lacus_ff *m = NULL;
        if ((st = lacus_ff_create(&p, &m, &err))) die("ff", st, err.msg);
        double t0 = now();
        if ((st = lacus_ff_fit(m, (double *)xtr.data, ltr, ntr))) die("fit", st, lacus_ff_errmsg(m));
        double secs = now() - t0, gp, gn;
        lacus_ff_predict(m, (double *)xte.data, nte, pred, NULL);
        lacus_ff_goodness(m, (double *)xte.data, lte, nte, 0, &gp, &gn);
        int64_t ok = 0;
        for (int64_t i = 0; i < nte; i++) ok += pred[i] == lte[i];
        double a = (double)ok / (double)nte;
        sum += a;
        printf("ff_digits seed=%lld test_acc=%.4f train_s=%.2f goodness_l1_pos=%.2f neg=%.2f load1=%.2f\n",
               (long long)p.seed, a, secs, gp, gn, load1());
        fflush(stdout);
        lacus_ff_free(m);
    }
    printf("ff_digits mean_test_acc=%.4f logreg_test_acc=%.4f (scikit-learn 1.5.2, same split) peak_mb=%.1f\n",
           sum / (double)seeds, *(double *)acc.data, peak_rss_mb());
    lacus_ndarray_free(&xtr), lacus_ndarray_free(&xte), lacus_ndarray_free(&ytr), lacus_ndarray_free(&yte);
    lacus_ndarray_free(&acc);
    lacus_npz_close(z);
    free(ltr), free(lte), free(pred);
    return 0;
}
