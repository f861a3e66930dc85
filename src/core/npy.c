/* .npy files (NumPy's array format, versions 1.0, 2.0 and 3.0): reader
 * and writer.
 *
 * The format (numpy/lib/format.py, NEP 1): a 6-byte magic "\x93NUMPY", a
 * version (major, minor), a little-endian header length (uint16 for 1.0,
 * uint32 for 2.0 and 3.0), then a Python dict literal such as
 *     {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
 * padded with spaces and a '\n' so the data starts 64-byte aligned, then the
 * raw elements. Written by hand because no maintained C library reads .npy
 * (none is packaged in Debian; cnpy is C++ and unmaintained), and because the
 * dict must be parsed defensively: every byte of a file is untrusted input.
 * The parser accepts the three keys in any order with any spacing (as
 * Python's literal_eval does), and rejects everything else with the byte
 * offset and the field. */
#include "core/npy.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_ALIGN 64 /* numpy.lib.format.ARRAY_ALIGN */

/* ------------------------------------------------------------------------ */
/* Header parsing                                                           */
/* ------------------------------------------------------------------------ */

/* What the header says about the data that follows it. */
typedef struct npy_header {
    lacus_dtype dtype;
    int swap;    /* stored in the byte order opposite to this machine's */
    int fortran; /* stored in column-major order */
    int ndim;
    int64_t shape[LACUS_MAX_DIMS];
    size_t data_offset; /* file offset of the first element */
    size_t nbytes;      /* bytes of data the shape and dtype call for */
} npy_header;

typedef struct hdr_parser {
    const char *s; /* the dict text (not NUL-terminated) */
    size_t n, i;   /* its length and the cursor */
    size_t base;   /* file offset of s[0], so messages give file offsets */
    const char *name;
    lacus_error *err;
} hdr_parser;

