/* lacus encode fif: look into a raw FIF MEG recording (channels, rate,
 * annotations) and export it as .npy; and enc_read_fif, which `encode fit
 * --meg-raw` uses to take its sensor data straight from a .fif. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_encode.h"
#include "commands.h"
#include "common.h"

int enc_is_fif(const char *path)
{
    return enc_ends_with(path, ".fif") || enc_ends_with(path, ".FIF");
}

static int open_fif(const char *path, const char *what, lacus_fif_raw **raw)
{
    lacus_error err = {0};
    if (lacus_fif_raw_open(path, raw, &err)) {
        cli_error("%s %s", what, err.msg); /* the message names the file */
        return -1;
    }
    return 0;
}

/* The picked channels' samples, time-major (samples x picks), in
 * physical units. */
static int read_picked(lacus_fif_raw *raw, const char *path, const char *what, const char *picks_spec,
                       lacus_ndarray *a, int64_t **picks_out, int64_t *n_picks_out)
{
    lacus_error err = {0};
    lacus_fif_info in;
    lacus_fif_raw_get_info(raw, &in);
    int64_t *picks = malloc((size_t)in.n_channels * sizeof *picks), np = 0;
    if (!picks) return cli_error("out of memory"), -1;
    if (lacus_fif_raw_pick(raw, picks_spec, picks, &np, &err)) {
        cli_error("%s --picks %s: %s", what, picks_spec, err.msg);
        free(picks);
        return -1;
    }
    double bytes = (double)in.n_samples * (double)np * 8.0;
    double *d = bytes < 1e15 ? malloc((size_t)bytes + 8) : NULL;
    if (!d) {
        cli_error("%s %s: %lld samples x %lld channels (%.1f GB) do not fit in memory; pick fewer channels",
                  what, path, (long long)in.n_samples, (long long)np, bytes / 1e9);
        free(picks);
        return -1;
    }
    if (lacus_fif_raw_read(raw, 0, in.n_samples, picks, np, d, &err)) {
        cli_error("%s %s: %s", what, path, err.msg);
        free(d);
        free(picks);
        return -1;
    }
    memset(a, 0, sizeof *a);
    a->dtype = LACUS_F64;
    a->ndim = 2;
    a->shape[0] = in.n_samples;
    a->shape[1] = np;
    a->data = d;
    if (picks_out) {
        *picks_out = picks;
        *n_picks_out = np;
    } else {
        free(picks);
    }
    return 0;
}

int enc_read_fif(const char *path, const char *what, const char *picks_spec, lacus_ndarray *a,
                 double *sfreq)
{
    lacus_fif_raw *raw = NULL;
    if (open_fif(path, what, &raw)) return -1;
    lacus_fif_info in;
    lacus_fif_raw_get_info(raw, &in);
    *sfreq = in.sfreq;
    int rc = read_picked(raw, path, what, picks_spec, a, NULL, NULL);
    lacus_fif_raw_close(raw);
    return rc;
}

static const char *kind_name(const lacus_fif_channel *c)
{
    switch (c->kind) {
    case LACUS_FIF_MEG: return c->unit == LACUS_FIF_UNIT_T ? "mag" : c->unit == LACUS_FIF_UNIT_T_M ? "grad" : "meg";
    case LACUS_FIF_EEG: return "eeg";
    case LACUS_FIF_STIM: return "stim";
    case LACUS_FIF_EOG: return "eog";
    case LACUS_FIF_ECG: return "ecg";
    case LACUS_FIF_EMG: return "emg";
    case LACUS_FIF_REF_MEG: return "ref_meg";
    case LACUS_FIF_MISC: return "misc";
    default: return "other";
    }
}

