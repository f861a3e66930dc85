/* FIF raw reader (src/brain/fif.c) against MNE 1.13: files written by
 * raw.save in every format it offers (single, double, int, short) and one
 * with a data skip spliced in, each with the data and header MNE reads back
 * (tests/ref/make_brain3_fixtures.py). Then hostile input: truncations,
 * lying sizes, loops in `next`, huge counts, bad nesting, random byte
 * corruption and allocation failures, each a message and no crash. */
#include <string.h>

#include "fixture.h"
#include "oom.h"
#include "test.h"

#define MAXCH 16

typedef struct ref {
    double sfreq, lowpass, highpass, cal[MAXCH];
    long first, n, nchan, kind[MAXCH], unit[MAXCH], coil[MAXCH];
    char name[MAXCH][80];
    long n_ann;
    double onset[8], dur[8];
    char desc[8][64];
    long picks[5][MAXCH], n_picks[5];
} ref;

static const char *PICK_SPECS[5] = {"meg", "grad", "mag", "eeg", "stim"};

static int read_ref(const char *stem, ref *r)
{
    char path[1024], line[1024];
    snprintf(path, sizeof path, "%s/brain3/%s.txt", fx_dir(), stem);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    memset(r, 0, sizeof *r);
    long c = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char *tab = strchr(line, '\t');
        if (!tab) continue;
        *tab = 0;
        char *v = tab + 1;
        if (!strcmp(line, "sfreq")) r->sfreq = atof(v);
        else if (!strcmp(line, "first_samp")) r->first = atol(v);
        else if (!strcmp(line, "n_times")) r->n = atol(v);
        else if (!strcmp(line, "lowpass")) r->lowpass = atof(v);
        else if (!strcmp(line, "highpass")) r->highpass = atof(v);
        else if (!strcmp(line, "nchan")) r->nchan = atol(v);
        else if (!strcmp(line, "ch") && c < MAXCH) {
            char *t2 = strchr(v, '\t');
            *t2 = 0;
            snprintf(r->name[c], 80, "%s", v);
            sscanf(t2 + 1, "%ld\t%ld\t%ld\t%lf", &r->kind[c], &r->unit[c], &r->coil[c], &r->cal[c]);
            c++;
        } else if (!strcmp(line, "ann") && r->n_ann < 8) {
            long a = r->n_ann++;
            char *t2 = strchr(strchr(v, '\t') + 1, '\t');
            sscanf(v, "%lf\t%lf", &r->onset[a], &r->dur[a]);
            snprintf(r->desc[a], 64, "%s", t2 + 1);
        } else if (!strcmp(line, "picks")) {
            char *t2 = strchr(v, '\t');
            *t2 = 0;
            for (int k = 0; k < 5; k++)
                if (!strcmp(v, PICK_SPECS[k])) {
                    char *s = t2 + 1, *e;
                    for (long x = strtol(s, &e, 10); e != s; x = strtol(s, &e, 10)) {
                        r->picks[k][r->n_picks[k]++] = x;
                        s = e;
                    }
                }
        }
    }
    fclose(f);
    return 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}
