/* libFuzzer target for the NIfTI reader (lacus_nifti_read: nifticlib, then
 * lacus's checks, datatype conversion and scaling): the input is written to
 * a .nii file and read. A failure must carry a message and leave no data;
 * a success must give dimensions whose product is the voxel count read.
 * Seeds (tests/fuzz/corpus/nifti/): small NIfTI-1 and -2 images written by
 * lacus_nifti_write, made by this target when run with
 * LACUS_FUZZ_WRITE_SEEDS=DIR. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lacus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char g_path[256];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(g_path, sizeof g_path, "%s/lacus-fuzz-%ld.nii", tmp, (long)getpid());
    const char *seeds = getenv("LACUS_FUZZ_WRITE_SEEDS");
    if (!seeds) return 0;
    double vox[4 * 3 * 2 * 3];
    for (int i = 0; i < 4 * 3 * 2 * 3; i++) vox[i] = 0.25 * i - 3.0;
    for (int version = 1; version <= 2; version++) {
        lacus_nifti img = {{4, 3, 2, 3}, {2.0, 2.0, 2.5, 1.5}, {0}, version, vox};
        for (int i = 0; i < 4; i++) img.affine[i * 5] = i < 3 ? img.pixdim[i] : 1.0;
        char path[512];
        snprintf(path, sizeof path, "%s/nifti%d.nii", seeds, version);
        lacus_error err = {0};
        if (lacus_nifti_write(path, &img, version, &err)) {
            fprintf(stderr, "fuzz_nifti: %s\n", err.msg);
            abort();
        }
    }
    exit(0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(g_path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f)) abort();
    lacus_nifti img;
    lacus_error err = {0};
    lacus_status st = lacus_nifti_read(g_path, &img, &err);
    if (st != LACUS_OK) {
        if (!err.msg[0] || img.data) abort();
    } else {
        int64_t n = img.dim[0] * img.dim[1] * img.dim[2] * img.dim[3];
        if (n < 1 || !img.data) abort();
        volatile double sink = img.data[n - 1];
        (void)sink;
        lacus_nifti_free(&img);
    }
    unlink(g_path);
    return 0;
}
