/* .npy reader and writer: every fixture NumPy wrote (tests/ref/
 * make_io_fixtures.py), byte-exact agreement with np.save, round trips,
 * malformed headers built here in memory (each must fail with its own
 * status and a message naming the fault), failed writes that must leave no
 * file, and injected allocation failures. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fileio.h"
#include "core/npy.h"
#include "fixture.h"
#include "lacus.h"
#include "oom.h"
#include "test.h"


/* Element k (C order) of every fixture array; see make_io_fixtures.py. */
static int values_ok(const lacus_ndarray *a)
{
    int64_t n = lacus_ndarray_size(a);
    for (int64_t k = 0; k < n; k++) {
        int ok;
        switch (a->dtype) {
        case LACUS_F64: ok = ((double *)a->data)[k] == (k - 1.5) * 0.25; break;
        case LACUS_F32: ok = ((float *)a->data)[k] == (float)((k - 1.5) * 0.25); break;
        case LACUS_I32: ok = ((int32_t *)a->data)[k] == k * 1000003 - 7; break;
        default: ok = ((int64_t *)a->data)[k] == k * ((INT64_C(1) << 33) + 1) - 5; break;
        }
        if (!ok) {
            fprintf(stderr, "  element %lld differs\n", (long long)k);
            return 0;
        }
    }
    return 1;
}

typedef struct fixture {
    const char *file;
    lacus_dtype dtype;
    int ndim;
    int64_t shape[LACUS_MAX_DIMS];
    int numpy_bytes; /* little-endian C-order 1.0: our writer must match it */
} fixture;

static const fixture FIXTURES[] = {
    {"v1_le_f8_c_3x4.npy", LACUS_F64, 2, {3, 4}, 1},
    {"v1_be_f8_c_3x4.npy", LACUS_F64, 2, {3, 4}, 0},
    {"v1_le_f4_c_3x4.npy", LACUS_F32, 2, {3, 4}, 1},
    {"v1_be_f4_c_3x4.npy", LACUS_F32, 2, {3, 4}, 0},
    {"v1_le_i4_c_3x4.npy", LACUS_I32, 2, {3, 4}, 1},
    {"v1_be_i4_c_3x4.npy", LACUS_I32, 2, {3, 4}, 0},
    {"v1_le_i8_c_3x4.npy", LACUS_I64, 2, {3, 4}, 1},
    {"v1_be_i8_c_3x4.npy", LACUS_I64, 2, {3, 4}, 0},
    {"v1_le_f8_f_3x4.npy", LACUS_F64, 2, {3, 4}, 0},
    {"v1_be_i4_f_2x3x4.npy", LACUS_I32, 3, {2, 3, 4}, 0},
    {"v1_le_f4_f_2x3x4.npy", LACUS_F32, 3, {2, 3, 4}, 0},
    {"v1_be_i8_f_2x3.npy", LACUS_I64, 2, {2, 3}, 0},
    {"v1_le_f8_c_scalar.npy", LACUS_F64, 0, {0}, 1},
    {"v1_le_f8_c_5.npy", LACUS_F64, 1, {5}, 1},
    {"v1_be_f8_f_5.npy", LACUS_F64, 1, {5}, 0},
    {"v1_le_f8_c_2x3x4.npy", LACUS_F64, 3, {2, 3, 4}, 1},
    {"v1_le_f8_c_0x3.npy", LACUS_F64, 2, {0, 3}, 1},
    {"v1_le_i4_c_0.npy", LACUS_I32, 1, {0}, 1},
    {"v1_le_f8_c_1x2x1x2x1x1x2x1.npy", LACUS_F64, 8, {1, 2, 1, 2, 1, 1, 2, 1}, 1},
    {"v2_le_f8_c_3x4.npy", LACUS_F64, 2, {3, 4}, 0},
    {"v3_be_f8_f_2x3.npy", LACUS_F64, 2, {2, 3}, 0},
};
#define N_FIXTURES (sizeof FIXTURES / sizeof FIXTURES[0])

