/* libFuzzer target for the model-file loaders (ESN, NVAR, stack, graph,
 * LM, stacked LM, classifier, preprocessing node).
 *
 * Mutating a whole .npz mostly breaks its CRCs, which libzip rejects before
 * any loader sees the content, so this target is structure-aware: it starts
 * from small valid model files (tests/fuzz/models/KIND*.npz, made by
 * tests/fuzz/models/make_models.sh) and rewrites one member of one of them
 * from the fuzz input, then loads the result.
 *
 *   byte 0: which base file (low 7 bits, modulo their count); bit 7 clear:
 *           the rest of the input is the new manifest.json; bit 7 set:
 *           byte 1 picks a member (modulo the member count) and the rest is
 *           its new bytes (an .npy for arrays).
 *
 * A load that fails must carry a message and leave no model; a load that
 * succeeds must give a model that runs a few steps (or scores a few tokens)
 * without a crash: the loaders must check the arrays against the manifest
 * before anything trusts them. The seed corpus (tests/fuzz/corpus/model/)
 * holds every member of every base file as it is, written by this target
 * when run with LACUS_FUZZ_WRITE_SEEDS=DIR. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lacus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#ifndef LACUS_FUZZ_MODEL_DIR
#error "LACUS_FUZZ_MODEL_DIR must name tests/fuzz/models"
#endif

#define MAX_BASES 16
#define MAX_MEMBERS 24

typedef struct {
    char kind[32];
    int n;
    char *name[MAX_MEMBERS];
    void *bytes[MAX_MEMBERS];
    size_t len[MAX_MEMBERS];
    int manifest; /* index of manifest.json */
} base;

static base g_bases[MAX_BASES];
static int g_n_bases;
static char g_path[256];

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_model: %s: %s\n", what, detail);
    abort();
}

static void load_base(const char *dir, const char *file)
{
    if (g_n_bases == MAX_BASES) die("too many base files in", dir);
    base *b = &g_bases[g_n_bases];
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t k = strcspn(file, "_.");
    if (k >= sizeof b->kind) die("base file name too long", file);
    memcpy(b->kind, file, k);
    b->kind[k] = '\0';
    lacus_npz *z;
    lacus_error err = {0};
    if (lacus_npz_open(path, &z, &err)) die(path, err.msg);
    b->n = (int)lacus_npz_count(z);
    if (b->n > MAX_MEMBERS) die("too many members in", path);
    b->manifest = -1;
    for (int i = 0; i < b->n; i++) {
        const char *name = lacus_npz_name(z, i);
        b->name[i] = strdup(name);
        if (lacus_npz_read_bytes(z, name, &b->bytes[i], &b->len[i], &err)) die(path, err.msg);
        if (!strcmp(name, "manifest.json")) b->manifest = i;
    }
    lacus_npz_close(z);
    if (b->manifest < 0) die("no manifest.json in", path);
    g_n_bases++;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = LACUS_FUZZ_MODEL_DIR;
    DIR *d = opendir(dir);
    if (!d) die("cannot open", dir);
    char *names[MAX_BASES];
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len > 4 && !strcmp(e->d_name + len - 4, ".npz") && n < MAX_BASES)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, by_name); /* a stable order for byte 0 */
    for (int i = 0; i < n; i++) {
        load_base(dir, names[i]);
        free(names[i]);
    }
    if (!g_n_bases) die("no base model files in", dir);
    const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(g_path, sizeof g_path, "%s/lacus-fuzz-model-%ld.npz", tmp, (long)getpid());

    const char *seeds = getenv("LACUS_FUZZ_WRITE_SEEDS");
    if (seeds) { /* one seed per member of every base: its own bytes */
        for (int i = 0; i < g_n_bases; i++)
            for (int j = 0; j < g_bases[i].n; j++) {
                const base *b = &g_bases[i];
                char path[512];
                snprintf(path, sizeof path, "%s/%02d-%s-%02d", seeds, i, b->kind, j);
                FILE *f = fopen(path, "wb");
                if (!f) die("cannot write", path);
                unsigned char head[2] = {(unsigned char)(j == b->manifest ? i : i | 0x80),
                                         (unsigned char)j};
                fwrite(head, 1, j == b->manifest ? 1 : 2, f);
                fwrite(b->bytes[j], 1, b->len[j], f);
                fclose(f);
            }
        exit(0);
    }
    return 0;
}

/* Writes base b with member m replaced by (data, size) to g_path. */
static void write_variant(const base *b, int m, const uint8_t *data, size_t size)
{
    lacus_npz_writer *w;
    lacus_error err = {0};
    if (lacus_npz_writer_open(g_path, 0, &w, &err)) die("writer_open", err.msg);
    for (int i = 0; i < b->n; i++) {
        const void *p = i == m ? (const void *)data : b->bytes[i];
        size_t len = i == m ? size : b->len[i];
        if (lacus_npz_writer_add_bytes(w, b->name[i], p, len, &err)) die("writer_add", err.msg);
    }
    if (lacus_npz_writer_commit(w, &err)) die("writer_commit", err.msg);
}