static int host_is_little(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

static lacus_status hdr_fail(const hdr_parser *ps, const char *fmt, ...) LACUS__PRINTF(2, 3);
static lacus_status hdr_fail(const hdr_parser *ps, const char *fmt, ...)
{
    char what[LACUS_ERRMSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return lacus__fail(ps->err, LACUS_ERR_FORMAT, "%s: .npy header, byte %zu: %s", ps->name,
                       ps->base + ps->i, what);
}

/* Copies untrusted text into a message, printable ASCII only, at most 32. */
static const char *printable(char *dst, const char *s, size_t n)
{
    size_t k = 0;
    for (; k < n && k < 32; k++) dst[k] = (s[k] >= 32 && s[k] < 127) ? s[k] : '?';
    dst[k] = '\0';
    return dst;
}

static int peek(const hdr_parser *ps) { return ps->i < ps->n ? (unsigned char)ps->s[ps->i] : -1; }

static void skip_ws(hdr_parser *ps)
{
    for (int c; (c = peek(ps)) == ' ' || c == '\t' || c == '\r' || c == '\n';) ps->i++;
}

static lacus_status expect(hdr_parser *ps, char c, const char *where)
{
    skip_ws(ps);
    if (peek(ps) != (unsigned char)c) return hdr_fail(ps, "expected '%c' %s", c, where);
    ps->i++;
    skip_ws(ps);
    return LACUS_OK;
}

/* A quoted Python string without escapes; *str points into the header. */
static lacus_status parse_string(hdr_parser *ps, const char **str, size_t *len, const char *what)
{
    int q = peek(ps);
    if (q != '\'' && q != '"') return hdr_fail(ps, "expected a quoted string for %s", what);
    size_t start = ++ps->i;
    while (ps->i < ps->n && ps->s[ps->i] != q) {
        if (ps->s[ps->i] == '\\' || ps->s[ps->i] == '\n')
            return hdr_fail(ps, "escape or newline inside the string for %s", what);
        ps->i++;
    }
    if (ps->i >= ps->n) return hdr_fail(ps, "unterminated string for %s", what);
    *str = ps->s + start;
    *len = ps->i - start;
    ps->i++;
    return LACUS_OK;
}

static int word_at(const hdr_parser *ps, const char *w)
{
    size_t k = strlen(w);
    if (ps->n - ps->i < k || memcmp(ps->s + ps->i, w, k) != 0) return 0;
    /* "Falsey" is not False: the next byte must end the token. */
    char next = ps->i + k < ps->n ? ps->s[ps->i + k] : ' ';
    int lower = next | 32;
    return !(next == '_' || (next >= '0' && next <= '9') || (lower >= 'a' && lower <= 'z'));
}

static lacus_status parse_fortran(hdr_parser *ps, npy_header *h)
{
    if (word_at(ps, "True")) h->fortran = 1;
    else if (word_at(ps, "False")) h->fortran = 0;
    else return hdr_fail(ps, "'fortran_order' must be True or False");
    ps->i += h->fortran ? 4 : 5;
    return LACUS_OK;
}

static lacus_status parse_descr(hdr_parser *ps, npy_header *h)
{
    if (peek(ps) == '[')
        return hdr_fail(ps, "'descr' is a list: structured dtypes are not supported");
    const char *d;
    size_t n;
    lacus_status st = parse_string(ps, &d, &n, "'descr'");
    if (st) return st;
    char shown[40];
    size_t at = ps->i - n - 1; /* report the string's first byte */
    ps->i = at;
    if (n == 3 && d[0] == '|' && (d[1] == 'f' || d[1] == 'i'))
        return hdr_fail(ps, "'descr' '%s': byte order '|' is only valid for 1-byte types",
                        printable(shown, d, n));
    if (n != 3 || !strchr("<>=", d[0]) || !d[0] || (d[1] != 'f' && d[1] != 'i') ||
        (d[2] != '8' && d[2] != '4'))
        return hdr_fail(ps, "'descr' '%s' is not supported (lacus reads f8, f4, i8, i4 with "
                            "byte order <, > or =)", printable(shown, d, n));
    ps->i = at + n + 1;
    int eight = d[2] == '8';
    h->dtype = d[1] == 'f' ? (eight ? LACUS_F64 : LACUS_F32) : (eight ? LACUS_I64 : LACUS_I32);
    h->swap = (d[0] == '<' && !host_is_little()) || (d[0] == '>' && host_is_little());
    return LACUS_OK;
}

static lacus_status parse_dim(hdr_parser *ps, int k, int64_t *v)
{
    if (peek(ps) == '-') return hdr_fail(ps, "'shape'[%d] is negative", k);
    if (peek(ps) < '0' || peek(ps) > '9')
        return hdr_fail(ps, "'shape'[%d]: expected a non-negative integer", k);
    *v = 0;
    while (peek(ps) >= '0' && peek(ps) <= '9') {
        int d = peek(ps) - '0';
        if (*v > (INT64_MAX - d) / 10) return hdr_fail(ps, "'shape'[%d] overflows int64", k);
        *v = *v * 10 + d;
        ps->i++;
    }
    if (peek(ps) == 'L') ps->i++; /* Python 2 longs, as old 1.0 files have them */
    return LACUS_OK;
}

/* A Python tuple of ints: "()", "(5,)", "(3, 4)", "(3, 4,)". */
static lacus_status parse_shape(hdr_parser *ps, npy_header *h)
{
    if (peek(ps) != '(') return hdr_fail(ps, "'shape' must be a tuple such as (3, 4)");
    ps->i++;
    skip_ws(ps);
    h->ndim = 0;
    while (peek(ps) != ')') {
        if (h->ndim == LACUS_MAX_DIMS)
            return hdr_fail(ps, "'shape' has more than %d dimensions (LACUS_MAX_DIMS)",
                            LACUS_MAX_DIMS);
        lacus_status st = parse_dim(ps, h->ndim, &h->shape[h->ndim]);
        if (st) return st;
        h->ndim++;
        skip_ws(ps);
        if (peek(ps) == ',') {
            ps->i++;
            skip_ws(ps);
        } else if (peek(ps) != ')') {
            return hdr_fail(ps, "expected ',' or ')' in 'shape'");
        } else if (h->ndim == 1) {
            return hdr_fail(ps, "'shape' (n) is an int, not a tuple: write (n,)");
        }
    }
    ps->i++;
    return LACUS_OK;
}

enum { KEY_DESCR = 1, KEY_FORTRAN = 2, KEY_SHAPE = 4 };

static lacus_status parse_entry(hdr_parser *ps, npy_header *h, unsigned *seen)
{
    const char *key;
    size_t n;
    size_t at = ps->i;
    lacus_status st = parse_string(ps, &key, &n, "a key");
    if (st) return st;
    unsigned id = (n == 5 && !memcmp(key, "descr", 5))           ? KEY_DESCR
                  : (n == 13 && !memcmp(key, "fortran_order", 13)) ? KEY_FORTRAN
                  : (n == 5 && !memcmp(key, "shape", 5))           ? KEY_SHAPE
                                                                   : 0;
    char shown[40];
    ps->i = at;
    if (!id) return hdr_fail(ps, "unknown key '%s'", printable(shown, key, n));
    if (*seen & id) return hdr_fail(ps, "duplicate key '%s'", printable(shown, key, n));
    *seen |= id;
    ps->i = at + n + 2;
    if ((st = expect(ps, ':', "after a key"))) return st;
    return id == KEY_DESCR ? parse_descr(ps, h)
           : id == KEY_FORTRAN ? parse_fortran(ps, h) : parse_shape(ps, h);
}

static lacus_status parse_dict(hdr_parser *ps, npy_header *h)
{
    unsigned seen = 0;
    lacus_status st = expect(ps, '{', "at the start of the header");
    while (!st && peek(ps) != '}') {
        if ((st = parse_entry(ps, h, &seen))) return st;
        skip_ws(ps);
        if (peek(ps) == ',') st = expect(ps, ',', "");
        else if (peek(ps) != '}') return hdr_fail(ps, "expected ',' or '}' after a value");
    }
    if (st) return st;
    ps->i++;
    skip_ws(ps);
    if (ps->i != ps->n) return hdr_fail(ps, "unexpected text after the closing '}'");
    static const char *names[] = {"descr", "fortran_order", "shape"};
    for (int k = 0; k < 3; k++)
        if (!(seen & (1u << k))) return hdr_fail(ps, "missing key '%s'", names[k]);
    return LACUS_OK;
}

/* "(3, 4)" as Python prints a tuple; also the writer's shape text. */
static void format_shape(char *buf, size_t cap, int ndim, const int64_t *shape)
{
    size_t k = (size_t)snprintf(buf, cap, "(");
    for (int d = 0; d < ndim && k < cap; d++)
        k += (size_t)snprintf(buf + k, cap - k, d ? ", %lld" : "%lld", (long long)shape[d]);
    if (k < cap) snprintf(buf + k, cap - k, ndim == 1 ? ",)" : ")");
}

/* Element count and byte count, refusing shapes whose product overflows.
 * As NumPy does, the product of the non-zero dimensions must fit even when
 * another dimension is 0 (the size is then 0): otherwise code that
 * multiplies the dimensions in order, such as (2, 3, 5e18, 0), overflows
 * before it reaches the 0. */
static lacus_status shape_bytes(int ndim, const int64_t *shape, size_t item, size_t *nbytes)
{
    uint64_t n = 1, limit = (uint64_t)(INT64_MAX < SIZE_MAX ? INT64_MAX : SIZE_MAX) / item;
    int empty = 0;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] == 0) {
            empty = 1;
            continue;
        }
        if ((uint64_t)shape[d] > limit / n) return LACUS_ERR_FORMAT;
        n *= (uint64_t)shape[d];
    }
    *nbytes = empty ? 0 : (size_t)n * item;
    return LACUS_OK;
}

