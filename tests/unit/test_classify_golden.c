/* The classifier against ReservoirPy 0.4.2's Japanese-vowels pipeline
 * (tests/ref/make_classify_fixtures.py): with the same W, Win, bias and
 * leak, the readout trained on last / mean / per-step states, and the test
 * scores and predictions, for each decision mode. */
#include <string.h>

#include "fixture.h"
#include "test.h"

int main(void)
{
    lacus_npz *z = fx_open("present/classify.npz");
    lacus_ndarray W = fx_get(z, "W"), Win = fx_get(z, "Win"), bias = fx_get(z, "bias");
    lacus_ndarray lr = fx_get(z, "lr"), ridge = fx_get(z, "ridge"), warmup = fx_get(z, "warmup");
    lacus_ndarray ytr = fx_get(z, "train_labels"), yte = fx_get(z, "test_labels");
    const int64_t N = W.shape[0], I = Win.shape[1], C = 3, ntr = ytr.shape[0], nte = yte.shape[0];
    lacus_ndarray xtr[12], xte[6];
    const double *ptr[12], *pte[6];
    int64_t Ttr[12], Tte[6], ltr[12], lte[6];
    for (int64_t k = 0; k < ntr; k++) {
        char name[32];
        snprintf(name, sizeof name, "train_%lld", (long long)k);
        xtr[k] = fx_get(z, name);
        ptr[k] = xtr[k].data, Ttr[k] = xtr[k].shape[0], ltr[k] = (int64_t)((double *)ytr.data)[k];
    }
    for (int64_t k = 0; k < nte; k++) {
        char name[32];
        snprintf(name, sizeof name, "test_%lld", (long long)k);
        xte[k] = fx_get(z, name);
        pte[k] = xte[k].data, Tte[k] = xte[k].shape[0], lte[k] = (int64_t)((double *)yte.data)[k];
    }
    (void)lte;
    lacus_seqs tr = {ntr, I, ptr, Ttr}, te = {nte, I, pte, Tte};
    for (int mode = 0; mode < 3; mode++) {
        const char *mname = lacus_classify_mode_name((lacus_classify_mode)mode);
        TEST(mname) {
            lacus_classifier_params p = lacus_classifier_params_default();
            p.esn.reservoir.n_units = N;
            p.esn.reservoir.n_inputs = I;
            p.esn.reservoir.lr = *(double *)lr.data;
            p.esn.readout.ridge = *(double *)ridge.data;
            p.esn.warmup = (int64_t) * (double *)warmup.data;
            p.mode = (lacus_classify_mode)mode;
            p.n_classes = C;
            lacus_classifier *c = NULL;
            lacus_error err = {0};
            CHECK_STATUS(lacus_classifier_create(&p, &c, &err), LACUS_OK);
            if (!c) break;
            lacus_reservoir *r = lacus_esn_reservoir(lacus_classifier_esn(c));
            CHECK_STATUS(lacus_reservoir_set_W(r, W.data), LACUS_OK);
            CHECK_STATUS(lacus_reservoir_set_Win(r, Win.data), LACUS_OK);
            CHECK_STATUS(lacus_reservoir_set_bias(r, bias.data), LACUS_OK);
            CHECK_STATUS(lacus_classifier_fit(c, &tr, ltr), LACUS_OK);
            char key[32];
            snprintf(key, sizeof key, "%s_Wout", mname);
            lacus_ndarray Wr = fx_get(z, key);
            snprintf(key, sizeof key, "%s_bias", mname);
            lacus_ndarray br = fx_get(z, key);
            snprintf(key, sizeof key, "%s_scores", mname);
            lacus_ndarray sr = fx_get(z, key);
            snprintf(key, sizeof key, "%s_pred", mname);
            lacus_ndarray pr = fx_get(z, key);
            double Wo[20 * 3], bo[3], sc[6 * 3];
            int64_t pred[6];
            CHECK_STATUS(lacus_ridge_get_weights(lacus_esn_readout(lacus_classifier_esn(c)), Wo, bo), LACUS_OK);
            /* the same normal equations; lacus may take the dual form when
             * there are fewer rows than units (12 < 20): rounding only */
            double dW = test_max_rel_diff(Wo, Wr.data, N * C, 1.0), db = test_max_rel_diff(bo, br.data, C, 1.0);
            printf("%s: max rel diff Wout %.2e, bias %.2e\n", mname, dW, db);
            CHECK(dW <= 1e-11); /* measured 6e-14, 3e-14, 2.4e-13 */
            CHECK(db <= 1e-11);
            CHECK_STATUS(lacus_classifier_predict(c, &te, pred, sc), LACUS_OK);
            CHECK(test_max_rel_diff(sc, sr.data, nte * C, 1.0) <= 1e-11);
            for (int64_t k = 0; k < nte; k++) CHECK(pred[k] == (int64_t)((double *)pr.data)[k]);
            lacus_ndarray_free(&Wr), lacus_ndarray_free(&br), lacus_ndarray_free(&sr), lacus_ndarray_free(&pr);
            lacus_classifier_free(c);
        }
    }
    for (int64_t k = 0; k < ntr; k++) lacus_ndarray_free(&xtr[k]);
    for (int64_t k = 0; k < nte; k++) lacus_ndarray_free(&xte[k]);
    lacus_ndarray *all[] = {&W, &Win, &bias, &lr, &ridge, &warmup, &ytr, &yte};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) lacus_ndarray_free(all[i]);
    lacus_npz_close(z);
    TEST_MAIN_END();
}
