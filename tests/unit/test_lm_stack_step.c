/* The fused step of stacked LMs (src/lang/lm_stack_step.c) against the
 * step it replaced (lacus__lm_stack_step_ref: lacus_reservoir_run + dgemv
 * per layer and token):
 *  - generated streams are byte-identical to those the old stepping wrote
 *    (tests/fixtures/lang4/stack_stream.npy, made by
 *    tests/ref/make_lm_stack_stream.c against commit a21eeec), at depths
 *    1, 2 and 3, with temperature, top-k and top-p;
 *  - layer 0's state equals the old one bit for bit (the same fused
 *    multiply-adds), the scores of every layer agree to 1e-12 (the readout
 *    sums in another order than dgemv), and so do the per-token bits;
 *  - the float step of lacus_lm_stack_generate_f32 stays within float
 *    rounding (1e-5 relative) of the double step;
 *  - the same with feed_token = 0, N and V not multiples of 4 (the masked
 *    tails of the register-blocked products);
 *  - every allocation of score, generate and generate_f32 failing in turn
 *    gives LACUS_ERR_NOMEM with a message, and the next call succeeds;
 *  - the packed step of double generation (lm_stack_pack.c) equals the
 *    fused step on the unpacked weights bit for bit, in every state and
 *    score of every layer: Win coded with 2 values (+-s), 3 (input
 *    connectivity 0.5: zeros too), and not coded (more values: dense
 *    panels); feed_token 0; V = 47 and N = 95, whose last register blocks
 *    have 47 columns (such tails were left unwritten before round 6; the
 *    fused step is checked against the reference step there). */
#include <string.h>

#include "fixture.h"
#include "lang/lm_stack.h"
#include "oom.h"
#include "test.h"