int enc_fif(int argc, char **argv)
{
    const char *picks = "meg", *output = NULL, *onsets = NULL, *match = "";
    int64_t list = 0;
    opt table[] = {
        {"picks", OPT_STRING, &picks, "channels: all|meg|mag|grad|eeg|stim|misc|data or NAME,NAME,..."},
        {"output", OPT_STRING, &output, "write the picked channels: samples x channels .npy (physical units)"},
        {"onsets", OPT_STRING, &onsets, "write the onsets (s from the first sample) of the annotations .npy"},
        {"match", OPT_STRING, &match, "--onsets: only annotations whose description starts with this"},
        {"list", OPT_INT, &list, "print the first N channels and N annotations"},
    };
    verb_spec v = {"encode fif", "FILE.fif [--picks meg] [--output X.npy] [--onsets T.npy --match word]",
                   "Reads a raw FIF recording (Neuromag/MEGIN, or MNE's raw.save) as MNE does and\n"
                   "prints what it holds; --output exports the picked channels (time-major, T, T/m,\n"
                   "V), --onsets the annotation times, ready for encode fit --word-times.",
                   table, (int)(sizeof table / sizeof *table)};
    const char *path = argc > 3 && argv[3][0] != '-' ? argv[3] : NULL;
    int r = opts_parse(&v, argc, argv, path ? 4 : 3);
    if (r) return r > 0 ? 0 : 2;
    if (!path) return cli_error("encode fif: give the FIF file first (lacus encode fif FILE.fif ...)"), 2;
    if (list < 0) return cli_error("--list %lld: must be >= 0", (long long)list), 2;
    lacus_fif_raw *raw = NULL;
    if (open_fif(path, "encode fif:", &raw)) return 1;
    lacus_fif_info in;
    lacus_fif_raw_get_info(raw, &in);
    lacus_error err = {0};
    {
        int64_t *pk = malloc((size_t)in.n_channels * sizeof *pk), np = 0;
        lacus_status st = pk ? lacus_fif_raw_pick(raw, picks, pk, &np, &err) : LACUS_ERR_NOMEM;
        free(pk);
        if (st) {
            cli_error("encode fif: --picks %s: %s", picks, pk ? err.msg : "out of memory");
            lacus_fif_raw_close(raw);
            return st == LACUS_ERR_ARG ? 2 : 1;
        }
    }
    int64_t counts[9] = {0};
    static const char *names[9] = {"mag", "grad", "eeg", "stim", "eog", "ecg", "misc", "ref_meg", "other"};
    for (int64_t i = 0; i < in.n_channels; i++) {
        lacus_fif_channel c;
        lacus_fif_raw_channel(raw, i, &c, &err);
        const char *k = kind_name(&c);
        int j = 8;
        for (int q = 0; q < 9; q++)
            if (!strcmp(k, names[q])) j = q;
        counts[j]++;
        if (i < list)
            printf("  channel %4lld  %-24s %-7s cal %.6g\n", (long long)i, c.name, k, c.cal);
    }
    static const char *storage[] = {[2] = "int16", [3] = "int32", [4] = "float32", [5] = "float64", [16] = "int16"};
    printf("%s: %lld channels (", path, (long long)in.n_channels);
    for (int q = 0, first = 1; q < 9; q++)
        if (counts[q]) printf("%s%lld %s", first ? "" : ", ", (long long)counts[q], names[q]), first = 0;
    printf("), %g Hz, %lld samples (%.3f s) from sample %lld, stored as %s, %lld annotations\n", in.sfreq,
           (long long)in.n_samples, (double)in.n_samples / in.sfreq, (long long)in.first_sample,
           in.storage >= 0 && in.storage <= 16 && storage[in.storage] ? storage[in.storage] : "?",
           (long long)in.n_annotations);
    int rc = 0;
    double *on = NULL;
    int64_t n_on = 0;
    for (int64_t i = 0; i < in.n_annotations; i++) {
        double o, d;
        char desc[256];
        lacus_fif_raw_annotation(raw, i, &o, &d, desc, sizeof desc, &err);
        if (i < list) printf("  annotation %4lld  %10.4f s  %8.4f s  %s\n", (long long)i, o, d, desc);
    }
    if (onsets) {
        on = malloc((size_t)(in.n_annotations + 1) * sizeof *on);
        if (!on) {
            rc = 1;
            cli_error("out of memory");
            goto done;
        }
        for (int64_t i = 0; i < in.n_annotations; i++) {
            double o, d;
            char desc[256];
            lacus_fif_raw_annotation(raw, i, &o, &d, desc, sizeof desc, &err);
            if (!strncmp(desc, match, strlen(match))) on[n_on++] = o;
        }
        if (!n_on) {
            cli_error("encode fif %s: no annotation description starts with \"%s\"", path, match);
            rc = 1;
            goto done;
        }
        if (enc_write_npy(onsets, on, 1, &n_on)) {
            rc = 1;
            goto done;
        }
        printf("wrote %lld onsets to %s\n", (long long)n_on, onsets);
    }
    if (output) {
        lacus_ndarray a;
        if (read_picked(raw, path, "encode fif", picks, &a, NULL, NULL)) {
            rc = 1;
            goto done;
        }
        if (enc_write_npy(output, a.data, 2, a.shape)) rc = 1;
        else printf("wrote %lld samples x %lld channels (%s) to %s\n", (long long)a.shape[0],
                    (long long)a.shape[1], picks, output);
        free(a.data);
    }
done:
    free(on);
    lacus_fif_raw_close(raw);
    return rc;
}
