/* Reservoir weights of graph fixtures (tests/ref/make_graph_fixtures.py):
 * res<k>_W, res<k>_Win, res<k>_bias and res<k>_lr in an .npz. Shared by
 * test_graph2, test_graph_golden and test_graph_online_state; include after
 * test.h. */
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

/* The graph of graph2/online_partial.npz: in >> res0, [in, res0] >> rls
 * (lambda 0.999, 2 outputs) >> res1 >> lms (1 output), with the fixture's
 * reservoirs; *a, *b get the rls and lms node ids. */
static inline lacus_graph *online_chain(lacus_npz *z, int64_t I, int64_t *a, int64_t *b)
{
    lacus_graph *g = NULL;
    lacus_error err = {0};
    CHECK_STATUS(lacus_graph_create(&g, &err), LACUS_OK);
    lacus_reservoir_params p0 = res_params(z, 0), p1 = res_params(z, 1);
    lacus_online_params rls = lacus_online_params_default(), lms = lacus_online_params_default();
    rls.alpha = 1e-2;
    rls.forgetting = 0.999;
    rls.n_outputs = 2;
    lms.method = LACUS_ONLINE_LMS;
    lms.alpha = 0.05;
    lms.n_outputs = 1;
    int64_t in, r0, r1, w[1] = {I};
    CHECK_STATUS(lacus_graph_add_input(g, "in", I, &in), LACUS_OK);
    CHECK_STATUS(lacus_graph_add_reservoir(g, "res0", &p0, &r0), LACUS_OK);
    CHECK_STATUS(lacus_graph_add_online(g, "rls", &rls, a), LACUS_OK);
    CHECK_STATUS(lacus_graph_add_reservoir(g, "res1", &p1, &r1), LACUS_OK);
    CHECK_STATUS(lacus_graph_add_online(g, "lms", &lms, b), LACUS_OK);
    CHECK_STATUS(lacus_graph_connect(g, in, r0, 0), LACUS_OK);
    CHECK_STATUS(lacus_graph_connect(g, in, *a, 0), LACUS_OK);
    CHECK_STATUS(lacus_graph_connect(g, r0, *a, 0), LACUS_OK);
    CHECK_STATUS(lacus_graph_connect(g, *a, r1, 0), LACUS_OK);
    CHECK_STATUS(lacus_graph_connect(g, r1, *b, 0), LACUS_OK);
    CHECK_STATUS(lacus_graph_initialize(g, w), LACUS_OK);
    set_res(g, r0, z, 0);
    set_res(g, r1, z, 1);
    return g;
}

#endif
