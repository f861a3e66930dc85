/* .npz: archives NumPy wrote (stored and deflated), our writer's round trip
 * (and the files tests/ref/make_io_fixtures.py --check hands to numpy.load),
 * reproducible bytes, atomic commit/abort, damaged archives built here from
 * good ones, and injected allocation failures. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fileio.h"
#include "fixture.h"
#include "lacus.h"
#include "oom.h"
#include "test.h"


/* Element k (C order); see make_io_fixtures.py. */
static int values_ok(const lacus_ndarray *a)
{
    for (int64_t k = 0; k < lacus_ndarray_size(a); k++) {
        int ok;
        switch (a->dtype) {
        case LACUS_F64: ok = ((double *)a->data)[k] == (k - 1.5) * 0.25; break;
        case LACUS_F32: ok = ((float *)a->data)[k] == (float)((k - 1.5) * 0.25); break;
        case LACUS_I32: ok = ((int32_t *)a->data)[k] == k * 1000003 - 7; break;
        default: ok = ((int64_t *)a->data)[k] == k * ((INT64_C(1) << 33) + 1) - 5; break;
        }
        if (!ok) return 0;
    }
    return 1;
}

static int is(const lacus_ndarray *a, lacus_dtype t, int ndim, int64_t d0, int64_t d1)
{
    return a->dtype == t && a->ndim == ndim && (ndim < 1 || a->shape[0] == d0) &&
           (ndim < 2 || a->shape[1] == d1) && values_ok(a);
}

/* stored.npz / deflated.npz hold a (3,4) f8, b (5,) i4, c () f4 and
 * d (2,3) >f8 in Fortran order. */
static void check_numpy_archive(lacus_npz *z)
{
    lacus_ndarray a;
    lacus_error err = {0};
    CHECK(lacus_npz_count(z) == 4);
    CHECK(lacus_npz_name(z, 0) && strcmp(lacus_npz_name(z, 0), "a") == 0);
    CHECK(lacus_npz_name(z, 3) && strcmp(lacus_npz_name(z, 3), "d") == 0);
    CHECK(lacus_npz_name(z, 4) == NULL && lacus_npz_name(z, -1) == NULL);
    CHECK(lacus_npz_has(z, "b") && lacus_npz_has(z, "b.npy") && !lacus_npz_has(z, "x"));
    CHECK_STATUS(lacus_npz_read(z, "a", &a, &err), LACUS_OK);
    CHECK(is(&a, LACUS_F64, 2, 3, 4));
    lacus_ndarray_free(&a);
    CHECK_STATUS(lacus_npz_read(z, "b.npy", &a, &err), LACUS_OK);
    CHECK(is(&a, LACUS_I32, 1, 5, 0));
    lacus_ndarray_free(&a);
    CHECK_STATUS(lacus_npz_read(z, "c", &a, &err), LACUS_OK);
    CHECK(is(&a, LACUS_F32, 0, 0, 0));
    lacus_ndarray_free(&a);
    CHECK_STATUS(lacus_npz_read(z, "d", &a, &err), LACUS_OK);
    CHECK(is(&a, LACUS_F64, 2, 2, 3));
    lacus_ndarray_free(&a);
    void *raw;
    size_t len;
    CHECK_STATUS(lacus_npz_read_bytes(z, "a", &raw, &len, &err), LACUS_OK);
    CHECK(len == 128 + 96 && memcmp(raw, "\x93NUMPY", 6) == 0 && ((char *)raw)[len] == '\0');
    lacus_free(raw);
}

static void test_numpy_archives(void)
{
    static const char *files[] = {"stored.npz", "deflated.npz"};
    for (int i = 0; i < 2; i++) {
        lacus_npz *z = NULL;
        lacus_error err = {0};
        TEST(files[i]) {
            CHECK_STATUS(lacus_npz_open(fx_io(files[i]), &z, &err), LACUS_OK);
            if (z) check_numpy_archive(z);
            lacus_npz_close(z);
            char *bytes;
            size_t len;
            CHECK_STATUS(lacus__read_file(fx_io(files[i]), &bytes, &len, &err), LACUS_OK);
            CHECK_STATUS(lacus_npz_open_mem(bytes, len, &z, &err), LACUS_OK);
            lacus_free(bytes); /* the reader keeps its own copy */
            if (z) check_numpy_archive(z);
            lacus_npz_close(z);
        }
    }
}

