/* Layer stacks (lacus_stack): a chained stack equals the same ESNs composed
 * by hand; teacher-input training equals independent ESN fits on the
 * teacher's activity, with 1 or 2 layers at once and 1 or 2 threads, bit
 * for bit; the reported MSE is the layer's real training error; save/load
 * is exact; misuse is refused with the layer named. */
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "model/stack.h"
#include "test.h"

enum { L = 3, S = 2 };
static const int64_t steps[S] = {140, 90};
static const int64_t widths[L + 1] = {3, 5, 4, 2}; /* input, then each layer's outputs */

typedef struct {
    double *data[L + 1][S]; /* [0]: inputs; [l+1]: layer l's targets */
    lacus_seqs seqs[L + 1];
} dataset;

static void make_data(dataset *d)
{
    uint64_t s = 12345;
    for (int k = 0; k <= L; k++) {
        for (int i = 0; i < S; i++) {
            int64_t n = steps[i] * widths[k];
            d->data[k][i] = malloc((size_t)n * sizeof(double));
            for (int64_t j = 0; j < n; j++) {
                s = s * 6364136223846793005ULL + 1442695040888963407ULL;
                double r = (double)(s >> 11) / 9007199254740992.0;
                /* smooth-ish signals so readouts have something to fit */
                d->data[k][i][j] = sin(0.07 * (double)(j / widths[k]) * (k + 1) + j % widths[k]) +
                                   0.1 * (r - 0.5);
            }
        }
        d->seqs[k] = (lacus_seqs){S, widths[k], (const double *const *)d->data[k], steps};
    }
}

static lacus_esn_params layer_params(int l)
{
    lacus_esn_params p = lacus_esn_params_default();
    p.reservoir.n_units = 40 + 10 * l;
    p.reservoir.n_inputs = widths[l];
    p.reservoir.sr = 0.9;
    p.reservoir.lr = 0.5;
    p.reservoir.input_connectivity = 0.5;
    p.reservoir.seed = 100 + (uint64_t)l;
    p.readout.ridge = 1e-4;
    p.warmup = 10;
    return p;
}

static lacus_stack *make_stack(int teacher, int parallel, lacus_error *err)
{
    lacus_esn_params ep[L];
    int64_t outs[L];
    for (int l = 0; l < L; l++) {
        ep[l] = layer_params(l);
        if (l > 0) ep[l].reservoir.n_inputs = 0; /* filled in by the stack */
        outs[l] = widths[l + 1];
    }
    lacus_stack_params p = lacus_stack_params_default();
    p.n_layers = L;
    p.layers = ep;
    p.n_outputs = outs;
    p.teacher_inputs = teacher;
    p.parallel_layers = parallel;
    lacus_stack *s = NULL;
    CHECK_STATUS(lacus_stack_create(&p, &s, err), LACUS_OK);
    return s;
}

static void get_wout(lacus_esn *m, double **W, double **b)
{
    const lacus_ridge *r = lacus_esn_readout(m);
    int64_t F = lacus_reservoir_n_units(lacus_esn_reservoir(m)), O = lacus_esn_n_outputs(m);
    *W = malloc((size_t)(F * O) * sizeof(double));
    *b = malloc((size_t)O * sizeof(double));
    lacus_ridge_get_weights(r, *W, *b);
}

/* Max |a - b| over two trained layers' readouts (0 when bit-identical). */
static double wout_diff(lacus_esn *a, lacus_esn *b)
{
    double *Wa, *ba, *Wb, *bb;
    get_wout(a, &Wa, &ba);
    get_wout(b, &Wb, &bb);
    int64_t n = lacus_reservoir_n_units(lacus_esn_reservoir(a)) * lacus_esn_n_outputs(a);
    double d = 0;
    for (int64_t i = 0; i < n; i++) d = fmax(d, fabs(Wa[i] - Wb[i]));
    for (int64_t i = 0; i < lacus_esn_n_outputs(a); i++) d = fmax(d, fabs(ba[i] - bb[i]));
    free(Wa); free(ba); free(Wb); free(bb);
    return d;
}

static double **alloc_outputs(int64_t width)
{
    double **o = malloc(S * sizeof *o);
    for (int i = 0; i < S; i++) o[i] = calloc((size_t)(steps[i] * width), sizeof(double));
    return o;
}

static void free_outputs(double **o)
{
    for (int i = 0; i < S; i++) free(o[i]);
    free(o);
}

