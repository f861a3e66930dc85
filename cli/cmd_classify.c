/* lacus classify fit|run|eval: sequence classification with an ESN (one
 * label per sequence; last state, mean state or per-step vote), accuracy
 * and confusion matrix; and `lacus data vowels`, the synthetic
 * Japanese-vowels-shaped set (sequences + labels). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"

/* Reads a 1-D (or (n, 1)) array of integer labels (.npy of any numeric
 * dtype, or a one-column .csv); -1 after an error. */
static int load_labels(const char *path, const char *what, int64_t **out, int64_t *n)
{
    lacus_ndarray a = {0};
    lacus_error err = {0};
    *out = NULL;
    if (!path) return cli_error("%s: no file given", what), -1;
    size_t pl = strlen(path);
    int csv = pl > 4 && (!strcmp(path + pl - 4, ".csv") || !strcmp(path + pl - 4, ".txt"));
    if (csv ? lacus_csv_read(path, 0, &a, &err) : lacus_npy_read_matrix(path, &a, &err))
        return cli_error("%s: %s", what, err.msg), -1;
    if (a.ndim == 1) a.shape[1] = 1;
    if (a.shape[1] != 1) {
        cli_error("%s: %s has shape (%lld, %lld): expected one label per sequence (a 1-D array)",
                  what, path, (long long)a.shape[0], (long long)a.shape[1]);
        lacus_ndarray_free(&a);
        return -1;
    }
    int64_t m = a.shape[0];
    int64_t *lab = malloc((size_t)(m > 0 ? m : 1) * sizeof *lab);
    int rc = lab ? 0 : (cli_error("out of memory"), -1);
    for (int64_t i = 0; !rc && i < m; i++) {
        double v = ((double *)a.data)[i];
        if (!(fabs(v) < 1e15 && v == floor(v))) {
            cli_error("%s: %s: label %lld is %g, not an integer", what, path, (long long)i, v);
            rc = -1;
        } else {
            lab[i] = (int64_t)v;
        }
    }
    lacus_ndarray_free(&a);
    if (rc) free(lab);
    else *out = lab, *n = m;
    return rc;
}

static int write_i64(const char *path, const int64_t *v, int64_t rows, int64_t cols)
{
    lacus_ndarray a = {0};
    lacus_error err = {0};
    a.dtype = LACUS_I64;
    a.ndim = cols > 0 ? 2 : 1;
    a.shape[0] = rows;
    a.shape[1] = cols;
    a.data = (void *)v;
    if (lacus_npy_write(path, &a, &err)) return cli_error("%s", err.msg), -1;
    return 0;
}

/* Prints accuracy and the confusion matrix; writes it to conf_path if set. */
static int report(const int64_t *truth, const int64_t *pred, int64_t n, int64_t C,
                  const char *conf_path)
{
    lacus_error err = {0};
    double acc;
    int64_t *cm = malloc((size_t)(C * C) * sizeof *cm);
    if (!cm) return cli_error("out of memory"), -1;
    if (lacus_accuracy(truth, pred, n, &acc, &err) ||
        lacus_confusion_matrix(truth, pred, n, C, cm, &err)) {
        free(cm);
        return cli_error("%s", err.msg), -1;
    }
    printf("accuracy %.6f (%lld of %lld; chance %.4f)\n", acc,
           (long long)llround(acc * (double)n), (long long)n, 1.0 / (double)C);
    printf("confusion (rows: true class, columns: predicted)\n");
    for (int64_t i = 0; i < C; i++) {
        printf("  %3lld |", (long long)i);
        for (int64_t j = 0; j < C; j++) printf(" %4lld", (long long)cm[i * C + j]);
        printf("\n");
    }
    int rc = conf_path ? write_i64(conf_path, cm, C, C) : 0;
    free(cm);
    return rc;
}

