/* Skill probes on hand-built models (lacus/sweep.h): a model that is the
 * grammar's true distribution scores 1 on every discrete metric, a uniform
 * model scores exactly the chance level of each probe (ties count as a
 * random choice); the formal probes likewise on copy, reverse, counting and
 * Dyck streams; the reservoir LM's formal probe equals its restatement
 * from lacus_lm_probs; and the ridge chosen by lacus_lm_fit_select is the
 * argmin of its held-out bits, giving the model lacus_lm_fit trains at
 * that ridge. */
#include <stdint.h>
#include <string.h>

#include "lacus.h"
#include "test.h"

int main(void)
{
    TEST("grammar probes: the true distribution scores 1, a uniform one chance")
    {
        lacus_lgen_params gp = lacus_lgen_params_default();
        gp.p_pp = 0.4, gp.p_attractor = 0.6;
        lacus_lgen *g = NULL;
        CHECK_STATUS(lacus_lgen_create(&gp, &g, NULL), LACUS_OK);
        const int64_t V = lacus_lgen_vocab_size(g), n = 6000, start = 10;
        int32_t *ids = malloc((size_t)n * sizeof *ids), *tw = malloc((size_t)n * sizeof *tw);
        double *pt = malloc((size_t)(n * V) * sizeof *pt), *qu = malloc((size_t)(n * V) * sizeof *qu);
        lacus_lgen_annot *an = malloc((size_t)n * sizeof *an);
        lacus_lgen_reset(g, 5);
        CHECK_STATUS(lacus_lgen_generate(g, n, ids, pt, an, NULL), LACUS_OK);
        int64_t changed = lacus_lgen_twins(g, ids, n, tw);
        CHECK(changed > n / 5);
        /* Twins: nouns, verbs and reflexives only; an involution on nouns
         * and verbs (reflexives flip to a number, not back: "themselves"
         * has three singular twins). */
        int32_t *tw2 = malloc((size_t)n * sizeof *tw2);
        lacus_lgen_twins(g, tw, n, tw2);
        int invol = 1, cls_ok = 1;
        for (int64_t t = 0; t < n; t++) {
            invol &= an[t].cls == LACUS_LGEN_REFL || tw2[t] == ids[t];
            if (tw[t] != ids[t])
                cls_ok &= an[t].cls == LACUS_LGEN_NOUN || an[t].cls == LACUS_LGEN_VERB || an[t].cls == LACUS_LGEN_REFL;
        }
        CHECK(invol && cls_ok);
        lacus_skill_score sc[LACUS_SKILL_COUNT];
        double bits;
        CHECK_STATUS(lacus_skills_from_probs(pt, ids, tw, an, pt, n, V, start, 0, sc, &bits, NULL), LACUS_OK);
        for (int k = 0; k < LACUS_SKILL_COUNT; k++) {
            CHECK(sc[k].n > 20);
            CHECK_CLOSE(sc[k].acc, 1.0, 0);
        }
        /* The true model's bits are the grammar's entropy rate. */
        double h = 0;
        for (int64_t t = start; t < n; t++) h -= log2(pt[t * V + ids[t]]);
        CHECK_CLOSE(bits, h / (double)(n - start), 1e-12);
        /* Uniform q: every pair tied (1/2), "." and the object never above
         * 1/2 (balanced accuracy 1/2), continuous pair margins 0. */
        for (int64_t i = 0; i < n * V; i++) qu[i] = 1.0 / (double)V;
        CHECK_STATUS(lacus_skills_from_probs(qu, ids, tw, an, pt, n, V, start, 0, sc, &bits, NULL), LACUS_OK);
        const int pairs[4] = {LACUS_SKILL_LOCAL, LACUS_SKILL_AGREE, LACUS_SKILL_ATTRACT, LACUS_SKILL_REFLEXIVE};
        for (int j = 0; j < 4; j++) {
            CHECK_CLOSE(sc[pairs[j]].acc, 0.5, 1e-15);
            CHECK_CLOSE(sc[pairs[j]].cont, 0.0, 1e-15);
        }
        CHECK_CLOSE(sc[LACUS_SKILL_CLOSURE].acc, 0.5, 1e-15);
        CHECK_CLOSE(sc[LACUS_SKILL_ARGS].acc, 0.5, 1e-15);
        CHECK_CLOSE(bits, log2((double)V), 1e-12);
        /* S0 under uniform q: the class with most words wins everywhere, so
         * the score is the share of positions whose true top class is it. */
        int32_t cls[4096];
        int64_t words[9] = {0};
        for (int64_t v = 0; v < V; v++) cls[v] = -1;
        for (int64_t t = 0; t < n; t++)
            if (cls[ids[t]] < 0) cls[ids[t]] = an[t].cls, words[an[t].cls]++;
        int big = 0;
        for (int c = 1; c < 9; c++) big = words[c] > words[big] ? c : big;
        double share = 0;
        for (int64_t t = start; t < n; t++) {
            double mp[9] = {0};
            for (int64_t v = 0; v < V; v++)
                if (cls[v] >= 0) mp[cls[v]] += pt[t * V + v];
            int ap = 0;
            for (int c = 1; c < 9; c++) ap = mp[c] > mp[ap] ? c : ap;
            share += ap == big;
        }
        CHECK_CLOSE(sc[LACUS_SKILL_CLASS].acc, share / (double)(n - start), 1e-15);
        /* A model that always prefers the wrong form scores 0 on the pairs. */
        memcpy(qu, pt, (size_t)(n * V) * sizeof *qu);
        for (int64_t t = start; t < n; t++)
            if (tw[t] != ids[t]) {
                double a = qu[t * V + ids[t]];
                qu[t * V + ids[t]] = qu[t * V + tw[t]], qu[t * V + tw[t]] = a;
            }
        CHECK_STATUS(lacus_skills_from_probs(qu, ids, tw, an, pt, n, V, start, 0, sc, NULL, NULL), LACUS_OK);
        for (int j = 0; j < 4; j++) CHECK_CLOSE(sc[pairs[j]].acc, 0.0, 0);
        /* Bad input: a NaN model row, a negative probability. */
        lacus_error err = {0};
        qu[(start + 1) * V] = NAN;
        CHECK_STATUS(lacus_skills_from_probs(qu, ids, tw, an, pt, n, V, start, 0, sc, NULL, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "model_probs") != NULL);
        qu[(start + 1) * V] = -0.1;
        CHECK_STATUS(lacus_skills_from_probs(qu, ids, tw, an, pt, n, V, start, 0, sc, NULL, &err), LACUS_ERR_ARG);
        CHECK_STATUS(lacus_skills_from_probs(pt, ids, tw, an, pt, n, V, n, 0, sc, NULL, &err), LACUS_ERR_ARG);
        lacus_lgen_free(g);
        free(ids), free(tw), free(tw2), free(pt), free(qu), free(an);
    }

    TEST("formal probes: true distribution 1 and 0 bits, uniform 1/|S| and -log2 |S|")
    {
        const lacus_formal_task tasks[4] = {LACUS_FORMAL_COPY, LACUS_FORMAL_REVERSE, LACUS_FORMAL_COUNT,
                                            LACUS_FORMAL_DYCK};
        const int64_t ks[4] = {4, 3, 2, 3}, n = 4000, start = 5;
        for (int i = 0; i < 4; i++) {
            int64_t V = 0;
            int32_t *ids = malloc((size_t)n * sizeof *ids);
            double *pt = malloc((size_t)(n * 16) * sizeof *pt), *qu = malloc((size_t)(n * 16) * sizeof *qu);
            CHECK_STATUS(lacus_formal_generate(tasks[i], ks[i], 0.7, 8, 11 + i, n, ids, pt, &V, NULL), LACUS_OK);
            lacus_skill_score sc;
            CHECK_STATUS(lacus_formal_skill_from_probs(tasks[i], ks[i], pt, ids, pt, n, V, start, &sc, NULL), LACUS_OK);
            CHECK(sc.n > n / 5);
            CHECK_CLOSE(sc.acc, 1.0, 0);
            CHECK_CLOSE(sc.cont, 0.0, 1e-15);
            for (int64_t j = 0; j < n * V; j++) qu[j] = 1.0 / (double)V;
            CHECK_STATUS(lacus_formal_skill_from_probs(tasks[i], ks[i], qu, ids, pt, n, V, start, &sc, NULL), LACUS_OK);
            double S = tasks[i] == LACUS_FORMAL_DYCK ? (double)ks[i] + 1 : (double)V;
            CHECK_CLOSE(sc.acc, 1.0 / S, 1e-12);
            CHECK_CLOSE(sc.cont, -log2(S), 1e-12);
            /* Probed positions, counted independently: copy, reverse and
             * counting are probed where the next token is certain. */
            int64_t cert = 0;
            for (int64_t t = start; t < n; t++) {
                double mx = 0;
                for (int64_t v = 0; v < V; v++) mx = fmax(mx, pt[t * V + v]);
                cert += mx == 1.0;
            }
            CHECK(sc.n == (tasks[i] == LACUS_FORMAL_DYCK ? n - start : cert));
            /* Wrong V for the task is refused. */
            lacus_error err = {0};
            CHECK_STATUS(lacus_formal_skill_from_probs(tasks[i], ks[i], pt, ids, pt, n, V + 1, start, &sc, &err),
                         LACUS_ERR_ARG);
            CHECK(strstr(err.msg, "does not match") != NULL);
            free(ids), free(pt), free(qu);
        }
    }

    TEST("lm formal skill equals its restatement from lacus_lm_probs")
    {
        const int64_t ntr = 6000, n = 300, start = 10;
        int64_t V = 0;
        int32_t *tr = malloc((size_t)ntr * sizeof *tr), *ids = malloc((size_t)n * sizeof *ids);
        double *pt = malloc((size_t)(n * 8) * sizeof *pt), *q = malloc((size_t)(n * 8) * sizeof *q);
        CHECK_STATUS(lacus_formal_generate(LACUS_FORMAL_COPY, 3, 0.7, 8, 1, ntr, tr, NULL, &V, NULL), LACUS_OK);
        CHECK_STATUS(lacus_formal_generate(LACUS_FORMAL_COPY, 3, 0.7, 8, 2, n, ids, pt, &V, NULL), LACUS_OK);
        lacus_lm_params p = lacus_lm_params_default();
        p.vocab_size = V, p.n_units = 80, p.gate_tokens = 0, p.ridge = 0.1;
        lacus_lm *m = NULL;
        CHECK_STATUS(lacus_lm_create(&p, &m, NULL), LACUS_OK);
        CHECK_STATUS(lacus_lm_fit(m, tr, ntr, 600, NULL, NULL), LACUS_OK);
        for (int64_t t = start; t < n; t++) CHECK_STATUS(lacus_lm_probs(m, ids, t, q + t * V), LACUS_OK);
        lacus_skill_score a, b;
        double bits;
        CHECK_STATUS(lacus_formal_skill_from_probs(LACUS_FORMAL_COPY, 3, q, ids, pt, n, V, start, &a, NULL), LACUS_OK);
        CHECK_STATUS(lacus_lm_formal_skill(m, LACUS_FORMAL_COPY, 3, ids, pt, n, start, &b, &bits), LACUS_OK);
        CHECK(a.n == b.n && a.n > 50);
        CHECK_CLOSE(b.acc, a.acc, 1e-12);
        CHECK_CLOSE(b.cont, a.cont, 1e-9);
        double h;
        CHECK_STATUS(lacus_lm_score(m, ids, n, start, &h), LACUS_OK);
        CHECK_CLOSE(bits, h / (double)(n - start), 1e-9);
        printf("  copy, N = 80 on 6,000 tokens: acc %.3f (chance %.3f), log2 ratio %.3f\n", b.acc, 1.0 / (double)V, b.cont);
        lacus_lm_free(m);
        free(tr), free(ids), free(pt), free(q);
    }

    TEST("lm fit select: the argmin of the held-out bits, the same model as lacus_lm_fit at that ridge")
    {
        lacus_lgen_params gp = lacus_lgen_params_default();
        lacus_lgen *g = NULL;
        CHECK_STATUS(lacus_lgen_create(&gp, &g, NULL), LACUS_OK);
        const int64_t V = lacus_lgen_vocab_size(g), n = 12000, nte = 2000;
        int32_t *ids = malloc((size_t)n * sizeof *ids), *te = malloc((size_t)nte * sizeof *te);
        lacus_lgen_generate(g, n, ids, NULL, NULL, NULL);
        lacus_lgen_generate(g, nte, te, NULL, NULL, NULL);
        lacus_lm_params p = lacus_lm_params_default();
        p.vocab_size = V, p.n_units = 50, p.gate_tokens = 0;
        const double grid[5] = {1e-4, 1e-2, 1, 100, 1e4};
        double vb[5];
        lacus_lm *m = NULL, *m2 = NULL;
        CHECK_STATUS(lacus_lm_create(&p, &m, NULL), LACUS_OK);
        CHECK_STATUS(lacus_lm_fit_select(m, ids, n, 1200, grid, 5, vb, NULL, NULL), LACUS_OK);
        int best = 0;
        for (int j = 1; j < 5; j++) best = vb[j] < vb[best] ? j : best;
        double chosen = lacus_lm_params_get(m)->ridge;
        CHECK(chosen == grid[best]);
        /* The grid is not flat: 1e4 over-regularises a 50-unit readout. */
        CHECK(vb[4] > vb[best] + 0.05);
        printf("  held-out bits per ridge:");
        for (int j = 0; j < 5; j++) printf(" %g: %.4f", grid[j], vb[j]);
        printf("; chosen %g\n", chosen);
        p.ridge = chosen;
        CHECK_STATUS(lacus_lm_create(&p, &m2, NULL), LACUS_OK);
        CHECK_STATUS(lacus_lm_fit(m2, ids, n, 1200, NULL, NULL), LACUS_OK);
        double b1, b2;
        CHECK_STATUS(lacus_lm_score(m, te, nte, 1, &b1), LACUS_OK);
        CHECK_STATUS(lacus_lm_score(m2, te, nte, 1, &b2), LACUS_OK);
        CHECK_CLOSE(b1, b2, 1e-9 * fabs(b2));
        CHECK_CLOSE(lacus_lm_beta(m), lacus_lm_beta(m2), 1e-12);
        /* Bad grids. */
        const double badg[2] = {1, NAN};
        CHECK_STATUS(lacus_lm_fit_select(m, ids, n, 1200, badg, 2, NULL, NULL, NULL), LACUS_ERR_ARG);
        CHECK(strstr(lacus_lm_errmsg(m), "ridge[1]") != NULL);
        CHECK_STATUS(lacus_lm_fit_select(m, ids, n, 1200, grid, 0, NULL, NULL, NULL), LACUS_ERR_ARG);
        CHECK_STATUS(lacus_lm_fit_select(m, ids, n, 2, grid, 5, NULL, NULL, NULL), LACUS_ERR_ARG);
        lacus_lm_free(m), lacus_lm_free(m2), lacus_lgen_free(g);
        free(ids), free(te);
    }
    TEST_MAIN_END();
}