/* Magic, version and header length; *dict_at and *dict_len locate the dict. */
static lacus_status parse_preamble(const uint8_t *p, size_t avail, uint64_t total,
                                   const char *name, size_t *dict_at, size_t *dict_len,
                                   lacus_error *err)
{
    if (avail < NPY_MAGIC_LEN || memcmp(p, NPY_MAGIC, NPY_MAGIC_LEN) != 0)
        return lacus__fail(err, LACUS_ERR_FORMAT,
                           "%s: not a .npy file: bad magic string at byte 0 (expected \\x93NUMPY)",
                           name);
    if (avail < 10)
        return lacus__fail(err, LACUS_ERR_FORMAT,
                           "%s: file ends inside the .npy preamble (%zu bytes)", name, avail);
    if (p[6] < 1 || p[6] > 3 || p[7] != 0)
        return lacus__fail(err, LACUS_ERR_FORMAT,
                           "%s: unsupported .npy format version %u.%u at byte 6 (lacus reads 1.0, "
                           "2.0 and 3.0)", name, p[6], p[7]);
    uint64_t hlen = p[8] | (uint64_t)p[9] << 8;
    *dict_at = 10;
    if (p[6] >= 2) {
        if (avail < 12)
            return lacus__fail(err, LACUS_ERR_FORMAT,
                               "%s: file ends inside the .npy preamble (%zu bytes)", name, avail);
        hlen |= (uint64_t)p[10] << 16 | (uint64_t)p[11] << 24;
        *dict_at = 12;
    }
    if (hlen > total - *dict_at)
        return lacus__fail(err, LACUS_ERR_FORMAT,
                           "%s: header length %llu (at byte 8) runs past the end of the file "
                           "(%llu bytes)", name, (unsigned long long)hlen,
                           (unsigned long long)total);
    *dict_len = (size_t)hlen;
    return LACUS_OK;
}