static int classify_fit(int argc, char **argv)
{
    esn_cli_opts o = esn_opts_default();
    opt_list inputs = {0};
    const char *labels_path = NULL, *out = "classifier.npz", *mode = "last";
    int64_t classes = 0;
    opt table[] = {
        {"input", OPT_LIST, &inputs, "input sequences: .npz (one per member), 3-D .npy, .npy or .csv"},
        {"labels", OPT_STRING, &labels_path, "one integer label per sequence (.npy), in [0, classes)"},
        {"mode", OPT_STRING, &mode, "decision: last (last state) | mean (mean state after warmup) | "
                                    "vote (per-step readout, majority vote)"},
        {"classes", OPT_INT, &classes, "number of classes (0: largest label + 1)"},
        {"output", OPT_STRING, &out, "classifier file to write (.npz)"},
        ESN_OPTS(o),
    };
    verb_spec v = {"classify fit", "--input X.npz --labels y.npy [--mode last|mean|vote] [options]",
                   "Trains an ESN sequence classifier (ridge readout on one-hot labels) and saves it;\n"
                   "prints the training accuracy.",
                   table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? 0 : 2;
    lacus_classifier_params p = lacus_classifier_params_default();
    if (lacus_classify_mode_parse(mode, &p.mode))
        return cli_error("--mode \"%s\": expected last, mean or vote", mode), 2;
    if (o.feedback || o.feed_input)
        return cli_error("classify: --feedback and --feed-input are not supported (the readout reads "
                         "the states)"), 2;
    if (classes < 0 || classes == 1)
        return cli_error("--classes %lld: must be 0 (auto) or >= 2", (long long)classes), 2;
    cli_seqs X;
    int64_t *lab = NULL, n_lab = 0, *pred = NULL;
    if (load_labels(labels_path, "--labels", &lab, &n_lab)) return 1;
    if (cli_seqs_load(&inputs, "--input", &X)) {
        free(lab);
        return 1;
    }
    int rc = 1;
    lacus_classifier *c = NULL;
    lacus_error err = {0};
    if (n_lab != X.s.n_seqs) {
        cli_error("--labels has %lld labels for %lld sequences", (long long)n_lab, (long long)X.s.n_seqs);
        goto done;
    }
    int64_t maxl = -1;
    for (int64_t i = 0; i < n_lab; i++) {
        if (lab[i] < 0) {
            cli_error("--labels: label %lld is %lld: labels must be >= 0", (long long)i, (long long)lab[i]);
            goto done;
        }
        if (lab[i] > maxl) maxl = lab[i];
    }
    p.n_classes = classes ? classes : maxl + 1;
    if (esn_opts_resolve(&o, &p.esn, X.s.n_features)) {
        rc = 2;
        goto done;
    }
    cli_progress prog;
    cli_progress_init(&prog, "classify fit");
    p.esn.progress = cli_progress_cb;
    p.esn.progress_user = &prog;
    if (lacus_classifier_create(&p, &c, &err)) {
        cli_error("%s", err.msg);
        goto done;
    }
    double t0 = cli_now();
    lacus_status st = lacus_classifier_fit(c, &X.s, lab);
    cli_progress_done(&prog);
    if (st) {
        cli_error("classify fit: %s", lacus_classifier_errmsg(c));
        goto done;
    }
    double t1 = cli_now();
    if (!(pred = malloc((size_t)n_lab * sizeof *pred))) {
        cli_error("out of memory");
        goto done;
    }
    if (lacus_classifier_predict(c, &X.s, pred, NULL)) {
        cli_error("classify fit: %s", lacus_classifier_errmsg(c));
        goto done;
    }
    if (lacus_classifier_save(c, out, &err)) {
        cli_error("%s", err.msg);
        goto done;
    }
    printf("trained on %lld sequences, %lld classes, mode %s, %lld units in %.3f s; wrote %s\n",
           (long long)n_lab, (long long)p.n_classes, mode, (long long)o.units, t1 - t0, out);
    printf("training ");
    rc = report(lab, pred, n_lab, p.n_classes, NULL) ? 1 : 0;
done:
    lacus_classifier_free(c);
    free(lab);
    free(pred);
    cli_seqs_free(&X);
    return rc;
}

static int classify_run(int argc, char **argv)
{
    opt_list inputs = {0};
    const char *model = "classifier.npz", *out = "labels.npy", *scores_path = NULL,
               *truth_path = NULL, *conf_path = NULL;
    int64_t threads = 0;
    opt table[] = {
        {"model", OPT_STRING, &model, "classifier (.npz from lacus classify fit)"},
        {"input", OPT_LIST, &inputs, "input sequences: .npz, 3-D .npy, .npy or .csv"},
        {"output", OPT_STRING, &out, "predicted labels (.npy, int64)"},
        {"scores", OPT_STRING, &scores_path, "also write the class scores (n_seqs, classes) here"},
        {"labels", OPT_STRING, &truth_path, "true labels (.npy): print accuracy and confusion"},
        {"confusion", OPT_STRING, &conf_path, "with --labels: write the confusion matrix (.npy)"},
        {"threads", OPT_INT, &threads, "OpenMP threads (0: default)"},
    };
    verb_spec v = {"classify run", "--model classifier.npz --input X.npz [--output labels.npy]",
                   "Predicts one label per input sequence with a trained classifier.", table,
                   (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? 0 : 2;
    if (conf_path && !truth_path) return cli_error("--confusion needs --labels"), 2;
    if (threads > 0) lacus_set_num_threads((int)threads);
    lacus_error err = {0};
    lacus_classifier *c = NULL;
    if (lacus_classifier_load(model, &c, &err)) return cli_error("%s", err.msg), 1;
    cli_seqs X;
    int64_t *truth = NULL, n_truth = 0, *pred = NULL;
    double *scores = NULL;
    if (cli_seqs_load(&inputs, "--input", &X)) {
        lacus_classifier_free(c);
        return 1;
    }
    int rc = 1;
    const int64_t n = X.s.n_seqs, C = lacus_classifier_n_classes(c);
    if (truth_path) {
        if (load_labels(truth_path, "--labels", &truth, &n_truth)) goto done;
        if (n_truth != n) {
            cli_error("--labels has %lld labels for %lld sequences", (long long)n_truth, (long long)n);
            goto done;
        }
    }
    pred = malloc((size_t)n * sizeof *pred);
    scores = malloc((size_t)(n * C) * sizeof *scores);
    if (!pred || !scores) {
        cli_error("out of memory");
        goto done;
    }
    if (lacus_classifier_predict(c, &X.s, pred, scores)) {
        cli_error("classify run: %s", lacus_classifier_errmsg(c));
        goto done;
    }
    if (truth && report(truth, pred, n, C, conf_path)) goto done;
    if (write_i64(out, pred, n, 0)) goto done;
    if (scores_path && cli_write_seqs(scores_path, &scores, &n, 1, C)) goto done;
    printf("wrote %s (%lld labels, mode %s)\n", out, (long long)n,
           lacus_classify_mode_name(lacus_classifier_mode(c)));
    rc = 0;
done:
    free(pred);
    free(scores);
    free(truth);
    cli_seqs_free(&X);
    lacus_classifier_free(c);
    return rc;
}

static int classify_eval(int argc, char **argv)
{
    const char *truth_path = NULL, *pred_path = NULL, *conf_path = NULL;
    int64_t classes = 0;
    opt table[] = {
        {"truth", OPT_STRING, &truth_path, "true labels (.npy)"},
        {"pred", OPT_STRING, &pred_path, "predicted labels (.npy)"},
        {"classes", OPT_INT, &classes, "number of classes (0: largest label + 1)"},
        {"confusion", OPT_STRING, &conf_path, "write the confusion matrix here (.npy, int64)"},
    };
    verb_spec v = {"classify eval", "--truth y.npy --pred p.npy [--confusion C.npy]",
                   "Prints the accuracy and the confusion matrix (rows: true class).", table,
                   (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? 0 : 2;
    if (classes < 0) return cli_error("--classes %lld: must be >= 0", (long long)classes), 2;
    int64_t *t = NULL, *p = NULL, nt = 0, np = 0;
    if (load_labels(truth_path, "--truth", &t, &nt)) return 1;
    if (load_labels(pred_path, "--pred", &p, &np)) {
        free(t);
        return 1;
    }
    int rc = 1;
    if (nt != np || nt == 0) {
        cli_error("--truth has %lld labels, --pred %lld: need the same number, >= 1", (long long)nt,
                  (long long)np);
        goto done;
    }
    int64_t C = classes;
    if (!C)
        for (int64_t i = 0; i < nt; i++) {
            if (t[i] + 1 > C) C = t[i] + 1;
            if (p[i] + 1 > C) C = p[i] + 1;
        }
    rc = report(t, p, nt, C, conf_path) ? 1 : 0;
done:
    free(t);
    free(p);
    return rc;
}

int cmd_classify(int argc, char **argv)
{
    const char *sub = argc >= 3 ? argv[2] : "";
    if (!strcmp(sub, "fit")) return classify_fit(argc, argv);
    if (!strcmp(sub, "run")) return classify_run(argc, argv);
    if (!strcmp(sub, "eval")) return classify_eval(argc, argv);
    FILE *f = !strcmp(sub, "--help") || !strcmp(sub, "-h") ? stdout : stderr;
    fprintf(f, "usage: lacus classify fit|run|eval [options]  (lacus classify fit --help)\n"
               "  fit   train an ESN sequence classifier (--mode last|mean|vote) and save it\n"
               "  run   predict labels with a saved classifier (accuracy with --labels)\n"
               "  eval  accuracy and confusion matrix of predicted labels\n");
    if (f == stdout) return 0;
    if (*sub) cli_error("classify: unknown subcommand \"%s\"", sub);
    return 2;
}

int cmd_data_vowels(int argc, char **argv)
{
    lacus_vowels_params p = lacus_vowels_params_default();
    int64_t per = p.n_per_class, lo = p.min_len, hi = p.max_len, seed = (int64_t)p.seed,
            speakers = (int64_t)p.speaker_seed;
    const char *out = NULL, *labels_out = NULL;
    opt table[] = {
        {"output", OPT_STRING, &out, "sequences (.npz, one member per sequence; required)"},
        {"labels", OPT_STRING, &labels_out, "labels (.npy, int64, 0..8; required)"},
        {"per-class", OPT_INT, &per, "sequences per class (UCI: 30 train)"},
        {"min-len", OPT_INT, &lo, "shortest sequence"},
        {"max-len", OPT_INT, &hi, "longest sequence"},
        {"noise", OPT_DOUBLE, &p.noise, "Gaussian noise on each coefficient"},
        {"jitter", OPT_DOUBLE, &p.jitter, "relative formant jitter per utterance"},
        {"seed", OPT_INT, &seed, "seed of the utterances (change it for a test set)"},
        {"speaker-seed", OPT_INT, &speakers, "seed of the 9 speakers (keep it between train and test)"},
    };
    verb_spec v = {"data vowels", "--output X.npz --labels y.npy [options]",
                   "SYNTHETIC Japanese-vowels-shaped data: 9 classes (speakers), 12 LPC-cepstrum-like\n"
                   "features, lengths 7-29, from formant tracks (docs/classification.md). Not the UCI set.",
                   table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? 0 : 2;
    if (!out || !labels_out) return cli_error("data vowels: --output and --labels are required"), 2;
    if (seed < 0 || speakers < 0) return cli_error("data vowels: seeds must be >= 0"), 2;
    p.n_per_class = per;
    p.min_len = lo;
    p.max_len = hi;
    p.seed = (uint64_t)seed;
    p.speaker_seed = (uint64_t)speakers;
    if (per < 1 || per > 10000000) return cli_error("data vowels: --per-class %lld: must be in [1, 1e7]", (long long)per), 2;
    lacus_error err = {0};
    const int64_t n = per * LACUS_VOWELS_CLASSES;
    int64_t *len = malloc((size_t)n * sizeof *len), *lab = malloc((size_t)n * sizeof *lab);
    double *x = NULL, **ptr = malloc((size_t)n * sizeof *ptr);
    int rc = 1;
    if (!len || !lab || !ptr) {
        cli_error("out of memory");
        goto done;
    }
    if (lacus_vowels_lengths(&p, len, &err)) {
        cli_error("data vowels: %s", err.msg);
        rc = 2;
        goto done;
    }
    int64_t rows = 0;
    for (int64_t i = 0; i < n; i++) rows += len[i];
    if (!(x = malloc((size_t)(rows * LACUS_VOWELS_DIMS) * sizeof *x))) {
        cli_error("out of memory for %lld rows", (long long)rows);
        goto done;
    }
    if (lacus_vowels(&p, x, len, lab, &err)) {
        cli_error("data vowels: %s", err.msg);
        goto done;
    }
    for (int64_t i = 0, off = 0; i < n; off += len[i] * LACUS_VOWELS_DIMS, i++) ptr[i] = x + off;
    if (cli_write_seqs(out, ptr, len, n, LACUS_VOWELS_DIMS)) goto done;
    if (write_i64(labels_out, lab, n, 0)) {
        remove(out); /* both files or neither */
        goto done;
    }
    printf("wrote %s (%lld sequences, %lld rows x %d) and %s (labels 0..%d)\n", out, (long long)n,
           (long long)rows, LACUS_VOWELS_DIMS, labels_out, LACUS_VOWELS_CLASSES - 1);
    rc = 0;
done:
    free(len);
    free(lab);
    free(ptr);
    free(x);
    return rc;
}