static void check_failure(lacus_status st, const lacus_error *err, const void *model)
{
    if (st != LACUS_OK && (!err->msg[0] || model)) abort();
}

static void try_esn(void)
{
    lacus_esn *m = NULL;
    lacus_error err = {0};
    lacus_status st = lacus_esn_load(g_path, &m, &err);
    check_failure(st, &err, m);
    if (st) return;
    int64_t I = lacus_reservoir_n_inputs(lacus_esn_reservoir(m)), O = lacus_esn_n_outputs(m);
    if (I <= 1024 && O <= 1024) {
        enum { T = 4 };
        double *u = calloc((size_t)(T * I + 1), sizeof *u), *y = calloc((size_t)(T * O + 1), sizeof *y);
        const double *in[1] = {u};
        double *out[1] = {y};
        int64_t steps[1] = {T};
        lacus_seqs s = {1, I, in, steps};
        (void)lacus_esn_run(m, &s, out);
        free(u);
        free(y);
    }
    lacus_esn_free(m);
}

static void try_nvar(void)
{
    lacus_nvar_model *m = NULL;
    lacus_error err = {0};
    lacus_status st = lacus_nvar_model_load(g_path, &m, &err);
    check_failure(st, &err, m);
    if (st) return;
    /* A model with targets predicts n_outputs columns, not n_inputs. */
    int64_t I = lacus_nvar_model_n_inputs(m), O = lacus_nvar_model_n_outputs(m);
    if (I <= 1024 && O <= 1024) {
        enum { T = 6 };
        double *u = calloc((size_t)(T * I + 1), sizeof *u), *y = calloc((size_t)(T * O + 1), sizeof *y);
        (void)lacus_nvar_model_predict(m, u, T, y);
        free(u);
        free(y);
    }
    lacus_nvar_model_free(m);
}

static void try_lm(void)
{
    lacus_lm *m = NULL;
    lacus_tokenizer *tok = NULL;
    lacus_error err = {0};
    lacus_status st = lacus_lm_load(g_path, &m, &tok, &err);
    check_failure(st, &err, m);
    if (st) return;
    int64_t V = lacus_lm_params_get(m)->vocab_size;
    int32_t ids[6];
    for (int i = 0; i < 6; i++) ids[i] = (int32_t)(i % V);
    double bits;
    (void)lacus_lm_score(m, ids, 6, 1, &bits);
    lacus_lm_free(m);
    lacus_tokenizer_free(tok);
}

static void try_lm_stack(void)
{
    lacus_lm_stack *m = NULL;
    lacus_tokenizer *tok = NULL;
    lacus_error err = {0};
    lacus_status st = lacus_lm_stack_load(g_path, &m, &tok, &err);
    check_failure(st, &err, m);
    if (st) return;
    lacus_lm_stack_free(m);
    lacus_tokenizer_free(tok);
}

#define TRY_LOAD(type, load, free_fn)                                                             \
    do {                                                                                          \
        type *m_ = NULL;                                                                          \
        lacus_error err_ = {0};                                                                   \
        lacus_status st_ = load(g_path, &m_, &err_);                                              \
        check_failure(st_, &err_, m_);                                                            \
        if (!st_) free_fn(m_);                                                                    \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const base *b = &g_bases[(data[0] & 0x7f) % g_n_bases];
    int member = b->manifest;
    data++, size--;
    if (data[-1] & 0x80) {
        if (size < 1) return 0;
        member = data[0] % b->n;
        data++, size--;
    }
    write_variant(b, member, data, size);
    if (!strcmp(b->kind, "esn")) try_esn();
    else if (!strcmp(b->kind, "nvar")) try_nvar();
    else if (!strcmp(b->kind, "lm")) try_lm();
    else if (!strcmp(b->kind, "lmstack")) try_lm_stack();
    else if (!strcmp(b->kind, "stack")) TRY_LOAD(lacus_stack, lacus_stack_load, lacus_stack_free);
    else if (!strcmp(b->kind, "graph")) TRY_LOAD(lacus_graph, lacus_graph_load, lacus_graph_free);
    else if (!strcmp(b->kind, "classifier"))
        TRY_LOAD(lacus_classifier, lacus_classifier_load, lacus_classifier_free);
    else if (!strcmp(b->kind, "prep")) TRY_LOAD(lacus_prep, lacus_prep_load, lacus_prep_free);
    else die("no loader for base kind", b->kind);
    unlink(g_path);
    return 0;
}
