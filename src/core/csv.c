/* CSV/TSV of numbers into a 2-D double matrix.
 *
 * Written by hand because what we accept is narrow (numbers only, one
 * matrix) and the errors must name line and column; the CSV libraries in
 * Debian (libcsv) tokenise quoted text but leave number parsing, delimiter
 * detection and shape checks to the caller, which is all this file does.
 *
 * Rules (docs/files.md): lines end in \n or \r\n; a UTF-8 byte-order mark is
 * skipped; blank lines and lines starting with '#' are skipped; the
 * delimiter, unless given, is detected on the first data line (tab, else
 * ';', else ',', else runs of spaces/tabs); a first line with a cell that
 * is text, not a number, is a header and is skipped; spaces around a cell are ignored;
 * each cell is one strtod number read in the C locale, whole; every row has
 * the first row's number of columns. */
#include "core/csv.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"

#define WHITESPACE ' ' /* delimiter value meaning "runs of spaces and tabs" */

enum { CELL_OK, CELL_EMPTY, CELL_NAN, CELL_RANGE, ROW_LONG };

/* Where a row stopped, for the message. */
typedef struct row_result {
    int code;
    int64_t n;        /* cells parsed */
    int64_t col;      /* 1-based column of the bad cell */
    const char *cell; /* the bad cell's text */
    size_t cell_len;
} row_result;

typedef struct table {
    const char *name;
    lacus_error *err;
    char delim;       /* 0 until the first data line is seen */
    int64_t n_cols;   /* 0 until the first data line is seen */
    int64_t cols_line, header_line;
    double *data;
    int64_t n_rows, cap_rows;
} table;

static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* The next cell of a line: [*s, *e). In WHITESPACE mode cells are runs of
 * non-blanks; otherwise every delimiter starts a cell, so "1,,2" and "1,2,"
 * have an empty one. *p becomes NULL after the last cell. */
static int next_cell(const char **p, char d, const char **s, const char **e)
{
    const char *q = *p;
    if (!q) return 0;
    if (d == WHITESPACE) {
        while (is_blank(*q)) q++;
        if (!*q) return 0;
        *s = q;
        while (*q && !is_blank(*q)) q++;
        *e = q;
        *p = q;
        return 1;
    }
    *s = q;
    while (*q && *q != d) q++;
    *e = q;
    *p = *q ? q + 1 : NULL;
    return 1;
}

/* A whole cell as one number. strtod stops at the first byte that cannot
 * continue a number, which is never a delimiter or a blank, so it cannot
 * run past the cell; anything it leaves over makes the cell a non-number. */
static int parse_cell(const char **s, const char **e, double *v)
{
    while (*s < *e && is_blank(**s)) (*s)++;
    while (*e > *s && is_blank((*e)[-1])) (*e)--;
    if (*s == *e) return CELL_EMPTY;
    char *end;
    errno = 0;
    *v = strtod(*s, &end);
    if (end != *e) return CELL_NAN;
    /* ERANGE with a tiny result is underflow to a subnormal or zero: fine. */
    if (errno == ERANGE && fabs(*v) > 1.0) return CELL_RANGE;
    return CELL_OK;
}

/* Parses one line into out[0 .. max) (out NULL: just counts and checks). */
static int parse_row(const char *line, char d, double *out, int64_t max, row_result *r)
{
    const char *p = line, *s, *e;
    memset(r, 0, sizeof *r);
    while (next_cell(&p, d, &s, &e)) {
        double v;
        int code = parse_cell(&s, &e, &v);
        if (!code && out && r->n == max) code = ROW_LONG;
        if (code) {
            r->code = code;
            r->col = r->n + 1;
            r->cell = s;
            r->cell_len = (size_t)(e - s);
            return code;
        }
        if (out) out[r->n] = v;
        r->n++;
    }
    return CELL_OK;
}

/* A header has at least one cell that is text, not a number; a first line
 * whose only faults are empty or out-of-range cells is bad data instead. */
