/* libFuzzer target for the FIF raw reader. Beyond "no crash, no leak, no
 * undefined behaviour, no endless walk", it checks that every failure
 * carries a message and leaves no handle, and that a file that opens reads
 * every sample of every channel (when small enough to hold), its channel
 * records, its annotations and its channel picks. */
#include <stdlib.h>
#include <string.h>

#include "lacus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lacus_fif_raw *r = (lacus_fif_raw *)1;
    lacus_error err = {0};
    lacus_status st = lacus_fif_raw_open_mem(data, size, "fuzz.fif", &r, &err);
    if (st != LACUS_OK) {
        if (err.status != st || !err.msg[0] || r) abort();
        return 0;
    }
    lacus_fif_info in;
    lacus_fif_raw_get_info(r, &in);
    if (in.n_channels < 1 || in.n_samples < 1 || !(in.sfreq > 0.0)) abort();
    for (int64_t i = 0; i < in.n_channels; i++) {
        lacus_fif_channel c;
        if (lacus_fif_raw_channel(r, i, &c, &err) != LACUS_OK) abort();
        if (memchr(c.name, 0, sizeof c.name) == NULL) abort();
    }
    for (int64_t i = 0; i < in.n_annotations; i++) {
        double on, du;
        char d[32];
        if (lacus_fif_raw_annotation(r, i, &on, &du, d, sizeof d, &err) != LACUS_OK) abort();
    }
    int64_t *picks = malloc((size_t)in.n_channels * sizeof *picks), np = 0;
    if (picks) {
        (void)lacus_fif_raw_pick(r, "meg", picks, &np, &err);
        (void)lacus_fif_raw_pick(r, "MEG 0111,STI 014", picks, &np, &err);
    }
    if (in.n_samples * in.n_channels <= (1 << 20)) {
        double *out = malloc((size_t)(in.n_samples * in.n_channels) * sizeof(double));
        if (out && lacus_fif_raw_read(r, 0, in.n_samples, NULL, 0, out, &err) != LACUS_OK) abort();
        free(out);
    }
    free(picks);
    lacus_fif_raw_close(r);
    return 0;
}