/* Parses the dict and checks that the data that follows has exactly the
 * size the header promises. Trailing bytes are rejected like truncation:
 * NumPy ignores them, but a header that understates its data is lying, and
 * reading a prefix of someone's array silently is the worse failure. */
static lacus_status parse_header(const char *dict, size_t dict_at, size_t dict_len,
                                 uint64_t total, const char *name, npy_header *h,
                                 lacus_error *err)
{
    hdr_parser ps = {dict, dict_len, 0, dict_at, name, err};
    memset(h, 0, sizeof *h);
    lacus_status st = parse_dict(&ps, h);
    if (st) return st;
    char shp[LACUS_MAX_DIMS * 24];
    format_shape(shp, sizeof shp, h->ndim, h->shape);
    if (shape_bytes(h->ndim, h->shape, lacus_dtype_size(h->dtype), &h->nbytes))
        return lacus__fail(err, LACUS_ERR_FORMAT,
                           "%s: .npy 'shape' %s: its size overflows (lying header)", name, shp);
    h->data_offset = dict_at + dict_len;
    uint64_t have = total - h->data_offset;
    if (have < h->nbytes)
        return lacus__fail(err, LACUS_ERR_FORMAT,
                           "%s: .npy data truncated: 'shape' %s needs %zu bytes after the header "
                           "at byte %zu, the file has %llu", name, shp, h->nbytes, h->data_offset,
                           (unsigned long long)have);
    if (have > h->nbytes)
        return lacus__fail(err, LACUS_ERR_FORMAT,
                           "%s: %llu trailing bytes after the .npy data: 'shape' %s does not "
                           "describe the file", name, (unsigned long long)(have - h->nbytes), shp);
    return LACUS_OK;
}

/* ------------------------------------------------------------------------ */
/* Data: byte order and Fortran order                                       */
/* ------------------------------------------------------------------------ */