static int shape_ok(const lacus_ndarray *a, const fixture *f)
{
    if (a->dtype != f->dtype || a->ndim != f->ndim) return 0;
    for (int d = 0; d < f->ndim; d++)
        if (a->shape[d] != f->shape[d]) return 0;
    return 1;
}

static void test_fixtures(void)
{
    for (size_t i = 0; i < N_FIXTURES; i++) {
        const fixture *f = &FIXTURES[i];
        lacus_ndarray a, b;
        lacus_error err = {0};
        char *bytes;
        size_t len;
        TEST(f->file) {
            CHECK_STATUS(lacus_npy_read(fx_io(f->file), &a, &err), LACUS_OK);
            if (err.status) fprintf(stderr, "  %s\n", err.msg);
            CHECK(shape_ok(&a, f));
            CHECK(values_ok(&a));
            /* The memory reader gives the same array. */
            CHECK_STATUS(lacus__read_file(fx_io(f->file), &bytes, &len, &err), LACUS_OK);
            CHECK_STATUS(lacus_npy_read_mem(bytes, len, f->file, &b, &err), LACUS_OK);
            CHECK(shape_ok(&b, f));
            CHECK(memcmp(a.data, b.data, (size_t)lacus_ndarray_size(&a) *
                                             lacus_dtype_size(a.dtype)) == 0);
            lacus_ndarray_free(&b);
            /* Our writer reproduces np.save byte for byte where NumPy would
             * have written the same thing (little endian, C order, 1.0). */
            void *out;
            size_t out_len;
            CHECK_STATUS(lacus_npy_write_mem(&a, &out, &out_len, &err), LACUS_OK);
            if (f->numpy_bytes) CHECK(out_len == len && memcmp(out, bytes, len) == 0);
            size_t nbytes = (size_t)lacus_ndarray_size(&a) * lacus_dtype_size(a.dtype);
            CHECK((out_len - nbytes) % 64 == 0); /* data 64-byte aligned */
            lacus_free(out);
            lacus_free(bytes);
            /* Round trip through a file. */
            CHECK_STATUS(lacus_npy_write(fx_tmp_path("roundtrip.npy"), &a, &err), LACUS_OK);
            CHECK_STATUS(lacus_npy_read(fx_tmp_path("roundtrip.npy"), &b, &err), LACUS_OK);
            CHECK(shape_ok(&b, f) && values_ok(&b));
            lacus_ndarray_free(&b);
            lacus_ndarray_free(&a);
            CHECK(a.data == NULL && a.ndim == 0);
        }
    }
    TEST("np.save bytes") {
        char *bytes;
        size_t len;
        lacus_ndarray a;
        CHECK_STATUS(lacus__read_file(fx_io("numpy_save_f8_3x4.npy"), &bytes, &len, NULL), 0);
        CHECK_STATUS(lacus_npy_read(fx_io("v1_le_f8_c_3x4.npy"), &a, NULL), LACUS_OK);
        CHECK_STATUS(lacus_npy_write(fx_tmp_path("for_numpy.npy"), &a, NULL), LACUS_OK);
        char *ours;
        size_t ours_len;
        CHECK_STATUS(lacus__read_file(fx_tmp_path("for_numpy.npy"), &ours, &ours_len, NULL), 0);
        CHECK(ours_len == len && memcmp(ours, bytes, len) == 0);
        lacus_free(ours);
        lacus_free(bytes);
        lacus_ndarray_free(&a);
    }
}

