/* The texts, splits and options lacus lm train and eval share (lm_text.h). */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lm_text.h"

static int append_file(text_buf *t, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return cli_error("cannot open text %s", path), -1;
    char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (t->len + n > t->cap) {
            size_t c = t->cap ? t->cap * 2 : 1 << 20;
            while (c < t->len + n) c *= 2;
            char *d = realloc(t->data, c);
            if (!d) {
                fclose(f);
                return cli_error("out of memory reading %s", path), -1;
            }
            t->data = d, t->cap = c;
        }
        memcpy(t->data + t->len, buf, n);
        t->len += n;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) return cli_error("cannot read text %s", path), -1;
    return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int lm_load_texts(const opt_list *paths, text_buf *t)
{
    memset(t, 0, sizeof *t);
    if (paths->n == 0) return cli_error("--text is required"), -1;
    for (int i = 0; i < paths->n; i++) {
        struct stat st;
        if (stat(paths->items[i], &st)) return cli_error("cannot open text %s", paths->items[i]), -1;
        if (!S_ISDIR(st.st_mode)) {
            if (append_file(t, paths->items[i])) return -1;
            continue;
        }
        DIR *d = opendir(paths->items[i]);
        if (!d) return cli_error("cannot open directory %s", paths->items[i]), -1;
        char **names = NULL;
        size_t n = 0;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            names = realloc(names, (n + 1) * sizeof *names);
            names[n++] = strdup(e->d_name);
        }
        closedir(d);
        qsort(names, n, sizeof *names, cmp_str);
        int rc = 0;
        for (size_t k = 0; k < n && !rc; k++) {
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", paths->items[i], names[k]);
            if (!stat(p, &st) && S_ISREG(st.st_mode)) rc = append_file(t, p);
        }
        for (size_t k = 0; k < n; k++) free(names[k]);
        free(names);
        if (rc) return -1;
    }
    if (t->len == 0) return cli_error("the text is empty"), -1;
    return 0;
}

size_t lm_split_point(const text_buf *t, double holdout)
{
    size_t cut = (size_t)((1.0 - holdout) * (double)t->len);
    if (cut == 0) cut = 1;
    while (cut < t->len && t->data[cut - 1] != '\n') cut++;
    return cut;
}

int lm_encode_split(const lacus_tokenizer *tok, const text_buf *t, size_t cut, split *s)
{
    lacus_error err = {0};
    int64_t a = 0, b = 0, ua = 0, ub = 0;
    memset(s, 0, sizeof *s);
    if (lacus_tokenizer_encode(tok, t->data, cut, NULL, 0, &a, &ua, &err) ||
        lacus_tokenizer_encode(tok, t->data + cut, t->len - cut, NULL, 0, &b, &ub, &err))
        return cli_error("%s", err.msg), -1;
    s->ids = malloc((size_t)(a + b + 1) * sizeof *s->ids);
    if (!s->ids) return cli_error("out of memory for %lld tokens", (long long)(a + b)), -1;
    lacus_tokenizer_encode(tok, t->data, cut, s->ids, a, &a, NULL, &err);
    lacus_tokenizer_encode(tok, t->data + cut, t->len - cut, s->ids + a, b, &b, NULL, &err);
    s->n_train = a, s->n = a + b;
    s->train_bytes = cut, s->test_bytes = t->len - cut;
    s->n_unk = ub;
    return 0;
}

void lm_print_row(const char *method, double bits, const split *s, double secs, const char *extra)
{
    int64_t nt = s->n - s->n_train;
    printf("%-22s %9.4f bits/token %9.4f bits/byte %10.2f ppl %8.2fs  %s\n", method, bits / (double)nt,
           bits / (double)s->test_bytes, exp2(bits / (double)nt), secs, extra ? extra : "");
}

lm_cli lm_cli_default(void)
{
    lacus_lm_params p = lacus_lm_params_default();
    lm_cli o = {{0}, "chars", NULL, NULL, 0, p.n_units, (int64_t)p.seed, p.warmup, 0, 0.1, 0.05,
                p.lr, p.sr, p.input_scaling, p.rc_degree, p.bias_scaling, p.ridge, 0, p.gate_tokens, p.gate_ridge};
    return o;
}

int lm_check_split_opts(const lm_cli *o)
{
    if (!(o->holdout > 0 && o->holdout < 1)) return cli_error("--holdout = %g: must be in (0, 1)", o->holdout), -1;
    if (!(o->calib > 0 && o->calib < 1)) return cli_error("--calib = %g: must be in (0, 1)", o->calib), -1;
    if (o->threads < 0) return cli_error("--threads = %lld: must be >= 0", (long long)o->threads), -1;
    if (o->threads) lacus_set_num_threads((int)o->threads);
    return 0;
}

lacus_tokenizer *lm_make_tokenizer(const lm_cli *o, const text_buf *t, size_t cut, int *usage)
{
    lacus_tokenizer_params tp = lacus_tokenizer_params_default();
    lacus_error err = {0};
    *usage = 0;
    if (lacus_tok_kind_parse(o->tokenizer, &tp.kind, &err)) {
        *usage = 1;
        return cli_error("--tokenizer: %s", err.msg), NULL;
    }
    tp.vocab_size = o->vocab;
    lacus_tokenizer *tok = NULL;
    if (lacus_tokenizer_train(&tp, t->data, cut, &tok, &err)) {
        *usage = err.status == LACUS_ERR_ARG;
        return cli_error("%s", err.msg), NULL;
    }
    return tok;
}
