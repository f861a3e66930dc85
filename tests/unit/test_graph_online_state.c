/* Online nodes' training state in graph files (graph format 2).
 *  - fit -> partial_fit -> save -> load -> partial_fit gives, bit for bit,
 *    the weights, biases, step counts and training outputs of the same
 *    partial_fit without the save (RLS with forgetting and LMS, the graph
 *    of tests/fixtures/graph2/online_partial.npz); a control resets the
 *    loaded RLS node to P = I / alpha and shows the result then differs,
 *    so the comparison is not vacuous.
 *  - A file written by lacus at main 7df2a3b (graph format 1, no state;
 *    tests/fixtures/small3/old_online.*, made by `lacus fit old_online.json`)
 *    loads, predicts byte for byte what that binary predicted, and its
 *    online nodes restart from P = I / alpha: partial_fit equals a fresh
 *    lacus_online given the stored weights and stepped on the same states.
 *  - Tampered files (asymmetric or NaN P, wrong shape, missing member, bad
 *    n_steps, newer graph_format) are refused with messages naming the
 *    member or key. */
#include <math.h>
#include <string.h>

#include "fixture.h"
#include "nodes/online_state.h"
#include "test.h"
#include "graph_fixture.h"


typedef struct data {
    lacus_ndarray u, ut, yr, yl, yr2, yl2;
} data;

/* One partial_fit pass (pass 0: u, pass 1: u_test); outs[0] gets the RLS
 * node's training outputs (n, 2), outs[1] the LMS node's (n, 1). */
static lacus_status pass(lacus_graph *g, const data *d, int which, int64_t a, int64_t b, double *o_rls,
                         double *o_lms)
{
    const lacus_ndarray *x = which ? &d->ut : &d->u, *y1 = which ? &d->yr2 : &d->yr,
                        *y2 = which ? &d->yl2 : &d->yl;
    int64_t n = x->shape[0], I = x->shape[1];
    const double *xd = x->data, *y1d = y1->data, *y2d = y2->data;
    lacus_seqs X = {1, I, &xd, &n}, Y1 = {1, 2, &y1d, &n}, Y2 = {1, 1, &y2d, &n};
    const lacus_seqs *ins[1] = {&X}, *tg[2] = {&Y1, &Y2};
    double *const or_[1] = {o_rls}, *const ol[1] = {o_lms};
    double *const *per[5] = {0};
    per[a] = o_rls ? or_ : NULL;
    per[b] = o_lms ? ol : NULL;
    return lacus_graph_partial_fit(g, ins, tg, per);
}

static int same_weights(lacus_graph *g, lacus_graph *h, int64_t id)
{
    lacus_online *m = lacus_graph_online(g, id), *q = lacus_graph_online(h, id);
    int64_t F = lacus_graph_node_in_width(g, id), O = lacus_graph_node_width(g, id);
    if (lacus_graph_node_in_width(h, id) != F || lacus_graph_node_width(h, id) != O) return 0;
    double *W1 = calloc((size_t)((F + 1) * O), sizeof(double)), *W2 = calloc((size_t)((F + 1) * O), sizeof(double));
    lacus_online_get_weights(m, W1, W1 + F * O);
    lacus_online_get_weights(q, W2, W2 + F * O);
    int same = memcmp(W1, W2, (size_t)((F + 1) * O) * sizeof(double)) == 0 &&
               lacus_online_n_steps(m) == lacus_online_n_steps(q);
    free(W1);
    free(W2);
    return same;
}

/* Copies the archive src to dst, replacing member `member` by rep (or
 * dropping it when rep is NULL) and, in the manifest, the text `from` by
 * `to` (when from is not NULL). */