static double max_abs(const double *a, int64_t n)
{
    double m = 0;
    for (int64_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
    return m;
}

/* Steps the fast and the reference path over ids[0..n) side by side:
 * *state0_diff gets the largest |difference| of layer 0's state, *rel the
 * largest score difference relative to the largest score. */
static void compare_steps(lacus_lm_stack *m, const int32_t *ids, int64_t n, double *state0_diff, double *rel,
                          double *rel_deep_state)
{
    const int64_t L = lacus_lm_stack_n_layers(m), V = m->p.vocab_size, N = m->p.n_units;
    lacus__lm_stack_ws wa, wb;
    double *Sa = malloc((size_t)(L * V) * sizeof *Sa), *Sb = malloc((size_t)(L * V) * sizeof *Sb);
    CHECK(lacus__lm_stack_ws_init(&wa, m) == LACUS_OK && lacus__lm_stack_ws_init(&wb, m) == LACUS_OK);
    *state0_diff = 0, *rel = 0, *rel_deep_state = 0;
    for (int64_t t = 0; t < n; t++) {
        CHECK_STATUS(lacus__lm_stack_step(m, &wa, ids[t], t == 0, L, Sa), LACUS_OK);
        CHECK_STATUS(lacus__lm_stack_step_ref(m, &wb, ids[t], t == 0, Sb), LACUS_OK);
        for (int64_t i = 0; i < N; i++) *state0_diff = fmax(*state0_diff, fabs(wa.f[0][i] - wb.f[0][i]));
        for (int64_t l = 1; l < L; l++)
            for (int64_t i = 0; i < N; i++) *rel_deep_state = fmax(*rel_deep_state, fabs(wa.f[l][i] - wb.f[l][i]));
        const double sc = max_abs(Sb, L * V);
        for (int64_t i = 0; i < L * V; i++) *rel = fmax(*rel, fabs(Sa[i] - Sb[i]) / sc);
    }
    lacus__lm_stack_ws_free(&wa), lacus__lm_stack_ws_free(&wb);
    free(Sa), free(Sb);
}

/* Steps the packed and the unpacked fused step side by side over ids[0..n):
 * 1 when every state (F per layer) and score is the same bit for bit. */
static int packed_equal(lacus_lm_stack *m, const int32_t *ids, int64_t n)
{
    const int64_t L = lacus_lm_stack_n_layers(m), V = m->p.vocab_size, F = m->F;
    lacus__lm_stack_ws wa, wb;
    double *Sa = malloc((size_t)(L * V) * sizeof *Sa), *Sb = malloc((size_t)(L * V) * sizeof *Sb);
    CHECK_STATUS(lacus__lm_stack_make_packed(m), LACUS_OK);
    CHECK(lacus__lm_stack_ws_init(&wa, m) == LACUS_OK && lacus__lm_stack_ws_init(&wb, m) == LACUS_OK);
    int eq = 1;
    for (int64_t t = 0; t < n; t++) {
        CHECK_STATUS(lacus__lm_stack_step_packed(m, &wa, ids[t], t == 0, L, Sa), LACUS_OK);
        CHECK_STATUS(lacus__lm_stack_step(m, &wb, ids[t], t == 0, L, Sb), LACUS_OK);
        for (int64_t l = 0; l < L; l++) eq &= memcmp(wa.f[l], wb.f[l], (size_t)F * sizeof(double)) == 0;
        eq &= memcmp(Sa, Sb, (size_t)(L * V) * sizeof *Sa) == 0;
    }
    lacus__lm_stack_ws_free(&wa), lacus__lm_stack_ws_free(&wb);
    free(Sa), free(Sb);
    return eq;
}

/* Generation (packed, mode 0) and generation with the unpacked fused step
 * (mode 3) give the same n_gen tokens. */
static int streams_equal(lacus_lm_stack *m, const int32_t *ids, int64_t layer, uint64_t seed)
{
    int32_t a[600], b[600];
    lacus_sample_params sp = lacus_sample_params_default();
    sp.seed = seed;
    CHECK_STATUS(lacus__lm_stack_generate_ex(m, layer, ids, 30, 600, &sp, a, 0), LACUS_OK);
    CHECK_STATUS(lacus__lm_stack_generate_ex(m, layer, ids, 30, 600, &sp, b, 3), LACUS_OK);
    return memcmp(a, b, sizeof a) == 0;
}

int main(void)
{
    lacus_lgen_params gp = lacus_lgen_params_default();
    gp.n_nouns = 10, gp.n_adj = 4, gp.n_prep = 2, gp.n_vi = 3, gp.n_vt = 3, gp.n_vr = 2, gp.n_vc = 2;
    lacus_lgen *g = NULL;
    lacus_lgen_create(&gp, &g, NULL);
    const int64_t V = lacus_lgen_vocab_size(g), n = 7000, G = 2000;
    int32_t *ids = malloc((size_t)n * sizeof *ids), *out = malloc((size_t)G * sizeof *out);
    lacus_lgen_generate(g, n, ids, NULL, NULL, NULL);
    lacus_lgen_free(g);
    lacus_lm_params p = lacus_lm_params_default();
    p.vocab_size = V, p.n_units = 120, p.gate_tokens = 0, p.ridge = 1, p.warmup = 20;
    lacus_lm_stack *m = NULL;
    lacus_error err = {0};
    CHECK_STATUS(lacus_lm_stack_train(&p, 3, ids, 6000, 1000, &m, &err), LACUS_OK);
    printf("  V = %lld, N = %lld, 3 layers\n", (long long)V, (long long)p.n_units);

    TEST("generated streams are byte-identical to the old stepping's (fixture)")
    {
        char path[2048];
        snprintf(path, sizeof path, "%s/lang4/stack_stream.npy", fx_dir());
        lacus_ndarray a = {0};
        CHECK_STATUS(lacus_npy_read(path, &a, &err), LACUS_OK);
        CHECK(a.dtype == LACUS_I32 && a.ndim == 2 && a.shape[0] == 4 && a.shape[1] == G);
        const int64_t layer[4] = {3, 2, 3, 1};
        const double temp[4] = {1, 1, 0.8, 1}, top_p[4] = {1, 1, 1, 0.9};
        const int64_t top_k[4] = {0, 0, 20, 0};
        const uint64_t seed[4] = {11, 11, 12, 13};
        for (int r = 0; r < 4 && a.data; r++) {
            lacus_sample_params sp = lacus_sample_params_default();
            sp.temperature = temp[r], sp.top_k = top_k[r], sp.top_p = top_p[r], sp.seed = seed[r];
            const int32_t *want = (const int32_t *)a.data + r * G;
            CHECK_STATUS(lacus_lm_stack_generate(m, layer[r], ids, 50, G, &sp, out), LACUS_OK);
            int64_t first = -1;
            for (int64_t t = 0; t < G && first < 0; t++)
                if (out[t] != want[t]) first = t;
            printf("  stream %d (depth %lld): first difference at %lld (-1: none)\n", r, (long long)layer[r],
                   (long long)first);
            CHECK(first == -1);
            CHECK_STATUS(lacus__lm_stack_generate_ex(m, layer[r], ids, 50, G, &sp, out, 1), LACUS_OK);
            CHECK(memcmp(out, want, (size_t)G * sizeof *out) == 0);
        }
        /* The streams are not trivial: many distinct tokens. */
        int seen[512] = {0}, distinct = 0;
        for (int64_t t = 0; t < G && a.data; t++) distinct += !seen[((const int32_t *)a.data)[t] & 511]++;
        CHECK(distinct >= 10);
        lacus_ndarray_free(&a);
    }

    TEST("fused step against the reference step: states and scores")
    {
        double d0, rel, rdeep;
        compare_steps(m, ids, 1500, &d0, &rel, &rdeep);
        printf("  layer 0 state max diff %.3g; deeper states %.3g; scores max rel diff %.3g\n", d0, rdeep, rel);
        CHECK(d0 == 0);
        CHECK(rdeep < 1e-12);
        CHECK(rel < 1e-12);
        /* And the bits: scoring in chunks of 256 tokens (the public call;
         * 999 steps cross three chunk boundaries, start 100 falls inside
         * the first), with the fused step token by token, and with the
         * reference step. */
        double ba[3], bb[3], bc[3];
        CHECK_STATUS(lacus_lm_stack_score(m, ids + 6000, 1000, 100, ba), LACUS_OK);
        CHECK_STATUS(lacus__lm_stack_score_ex(m, ids + 6000, 1000, 100, bb, 1), LACUS_OK);
        CHECK_STATUS(lacus__lm_stack_score_ex(m, ids + 6000, 1000, 100, bc, 2), LACUS_OK);
        for (int l = 0; l < 3; l++) {
            CHECK_CLOSE(ba[l], bb[l], 1e-11);
            CHECK_CLOSE(bc[l], bb[l], 1e-11);
        }
        printf("  bits over 900 tokens at depth 3: chunked %.12f, fused steps %.12f, reference %.12f\n", ba[2], bc[2],
               bb[2]);
        /* A sequence shorter than start's chunk: the last token alone. */
        CHECK_STATUS(lacus_lm_stack_score(m, ids + 6000, 300, 299, ba), LACUS_OK);
        CHECK_STATUS(lacus__lm_stack_score_ex(m, ids + 6000, 300, 299, bb, 1), LACUS_OK);
        for (int l = 0; l < 3; l++) CHECK_CLOSE(ba[l], bb[l], 1e-11);
        CHECK(bb[2] > 0);
    }

    TEST("float generation step: scores within float rounding of the double step; seeded")
    {
        const int64_t L = 3;
        lacus__lm_stack_ws wa, wb;
        double Sa[3 * 128], Sb[3 * 128], rel = 0;
        CHECK(V <= 128);
        CHECK_STATUS(lacus__lm_stack_make_f32(m), LACUS_OK);
        CHECK(lacus__lm_stack_ws_init(&wa, m) == LACUS_OK && lacus__lm_stack_ws_init(&wb, m) == LACUS_OK);
        for (int64_t t = 0; t < 800; t++) {
            CHECK_STATUS(lacus__lm_stack_step_f32(m, &wa, ids[t], t == 0, L, Sa), LACUS_OK);
            CHECK_STATUS(lacus__lm_stack_step(m, &wb, ids[t], t == 0, L, Sb), LACUS_OK);
            const double sc = max_abs(Sb, L * V);
            for (int64_t i = 0; i < L * V; i++) rel = fmax(rel, fabs(Sa[i] - Sb[i]) / sc);
        }
        printf("  float step: scores max rel diff %.3g over 800 tokens\n", rel);
        CHECK(rel > 0 && rel < 1e-5);
        lacus__lm_stack_ws_free(&wa), lacus__lm_stack_ws_free(&wb);
        lacus_sample_params sp = lacus_sample_params_default();
        int32_t *o2 = malloc(500 * sizeof *o2);
        CHECK_STATUS(lacus_lm_stack_generate_f32(m, 0, ids, 30, 500, &sp, out), LACUS_OK);
        CHECK_STATUS(lacus_lm_stack_generate_f32(m, 0, ids, 30, 500, &sp, o2), LACUS_OK);
        CHECK(memcmp(out, o2, 500 * sizeof *o2) == 0);
        CHECK_STATUS(lacus_lm_stack_generate_f32(m, 7, ids, 30, 500, &sp, o2), LACUS_ERR_ARG);
        free(o2);
    }

    TEST("no feed_token, N = 61 (masked tails)")
    {
        lacus_lm_params q = p;
        q.feed_token = 0, q.n_units = 61;
        lacus_lm_stack *m2 = NULL;
        CHECK_STATUS(lacus_lm_stack_train(&q, 2, ids, 4000, 300, &m2, &err), LACUS_OK);
        double d0, rel, rdeep;
        compare_steps(m2, ids, 800, &d0, &rel, &rdeep);
        printf("  layer 0 state max diff %.3g; deeper states %.3g; scores max rel diff %.3g\n", d0, rdeep, rel);
        CHECK(d0 == 0);
        CHECK(rdeep < 1e-12);
        CHECK(rel < 1e-12);
        lacus_sample_params sp = lacus_sample_params_default();
        int32_t *o2 = malloc(500 * sizeof *o2);
        CHECK_STATUS(lacus_lm_stack_generate(m2, 0, ids, 30, 500, &sp, out), LACUS_OK);
        CHECK_STATUS(lacus__lm_stack_generate_ex(m2, 0, ids, 30, 500, &sp, o2, 1), LACUS_OK);
        CHECK(memcmp(out, o2, 500 * sizeof *o2) == 0);
        double Sa[2 * 128], Sb[2 * 128], rel32 = 0;
        lacus__lm_stack_ws wa, wb;
        CHECK_STATUS(lacus__lm_stack_make_f32(m2), LACUS_OK);
        CHECK(lacus__lm_stack_ws_init(&wa, m2) == LACUS_OK && lacus__lm_stack_ws_init(&wb, m2) == LACUS_OK);
        for (int64_t t = 0; t < 400; t++) {
            lacus__lm_stack_step_f32(m2, &wa, ids[t], t == 0, 2, Sa);
            lacus__lm_stack_step(m2, &wb, ids[t], t == 0, 2, Sb);
            const double sc = max_abs(Sb, 2 * V);
            for (int64_t i = 0; i < 2 * V; i++) rel32 = fmax(rel32, fabs(Sa[i] - Sb[i]) / sc);
        }
        printf("  float step: scores max rel diff %.3g\n", rel32);
        CHECK(rel32 > 0 && rel32 < 1e-5);
        lacus__lm_stack_ws_free(&wa), lacus__lm_stack_ws_free(&wb);
        free(o2);
        lacus_lm_stack_free(m2);
    }

    TEST("packed double generation step: the unpacked fused step's bits (coded Win, 2 and 3 values; dense panels)")
    {
        /* m: Bernoulli Win, dense (+-s): coded with 2 values. */
        CHECK(packed_equal(m, ids, 1500));
        CHECK(m->Dc[0] != NULL && m->Dc[1] != NULL && m->Dc[2] != NULL && m->Dp[1] == NULL);
        for (int64_t layer = 1; layer <= 3; layer++) CHECK(streams_equal(m, ids + 100, layer, 5 + (uint64_t)layer));
        /* Input connectivity 0.5: Win has zeros, 3 values, no feed_token. */
        lacus_lm_params q = p;
        q.input_connectivity = 0.5, q.feed_token = 0, q.n_units = 70;
        lacus_lm_stack *m4 = NULL;
        CHECK_STATUS(lacus_lm_stack_train(&q, 3, ids, 4000, 300, &m4, &err), LACUS_OK);
        int zeros = 0;
        for (int64_t i = 0; i < V * q.n_units; i++) zeros += m4->WinT[1][i] == 0.0;
        CHECK(zeros > 0);
        CHECK(packed_equal(m4, ids, 1000));
        CHECK(m4->Dc[1] != NULL);
        CHECK(streams_equal(m4, ids + 200, 0, 3));
        printf("  coded drive: 2 values (N = 120), 3 values (N = 70, %d zeros in layer 1's Win): bit-identical\n",
               zeros);
        lacus_lm_stack_free(m4);
        /* Win with many values (not drawn by the library): dense panels. */
        m4 = NULL;
        q = p, q.n_units = 53;
        CHECK_STATUS(lacus_lm_stack_train(&q, 2, ids, 4000, 300, &m4, &err), LACUS_OK);
        for (int64_t l = 0; l < 2; l++)
            for (int64_t i = 0; i < V * q.n_units; i++)
                m4->WinT[l][i] = 0.1 * (double)(i % 7 - 3) + 1e-3 * (double)(i % 5);
        CHECK(packed_equal(m4, ids, 1000));
        CHECK(m4->Dc[0] == NULL && m4->Dc[1] == NULL && m4->Dp[1] != NULL);
        CHECK(streams_equal(m4, ids + 300, 0, 4));
        lacus_lm_stack_free(m4);
    }

    TEST("V = 47, N = 95: register blocks of 47 columns (fused against reference, packed against fused)")
    {
        lacus_lm_params q = p;
        q.vocab_size = 47, q.n_units = 95;
        int32_t *ids47 = malloc((size_t)n * sizeof *ids47);
        for (int64_t t = 0; t < n; t++) ids47[t] = ids[t] % 47;
        lacus_lm_stack *m5 = NULL;
        CHECK_STATUS(lacus_lm_stack_train(&q, 2, ids47, 4000, 300, &m5, &err), LACUS_OK);
        double d0, rel, rdeep;
        compare_steps(m5, ids47, 600, &d0, &rel, &rdeep);
        printf("  layer 0 state max diff %.3g; deeper states %.3g; scores max rel diff %.3g\n", d0, rdeep, rel);
        CHECK(d0 == 0);
        CHECK(rdeep < 1e-12);
        CHECK(rel < 1e-12);
        CHECK(packed_equal(m5, ids47, 600));
        CHECK(streams_equal(m5, ids47 + 100, 0, 9));
        lacus_lm_stack_free(m5);
        free(ids47);
    }
    TEST("injected allocation failures in score, generate and generate_f32")
    {
        lacus_lm_stack *m3 = NULL;
        lacus_lm_params q = p;
        q.n_units = 30;
        CHECK_STATUS(lacus_lm_stack_train(&q, 2, ids, 3000, 100, &m3, &err), LACUS_OK);
        double want[2], got[2];
        int32_t g0[40], g1[40];
        lacus_sample_params sp = lacus_sample_params_default();
        CHECK_STATUS(lacus_lm_stack_score(m3, ids, 600, 10, want), LACUS_OK);
        CHECK_STATUS(lacus_lm_stack_generate(m3, 0, ids, 20, 40, &sp, g0), LACUS_OK);
        for (int call = 0; call < 3; call++) {
            int hits = 0;
            for (long k = 1; k < 200; k++) {
                lacus_lm_stack *mm = m3;
                if (call == 2) { /* the float copies are made on the first call: a fresh model each time */
                    mm = NULL;
                    CHECK_STATUS(lacus_lm_stack_train(&q, 2, ids, 3000, 100, &mm, &err), LACUS_OK);
                }
                oom_arm(k);
                lacus_status st = call == 0   ? lacus_lm_stack_score(mm, ids, 600, 10, got)
                                  : call == 1 ? lacus_lm_stack_generate(mm, 0, ids, 20, 40, &sp, g1)
                                              : lacus_lm_stack_generate_f32(mm, 0, ids, 20, 40, &sp, g1);
                int reached = oom_reached();
                oom_disarm();
                if (!reached) {
                    CHECK_STATUS(st, LACUS_OK);
                    if (call == 2) lacus_lm_stack_free(mm);
                    break;
                }
                hits++;
                CHECK_STATUS(st, LACUS_ERR_NOMEM);
                CHECK(strstr(lacus_lm_stack_errmsg(mm), "out of memory") != NULL);
                if (call == 2) lacus_lm_stack_free(mm);
            }
            CHECK(hits >= 3);
            printf("  call %d: %d allocation points failed cleanly\n", call, hits);
        }
        CHECK_STATUS(lacus_lm_stack_score(m3, ids, 600, 10, got), LACUS_OK);
        CHECK(got[0] == want[0] && got[1] == want[1]);
        CHECK_STATUS(lacus_lm_stack_generate(m3, 0, ids, 20, 40, &sp, g1), LACUS_OK);
        CHECK(memcmp(g0, g1, sizeof g0) == 0);
        lacus_lm_stack_free(m3);
    }
    lacus_lm_stack_free(m);
    free(ids), free(out);
    TEST_MAIN_END();
}
