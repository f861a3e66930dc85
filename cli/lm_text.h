/* lacus lm train and eval: the texts they read, the held-out split, one
 * row of the ladder, and the options they share (lm_text.c). */
#ifndef LACUS_CLI_LM_TEXT_H
#define LACUS_CLI_LM_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

typedef struct text_buf {
    char *data;
    size_t len, cap;
} text_buf;

typedef struct split {
    int32_t *ids;          /* train ids then test ids */
    int64_t n_train, n;    /* test = ids[n_train, n) */
    size_t train_bytes, test_bytes;
    int64_t n_unk;
} split;

typedef struct lm_cli {
    opt_list text;
    const char *tokenizer, *output, *model;
    int64_t vocab, units, seed, warmup, threads;
    double holdout, calib, lr, sr, input_scaling, rc_degree, bias, ridge;
    int no_feed_token;
    int64_t gate_tokens;
    double gate_ridge;
} lm_cli;

/* Each --text is a file, or a directory whose regular files are read in
 * name order (the State of the Union folder, one file per address). */
int lm_load_texts(const opt_list *paths, text_buf *t);
/* The held-out split: the last `holdout` fraction of the bytes, moved
 * forward to the start of a line so every tokenizer cuts at the same place. */
size_t lm_split_point(const text_buf *t, double holdout);
/* s->ids: the training part's ids (text[0, cut)), then the held-out part's. */
int lm_encode_split(const lacus_tokenizer *tok, const text_buf *t, size_t cut, split *s);
/* One row of the ladder: bits (the held-out part's total) per token, per
 * byte, perplexity, seconds and a remark. */
void lm_print_row(const char *method, double bits, const split *s, double secs, const char *extra);
lm_cli lm_cli_default(void);
/* --holdout, --calib, --threads (the last one applied); -1 after a message. */
int lm_check_split_opts(const lm_cli *o);
/* The --tokenizer trained on text[0, cut); NULL after a message, *usage = 1
 * when the options were at fault. */
lacus_tokenizer *lm_make_tokenizer(const lm_cli *o, const text_buf *t, size_t cut, int *usage);

#endif