static void tamper(const char *src, const char *dst, const char *member, const lacus_ndarray *rep,
                   const char *from, const char *to)
{
    lacus_error err = {0};
    lacus_npz *z = NULL;
    lacus_npz_writer *w = NULL;
    CHECK_STATUS(lacus_npz_open(src, &z, &err), LACUS_OK);
    CHECK_STATUS(lacus_npz_writer_open(dst, 0, &w, &err), LACUS_OK);
    for (int64_t i = 0; i < lacus_npz_count(z); i++) {
        const char *name = lacus_npz_name(z, i);
        if (!strcmp(name, "manifest.json")) {
            void *buf = NULL;
            size_t len = 0;
            CHECK_STATUS(lacus_npz_read_bytes(z, name, &buf, &len, &err), LACUS_OK);
            char *txt = malloc(len + 64), *at = from ? strstr(buf, from) : NULL;
            if (from) CHECK(at != NULL);
            if (at) {
                size_t k = (size_t)(at - (char *)buf);
                memcpy(txt, buf, k);
                strcpy(txt + k, to);
                strcat(txt, at + strlen(from));
            } else {
                memcpy(txt, buf, len + 1);
            }
            CHECK_STATUS(lacus_npz_writer_add_bytes(w, name, txt, strlen(txt), &err), LACUS_OK);
            free(txt);
            lacus_free(buf);
        } else if (member && !strcmp(name, member)) {
            if (rep) CHECK_STATUS(lacus_npz_writer_add(w, name, rep, &err), LACUS_OK);
        } else {
            lacus_ndarray a = {0};
            CHECK_STATUS(lacus_npz_read(z, name, &a, &err), LACUS_OK);
            CHECK_STATUS(lacus_npz_writer_add(w, name, &a, &err), LACUS_OK);
            lacus_ndarray_free(&a);
        }
    }
    CHECK_STATUS(lacus_npz_writer_commit(w, &err), LACUS_OK);
    lacus_npz_close(z);
}

static void expect_refused(const char *path, lacus_status want, const char *msg)
{
    lacus_graph *h = NULL;
    lacus_error err = {0};
    CHECK_STATUS(lacus_graph_load(path, &h, &err), want);
    CHECK(h == NULL);
    if (!strstr(err.msg, msg)) {
        fprintf(stderr, "  expected \"%s\" in: %s\n", msg, err.msg);
        CHECK(0);
    }
    lacus_graph_free(h);
}