static int has_text_cell(const char *line, char d)
{
    const char *p = line, *s, *e;
    double v;
    while (next_cell(&p, d, &s, &e))
        if (parse_cell(&s, &e, &v) == CELL_NAN) return 1;
    return 0;
}

static char detect(const char *line)
{
    if (strchr(line, '\t')) return '\t';
    if (strchr(line, ';')) return ';';
    if (strchr(line, ',')) return ',';
    return WHITESPACE;
}

static lacus_status row_fail(const table *t, int64_t line_no, const row_result *r)
{
    char shown[40];
    size_t k = 0;
    for (; k < r->cell_len && k < 32; k++) {
        char c = r->cell[k];
        shown[k] = (c >= 32 && c < 127) ? c : '?';
    }
    shown[k] = '\0';
    const char *dots = r->cell_len > 32 ? "..." : "";
    long long L = (long long)line_no, C = (long long)r->col;
    switch (r->code) {
    case CELL_EMPTY:
        return lacus__fail(t->err, LACUS_ERR_FORMAT, "%s: line %lld, column %lld: empty cell",
                           t->name, L, C);
    case CELL_RANGE:
        return lacus__fail(t->err, LACUS_ERR_FORMAT, "%s: line %lld, column %lld: '%s%s' is out "
                           "of range for a double", t->name, L, C, shown, dots);
    case ROW_LONG:
        return lacus__fail(t->err, LACUS_ERR_FORMAT, "%s: line %lld has more than %lld columns "
                           "(line %lld has %lld)", t->name, L, (long long)t->n_cols,
                           (long long)t->cols_line, (long long)t->n_cols);
    default:
        return lacus__fail(t->err, LACUS_ERR_FORMAT, "%s: line %lld, column %lld: '%s%s' is not "
                           "a number", t->name, L, C, shown, dots);
    }
}

static lacus_status grow(table *t)
{
    int64_t cap = t->cap_rows ? 2 * t->cap_rows : 64;
    if ((uint64_t)cap > SIZE_MAX / sizeof(double) / (uint64_t)t->n_cols)
        return lacus__fail(t->err, LACUS_ERR_NOMEM, "%s: too many rows", t->name);
    double *d = lacus__realloc(t->data, (size_t)cap * (size_t)t->n_cols * sizeof(double));
    if (!d)
        return lacus__fail(t->err, LACUS_ERR_NOMEM, "%s: out of memory after %lld rows", t->name,
                           (long long)t->n_rows);
    t->data = d;
    t->cap_rows = cap;
    return LACUS_OK;
}

/* The first non-blank, non-comment line decides the delimiter and the
 * column count, or is a header; every later one is a data row. */
static lacus_status take_line(table *t, const char *line, int64_t line_no, char delim)
{
    row_result r;
    if (!t->n_cols) {
        char d = delim ? delim : detect(line);
        if (parse_row(line, d, NULL, 0, &r)) {
            if (t->header_line || !has_text_cell(line, d)) return row_fail(t, line_no, &r);
            t->header_line = line_no;
            return LACUS_OK;
        }
        t->delim = d;
        t->n_cols = r.n;
        t->cols_line = line_no;
    }
    lacus_status st = t->n_rows == t->cap_rows ? grow(t) : LACUS_OK;
    if (st) return st;
    if (parse_row(line, t->delim, t->data + t->n_rows * t->n_cols, t->n_cols, &r))
        return row_fail(t, line_no, &r);
    if (r.n < t->n_cols)
        return lacus__fail(t->err, LACUS_ERR_FORMAT, "%s: line %lld has %lld columns, expected "
                           "%lld (as line %lld)", t->name, (long long)line_no, (long long)r.n,
                           (long long)t->n_cols, (long long)t->cols_line);
    t->n_rows++;
    return LACUS_OK;
}