static void swap_bytes(void *data, size_t nbytes, size_t item)
{
    uint8_t *p = data;
    for (size_t i = 0; i < nbytes; i += item)
        for (size_t a = 0, b = item - 1; a < b; a++, b--) {
            uint8_t t = p[i + a];
            p[i + a] = p[i + b];
            p[i + b] = t;
        }
}

/* Copies column-major src into row-major dst: walk src in order with a
 * multi-index whose first axis runs fastest, tracking the C offset. */
static void fortran_to_c(uint8_t *dst, const uint8_t *src, int ndim, const int64_t *shape,
                         size_t item, size_t nbytes)
{
    int64_t stride[LACUS_MAX_DIMS], idx[LACUS_MAX_DIMS] = {0}, off = 0;
    stride[ndim - 1] = 1;
    for (int d = ndim - 1; d > 0; d--) stride[d - 1] = stride[d] * shape[d];
    for (size_t f = 0; f < nbytes; f += item) {
        memcpy(dst + (size_t)off * item, src + f, item);
        for (int d = 0; d < ndim; d++) {
            off += stride[d];
            if (++idx[d] < shape[d]) break;
            off -= stride[d] * shape[d];
            idx[d] = 0;
        }
    }
}

/* Turns raw data (ownership passes here) into out: native order, C order. */
static lacus_status finish(const npy_header *h, void *raw, const char *name, lacus_ndarray *out,
                           lacus_error *err)
{
    size_t item = lacus_dtype_size(h->dtype);
    if (h->swap) swap_bytes(raw, h->nbytes, item);
    if (h->fortran && h->ndim > 1 && h->nbytes) {
        void *c = lacus__malloc(h->nbytes);
        if (!c) {
            lacus__free(raw);
            return lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory for %zu bytes", name,
                               h->nbytes);
        }
        fortran_to_c(c, raw, h->ndim, h->shape, item, h->nbytes);
        lacus__free(raw);
        raw = c;
    }
    memset(out, 0, sizeof *out);
    out->dtype = h->dtype;
    out->ndim = h->ndim;
    memcpy(out->shape, h->shape, sizeof h->shape);
    out->data = raw;
    return LACUS_OK;
}

static lacus_status nomem(lacus_error *err, const char *name, size_t n)
{
    return lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory for %zu bytes", name, n);
}

lacus_status lacus_npy_read_mem(const void *buf, size_t len, const char *name,
                                lacus_ndarray *out, lacus_error *err)
{
    const uint8_t *p = buf;
    size_t at = 0, hlen = 0;
    npy_header h;
    if (!name) name = "<memory>";
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "%s: out is NULL", name);
    memset(out, 0, sizeof *out);
    if (!buf && len) return lacus__fail(err, LACUS_ERR_ARG, "%s: buf is NULL", name);
    lacus_status st = parse_preamble(p, len, len, name, &at, &hlen, err);
    if (!st) st = parse_header((const char *)p + at, at, hlen, len, name, &h, err);
    if (st) return st;
    void *raw = lacus__malloc(h.nbytes);
    if (!raw) return nomem(err, name, h.nbytes);
    if (h.nbytes) memcpy(raw, p + h.data_offset, h.nbytes);
    return finish(&h, raw, name, out, err);
}

/* Reads header and data straight from the file, so a large array is held
 * once, not twice. Files that are not regular (pipes) are read whole. */