int main(void)
{
    lacus_npz *z = fx_open("graph2/online_partial.npz");
    data d = {fx_get(z, "u"), fx_get(z, "u_test"), fx_get(z, "y_rls"), fx_get(z, "y_lms"),
              fx_get(z, "y2_rls"), fx_get(z, "y2_lms")};
    const int64_t I = d.u.shape[1], T1 = d.u.shape[0], T2 = d.ut.shape[0];
    char saved[2048], bad[2048]; /* fx_tmp_path's buffer is reused */
    snprintf(saved, sizeof saved, "%s", fx_tmp_path("online_state.npz"));
    snprintf(bad, sizeof bad, "%s", fx_tmp_path("online_state_bad.npz"));

    TEST("fit, partial_fit, save, load, partial_fit = the same without the save, bit for bit") {
        int64_t a, b;
        lacus_graph *g = online_chain(z, I, &a, &b);
        const double *ud = d.u.data, *y1d = d.yr.data, *y2d = d.yl.data;
        lacus_seqs U = {1, I, &ud, &T1}, Y1 = {1, 2, &y1d, &T1}, Y2 = {1, 1, &y2d, &T1};
        const lacus_seqs *ins[1] = {&U}, *tg[2] = {&Y1, &Y2};
        CHECK_STATUS(lacus_graph_fit(g, ins, tg, 5), LACUS_OK);
        CHECK_STATUS(pass(g, &d, 0, a, b, NULL, NULL), LACUS_OK);
        lacus_error err = {0};
        CHECK_STATUS(lacus_graph_save(g, saved, &err), LACUS_OK);
        lacus_graph *h = NULL;
        CHECK_STATUS(lacus_graph_load(saved, &h, &err), LACUS_OK);
        CHECK(h && same_weights(g, h, a) && same_weights(g, h, b));
        /* RLS went through fit (T1 - 5 steps) and one pass (T1 steps). */
        CHECK(lacus_online_n_steps(lacus_graph_online(h, a)) == 2 * T1 - 5);
        double *r1 = calloc((size_t)(2 * T2), sizeof(double)), *l1 = calloc((size_t)T2, sizeof(double));
        double *r2 = calloc((size_t)(2 * T2), sizeof(double)), *l2 = calloc((size_t)T2, sizeof(double));
        for (int k = 0; k < 2 && h; k++) { /* two passes: the state after a pass carries on too */
            CHECK_STATUS(pass(g, &d, 1, a, b, r1, l1), LACUS_OK);
            CHECK_STATUS(pass(h, &d, 1, a, b, r2, l2), LACUS_OK);
            CHECK(memcmp(r1, r2, (size_t)(2 * T2) * sizeof(double)) == 0);
            CHECK(memcmp(l1, l2, (size_t)T2 * sizeof(double)) == 0);
            CHECK(same_weights(g, h, a) && same_weights(g, h, b));
        }
        /* Control: the same loaded graph, its RLS node put back to
         * P = I / alpha, s = 0 (what graph format 1 did), learns differently. */
        lacus_graph *c = NULL;
        CHECK_STATUS(lacus_graph_load(saved, &c, &err), LACUS_OK);
        if (c) {
            lacus_online *m = lacus_graph_online(c, a);
            int64_t F = lacus_graph_node_in_width(c, a);
            double *P = calloc((size_t)(F * F), sizeof(double));
            for (int64_t i = 0; i < F; i++) P[i * F + i] = 1.0 / 1e-2;
            CHECK_STATUS(lacus__online_set_state(m, P, 0.0, 0, &err), LACUS_OK);
            lacus_graph *g2 = NULL;
            CHECK_STATUS(lacus_graph_load(saved, &g2, &err), LACUS_OK);
            CHECK_STATUS(pass(g2, &d, 1, a, b, r1, l1), LACUS_OK);
            CHECK_STATUS(pass(c, &d, 1, a, b, r2, l2), LACUS_OK);
            double dmax = 0.0;
            for (int64_t i = 0; i < 2 * T2; i++) dmax = fmax(dmax, fabs(r1[i] - r2[i]));
            if (getenv("SHOW")) fprintf(stderr, "  control: max |diff| of RLS outputs %.3g\n", dmax);
            CHECK(dmax > 1e-3);
            free(P);
            lacus_graph_free(g2);
        }
        lacus_graph_free(c);
        free(r1), free(l1), free(r2), free(l2);
        lacus_graph_free(h);
        lacus_graph_free(g);
    }

    TEST("a graph file of format 1 (lacus main 7df2a3b) loads, predicts as before, restarts P") {
        char path[1024];
        snprintf(path, sizeof path, "%s/small3/old_online.npz", fx_dir());
        lacus_ndarray x = fx_npy("small3/old_online_input.npy"), y = fx_npy("small3/old_online_target.npy"),
                      pred = fx_npy("small3/old_online_pred.npy");
        lacus_graph *g = NULL;
        lacus_error err = {0};
        CHECK_STATUS(lacus_graph_load(path, &g, &err), LACUS_OK);
        if (!g) fprintf(stderr, "  %s\n", err.msg);
        int64_t n = x.shape[0], res = g ? lacus_graph_find(g, "res") : -1,
                rls = g ? lacus_graph_find(g, "rls") : -1, lms = g ? lacus_graph_find(g, "lms") : -1;
        CHECK(res == 1 && rls == 2 && lms == 3);
        if (g && res == 1 && rls == 2 && lms == 3) {
            int64_t N = lacus_graph_node_width(g, res);
            const double *xd = x.data, *yd = y.data;
            lacus_seqs X = {1, x.shape[1], &xd, &n}, Y = {1, 1, &yd, &n};
            const lacus_seqs *ins[1] = {&X}, *tg[2] = {&Y, &Y};
            double *p = calloc((size_t)n, sizeof(double)), *S = calloc((size_t)(n * N), sizeof(double));
            double *const po[1] = {p}, *const so[1] = {S};
            double *const *per[4] = {NULL, so, po, NULL};
            CHECK_STATUS(lacus_graph_run(g, ins, per), LACUS_OK);
            CHECK(memcmp(p, pred.data, (size_t)n * sizeof(double)) == 0);
            CHECK(lacus_online_n_steps(lacus_graph_online(g, rls)) == 0);
            /* Reference: fresh RLS / LMS readouts (P = I / alpha, s = 0)
             * holding the stored weights, stepped on the reservoir states. */
            lacus_online_params op[2] = {lacus_online_params_default(), lacus_online_params_default()};
            op[0].alpha = 1e-2, op[0].forgetting = 0.999;
            op[1].method = LACUS_ONLINE_LMS, op[1].alpha = 1e-2;
            double *W = calloc((size_t)(N + 1), sizeof(double)), *Wg = calloc((size_t)(N + 1), sizeof(double));
            lacus_online *ref[2] = {NULL, NULL};
            for (int k = 0; k < 2; k++) {
                op[k].n_features = N, op[k].n_outputs = 1;
                CHECK_STATUS(lacus_online_create(&op[k], &ref[k], &err), LACUS_OK);
                CHECK_STATUS(lacus_online_get_weights(lacus_graph_online(g, rls + k), W, W + N), LACUS_OK);
                CHECK_STATUS(lacus_online_set_weights(ref[k], W, W + N), LACUS_OK);
                CHECK_STATUS(lacus_online_partial_fit(ref[k], S, N, y.data, 1, n, NULL), LACUS_OK);
            }
            CHECK_STATUS(lacus_graph_partial_fit(g, ins, tg, NULL), LACUS_OK);
            for (int k = 0; k < 2; k++) {
                lacus_online_get_weights(ref[k], W, W + N);
                lacus_online_get_weights(lacus_graph_online(g, rls + k), Wg, Wg + N);
                CHECK(memcmp(W, Wg, (size_t)(N + 1) * sizeof(double)) == 0);
                lacus_online_free(ref[k]);
            }
            free(W), free(Wg), free(p), free(S);
        }
        lacus_graph_free(g);
        lacus_ndarray_free(&x), lacus_ndarray_free(&y), lacus_ndarray_free(&pred);
    }

    TEST("tampered state is refused with the member or key named") {
        lacus_npz *s = NULL;
        lacus_error err = {0};
        CHECK_STATUS(lacus_npz_open(saved, &s, &err), LACUS_OK);
        lacus_ndarray P = {0};
        CHECK_STATUS(lacus_npz_read(s, "node2/P", &P, &err), LACUS_OK);
        lacus_npz_close(s);
        if (P.ndim != 2 || P.shape[0] < 2) {
            fprintf(stderr, "  no usable node2/P in %s\n", saved);
            exit(1);
        }
        int64_t F = P.shape[0];
        double *v = P.data, keep = v[1];
        v[1] += 1e-9; /* P[0, 1] != P[1, 0] */
        tamper(saved, bad, "node2/P", &P, NULL, NULL);
        expect_refused(bad, LACUS_ERR_FORMAT, "node2/P: P[0, 1]");
        v[1] = keep;
        v[F + 1] = NAN;
        tamper(saved, bad, "node2/P", &P, NULL, NULL);
        expect_refused(bad, LACUS_ERR_FORMAT, "diagonal of P");
        P.shape[0] = 1, P.shape[1] = F; /* the wrong shape */
        tamper(saved, bad, "node2/P", &P, NULL, NULL);
        expect_refused(bad, LACUS_ERR_FORMAT, "node2/P and node2/bias_count must be float64");
        tamper(saved, bad, "node2/bias_count", NULL, NULL, NULL);
        expect_refused(bad, LACUS_ERR_FORMAT, "node2/bias_count");
        tamper(saved, bad, NULL, NULL, "\"graph_format\":\t2", "\"graph_format\":\t3");
        expect_refused(bad, LACUS_ERR_UNSUPPORTED, "graph format 3 is not supported");
        tamper(saved, bad, NULL, NULL, "\"n_steps\":\t", "\"n_steps\":\t-");
        expect_refused(bad, LACUS_ERR_FORMAT, "online node \"rls\": \"state\" must be");
        lacus_ndarray_free(&P);
    }

    lacus_ndarray *all[] = {&d.u, &d.ut, &d.yr, &d.yl, &d.yr2, &d.yl2};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) lacus_ndarray_free(all[k]);
    lacus_npz_close(z);
    TEST_MAIN_END();
}