static void test_matrix(void)
{
    lacus_ndarray a;
    lacus_error err = {0};
    TEST("read_matrix 1-d is a column") {
        CHECK_STATUS(lacus_npy_read_matrix(fx_io("v1_le_f8_c_5.npy"), &a, &err), LACUS_OK);
        CHECK(a.ndim == 2 && a.shape[0] == 5 && a.shape[1] == 1 && values_ok(&a));
        lacus_ndarray_free(&a);
    }
    TEST("read_matrix converts int32 to double") {
        CHECK_STATUS(lacus_npy_read_matrix(fx_io("v1_be_i4_c_3x4.npy"), &a, &err), LACUS_OK);
        CHECK(a.dtype == LACUS_F64 && a.shape[0] == 3 && a.shape[1] == 4);
        CHECK(((double *)a.data)[11] == 11 * 1000003 - 7);
        lacus_ndarray_free(&a);
    }
    TEST("read_matrix rejects 3-d and 0-d") {
        CHECK_STATUS(lacus_npy_read_matrix(fx_io("v1_le_f8_c_2x3x4.npy"), &a, &err),
                     LACUS_ERR_SHAPE);
        CHECK(strstr(err.msg, "3-d array") != NULL);
        CHECK(a.data == NULL);
        CHECK_STATUS(lacus_npy_read_matrix(fx_io("v1_le_f8_c_scalar.npy"), &a, &err),
                     LACUS_ERR_SHAPE);
    }
}

/* A .npy in memory: preamble for `version`, the dict text as given (no
 * padding), then n_data bytes of data. */
static uint8_t *make_npy(int version, const char *dict, size_t n_data, size_t *len)
{
    size_t pre = version == 1 ? 10 : 12, hlen = strlen(dict);
    uint8_t *b = calloc(1, pre + hlen + n_data + 1);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (uint8_t)version;
    for (size_t k = 0; k < pre - 8; k++) b[8 + k] = (uint8_t)(hlen >> (8 * k));
    memcpy(b + pre, dict, hlen);
    *len = pre + hlen + n_data;
    return b;
}

/* Reads a hand-made file; expects `status` and `needle` in the message. */
static void expect_bad(int version, const char *dict, size_t n_data, lacus_status status,
                       const char *needle)
{
    size_t len;
    uint8_t *b = make_npy(version, dict, n_data, &len);
    lacus_ndarray a = {0};
    lacus_error err = {0};
    CHECK_STATUS(lacus_npy_read_mem(b, len, "bad.npy", &a, &err), status);
    CHECK(err.status == status);
    if (!strstr(err.msg, needle) || !strstr(err.msg, "bad.npy"))
        fprintf(stderr, "  [%s] message \"%s\" lacks \"%s\"\n", test_name_, err.msg, needle);
    CHECK(strstr(err.msg, needle) != NULL && strstr(err.msg, "bad.npy") != NULL);
    CHECK(a.data == NULL);
    free(b);
}

#define D(descr, fortran, shape) \
    "{'descr': '" descr "', 'fortran_order': " fortran ", 'shape': " shape ", }"