/* What make_io_fixtures.py --check expects in for_numpy_*.npz. */
static lacus_status write_for_numpy(const char *path, int compress, lacus_error *err)
{
    double a[12];
    int32_t b[5];
    int64_t c = -5;
    for (int k = 0; k < 12; k++) a[k] = (k - 1.5) * 0.25;
    for (int k = 0; k < 5; k++) b[k] = k * 1000003 - 7;
    lacus_ndarray arrays[4] = {{LACUS_F64, 2, {3, 4}, a}, {LACUS_I32, 1, {5}, b},
                               {LACUS_I64, 0, {0}, &c}, {LACUS_F32, 2, {0, 3}, NULL}};
    static const char *names[4] = {"a", "b", "c", "e"};
    lacus_npz_writer *w;
    lacus_status st = lacus_npz_writer_open(path, compress, &w, err);
    for (int i = 0; i < 4 && !st; i++) st = lacus_npz_writer_add(w, names[i], &arrays[i], err);
    if (!st) st = lacus_npz_writer_add_bytes(w, "manifest.json", "{\"format\": 1}", 13, err);
    if (st) {
        lacus_npz_writer_abort(w);
        return st;
    }
    return lacus_npz_writer_commit(w, err);
}

static int count_tmp_files(void)
{
    int n = 0;
    DIR *d = opendir(fx_tmp());
    for (struct dirent *e; d && (e = readdir(d));) n += strstr(e->d_name, ".tmp") != NULL;
    if (d) closedir(d);
    return n;
}

static void test_writer(void)
{
    static const char *files[] = {"for_numpy_stored.npz", "for_numpy_deflated.npz"};
    for (int compress = 0; compress < 2; compress++) {
        TEST(files[compress]) {
            lacus_error err = {0};
            lacus_npz *z = NULL;
            lacus_ndarray a;
            CHECK_STATUS(write_for_numpy(fx_tmp_path(files[compress]), compress, &err), LACUS_OK);
            CHECK_STATUS(lacus_npz_open(fx_tmp_path(files[compress]), &z, &err), LACUS_OK);
            if (!z) break;
            CHECK(lacus_npz_count(z) == 5);
            CHECK(strcmp(lacus_npz_name(z, 4), "manifest.json") == 0);
            CHECK_STATUS(lacus_npz_read(z, "a", &a, &err), LACUS_OK);
            CHECK(is(&a, LACUS_F64, 2, 3, 4));
            lacus_ndarray_free(&a);
            CHECK_STATUS(lacus_npz_read(z, "c", &a, &err), LACUS_OK);
            CHECK(is(&a, LACUS_I64, 0, 0, 0));
            lacus_ndarray_free(&a);
            CHECK_STATUS(lacus_npz_read(z, "e", &a, &err), LACUS_OK);
            CHECK(a.dtype == LACUS_F32 && a.ndim == 2 && a.shape[0] == 0 && a.shape[1] == 3);
            lacus_ndarray_free(&a);
            void *m;
            size_t len;
            CHECK_STATUS(lacus_npz_read_bytes(z, "manifest.json", &m, &len, &err), LACUS_OK);
            CHECK(len == 13 && strcmp(m, "{\"format\": 1}") == 0);
            lacus_free(m);
            lacus_npz_close(z);
        }
    }
    TEST("deflate compresses, store does not") {
        struct stat s0, s1;
        CHECK(stat(fx_tmp_path(files[0]), &s0) == 0 && stat(fx_tmp_path(files[1]), &s1) == 0);
        CHECK(s1.st_size < s0.st_size);
    }
    TEST("same arrays, same bytes") {
        char *x, *y;
        size_t nx, ny;
        CHECK_STATUS(write_for_numpy(fx_tmp_path("again.npz"), 1, NULL), LACUS_OK);
        CHECK_STATUS(lacus__read_file(fx_tmp_path("again.npz"), &x, &nx, NULL), LACUS_OK);
        CHECK_STATUS(lacus__read_file(fx_tmp_path(files[1]), &y, &ny, NULL), LACUS_OK);
        CHECK(nx == ny && memcmp(x, y, nx) == 0);
        lacus_free(x);
        lacus_free(y);
    }
    TEST("empty archive") {
        lacus_npz_writer *w;
        lacus_npz *z = NULL;
        CHECK_STATUS(lacus_npz_writer_open(fx_tmp_path("empty.npz"), 1, &w, NULL), LACUS_OK);
        CHECK_STATUS(lacus_npz_writer_commit(w, NULL), LACUS_OK);
        CHECK_STATUS(lacus_npz_open(fx_tmp_path("empty.npz"), &z, NULL), LACUS_OK);
        CHECK(lacus_npz_count(z) == 0);
        lacus_npz_close(z);
    }
    TEST("abort and failed adds leave no file") {
        lacus_npz_writer *w;
        lacus_error err = {0};
        double x = 1;
        lacus_ndarray s = {LACUS_F64, 0, {0}, &x}, bad = {LACUS_F64, 9, {0}, &x};
        CHECK_STATUS(lacus_npz_writer_open(fx_tmp_path("aborted.npz"), 0, &w, &err), LACUS_OK);
        CHECK_STATUS(lacus_npz_writer_add(w, "s", &s, &err), LACUS_OK);
        CHECK_STATUS(lacus_npz_writer_add(w, "s", &s, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "duplicate member 's.npy'") != NULL);
        CHECK_STATUS(lacus_npz_writer_add(w, "t", &bad, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "member 't.npy'") && strstr(err.msg, "ndim = 9"));
        CHECK_STATUS(lacus_npz_writer_add(w, "", &s, &err), LACUS_ERR_ARG);
        lacus_npz_writer_abort(w);
        CHECK(access(fx_tmp_path("aborted.npz"), F_OK) != 0 && count_tmp_files() == 0);
        lacus_npz_writer_abort(NULL);
        CHECK_STATUS(lacus_npz_writer_open(fx_tmp_path("x.npz"), 2, &w, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "compress = 2") != NULL);
    }
    TEST("writer into a missing directory") {
        lacus_npz_writer *w;
        lacus_error err = {0};
        CHECK_STATUS(lacus_npz_writer_open(fx_tmp_path("no/such.npz"), 0, &w, &err), LACUS_ERR_IO);
        CHECK(strstr(err.msg, "cannot create") != NULL);
    }
    TEST("commit over a directory fails cleanly") {
        lacus_npz_writer *w;
        lacus_error err = {0};
        double x = 1;
        lacus_ndarray s = {LACUS_F64, 0, {0}, &x};
        mkdir(fx_tmp_path("adir.npz"), 0777);
        CHECK_STATUS(lacus_npz_writer_open(fx_tmp_path("adir.npz"), 0, &w, &err), LACUS_OK);
        CHECK_STATUS(lacus_npz_writer_add(w, "s", &s, &err), LACUS_OK);
        CHECK_STATUS(lacus_npz_writer_commit(w, &err), LACUS_ERR_IO);
        CHECK(strstr(err.msg, "cannot rename") != NULL);
        CHECK(count_tmp_files() == 0);
    }
}