static lacus_status read_stream(FILE *f, const char *path, uint64_t total, lacus_ndarray *out,
                                lacus_error *err)
{
    uint8_t pre[12];
    size_t got = fread(pre, 1, sizeof pre, f), at = 0, hlen = 0;
    lacus_status st = parse_preamble(pre, got, total, path, &at, &hlen, err);
    if (st) return st;
    char *dict = lacus__malloc(hlen);
    if (!dict) return nomem(err, path, hlen);
    npy_header h;
    if (fseek(f, (long)at, SEEK_SET) != 0 || fread(dict, 1, hlen, f) != hlen)
        st = lacus__fail(err, LACUS_ERR_IO, "reading '%s': read error in the header", path);
    if (!st) st = parse_header(dict, at, hlen, total, path, &h, err);
    lacus__free(dict);
    if (st) return st;
    void *raw = lacus__malloc(h.nbytes);
    if (!raw) return nomem(err, path, h.nbytes);
    if (fread(raw, 1, h.nbytes, f) != h.nbytes) {
        lacus__free(raw);
        return lacus__fail(err, LACUS_ERR_IO, "reading '%s': read error in the data", path);
    }
    return finish(&h, raw, path, out, err);
}

lacus_status lacus_npy_read(const char *path, lacus_ndarray *out, lacus_error *err)
{
    if (!path || !out) return lacus__fail(err, LACUS_ERR_ARG, "lacus_npy_read: NULL argument");
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) return lacus__fail(err, LACUS_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    struct stat sb;
    lacus_status st;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode)) {
        st = read_stream(f, path, (uint64_t)sb.st_size, out, err);
        fclose(f);
        return st;
    }
    fclose(f);
    char *buf;
    size_t len;
    if ((st = lacus__read_file(path, &buf, &len, err))) return st;
    st = lacus_npy_read_mem(buf, len, path, out, err);
    lacus__free(buf);
    return st;
}

lacus_status lacus_npy_read_matrix(const char *path, lacus_ndarray *out, lacus_error *err)
{
    lacus_status st = lacus_npy_read(path, out, err);
    if (st) return st;
    if (out->ndim == 1) {
        out->ndim = 2;
        out->shape[1] = 1;
    } else if (out->ndim != 2) {
        int nd = out->ndim;
        lacus_ndarray_free(out);
        return lacus__fail(err, LACUS_ERR_SHAPE, "%s: a %d-d array, expected a 1-d or 2-d matrix",
                           path, nd);
    }
    if ((st = lacus_ndarray_to_f64(out, err))) lacus_ndarray_free(out);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Writing                                                                  */
/* ------------------------------------------------------------------------ */

static lacus_status check_array(const lacus_ndarray *a, const char *label, size_t *nbytes,
                                lacus_error *err)
{
    if (!a) return lacus__fail(err, LACUS_ERR_ARG, "%s: array is NULL", label);
    if ((int)a->dtype < LACUS_F64 || (int)a->dtype > LACUS_I32)
        return lacus__fail(err, LACUS_ERR_ARG, "%s: dtype %d is not a lacus_dtype", label,
                           (int)a->dtype);
    if (a->ndim < 0 || a->ndim > LACUS_MAX_DIMS)
        return lacus__fail(err, LACUS_ERR_ARG, "%s: ndim = %d, allowed 0..%d", label, a->ndim,
                           LACUS_MAX_DIMS);
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] < 0)
            return lacus__fail(err, LACUS_ERR_ARG, "%s: shape[%d] = %lld is negative", label, d,
                               (long long)a->shape[d]);
    if (shape_bytes(a->ndim, a->shape, lacus_dtype_size(a->dtype), nbytes))
        return lacus__fail(err, LACUS_ERR_ARG, "%s: the shape's size overflows", label);
    if (*nbytes && !a->data) return lacus__fail(err, LACUS_ERR_ARG, "%s: data is NULL", label);
    return LACUS_OK;
}

/* Preamble + dict + padding, byte for byte what numpy.save writes: version
 * 1.0 unless the header needs more than 65535 bytes (it cannot with 8
 * dimensions, but the rule is NumPy's), data aligned to 64 bytes. */