static double mse(double **pred, const lacus_seqs *truth, int64_t warmup)
{
    double sum = 0;
    int64_t n = 0, O = truth->n_features;
    for (int i = 0; i < S; i++)
        for (int64_t t = warmup; t < steps[i]; t++)
            for (int64_t j = 0; j < O; j++, n++) {
                double e = pred[i][t * O + j] - truth->data[i][t * O + j];
                sum += e * e;
            }
    return sum / (double)n;
}

int main(void)
{
    dataset d;
    make_data(&d);
    const lacus_seqs *targets[L] = {&d.seqs[1], &d.seqs[2], &d.seqs[3]};
    lacus_error err = {0};

    TEST("a chained stack equals the ESNs composed by hand") {
        lacus_stack *s = make_stack(0, 1, &err);
        CHECK_STATUS(lacus_stack_fit(s, &d.seqs[0], targets), LACUS_OK);
        const lacus_seqs *in = &d.seqs[0];
        double **prev = NULL;
        lacus_seqs cur;
        for (int l = 0; l < L; l++) {
            lacus_esn_params p = layer_params(l);
            lacus_esn *m = NULL;
            CHECK_STATUS(lacus_esn_create(&p, &m, &err), LACUS_OK);
            CHECK_STATUS(lacus_esn_fit(m, in, targets[l]), LACUS_OK);
            CHECK(wout_diff(m, lacus_stack_layer(s, l)) == 0.0);
            double **out = alloc_outputs(widths[l + 1]);
            CHECK_STATUS(lacus_esn_run(m, in, out), LACUS_OK);
            CHECK_CLOSE(lacus_stack_train_mse(s, l), mse(out, targets[l], p.warmup), 1e-14);
            if (prev) free_outputs(prev);
            prev = out;
            cur = (lacus_seqs){S, widths[l + 1], (const double *const *)out, steps};
            in = &cur;
            lacus_esn_free(m);
        }
        /* The stack's run gives the last layer's predictions of that chain. */
        double **last = alloc_outputs(widths[L]);
        double *const *outs[L] = {NULL, NULL, last};
        CHECK_STATUS(lacus_stack_run(s, &d.seqs[0], outs), LACUS_OK);
        double diff = 0;
        for (int i = 0; i < S; i++)
            for (int64_t j = 0; j < steps[i] * widths[L]; j++)
                diff = fmax(diff, fabs(last[i][j] - prev[i][j]));
        CHECK(diff == 0.0);
        free_outputs(last);
        free_outputs(prev);
        lacus_stack_free(s);
    }

    TEST("teacher-input training: parallel layers and thread counts change nothing") {
        lacus_stack *ref = make_stack(1, 1, &err);
        lacus_set_num_threads(1);
        CHECK_STATUS(lacus_stack_fit(ref, &d.seqs[0], targets), LACUS_OK);
        lacus_set_num_threads(2);
        lacus_stack *par = make_stack(1, 2, &err);
        CHECK_STATUS(lacus_stack_fit(par, &d.seqs[0], targets), LACUS_OK);
        for (int l = 0; l < L; l++) {
            CHECK(wout_diff(ref->layers[l], par->layers[l]) == 0.0);
            CHECK(lacus_stack_train_mse(ref, l) == lacus_stack_train_mse(par, l));
            /* Layer l alone, fitted on the teacher's layer l-1 activity. */
            lacus_esn_params p = layer_params(l);
            lacus_esn *m = NULL;
            CHECK_STATUS(lacus_esn_create(&p, &m, &err), LACUS_OK);
            CHECK_STATUS(lacus_esn_fit(m, &d.seqs[l], targets[l]), LACUS_OK);
            CHECK(wout_diff(m, par->layers[l]) == 0.0);
            lacus_esn_free(m);
        }
        lacus_stack_free(ref);
        lacus_stack_free(par);
    }

    TEST("save and load are exact; a newer format version is refused") {
        lacus_stack *s = make_stack(0, 1, &err);
        CHECK_STATUS(lacus_stack_fit(s, &d.seqs[0], targets), LACUS_OK);
        const char *path = fx_tmp_path("stack.npz");
        CHECK_STATUS(lacus_stack_save(s, path, &err), LACUS_OK);
        lacus_stack *t = NULL;
        CHECK_STATUS(lacus_stack_load(path, &t, &err), LACUS_OK);
        CHECK(t && lacus_stack_n_layers(t) == L);
        double **a[L], **b[L];
        for (int l = 0; l < L; l++) {
            a[l] = alloc_outputs(widths[l + 1]);
            b[l] = alloc_outputs(widths[l + 1]);
        }
        double *const *oa[L] = {a[0], a[1], a[2]}, *const *ob[L] = {b[0], b[1], b[2]};
        CHECK_STATUS(lacus_stack_run(s, &d.seqs[0], oa), LACUS_OK);
        CHECK_STATUS(lacus_stack_run(t, &d.seqs[0], ob), LACUS_OK);
        for (int l = 0; l < L; l++) {
            double diff = 0;
            for (int i = 0; i < S; i++)
                for (int64_t j = 0; j < steps[i] * widths[l + 1]; j++)
                    diff = fmax(diff, fabs(a[l][i][j] - b[l][i][j]));
            CHECK(diff == 0.0);
            free_outputs(a[l]);
            free_outputs(b[l]);
        }
        /* An ESN file is not a stack, and a stack is not an ESN. */
        lacus_esn *e = NULL;
        CHECK_STATUS(lacus_esn_load(path, &e, &err), LACUS_ERR_FORMAT);
        const char *epath = fx_tmp_path("layer0.npz");
        CHECK_STATUS(lacus_esn_save(s->layers[0], epath, &err), LACUS_OK);
        lacus_stack_free(t);
        t = NULL;
        CHECK_STATUS(lacus_stack_load(epath, &t, &err), LACUS_ERR_FORMAT);
        CHECK(strstr(err.msg, "\"kind\" is not \"stack\"") != NULL);
        t = NULL;
        /* A manifest from a future version. */
        const char *fpath = fx_tmp_path("future.npz");
        const char *man = "{\"format\": \"lacus-model\", \"format_version\": 99, \"kind\": \"stack\", "
                          "\"layers\": [{}]}";
        lacus_npz_writer *w = NULL;
        CHECK_STATUS(lacus_npz_writer_open(fpath, 0, &w, &err), LACUS_OK);
        CHECK_STATUS(lacus_npz_writer_add_bytes(w, "manifest.json", man, strlen(man), &err), LACUS_OK);
        CHECK_STATUS(lacus_npz_writer_commit(w, &err), LACUS_OK);
        CHECK_STATUS(lacus_stack_load(fpath, &t, &err), LACUS_ERR_UNSUPPORTED);
        CHECK(strstr(err.msg, "version 99") != NULL);
        CHECK(t == NULL);
        lacus_stack_free(s);
    }

    TEST("misuse is refused with the layer named") {
        lacus_esn_params ep[2] = {layer_params(0), layer_params(1)};
        int64_t outs[2] = {5, 4};
        lacus_stack_params p = lacus_stack_params_default();
        p.n_layers = 2;
        p.layers = ep;
        p.n_outputs = outs;
        lacus_stack *s = NULL;
        ep[1].reservoir.n_inputs = 7;
        CHECK_STATUS(lacus_stack_create(&p, &s, &err), LACUS_ERR_SHAPE);
        CHECK(strstr(err.msg, "layer 1 reads 7 inputs") != NULL);
        ep[1].reservoir.n_inputs = 0;
        ep[1].n_feedback = 4;
        CHECK_STATUS(lacus_stack_create(&p, &s, &err), LACUS_ERR_UNSUPPORTED);
        ep[1].n_feedback = 0;
        p.n_layers = 0;
        CHECK_STATUS(lacus_stack_create(&p, &s, &err), LACUS_ERR_ARG);
        p.n_layers = 2;
        CHECK_STATUS(lacus_stack_create(&p, &s, &err), LACUS_OK);
        const lacus_seqs *bad[2] = {&d.seqs[1], &d.seqs[1]}; /* layer 1 expects 4 outputs */
        CHECK_STATUS(lacus_stack_fit(s, &d.seqs[0], bad), LACUS_ERR_SHAPE);
        CHECK(strstr(lacus_stack_errmsg(s), "layer 1 targets") != NULL);
        double **o = alloc_outputs(4);
        double *const *outs2[2] = {NULL, o};
        CHECK_STATUS(lacus_stack_run(s, &d.seqs[0], outs2), LACUS_ERR_STATE);
        free_outputs(o);
        lacus_stack_free(s);
    }

    for (int k = 0; k <= L; k++)
        for (int i = 0; i < S; i++) free(d.data[k][i]);
    TEST_MAIN_END();
}