/* Offset of the n-th (0-based) occurrence of a 4-byte signature. */
static size_t find_sig(const char *b, size_t len, const char *sig, int n)
{
    for (size_t i = 0; i + 4 <= len; i++)
        if (memcmp(b + i, sig, 4) == 0 && n-- == 0) return i;
    return len;
}

static void put32(char *p, uint32_t v)
{
    for (int k = 0; k < 4; k++) p[k] = (char)(v >> (8 * k));
}

static void test_damaged(void)
{
    lacus_npz *z = NULL;
    lacus_ndarray a = {0};
    lacus_error err = {0};
    char *good;
    size_t len;
    TEST("not a zip") {
        CHECK_STATUS(lacus_npz_open_mem("hello, world", 12, &z, &err), LACUS_ERR_FORMAT);
        CHECK(strstr(err.msg, "not a readable .npz") != NULL && z == NULL);
        CHECK_STATUS(lacus_npz_open(fx_io("v1_le_f8_c_3x4.npy"), &z, &err), LACUS_ERR_FORMAT);
        CHECK(strstr(err.msg, "v1_le_f8_c_3x4.npy: not a readable .npz") != NULL);
    }
    TEST("missing file") {
        CHECK_STATUS(lacus_npz_open(fx_tmp_path("nope.npz"), &z, &err), LACUS_ERR_IO);
        CHECK(strstr(err.msg, "cannot open") && strstr(err.msg, "nope.npz"));
    }
    TEST("member is not a .npy; missing member") {
        lacus_npz_writer *w;
        CHECK_STATUS(lacus_npz_writer_open(fx_tmp_path("notnpy.npz"), 1, &w, NULL), LACUS_OK);
        CHECK_STATUS(lacus_npz_writer_add_bytes(w, "x.npy", "not an array", 12, NULL), LACUS_OK);
        CHECK_STATUS(lacus_npz_writer_commit(w, NULL), LACUS_OK);
        CHECK_STATUS(lacus_npz_open(fx_tmp_path("notnpy.npz"), &z, &err), LACUS_OK);
        CHECK_STATUS(lacus_npz_read(z, "x", &a, &err), LACUS_ERR_FORMAT);
        CHECK(strstr(err.msg, "notnpy.npz: member 'x.npy': not a .npy file") != NULL);
        CHECK_STATUS(lacus_npz_read(z, "y", &a, &err), LACUS_ERR_FORMAT);
        CHECK(strstr(err.msg, "no member named 'y'") != NULL && a.data == NULL);
        lacus_npz_close(z);
    }
    TEST("truncated archive") {
        CHECK_STATUS(lacus__read_file(fx_io("deflated.npz"), &good, &len, NULL), LACUS_OK);
        CHECK_STATUS(lacus_npz_open_mem(good, len / 2, &z, &err), LACUS_ERR_FORMAT);
        CHECK(strstr(err.msg, "<memory>: not a readable .npz") != NULL);
        lacus_free(good);
    }
    TEST("corrupted member data fails its CRC") {
        CHECK_STATUS(lacus__read_file(fx_io("stored.npz"), &good, &len, NULL), LACUS_OK);
        size_t at = find_sig(good, len, "\x93NUM", 0);
        good[at + 128 + 40] ^= 0x10; /* inside a's data */
        CHECK_STATUS(lacus_npz_open_mem(good, len, &z, &err), LACUS_OK);
        CHECK_STATUS(lacus_npz_read(z, "a", &a, &err), LACUS_ERR_FORMAT);
        CHECK(strstr(err.msg, "member 'a.npy'") && strstr(err.msg, "CRC"));
        CHECK_STATUS(lacus_npz_read(z, "b", &a, &err), LACUS_OK); /* the others are fine */
        lacus_ndarray_free(&a);
        lacus_npz_close(z);
        lacus_free(good);
    }
    TEST("declared size larger than the member could be") {
        CHECK_STATUS(lacus__read_file(fx_tmp_path("for_numpy_stored.npz"), &good, &len, NULL), LACUS_OK);
        size_t cd = find_sig(good, len, "PK\1\2", 0);
        CHECK(cd < len);
        put32(good + cd + 24, 1000000000u); /* uncompressed size of a.npy */
        CHECK_STATUS(lacus_npz_open_mem(good, len, &z, &err), LACUS_OK);
        CHECK_STATUS(lacus_npz_read(z, "a", &a, &err), LACUS_ERR_FORMAT);
        CHECK(strstr(err.msg, "member 'a.npy': declared size 1000000000 is impossible") != NULL);
        lacus_npz_close(z);
        lacus_free(good);
    }
    TEST("declared size smaller than the member") {
        CHECK_STATUS(lacus__read_file(fx_tmp_path("for_numpy_deflated.npz"), &good, &len, NULL),
                     LACUS_OK);
        size_t cd = find_sig(good, len, "PK\1\2", 0);
        put32(good + cd + 24, 100); /* a.npy really has 224 bytes */
        CHECK_STATUS(lacus_npz_open_mem(good, len, &z, &err), LACUS_OK);
        CHECK_STATUS(lacus_npz_read(z, "a", &a, &err), LACUS_ERR_FORMAT);
        CHECK(strstr(err.msg, "member 'a.npy'") != NULL);
        lacus_npz_close(z);
        lacus_free(good);
    }
}