static void test_malformed(void)
{
    const lacus_status F = LACUS_ERR_FORMAT;
    TEST("bad magic") {
        lacus_ndarray a;
        lacus_error err = {0};
        CHECK_STATUS(lacus_npy_read_mem("\x93NUMPZ\x01\x00\x00\x00", 10, "bad.npy", &a, &err), F);
        CHECK(strstr(err.msg, "bad magic") != NULL);
        CHECK_STATUS(lacus_npy_read_mem("", 0, "bad.npy", &a, &err), F);
        CHECK(strstr(err.msg, "bad magic") != NULL);
    }
    TEST("truncated preamble") {
        lacus_ndarray a;
        lacus_error err = {0};
        CHECK_STATUS(lacus_npy_read_mem("\x93NUMPY\x01\x00\x05", 9, "bad.npy", &a, &err), F);
        CHECK(strstr(err.msg, "inside the .npy preamble") != NULL);
        CHECK_STATUS(lacus_npy_read_mem("\x93NUMPY\x02\x00\x05\x00", 10, "bad.npy", &a, &err), F);
        CHECK(strstr(err.msg, "inside the .npy preamble") != NULL);
    }
    TEST("header length past EOF") {
        size_t len;
        uint8_t *b = make_npy(1, D("<f8", "False", "(1,)"), 8, &len);
        b[8] = 0xff; /* 255 bytes of header in a shorter file */
        lacus_ndarray a;
        lacus_error err = {0};
        CHECK_STATUS(lacus_npy_read_mem(b, len, "bad.npy", &a, &err), F);
        CHECK(strstr(err.msg, "header length 255 (at byte 8) runs past the end") != NULL);
        b[8] = 0, b[9] = 0; /* an empty header */
        CHECK_STATUS(lacus_npy_read_mem(b, len, "bad.npy", &a, &err), F);
        CHECK(strstr(err.msg, "expected '{'") != NULL);
        free(b);
    }
    TEST("unsupported version") expect_bad(4, D("<f8", "False", "()"), 8, F, "version 4.0");
    TEST("missing key") expect_bad(1, "{'descr': '<f8', 'fortran_order': False}", 8, F,
                                   "missing key 'shape'");
    TEST("unknown key") expect_bad(1, "{'descr': '<f8', 'foo': 1}", 8, F, "unknown key 'foo'");
    TEST("duplicate key") expect_bad(1, "{'descr': '<f8', 'descr': '<f4'}", 8, F,
                                     "duplicate key 'descr'");
    TEST("complex dtype, with its byte offset") {
        /* 10 (preamble) + 11 = the byte after the opening quote of <c16. */
        expect_bad(1, D("<c16", "False", "()"), 16, F, "byte 21: 'descr' '<c16' is not supported");
    }
    TEST("byte order | on an 8-byte type") expect_bad(1, D("|f8", "False", "()"), 8, F,
                                                       "'|' is only valid for 1-byte types");
    TEST("unsigned dtype") expect_bad(1, D("<u4", "False", "()"), 4, F, "'<u4' is not supported");
    TEST("structured dtype") expect_bad(1, "{'descr': [('a', '<f8')], 'fortran_order': False, "
                                           "'shape': ()}", 8, F, "structured");
    TEST("negative shape")
        expect_bad(1, D("<f8", "False", "(-3,)"), 8, F, "'shape'[0] is negative");
    TEST("dimension overflows int64") expect_bad(1, D("<f8", "False", "(3, 99999999999999999999)"),
                                                 8, F, "'shape'[1] overflows int64");
    TEST("shape product overflows") expect_bad(1, D("<f8", "False", "(4294967296, 4294967296)"),
                                               8, F, "size overflows");
    /* Empty (one dimension is 0), yet the other dimensions' product
     * overflows: refused, as NumPy refuses it (a fuzzer's find). */
    TEST("empty shape whose other dimensions overflow")
        expect_bad(1, D(">i4", "True", "(2, 3, 5000000000000000000, 0, 0)"), 0, F, "size overflows");
    TEST("shape (3) is not a tuple") expect_bad(1, D("<f8", "False", "(3)"), 24, F, "not a tuple");
    TEST("shape is a list") expect_bad(1, D("<f8", "False", "[3]"), 24, F, "must be a tuple");
    TEST("data truncated") expect_bad(1, D("<f8", "False", "(3, 4)"), 95, F,
                                      "data truncated: 'shape' (3, 4) needs 96 bytes");
    TEST("trailing bytes") expect_bad(1, D("<f4", "False", "(3,)"), 13, F,
                                      "1 trailing bytes after the .npy data");
    TEST("fortran_order not a bool") expect_bad(1, D("<f8", "0", "()"), 8, F, "True or False");
    TEST("fortran_order Truely") expect_bad(1, D("<f8", "Truely", "()"), 8, F, "True or False");
    TEST("ndim > 8") expect_bad(1, D("<f8", "False", "(1, 1, 1, 1, 1, 1, 1, 1, 1)"), 8, F,
                                "more than 8 dimensions");
    TEST("text after the dict") expect_bad(1, D("<f8", "False", "()") " x", 8, F,
                                           "unexpected text after the closing '}'");
    TEST("no colon") expect_bad(1, "{'descr' '<f8'}", 8, F, "expected ':' after a key");
    TEST("string runs off the header") expect_bad(1, "{'descr", 8, F, "unterminated string");
    TEST("missing comma") expect_bad(1, "{'descr': '<f8' 'shape': ()}", 8, F, "expected ','");
}

