/* CSV reader: delimiters (given and detected), headers, comments, CRLF,
 * BOM, special numbers; each malformed input with its line, column and
 * message; files on disk; injected allocation failures. */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "core/csv.h"
#include "lacus.h"
#include "oom.h"
#include "test.h"

static char tmp_dir[1024];

/* Parses text and checks the shape and the values, given row-major. */
static void expect_ok(const char *text, char delim, int64_t rows, int64_t cols,
                      const double *want)
{
    lacus_ndarray a;
    lacus_error err = {0};
    CHECK_STATUS(lacus__csv_parse_mem(text, strlen(text), delim, "t.csv", &a, &err), LACUS_OK);
    if (err.status) fprintf(stderr, "  [%s] %s\n", test_name_, err.msg);
    CHECK(a.dtype == LACUS_F64 && a.ndim == 2 && a.shape[0] == rows && a.shape[1] == cols);
    if (a.data && a.shape[0] == rows && a.shape[1] == cols)
        for (int64_t k = 0; k < rows * cols; k++) {
            double got = ((double *)a.data)[k];
            CHECK(got == want[k] || (isnan(got) && isnan(want[k])));
        }
    lacus_ndarray_free(&a);
}

static void expect_bad(const char *text, size_t len, char delim, lacus_status status,
                       const char *needle)
{
    lacus_ndarray a;
    lacus_error err = {0};
    CHECK_STATUS(lacus__csv_parse_mem(text, len, delim, "t.csv", &a, &err), status);
    if (!strstr(err.msg, needle))
        fprintf(stderr, "  [%s] message \"%s\" lacks \"%s\"\n", test_name_, err.msg, needle);
    CHECK(strstr(err.msg, needle) != NULL && strstr(err.msg, "t.csv") != NULL);
    CHECK(a.data == NULL && a.ndim == 0);
}
#define BAD(text, needle) expect_bad(text, strlen(text), 0, LACUS_ERR_FORMAT, needle)

static void test_good(void)
{
    static const double m23[] = {1, 2, 3, 4, 5, 6}, m22[] = {1.5, -2, 3e3, 0.25};
    TEST("commas") expect_ok("1,2,3\n4,5,6\n", 0, 2, 3, m23);
    TEST("no final newline") expect_ok("1,2,3\n4,5,6", 0, 2, 3, m23);
    TEST("semicolons") expect_ok("1.5;-2\n3e3;0.25\n", 0, 2, 2, m22);
    TEST("tabs") expect_ok("1.5\t-2\n3e3\t0.25\n", 0, 2, 2, m22);
    TEST("runs of spaces") expect_ok("  1.5   -2\n\t3e3 0.25  \n", 0, 2, 2, m22);
    TEST("spaces around cells") expect_ok(" 1 , 2 ,3\n4,\t5 , 6 \n", 0, 2, 3, m23);
    TEST("header") expect_ok("time,x,y\n1,2,3\n4,5,6\n", 0, 2, 3, m23);
    TEST("CRLF and BOM") expect_ok("\xEF\xBB\xBFt;x\r\n1.5;-2\r\n3e3;0.25\r\n", 0, 2, 2, m22);
    TEST("comments and blank lines")
        expect_ok("# made by hand\n\n1,2,3\n   \n# more\n4,5,6\n\n", 0, 2, 3, m23);
    TEST("given delimiter") expect_ok("a|b|c\n1|2|3\n4|5|6\n", '|', 2, 3, m23);
    TEST("given space means runs") expect_ok("1  2 3\n4 5  6\n", ' ', 2, 3, m23);
    TEST("one column with a header") {
        static const double col[] = {1.5, -2, 3e3};
        expect_ok("value\n1.5\n-2\n3e3\n", 0, 3, 1, col);
    }
    TEST("special numbers") {
        double want[] = {NAN, INFINITY, -INFINITY, 0.25, 1e-310, 0.0};
        expect_ok("nan,inf,-Infinity,0x1p-2,1e-310,-0\n", 0, 1, 6, want);
    }
    TEST("locale with a decimal comma does not change parsing") {
        if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") && !setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
            printf("skipped: no comma-decimal locale installed\n");
            break;
        }
        expect_ok("1.5;-2\n3e3;0.25\n", 0, 2, 2, m22);
        setlocale(LC_NUMERIC, "C");
    }
}