/* Splits text (NUL-terminated at text[len]; modified in place) into lines. */
static lacus_status parse_lines(table *t, char *text, size_t len, char delim)
{
    char *p = text, *end = text + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
    for (int64_t line_no = 1; p < end; line_no++) {
        char *nl = memchr(p, '\n', (size_t)(end - p)), *line = p;
        char *le = nl ? nl : end;
        *le = '\0';
        if (le > p && le[-1] == '\r') le[-1] = '\0';
        p = nl ? nl + 1 : end;
        while (is_blank(*line)) line++;
        if (!*line || *line == '#') continue;
        lacus_status st = take_line(t, line, line_no, delim);
        if (st) return st;
    }
    if (!t->n_rows)
        return lacus__fail(t->err, LACUS_ERR_FORMAT, "%s: no data rows (the file is empty, or "
                           "holds only a header, blank lines or comments)", t->name);
    return LACUS_OK;
}

static lacus_status check_text(const char *text, size_t len, const char *name, lacus_error *err)
{
    const char *nul = memchr(text, '\0', len);
    if (!nul) return LACUS_OK;
    long long line = 1;
    for (const char *q = text; q < nul; q++) line += *q == '\n';
    return lacus__fail(err, LACUS_ERR_FORMAT, "%s: line %lld: NUL byte (not a text file)", name,
                       line);
}

/* Parses text in place, with strtod in the C locale: a process whose
 * locale writes "1,5" must still read "1.5" (uselocale is per thread). */
static lacus_status parse_owned(char *text, size_t len, char delim, const char *name,
                                lacus_ndarray *out, lacus_error *err)
{
    lacus_status st = check_text(text, len, name, err);
    if (st) return st;
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!c) return lacus__fail(err, LACUS_ERR_NOMEM, "%s: cannot create the C locale", name);
    locale_t old = uselocale(c);
    table t = {.name = name, .err = err};
    st = parse_lines(&t, text, len, delim);
    uselocale(old);
    freelocale(c);
    if (st) {
        lacus__free(t.data);
        return st;
    }
    out->dtype = LACUS_F64;
    out->ndim = 2;
    out->shape[0] = t.n_rows;
    out->shape[1] = t.n_cols;
    out->data = t.data;
    return LACUS_OK;
}

static lacus_status check_args(char delim, const char *name, lacus_ndarray *out,
                               lacus_error *err)
{
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "%s: out is NULL", name);
    memset(out, 0, sizeof *out);
    if (delim && !strchr(",;\t |:", delim))
        return lacus__fail(err, LACUS_ERR_ARG, "%s: delimiter 0x%02x is not supported (0 to "
                           "detect, or one of , ; tab space | :)", name, (unsigned char)delim);
    return LACUS_OK;
}

lacus_status lacus__csv_parse_mem(const char *buf, size_t len, char delimiter, const char *name,
                                  lacus_ndarray *out, lacus_error *err)
{
    if (!name) name = "<memory>";
    lacus_status st = check_args(delimiter, name, out, err);
    if (st) return st;
    if (!buf && len) return lacus__fail(err, LACUS_ERR_ARG, "%s: buf is NULL", name);
    char *text = len < SIZE_MAX ? lacus__malloc(len + 1) : NULL;
    if (!text) return lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory", name);
    if (len) memcpy(text, buf, len);
    text[len] = '\0';
    st = parse_owned(text, len, delimiter, name, out, err);
    lacus__free(text);
    return st;
}

lacus_status lacus_csv_read(const char *path, char delimiter, lacus_ndarray *out,
                            lacus_error *err)
{
    if (!path) return lacus__fail(err, LACUS_ERR_ARG, "lacus_csv_read: path is NULL");
    lacus_status st = check_args(delimiter, path, out, err);
    if (st) return st;
    char *text;
    size_t len;
    if ((st = lacus__read_file(path, &text, &len, err))) return st;
    st = parse_owned(text, len, delimiter, path, out, err);
    lacus__free(text);
    return st;
}