static void test_lenient(void)
{
    /* What NumPy (via literal_eval) accepts, we accept too. */
    static const char *ok[] = {
        "{\"shape\":(2,),\"fortran_order\":False,\"descr\":\"<f8\"}",
        "{ 'fortran_order' : True ,\n 'shape' : ( 2 , ) , 'descr' : '=f8' }\n",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2L,), }          \n",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2,)}",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        TEST(ok[i]) {
            size_t len;
            uint8_t *b = make_npy(i % 2 ? 3 : 1, ok[i], 16, &len);
            double v[2] = {-1.5 * 0.25, -0.5 * 0.25};
            memcpy(b + len - 16, v, 16);
            lacus_ndarray a;
            lacus_error err = {0};
            CHECK_STATUS(lacus_npy_read_mem(b, len, "ok.npy", &a, &err), LACUS_OK);
            if (err.status) fprintf(stderr, "  %s\n", err.msg);
            CHECK(lacus_ndarray_size(&a) == 2 && values_ok(&a));
            lacus_ndarray_free(&a);
            free(b);
        }
    }
}

static int count_tmp_files(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) n += strstr(e->d_name, ".tmp.") != NULL;
    if (d) closedir(d);
    return n;
}

static void test_io_errors(void)
{
    lacus_ndarray a;
    lacus_error err = {0};
    double small[4] = {1, 2, 3, 4};
    lacus_ndarray v = {LACUS_F64, 1, {4}, small};
    TEST("unreadable path") {
        CHECK_STATUS(lacus_npy_read(fx_tmp_path("no/such.npy"), &a, &err), LACUS_ERR_IO);
        CHECK(strstr(err.msg, "cannot open") && strstr(err.msg, "no/such.npy"));
        CHECK_STATUS(lacus_npy_read(fx_tmp(), &a, &err), LACUS_ERR_IO); /* a directory */
    }
    TEST("write into a missing directory") {
        CHECK_STATUS(lacus_npy_write(fx_tmp_path("no/such.npy"), &v, &err), LACUS_ERR_IO);
        CHECK(strstr(err.msg, "cannot create") && strstr(err.msg, "no/such.npy"));
    }
    TEST("write over a directory leaves no temporary file") {
        mkdir(fx_tmp_path("adir"), 0777);
        CHECK_STATUS(lacus_npy_write(fx_tmp_path("adir"), &v, &err), LACUS_ERR_IO);
        CHECK(strstr(err.msg, "cannot rename") != NULL);
        CHECK(count_tmp_files(fx_tmp()) == 0);
    }
    TEST("full disk (/dev/full)") {
        FILE *f = fopen("/dev/full", "wb");
        if (!f) {
            printf("skipped: no /dev/full\n");
            break;
        }
        /* Large: fails inside fwrite. */
        static double big[1 << 17];
        lacus_ndarray l = {LACUS_F64, 1, {1 << 17}, big};
        lacus_status st = lacus__npy_write_stream(f, "/dev/full", &l, &err);
        if (!st) st = lacus__fclose_checked(f, "/dev/full", &err);
        else fclose(f);
        CHECK_STATUS(st, LACUS_ERR_IO);
        CHECK(strstr(err.msg, "writing '/dev/full'") != NULL);
        /* Small: fwrite buffers it, and only the close can tell. */
        f = fopen("/dev/full", "wb");
        CHECK_STATUS(lacus__npy_write_stream(f, "/dev/full", &v, &err), LACUS_OK);
        CHECK_STATUS(lacus__fclose_checked(f, "/dev/full", &err), LACUS_ERR_IO);
        CHECK(strstr(err.msg, "writing '/dev/full'") != NULL);
    }
    TEST("bad arrays are refused before any file is made") {
        lacus_ndarray bad = v;
        bad.ndim = 9;
        CHECK_STATUS(lacus_npy_write(fx_tmp_path("bad.npy"), &bad, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "ndim = 9") != NULL);
        bad = v, bad.shape[0] = -1;
        CHECK_STATUS(lacus_npy_write(fx_tmp_path("bad.npy"), &bad, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "negative") != NULL);
        bad = v, bad.data = NULL;
        CHECK_STATUS(lacus_npy_write(fx_tmp_path("bad.npy"), &bad, &err), LACUS_ERR_ARG);
        bad = v, bad.dtype = (lacus_dtype)7;
        CHECK_STATUS(lacus_npy_write(fx_tmp_path("bad.npy"), &bad, &err), LACUS_ERR_ARG);
        CHECK(access(fx_tmp_path("bad.npy"), F_OK) != 0 && count_tmp_files(fx_tmp()) == 0);
    }
}