static lacus_status op_read_all(void)
{
    lacus_npz *z;
    lacus_ndarray a;
    lacus_status st = lacus_npz_open(fx_io("deflated.npz"), &z, NULL);
    for (int64_t i = 0; !st && i < lacus_npz_count(z); i++) {
        st = lacus_npz_read(z, lacus_npz_name(z, i), &a, NULL);
        lacus_ndarray_free(&a);
    }
    lacus_npz_close(z);
    return st;
}
static lacus_status op_write(void) { return write_for_numpy(fx_tmp_path("oom.npz"), 1, NULL); }

static void every_failure(lacus_status (*op)(void))
{
    int failures = 0;
    long alloc_fail_at;
    for (alloc_fail_at = 1; alloc_fail_at < 200; alloc_fail_at++) {
        oom_arm(alloc_fail_at);
        lacus_status st = op();
        oom_disarm();
        if (st == LACUS_OK) break;
        CHECK_STATUS(st, LACUS_ERR_NOMEM);
        failures++;
    }
    CHECK(failures >= 3 && alloc_fail_at < 200);
}

static void test_oom(void)
{
    TEST("allocation failures: open + read every member") every_failure(op_read_all);
    TEST("allocation failures: writer") {
        every_failure(op_write);
        CHECK(count_tmp_files() == 0);
    }
}

int main(void)
{
    fx_tmp(); /* creates the scratch directory */
    test_numpy_archives();
    test_writer();
    test_damaged();
    test_oom();
    TEST_MAIN_END();
}