static int32_t get_be32(const uint8_t *p)
{
    return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

/* Byte offset of the n-th tag (0-based) of the given kind, walking as MNE. */
static long find_tag(const uint8_t *b, size_t len, int32_t kind, int nth)
{
    size_t pos = 0;
    while (pos + 16 <= len) {
        int32_t k = get_be32(b + pos), size = get_be32(b + pos + 8), next = get_be32(b + pos + 12);
        if (k == kind && nth-- == 0) return (long)pos;
        if (next != 0) break;
        pos += 16 + (size_t)size;
    }
    return -1;
}

/* Opens a modified copy; expects failure with `status` and a message that
 * contains `needle`. */
static void expect_bad(const uint8_t *b, size_t len, lacus_status status, const char *needle)
{
    lacus_fif_raw *r = (lacus_fif_raw *)1;
    lacus_error err = {0};
    CHECK_STATUS(lacus_fif_raw_open_mem(b, len, "bad.fif", &r, &err), status);
    CHECK(r == NULL);
    CHECK(err.msg[0] != 0);
    if (needle && !strstr(err.msg, needle)) {
        fprintf(stderr, "message '%s' lacks '%s'\n", err.msg, needle);
        CHECK(0);
    }
}

int main(void)
{
    lacus_error err = {0};
    const char *stems[] = {"single", "double", "int", "short", "skip"};
    char path[1024];

    TEST("every raw.save format and a data skip read as MNE reads them")
    for (int s = 0; s < 5; s++) {
        ref R;
        CHECK(read_ref(stems[s], &R) == 0);
        snprintf(path, sizeof path, "%s/brain3/%s_raw.fif", fx_dir(), stems[s]);
        lacus_fif_raw *raw = NULL;
        CHECK_STATUS(lacus_fif_raw_open(path, &raw, &err), LACUS_OK);
        if (!raw) {
            fprintf(stderr, "%s\n", err.msg);
            continue;
        }
        lacus_fif_info in;
        lacus_fif_raw_get_info(raw, &in);
        CHECK(in.n_channels == R.nchan);
        CHECK(in.n_samples == R.n);
        CHECK(in.first_sample == R.first);
        CHECK(in.sfreq == R.sfreq);
        CHECK(in.lowpass == R.lowpass);
        CHECK(in.highpass == R.highpass);
        CHECK(in.storage == (s == 1 ? 5 : s == 2 ? 3 : s == 3 ? 16 : 4));
        for (long c = 0; c < R.nchan; c++) {
            lacus_fif_channel ch;
            CHECK_STATUS(lacus_fif_raw_channel(raw, c, &ch, &err), LACUS_OK);
            CHECK(!strcmp(ch.name, R.name[c]));
            CHECK(ch.kind == R.kind[c] && ch.unit == R.unit[c] && ch.coil_type == R.coil[c]);
            CHECK(ch.cal == R.cal[c]); /* range * cal in double, as MNE */
        }
        CHECK(in.n_annotations == R.n_ann);
        for (long a = 0; a < R.n_ann && a < in.n_annotations; a++) {
            double on, du;
            char d[64];
            CHECK_STATUS(lacus_fif_raw_annotation(raw, a, &on, &du, d, sizeof d, &err), LACUS_OK);
            /* Stored as float32 (MNE's Annotations then round the onset
             * to their own precision): float32 agreement. */
            CHECK_CLOSE(on, R.onset[a], 1e-6);
            CHECK_CLOSE(du, R.dur[a], 1e-6);
            CHECK(!strcmp(d, R.desc[a]));
        }
        for (int k = 0; k < 5; k++) {
            int64_t picks[MAXCH], np = 0;
            CHECK_STATUS(lacus_fif_raw_pick(raw, PICK_SPECS[k], picks, &np, &err), LACUS_OK);
            CHECK(np == R.n_picks[k]);
            for (long j = 0; j < np && j < R.n_picks[k]; j++) CHECK(picks[j] == R.picks[k][j]);
        }
        /* All samples, all channels: bit-identical to MNE (the same
         * float32/int -> double conversion times the same double cal). */
        snprintf(path, sizeof path, "%s/brain3/%s_data.npy", fx_dir(), stems[s]);
        lacus_ndarray want;
        CHECK_STATUS(lacus_npy_read(path, &want, &err), LACUS_OK);
        CHECK(want.shape[0] == R.n && want.shape[1] == R.nchan);
        double *got = malloc((size_t)(R.n * R.nchan) * sizeof(double));
        CHECK_STATUS(lacus_fif_raw_read(raw, 0, R.n, NULL, 0, got, &err), LACUS_OK);
        long diff = 0;
        const double *w = want.data;
        for (long i = 0; i < R.n * R.nchan; i++) diff += got[i] != w[i];
        CHECK(diff == 0);
        if (s == 4) { /* the two skipped buffers (250 samples after 250) are zeros */
            double z = 0.0;
            for (long i = 250 * R.nchan; i < 500 * R.nchan; i++) z += fabs(got[i]);
            CHECK(z == 0.0);
        }
        /* A window across buffer edges, channels in a chosen order. */
        int64_t pk[3] = {5, 0, 7};
        double *sub = malloc(200 * 3 * sizeof(double));
        CHECK_STATUS(lacus_fif_raw_read(raw, 100, 300, pk, 3, sub, &err), LACUS_OK);
        diff = 0;
        for (long i = 0; i < 200; i++)
            for (int j = 0; j < 3; j++) diff += sub[i * 3 + j] != w[(100 + i) * R.nchan + pk[j]];
        CHECK(diff == 0);
        int64_t byname[2], nb = 0;
        CHECK_STATUS(lacus_fif_raw_pick(raw, "A-very-long-channel-name,MEG 0112", byname, &nb, &err), LACUS_OK);
        CHECK(nb == 2 && byname[0] == 7 && byname[1] == 1);
        CHECK_STATUS(lacus_fif_raw_pick(raw, "MEG 9999", byname, &nb, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "MEG 9999") != NULL);
        CHECK_STATUS(lacus_fif_raw_read(raw, 0, R.n + 1, NULL, 0, got, &err), LACUS_ERR_ARG);
        int64_t badpk = 99;
        CHECK_STATUS(lacus_fif_raw_read(raw, 0, 1, &badpk, 1, got, &err), LACUS_ERR_ARG);
        CHECK_STATUS(lacus_fif_raw_channel(raw, R.nchan, &(lacus_fif_channel){0}, &err), LACUS_ERR_ARG);
        free(sub);
        free(got);
        lacus_ndarray_free(&want);
        lacus_fif_raw_close(raw);
    }

    size_t len = 0;
    snprintf(path, sizeof path, "%s/brain3/single_raw.fif", fx_dir());
    uint8_t *orig = (uint8_t *)slurp(path, &len);
    CHECK(orig != NULL);
    if (!orig) TEST_MAIN_END();
    uint8_t *b = malloc(len);

    TEST("the same bytes from memory read the same")
    {
        lacus_fif_raw *a = NULL, *m = NULL;
        CHECK_STATUS(lacus_fif_raw_open(path, &a, &err), LACUS_OK);
        CHECK_STATUS(lacus_fif_raw_open_mem(orig, len, "mem.fif", &m, &err), LACUS_OK);
        lacus_fif_info ia, im;
        lacus_fif_raw_get_info(a, &ia);
        lacus_fif_raw_get_info(m, &im);
        double *x = malloc((size_t)(ia.n_samples * ia.n_channels) * sizeof(double));
        double *y = malloc((size_t)(ia.n_samples * ia.n_channels) * sizeof(double));
        CHECK_STATUS(lacus_fif_raw_read(a, 0, ia.n_samples, NULL, 0, x, &err), LACUS_OK);
        CHECK_STATUS(lacus_fif_raw_read(m, 0, im.n_samples, NULL, 0, y, &err), LACUS_OK);
        CHECK(memcmp(x, y, (size_t)(ia.n_samples * ia.n_channels) * sizeof(double)) == 0);
        free(x);
        free(y);
        lacus_fif_raw_close(a);
        lacus_fif_raw_close(m);
    }

    TEST("hostile files: a message naming what is wrong, never a crash")
    {
        expect_bad((const uint8_t *)"hello world, not a fif file", 27, LACUS_ERR_FORMAT, "not a FIF file");
        expect_bad(orig, 0, LACUS_ERR_FORMAT, NULL);
        expect_bad(orig, 10, LACUS_ERR_FORMAT, "truncated");
        long buf0 = find_tag(orig, len, 300, 0), nch = find_tag(orig, len, 200, 0);
        long chi = find_tag(orig, len, 203, 3), bs = find_tag(orig, len, 104, 1);
        CHECK(buf0 > 0 && nch > 0 && chi > 0 && bs > 0);
        /* Truncated in the middle of the first data buffer. */
        expect_bad(orig, (size_t)buf0 + 40, LACUS_ERR_FORMAT, "says");
        /* A size that runs past the end. */
        memcpy(b, orig, len);
        put_be32(b + buf0 + 8, 0x7ffffff0u);
        expect_bad(b, len, LACUS_ERR_FORMAT, "says");
        memcpy(b, orig, len);
        put_be32(b + buf0 + 8, 0xfffffff0u); /* negative */
        expect_bad(b, len, LACUS_ERR_FORMAT, "says");
        /* next pointing at itself, and back to the start: loops. */
        memcpy(b, orig, len);
        put_be32(b + buf0 + 12, (uint32_t)buf0);
        expect_bad(b, len, LACUS_ERR_FORMAT, "loop");
        memcpy(b, orig, len);
        put_be32(b + buf0 + 12, 20);
        expect_bad(b, len, LACUS_ERR_FORMAT, "loop");
        /* Huge and zero channel counts. */
        memcpy(b, orig, len);
        put_be32(b + nch + 16, 0x40000000u);
        expect_bad(b, len, LACUS_ERR_FORMAT, "nchan");
        memcpy(b, orig, len);
        put_be32(b + nch + 16, 0);
        expect_bad(b, len, LACUS_ERR_FORMAT, "nchan");
        memcpy(b, orig, len);
        put_be32(b + nch + 16, 11); /* one more than the channel infos */
        expect_bad(b, len, LACUS_ERR_FORMAT, "channel info");
        /* A channel info of the wrong type; a buffer of an unknown type. */
        memcpy(b, orig, len);
        put_be32(b + chi + 4, 3);
        expect_bad(b, len, LACUS_ERR_FORMAT, "channel info");
        memcpy(b, orig, len);
        put_be32(b + buf0 + 4, 7);
        expect_bad(b, len, LACUS_ERR_FORMAT, "type 7");
        memcpy(b, orig, len);
        put_be32(b + buf0 + 4, 21);
        expect_bad(b, len, LACUS_ERR_UNSUPPORTED, "complex");
        /* A block that is closed by the wrong end tag. */
        memcpy(b, orig, len);
        put_be32(b + bs + 16, 999);
        expect_bad(b, len, LACUS_ERR_FORMAT, "block end");
        /* MaxShield data. */
        long rb = -1;
        for (int k = 0; rb < 0 && k < 64; k++) {
            long p = find_tag(orig, len, 104, k);
            if (p < 0) break;
            if (get_be32(orig + p + 16) == 102) rb = p;
        }
        CHECK(rb > 0);
        memcpy(b, orig, len);
        put_be32(b + rb + 16, 119);
        expect_bad(b, len, LACUS_ERR_UNSUPPORTED, "MaxShield");
        /* A NaN sampling rate. */
        long sf = find_tag(orig, len, 201, 0);
        memcpy(b, orig, len);
        put_be32(b + sf + 16, 0x7fc00000u);
        expect_bad(b, len, LACUS_ERR_FORMAT, "sampling frequency");
        /* Every truncation: either a clean read of what is there or a message. */
        long ok = 0, failed = 0;
        for (size_t n = 0; n < len; n += 13) {
            lacus_fif_raw *r = NULL;
            lacus_status st = lacus_fif_raw_open_mem(orig, n, "cut.fif", &r, &err);
            if (st == LACUS_OK) {
                ok++;
                lacus_fif_raw_close(r);
            } else {
                failed++;
                CHECK(err.msg[0] != 0);
            }
        }
        CHECK(failed > 0);
        /* Random corruption of 1-8 bytes, a fixed seed; any read that opens
         * must also read all its samples. */
        uint64_t seed = 12345;
        double *tmp = malloc(600 * 16 * sizeof(double));
        for (int it = 0; it < 3000; it++) {
            memcpy(b, orig, len);
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            int nflip = 1 + (int)(seed >> 61);
            for (int k = 0; k < nflip; k++) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                size_t at = (size_t)(seed >> 33) % len;
                b[at] = (uint8_t)(seed >> 20);
            }
            lacus_fif_raw *r = NULL;
            lacus_error e2 = {0};
            if (lacus_fif_raw_open_mem(b, len, "flip.fif", &r, &e2) == LACUS_OK) {
                lacus_fif_info in;
                lacus_fif_raw_get_info(r, &in);
                if (in.n_channels <= 16 && in.n_samples <= 600)
                    CHECK_STATUS(lacus_fif_raw_read(r, 0, in.n_samples, NULL, 0, tmp, &e2), LACUS_OK);
                lacus_fif_raw_close(r);
            } else {
                CHECK(e2.msg[0] != 0);
            }
        }
        free(tmp);
        CHECK_STATUS(lacus_fif_raw_open("/nonexistent/x.fif", &(lacus_fif_raw *){0}, &err), LACUS_ERR_IO);
        CHECK(strstr(err.msg, "/nonexistent/x.fif") != NULL);
    }

    TEST("allocation failures are reported, nothing leaks")
    {
        long reached = 0;
        for (long k = 1; k < 200; k++) {
            lacus_fif_raw *r = NULL;
            lacus_error e2 = {0};
            oom_arm(k);
            lacus_status st = lacus_fif_raw_open_mem(orig, len, "oom.fif", &r, &e2);
            int hit = oom_reached();
            oom_disarm();
            if (!hit) {
                CHECK_STATUS(st, LACUS_OK);
                lacus_fif_raw_close(r);
                break;
            }
            reached++;
            CHECK_STATUS(st, LACUS_ERR_NOMEM);
            CHECK(r == NULL);
        }
        CHECK(reached > 3);
    }
    free(b);
    free(orig);
    TEST_MAIN_END();
}