static size_t build_header(const lacus_ndarray *a, uint8_t *buf, size_t cap)
{
    static const char *descr[] = {"<f8", "<f4", "<i8", "<i4"};
    char shp[LACUS_MAX_DIMS * 24], dict[LACUS_MAX_DIMS * 24 + 64];
    format_shape(shp, sizeof shp, a->ndim, a->shape);
    size_t n = (size_t)snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, "
                                "'shape': %s, }", descr[a->dtype], shp);
    size_t pre = 10, pad = NPY_ALIGN - (pre + n + 1) % NPY_ALIGN, hlen = n + pad + 1;
    if (hlen > 65535) {
        pre = 12;
        pad = NPY_ALIGN - (pre + n + 1) % NPY_ALIGN;
        hlen = n + pad + 1;
    }
    if (pre + hlen > cap) return 0;
    memcpy(buf, NPY_MAGIC, NPY_MAGIC_LEN);
    buf[6] = pre == 10 ? 1 : 2;
    buf[7] = 0;
    for (size_t k = 0; k < pre - 8; k++) buf[8 + k] = (uint8_t)(hlen >> (8 * k));
    memcpy(buf + pre, dict, n);
    memset(buf + pre + n, ' ', pad);
    buf[pre + hlen - 1] = '\n';
    return pre + hlen;
}

#define HEADER_CAP (LACUS_MAX_DIMS * 24 + 64 + 12 + NPY_ALIGN)

lacus_status lacus__npy_write_stream(FILE *f, const char *path, const lacus_ndarray *a,
                                     lacus_error *err)
{
    size_t nbytes, item;
    uint8_t head[HEADER_CAP];
    lacus_status st = check_array(a, path, &nbytes, err);
    if (st) return st;
    size_t hlen = build_header(a, head, sizeof head);
    if ((st = lacus__fwrite_all(f, head, hlen, path, err))) return st;
    if (host_is_little()) return lacus__fwrite_all(f, a->data, nbytes, path, err);
    /* Big-endian host: swap through a small buffer, never the caller's data. */
    uint8_t chunk[4096];
    item = lacus_dtype_size(a->dtype);
    for (size_t off = 0; off < nbytes && !st; off += sizeof chunk) {
        size_t k = nbytes - off < sizeof chunk ? nbytes - off : sizeof chunk;
        memcpy(chunk, (const uint8_t *)a->data + off, k);
        swap_bytes(chunk, k, item);
        st = lacus__fwrite_all(f, chunk, k, path, err);
    }
    return st;
}

lacus_status lacus_npy_write_mem(const lacus_ndarray *a, void **buf, size_t *len,
                                 lacus_error *err)
{
    size_t nbytes;
    uint8_t head[HEADER_CAP];
    if (!buf || !len) return lacus__fail(err, LACUS_ERR_ARG, "lacus_npy_write_mem: NULL output");
    lacus_status st = check_array(a, "lacus_npy_write_mem", &nbytes, err);
    if (st) return st;
    size_t hlen = build_header(a, head, sizeof head);
    uint8_t *b = nbytes <= SIZE_MAX - hlen ? lacus__malloc(hlen + nbytes) : NULL;
    if (!b) return nomem(err, "lacus_npy_write_mem", nbytes);
    memcpy(b, head, hlen);
    if (nbytes) memcpy(b + hlen, a->data, nbytes);
    if (!host_is_little()) swap_bytes(b + hlen, nbytes, lacus_dtype_size(a->dtype));
    *buf = b;
    *len = hlen + nbytes;
    return LACUS_OK;
}

static lacus_status write_cb(FILE *f, const char *path, void *ctx, lacus_error *err)
{
    return lacus__npy_write_stream(f, path, ctx, err);
}

lacus_status lacus_npy_write(const char *path, const lacus_ndarray *a, lacus_error *err)
{
    size_t nbytes;
    if (!path) return lacus__fail(err, LACUS_ERR_ARG, "lacus_npy_write: path is NULL");
    /* Check first, so a bad array never creates even a temporary file. */
    lacus_status st = check_array(a, path, &nbytes, err);
    if (st) return st;
    return lacus__write_atomic(path, write_cb, (void *)a, err);
}
