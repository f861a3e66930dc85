/* Reservoir weights of graph fixtures (tests/ref/make_graph_fixtures.py):
 * res<k>_W, res<k>_Win, res<k>_bias and res<k>_lr in an .npz. Shared by
 * test_graph2 and test_graph_online_state; include after test.h. */
#ifndef LACUS_TEST_GRAPH_FIXTURE_H
#define LACUS_TEST_GRAPH_FIXTURE_H

#include "fixture.h"

/* Sets reservoir node id's W, Win and bias to the fixture's res<k>_*. */
static inline void set_res(lacus_graph *g, int64_t id, lacus_npz *z, int k)
{
    char key[32];
    lacus_reservoir *r = lacus_graph_reservoir(g, id);
    snprintf(key, sizeof key, "res%d_W", k);
    lacus_ndarray W = fx_get(z, key);
    snprintf(key, sizeof key, "res%d_Win", k);
    lacus_ndarray Win = fx_get(z, key);
    snprintf(key, sizeof key, "res%d_bias", k);
    lacus_ndarray b = fx_get(z, key);
    CHECK(lacus_reservoir_n_inputs(r) == Win.shape[1]);
    CHECK_STATUS(lacus_reservoir_set_W(r, W.data), LACUS_OK);
    CHECK_STATUS(lacus_reservoir_set_Win(r, Win.data), LACUS_OK);
    CHECK_STATUS(lacus_reservoir_set_bias(r, b.data), LACUS_OK);
    lacus_ndarray_free(&W);
    lacus_ndarray_free(&Win);
    lacus_ndarray_free(&b);
}

/* Parameters of a reservoir shaped like res<k>_W with lr res<k>_lr (sr 0:
 * W is set as given). */
static inline lacus_reservoir_params res_params(lacus_npz *z, int k)
{
    char key[32];
    snprintf(key, sizeof key, "res%d_W", k);
    lacus_ndarray W = fx_get(z, key);
    lacus_reservoir_params p = lacus_reservoir_params_default();
    p.n_units = W.shape[0];
    p.sr = 0.0;
    snprintf(key, sizeof key, "res%d_lr", k);
    p.lr = fx_scalar(z, key);
    lacus_ndarray_free(&W);
    return p;
}

#endif