static void test_bad(void)
{
    TEST("ragged row, short")
        BAD("1,2,3\n4,5,6\n7,8\n", "line 3 has 2 columns, expected 3 (as line 1)");
    TEST("ragged row, long")
        BAD("x,y\n1,2\n3,4,5\n", "line 3 has more than 2 columns (line 2 has 2)");
    TEST("not a number") BAD("1,2,3\n4,x5,6\n", "line 2, column 2: 'x5' is not a number");
    TEST("number then junk") BAD("1,2\n3,4.5.6\n", "line 2, column 2: '4.5.6' is not a number");
    TEST("bad line after a header") BAD("a,b\nc,d\n", "line 2, column 1: 'c' is not a number");
    TEST("empty cell") BAD("1,2,3\n4,,6\n", "line 2, column 2: empty cell");
    TEST("trailing delimiter") BAD("1,2,3\n4,5,6,\n", "line 2, column 4: empty cell");
    TEST("trailing delimiter, first row") BAD("1,2,\n", "line 1, column 3: empty cell");
    TEST("first line overflows") BAD("1e999,1\n1,2\n", "line 1, column 1: '1e999' is out of range");
    TEST("overflow") BAD("1,2\n1e999,3\n", "line 2, column 1: '1e999' is out of range");
    TEST("empty file") BAD("", "no data rows");
    TEST("header only") BAD("a,b,c\n", "no data rows");
    TEST("comments only") BAD("# nothing\n\n", "no data rows");
    TEST("quoted numbers are not numbers") BAD("\"1\",\"2\"\n\"3\",\"4\"\n", "line 2, column 1");
    TEST("NUL byte") expect_bad("1,2\n3\0,4\n", 9, 0, LACUS_ERR_FORMAT, "line 2: NUL byte");
    TEST("wrong given delimiter") expect_bad("1;2\n3;4\n", 8, ',', LACUS_ERR_FORMAT,
                                             "line 2, column 1: '3;4' is not a number");
    TEST("unsupported delimiter") expect_bad("1,2\n", 4, 'x', LACUS_ERR_ARG, "delimiter 0x78");
    TEST("long cell is cut in the message") {
        char line[200];
        snprintf(line, sizeof line, "1\n%0150d\n", 0);
        line[5] = 'x';
        BAD(line, "is not a number");
    }
}

static void test_files(void)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/m.tsv", tmp_dir);
    FILE *f = fopen(path, "w");
    fputs("t\tx\n0\t1.5\n1\t-2\n", f);
    fclose(f);
    TEST("read a file") {
        lacus_ndarray a;
        lacus_error err = {0};
        CHECK_STATUS(lacus_csv_read(path, 0, &a, &err), LACUS_OK);
        CHECK(a.shape[0] == 2 && a.shape[1] == 2 && ((double *)a.data)[3] == -2);
        lacus_ndarray_free(&a);
    }
    TEST("missing file") {
        lacus_ndarray a;
        lacus_error err = {0};
        CHECK_STATUS(lacus_csv_read("/nonexistent/m.csv", 0, &a, &err), LACUS_ERR_IO);
        CHECK(strstr(err.msg, "cannot open '/nonexistent/m.csv'") != NULL);
    }
}


static void test_oom(void)
{
    /* 200 rows: the row buffer grows more than once. */
    static char text[200 * 8 + 1];
    for (int i = 0; i < 200; i++) memcpy(text + 8 * i, "1.5,-2\n ", 8);
    char path[1200];
    snprintf(path, sizeof path, "%s/oom.csv", tmp_dir);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    TEST("allocation failures") {
        int failures = 0;
        long alloc_fail_at;
        for (alloc_fail_at = 1; alloc_fail_at < 100; alloc_fail_at++) {
            lacus_ndarray a, b;
        oom_arm(alloc_fail_at);
            lacus_status st = lacus__csv_parse_mem(text, strlen(text), 0, "t", &a, NULL);
            lacus_status st2 = lacus_csv_read(path, 0, &b, NULL);
            oom_disarm();
            lacus_ndarray_free(&a);
            lacus_ndarray_free(&b);
            if (st == LACUS_OK && st2 == LACUS_OK) break;
            CHECK(st == LACUS_OK || st == LACUS_ERR_NOMEM);
            CHECK(st2 == LACUS_OK || st2 == LACUS_ERR_NOMEM);
            failures++;
        }
        CHECK(failures >= 4 && alloc_fail_at < 100);
    }
}

int main(void)
{
    const char *t = getenv("LACUS_TMP");
    snprintf(tmp_dir, sizeof tmp_dir, "%s", t ? t : "/tmp/lacus_test_csv");
    if (mkdir(tmp_dir, 0777) != 0 && errno != EEXIST) {
        perror(tmp_dir);
        return 1;
    }
    test_good();
    test_bad();
    test_files();
    test_oom();
    TEST_MAIN_END();
}
