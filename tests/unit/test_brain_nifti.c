/* NIfTI through nifticlib: the test images of Debian's python3-nibabel
 * (NIfTI-1 and -2, gzip, big-endian, int16/uint8 with scaling) read exactly
 * as nibabel reads them (tests/ref/make_nifti_fixtures.py); write/read round
 * trips in both versions; masking and unmasking; bad input. In a build
 * without nifticlib the calls must say so (LACUS_ERR_UNSUPPORTED). */
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "test.h"

static const char *DATA = "/usr/lib/python3/dist-packages/nibabel/tests/data";
static const char *FILES[] = {"example4d.nii.gz", "example_nifti2.nii.gz", "functional.nii",
                              "anatomical.nii", "standard.nii.gz"};

int main(void)
{
    lacus_error err = {0};
    if (!lacus_nifti_available()) {
        lacus_nifti img;
        CHECK_STATUS(lacus_nifti_read("x.nii", &img, &err), LACUS_ERR_UNSUPPORTED);
        CHECK(strstr(err.msg, "libnifti2-dev") != NULL);
        printf("SKIP: built without nifticlib\n");
        TEST_MAIN_END();
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", DATA, FILES[0]);
    if (access(path, R_OK) == 0) {
        TEST("nibabel's test images read as nibabel reads them")
        {
            lacus_npz *z = fx_open("brain/nifti_ref.npz");
            for (int f = 0; f < 5; f++) {
                char k[64];
                snprintf(path, sizeof path, "%s/%s", DATA, FILES[f]);
                lacus_nifti img;
                CHECK_STATUS(lacus_nifti_read(path, &img, &err), LACUS_OK);
                if (!img.data) continue;
#define GET(name) (snprintf(k, sizeof k, "f%d_%s", f, name), fx_get(z, k))
                lacus_ndarray sh = GET("shape"), zo = GET("zooms"), af = GET("affine"),
                              sm = GET("sum"), ix = GET("idx"), va = GET("val"), ve = GET("version");
                const double *shp = sh.data, *zz = zo.data, *aa = af.data, *ss = sm.data,
                             *ii = ix.data, *vv = va.data;
                for (int i = 0; i < 4; i++) {
                    CHECK(img.dim[i] == (int64_t)shp[i]);
                    CHECK_CLOSE(img.pixdim[i], zz[i], 1e-6);
                }
                int has_aff = 0;
                for (int i = 0; i < 16; i++) has_aff |= aa[i] != 0.0;
                if (has_aff)
                    for (int i = 0; i < 16; i++) CHECK_CLOSE(img.affine[i], aa[i], 1e-5);
                int64_t n = img.dim[0] * img.dim[1] * img.dim[2] * img.dim[3];
                double s = 0.0, sa = 0.0;
                for (int64_t i = 0; i < n; i++) {
                    s += img.data[i];
                    sa += fabs(img.data[i]);
                }
                CHECK_CLOSE(s, ss[0], 1e-12);
                CHECK_CLOSE(sa, ss[1], 1e-12);
                int64_t bad = 0;
                for (int i = 0; i < 500; i++) bad += img.data[(int64_t)ii[i]] != vv[i];
                CHECK(bad == 0);
                CHECK(img.nifti_version == (int)((double *)ve.data)[0]);
                printf("%s: %lld x %lld x %lld x %lld, NIfTI-%d, TR %g s: equal to nibabel\n",
                       FILES[f], (long long)img.dim[0], (long long)img.dim[1],
                       (long long)img.dim[2], (long long)img.dim[3], img.nifti_version,
                       img.pixdim[3]);
                lacus_ndarray *all[] = {&sh, &zo, &af, &sm, &ix, &va, &ve};
                for (int i = 0; i < 7; i++) lacus_ndarray_free(all[i]);
                lacus_nifti_free(&img);
            }
            lacus_npz_close(z);
        }
    } else {
        printf("SKIP nibabel images: %s missing (apt-get install python3-nibabel)\n", path);
    }

    TEST("write / read round trip, NIfTI-1 and -2, .nii and .nii.gz; mask and unmask")
    {
        lacus_nifti img = {{5, 4, 3, 6}, {2.0, 2.0, 2.5, 1.5}, {0}, 1, NULL};
        double aff[16] = {-2, 0, 0, 10, 0, 2, 0, -20, 0, 0, 2.5, 5, 0, 0, 0, 1};
        memcpy(img.affine, aff, sizeof aff);
        int64_t n = 5 * 4 * 3 * 6;
        img.data = malloc((size_t)n * sizeof(double));
        for (int64_t i = 0; i < n; i++) img.data[i] = (double)(i % 97) * 0.25 - 3.0;
        const char *names[4] = {"a.nii", "b.nii.gz", "c.nii", "d.nii.gz"};
        for (int k = 0; k < 4; k++) {
            const char *p = fx_tmp_path(names[k]);
            int version = k < 2 ? 1 : 2;
            CHECK_STATUS(lacus_nifti_write(p, &img, version, &err), LACUS_OK);
            lacus_nifti back;
            CHECK_STATUS(lacus_nifti_read(p, &back, &err), LACUS_OK);
            if (!back.data) continue;
            CHECK(back.nifti_version == version);
            for (int i = 0; i < 4; i++) CHECK(back.dim[i] == img.dim[i]);
            CHECK_CLOSE(back.pixdim[3], 1.5, 1e-7);
            CHECK(test_max_rel_diff(back.data, img.data, (long)n, 1.0) == 0.0);
            for (int i = 0; i < 16; i++) CHECK_CLOSE(back.affine[i], aff[i], 1e-6);
            lacus_nifti_free(&back);
        }
        /* A mask on the grid: every other voxel. */
        lacus_nifti mask = {{5, 4, 3, 1}, {2.0, 2.0, 2.5, 1.0}, {0}, 1, NULL};
        memcpy(mask.affine, aff, sizeof aff);
        mask.data = calloc(60, sizeof(double));
        for (int i = 0; i < 60; i += 2) mask.data[i] = 1.0;
        int64_t nv = 0;
        CHECK_STATUS(lacus_nifti_mask_series(&img, &mask, NULL, &nv, &err), LACUS_OK);
        CHECK(nv == 30);
        double *ser = malloc((size_t)(6 * nv) * sizeof(double));
        CHECK_STATUS(lacus_nifti_mask_series(&img, &mask, ser, &nv, &err), LACUS_OK);
        CHECK(ser[1 * 30 + 2] == img.data[1 * 60 + 4]);
        lacus_nifti map;
        CHECK_STATUS(lacus_nifti_unmask(&mask, ser, 30, NAN, &map, &err), LACUS_OK);
        CHECK(map.data[4] == img.data[4] && isnan(map.data[5]));
        CHECK_STATUS(lacus_nifti_write(fx_tmp_path("map.nii.gz"), &map, 1, &err), LACUS_OK);
        lacus_nifti_free(&map);
        /* Wrong grid, wrong affine, bad files. */
        mask.dim[1] = 5;
        CHECK_STATUS(lacus_nifti_mask_series(&img, &mask, NULL, &nv, &err), LACUS_ERR_SHAPE);
        CHECK(strstr(err.msg, "mask grid 5 x 5 x 3 does not match the image grid 5 x 4 x 3") != NULL);
        mask.dim[1] = 4;
        mask.affine[3] = 11.0;
        CHECK_STATUS(lacus_nifti_mask_series(&img, &mask, NULL, &nv, &err), LACUS_ERR_SHAPE);
        CHECK(strstr(err.msg, "affine differs") != NULL);
        CHECK_STATUS(lacus_nifti_read(fx_tmp_path("none.nii"), &map, &err), LACUS_ERR_IO);
        FILE *f = fopen(fx_tmp_path("junk.nii"), "wb");
        fputs("this is not an image, not at all, not even close to 348 bytes", f);
        fclose(f);
        CHECK_STATUS(lacus_nifti_read(fx_tmp_path("junk.nii"), &map, &err), LACUS_ERR_FORMAT);
        CHECK(strstr(err.msg, "not a readable NIfTI") != NULL);
        /* A header that promises more data than its file holds: refused
         * before nifticlib allocates it (this one asks for 2.6e13 bytes).
         * NIfTI-1's dim[1..3] are int16 at bytes 42, 44 and 46; a .nii.gz
         * the same, its bound being 1032 times the compressed size. */
        const char *big[2] = {"big.nii", "big.nii.gz"};
        for (int k = 0; k < 2; k++) {
            char small[1024], big_path[1024]; /* fx_tmp_path reuses one buffer */
            snprintf(small, sizeof small, "%s", fx_tmp_path("small.nii"));
            snprintf(big_path, sizeof big_path, "%s", fx_tmp_path(big[k]));
            CHECK_STATUS(lacus_nifti_write(small, &img, 1, &err), LACUS_OK);
            f = fopen(small, "r+b");
            const int16_t dims[3] = {30000, 30000, 30000};
            CHECK(f && fseek(f, 42, SEEK_SET) == 0 && fwrite(dims, sizeof dims, 1, f) == 1);
            fclose(f);
            char cmd[2200];
            snprintf(cmd, sizeof cmd, k ? "gzip -c '%s' > '%s'" : "mv '%s' '%s'", small, big_path);
            CHECK(system(cmd) == 0);
            CHECK_STATUS(lacus_nifti_read(big_path, &map, &err), LACUS_ERR_FORMAT);
            CHECK(strstr(err.msg, "more than the file holds") != NULL && map.data == NULL);
        }
        CHECK_STATUS(lacus_nifti_write(fx_tmp_path("x.img"), &img, 1, &err), LACUS_ERR_ARG);
        CHECK_STATUS(lacus_nifti_write("/nonexistent/dir/x.nii", &img, 1, &err), LACUS_ERR_IO);
        CHECK(access("/nonexistent/dir/x.nii", F_OK) != 0);
        free(ser);
        free(mask.data);
        free(img.data);
    }
    TEST_MAIN_END();
}