typedef lacus_status (*op_fn)(void);

static void every_failure(const char *name, op_fn op)
{
    int failures = 0;
    long alloc_fail_at;
    for (alloc_fail_at = 1; alloc_fail_at < 100; alloc_fail_at++) {
        oom_arm(alloc_fail_at);
        lacus_status st = op();
        oom_disarm();
        if (st == LACUS_OK) break;
        if (st != LACUS_ERR_NOMEM) fprintf(stderr, "  %s: fail at %ld gave %d\n", name,
                                           alloc_fail_at, st);
        CHECK_STATUS(st, LACUS_ERR_NOMEM);
        failures++;
    }
    CHECK(failures >= 1 && alloc_fail_at < 100);
}

static lacus_status op_read_fortran(void)
{
    lacus_ndarray a;
    lacus_status st = lacus_npy_read(fx_io("v1_be_i4_f_2x3x4.npy"), &a, NULL);
    lacus_ndarray_free(&a);
    return st;
}
static lacus_status op_read_pipe_like(void)
{
    char *b = NULL;
    size_t n;
    lacus_ndarray a;
    lacus_status st = lacus__read_file(fx_io("v1_le_f4_f_2x3x4.npy"), &b, &n, NULL);
    if (!st) st = lacus_npy_read_mem(b, n, "x", &a, NULL);
    if (!st) lacus_ndarray_free(&a);
    lacus_free(b);
    return st;
}
static lacus_status op_read_matrix(void)
{
    lacus_ndarray a;
    lacus_status st = lacus_npy_read_matrix(fx_io("v1_le_i8_c_3x4.npy"), &a, NULL);
    if (!st) lacus_ndarray_free(&a);
    return st;
}
static lacus_status op_write(void)
{
    double x[3] = {1, 2, 3};
    lacus_ndarray a = {LACUS_F64, 1, {3}, x};
    void *b;
    size_t n;
    lacus_status st = lacus_npy_write(fx_tmp_path("oom.npy"), &a, NULL);
    if (!st) st = lacus_npy_write_mem(&a, &b, &n, NULL);
    if (!st) lacus_free(b);
    return st;
}

static void test_oom(void)
{
    TEST("allocation failures: read Fortran big-endian") every_failure("read", op_read_fortran);
    TEST("allocation failures: read_file + read_mem") every_failure("mem", op_read_pipe_like);
    TEST("allocation failures: read_matrix") every_failure("matrix", op_read_matrix);
    TEST("allocation failures: write") {
        every_failure("write", op_write);
        CHECK(count_tmp_files(fx_tmp()) == 0);
    }
}

int main(void)
{
    fx_tmp(); /* creates the scratch directory */
    test_fixtures();
    test_matrix();
    test_malformed();
    test_lenient();
    test_io_errors();
    test_oom();
    TEST_MAIN_END();
}
