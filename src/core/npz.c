/* .npz archives (numpy.savez / savez_compressed): a zip of .npy members.
 *
 * libzip does everything zip: central directory, deflate, CRC checks and the
 * writer. This file adds what NumPy means by an .npz: member names without
 * ".npy", each member parsed with lacus_npy_read_mem, and guards a zip
 * library does not apply for us: a member's declared size is checked
 * against its compressed size before anything is allocated (a lying header
 * must not make us allocate gigabytes), and the bytes read must equal the
 * declared size exactly. Allocations of our own go through the lacus
 * allocator; libzip's own go through malloc, which we cannot redirect. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"

/* Deflate expands at most 1032:1 (258-byte matches in ~2 bits); anything
 * declaring more than this is lying. */
#define DEFLATE_MAX_RATIO 1032

struct lacus_npz {
    zip_t *za;
    void *copy; /* lacus_npz_open_mem: our copy of the caller's bytes */
    uint64_t archive_len;
    char *label; /* the path, or "<memory>" */
    int64_t n;
    char **names; /* member i's name without ".npy" */
};

static int ends_with_npy(const char *s)
{
    size_t n = strlen(s);
    return n >= 4 && strcmp(s + n - 4, ".npy") == 0;
}

static lacus_status zip_fail(lacus_error *err, lacus_status st, const char *label,
                             const char *what, zip_error_t *ze)
{
    return lacus__fail(err, st, "%s: %s: %s", label, what, zip_error_strerror(ze));
}

void lacus_npz_close(lacus_npz *z)
{
    if (!z) return;
    if (z->za) zip_discard(z->za);
    for (int64_t i = 0; z->names && i < z->n; i++) lacus__free(z->names[i]);
    lacus__free(z->names);
    lacus__free(z->copy);
    lacus__free(z->label);
    lacus__free(z);
}

/* Builds the names table once, so lacus_npz_name returns stable pointers. */
static lacus_status list_members(lacus_npz *z, lacus_error *err)
{
    zip_int64_t n = zip_get_num_entries(z->za, 0);
    z->names = LACUS__ZNEW(char *, n > 0 ? n : 1);
    if (!z->names) return lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory", z->label);
    for (z->n = 0; z->n < n; z->n++) {
        const char *raw = zip_get_name(z->za, (zip_uint64_t)z->n, 0);
        if (!raw)
            return lacus__fail(err, LACUS_ERR_FORMAT, "%s: member %lld has no readable name",
                               z->label, (long long)z->n);
        char *s = lacus__strdup(raw);
        if (!s) return lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory", z->label);
        if (ends_with_npy(s)) s[strlen(s) - 4] = '\0';
        z->names[z->n] = s;
    }
    return LACUS_OK;
}

static lacus_status npz_new(const char *label, lacus_npz **out, lacus_error *err)
{
    lacus_npz *z = LACUS__ZNEW(lacus_npz, 1);
    if (z && !(z->label = lacus__strdup(label))) {
        lacus__free(z);
        z = NULL;
    }
    *out = z;
    return z ? LACUS_OK : lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory", label);
}

lacus_status lacus_npz_open(const char *path, lacus_npz **out, lacus_error *err)
{
    if (!path || !out) return lacus__fail(err, LACUS_ERR_ARG, "lacus_npz_open: NULL argument");
    *out = NULL;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return lacus__fail(err, LACUS_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    lacus_npz *z;
    lacus_status st = npz_new(path, &z, err);
    if (st) return st;
    z->archive_len = (uint64_t)sb.st_size;
    int code = 0;
    z->za = zip_open(path, ZIP_RDONLY, &code);
    if (!z->za) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, code);
        st = (code == ZIP_ER_OPEN || code == ZIP_ER_READ || code == ZIP_ER_NOENT ||
              code == ZIP_ER_SEEK || code == ZIP_ER_MEMORY)
                 ? zip_fail(err, code == ZIP_ER_MEMORY ? LACUS_ERR_NOMEM : LACUS_ERR_IO, path,
                            "cannot open", &ze)
                 : zip_fail(err, LACUS_ERR_FORMAT, path, "not a readable .npz (zip) archive", &ze);
        zip_error_fini(&ze);
    }
    if (!st) st = list_members(z, err);
    if (st) lacus_npz_close(z);
    else *out = z;
    return st;
}

lacus_status lacus_npz_open_mem(const void *buf, size_t len, lacus_npz **out, lacus_error *err)
{
    if (!out || (!buf && len))
        return lacus__fail(err, LACUS_ERR_ARG, "lacus_npz_open_mem: NULL argument");
    *out = NULL;
    lacus_npz *z;
    lacus_status st = npz_new("<memory>", &z, err);
    if (st) return st;
    z->archive_len = len;
    /* The caller may free buf when we return, so libzip reads our copy. */
    if (!(z->copy = lacus__malloc(len))) {
        lacus_npz_close(z);
        return lacus__fail(err, LACUS_ERR_NOMEM, "<memory>: out of memory for %zu bytes", len);
    }
    if (len) memcpy(z->copy, buf, len);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(z->copy, len, 0, &ze);
    if (src && !(z->za = zip_open_from_source(src, ZIP_RDONLY, &ze))) zip_source_free(src);
    if (!z->za)
        st = zip_fail(err, LACUS_ERR_FORMAT, "<memory>", "not a readable .npz (zip) archive", &ze);
    zip_error_fini(&ze);
    if (!st) st = list_members(z, err);
    if (st) lacus_npz_close(z);
    else *out = z;
    return st;
}

int64_t lacus_npz_count(const lacus_npz *z) { return z ? z->n : 0; }

const char *lacus_npz_name(const lacus_npz *z, int64_t i)
{
    return z && i >= 0 && i < z->n ? z->names[i] : NULL;
}

/* NumPy's lookup: the exact member name first, then name + ".npy". */
static int64_t find(const lacus_npz *z, const char *name)
{
    for (int64_t i = 0; i < z->n; i++)
        if (strcmp(zip_get_name(z->za, (zip_uint64_t)i, 0), name) == 0) return i;
    for (int64_t i = 0; i < z->n; i++)
        if (strcmp(z->names[i], name) == 0 &&
            ends_with_npy(zip_get_name(z->za, (zip_uint64_t)i, 0)))
            return i;
    return -1;
}

int lacus_npz_has(const lacus_npz *z, const char *name)
{
    return z && name && find(z, name) >= 0;
}

/* The declared size, if a member of that compressed size could have it. */
static lacus_status member_size(lacus_npz *z, int64_t i, const char *member, size_t *size,
                                lacus_error *err)
{
    zip_stat_t sb;
    zip_stat_init(&sb);
    const zip_uint64_t need = ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD;
    if (zip_stat_index(z->za, (zip_uint64_t)i, 0, &sb) != 0 || (sb.valid & need) != need)
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: member '%s': no sizes in the directory",
                           z->label, member);
    if (sb.comp_method != ZIP_CM_STORE && sb.comp_method != ZIP_CM_DEFLATE)
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: member '%s': compression method %d is "
                           "not supported (NumPy writes stored or deflated members)",
                           z->label, member, (int)sb.comp_method);
    uint64_t max = sb.comp_method == ZIP_CM_STORE ? sb.comp_size
                                                  : sb.comp_size * DEFLATE_MAX_RATIO + 64;
    if (sb.comp_size > z->archive_len || sb.size > max || sb.size >= SIZE_MAX)
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: member '%s': declared size %llu is "
                           "impossible for %llu compressed bytes in a %llu-byte archive",
                           z->label, member, (unsigned long long)sb.size,
                           (unsigned long long)sb.comp_size, (unsigned long long)z->archive_len);
    *size = (size_t)sb.size;
    return LACUS_OK;
}

/* Reads exactly `size` bytes, then one more read to reach the end, where
 * libzip checks the CRC; more data than declared is an error. */
static lacus_status read_exact(zip_file_t *zf, uint8_t *b, size_t size, const char *label,
                               const char *member, lacus_error *err)
{
    size_t got = 0;
    zip_int64_t r = 1;
    while (got < size && (r = zip_fread(zf, b + got, size - got)) > 0) got += (size_t)r;
    uint8_t extra;
    if (r >= 0 && got == size) r = zip_fread(zf, &extra, 1);
    if (r < 0)
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: member '%s': %s", label, member,
                           zip_file_strerror(zf));
    if (got < size)
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: member '%s' ends after %zu of its %zu "
                           "bytes", label, member, got, size);
    if (r > 0)
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: member '%s' holds more than its declared "
                           "%zu bytes", label, member, size);
    return LACUS_OK;
}

static lacus_status read_member(lacus_npz *z, const char *name, uint8_t **buf, size_t *len,
                                lacus_error *err)
{
    int64_t i = find(z, name);
    if (i < 0)
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: no member named '%s' (nor '%s.npy')",
                           z->label, name, name);
    const char *member = zip_get_name(z->za, (zip_uint64_t)i, 0);
    size_t size = 0;
    lacus_status st = member_size(z, i, member, &size, err);
    if (st) return st;
    uint8_t *b = lacus__malloc(size + 1);
    if (!b)
        return lacus__fail(err, LACUS_ERR_NOMEM, "%s: member '%s': out of memory for %zu bytes",
                           z->label, member, size);
    zip_file_t *zf = zip_fopen_index(z->za, (zip_uint64_t)i, 0);
    if (!zf)
        st = zip_fail(err, LACUS_ERR_FORMAT, z->label, member, zip_get_error(z->za));
    else {
        st = read_exact(zf, b, size, z->label, member, err);
        zip_fclose(zf);
    }
    if (st) {
        lacus__free(b);
        return st;
    }
    b[size] = '\0';
    *buf = b;
    *len = size;
    return LACUS_OK;
}

lacus_status lacus_npz_read_bytes(lacus_npz *z, const char *name, void **buf, size_t *len,
                                  lacus_error *err)
{
    if (!z || !name || !buf || !len)
        return lacus__fail(err, LACUS_ERR_ARG, "lacus_npz_read_bytes: NULL argument");
    uint8_t *b;
    lacus_status st = read_member(z, name, &b, len, err);
    if (!st) *buf = b;
    return st;
}

lacus_status lacus_npz_read(lacus_npz *z, const char *name, lacus_ndarray *out,
                            lacus_error *err)
{
    if (!z || !name || !out)
        return lacus__fail(err, LACUS_ERR_ARG, "lacus_npz_read: NULL argument");
    memset(out, 0, sizeof *out);
    uint8_t *b;
    size_t len;
    lacus_status st = read_member(z, name, &b, &len, err);
    if (st) return st;
    /* Messages from the .npy parser then read "x.npz: member 'W.npy': ...". */
    char label[600];
    snprintf(label, sizeof label, "%s: member '%s'", z->label,
             zip_get_name(z->za, (zip_uint64_t)find(z, name), 0));
    st = lacus_npy_read_mem(b, len, label, out, err);
    lacus__free(b);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Writer                                                                   */
/* ------------------------------------------------------------------------ */

/* libzip reads each member's bytes only in zip_close, so the serialised
 * members stay here until then (libzip would free them with free(), which
 * is not our allocator). Members get a fixed time stamp, so the same arrays
 * always give the same bytes: a model file's checksum means something. */
#define NPZ_MTIME ((time_t)946728000) /* 2000-01-01 12:00 UTC */

struct lacus_npz_writer {
    char *path, *tmp;
    zip_t *za;
    zip_int32_t method;
    void **bufs;
    size_t n_bufs, cap_bufs;
};

static void writer_free(lacus_npz_writer *w)
{
    if (w->za) zip_discard(w->za);
    if (w->tmp) unlink(w->tmp);
    for (size_t i = 0; i < w->n_bufs; i++) lacus__free(w->bufs[i]);
    lacus__free(w->bufs);
    lacus__free(w->tmp);
    lacus__free(w->path);
    lacus__free(w);
}

void lacus_npz_writer_abort(lacus_npz_writer *w)
{
    if (w) writer_free(w);
}

lacus_status lacus_npz_writer_open(const char *path, int compress, lacus_npz_writer **out,
                                   lacus_error *err)
{
    if (!path || !out)
        return lacus__fail(err, LACUS_ERR_ARG, "lacus_npz_writer_open: NULL argument");
    *out = NULL;
    if (compress != 0 && compress != 1)
        return lacus__fail(err, LACUS_ERR_ARG, "%s: compress = %d, allowed 0 or 1", path, compress);
    lacus_npz_writer *w = LACUS__ZNEW(lacus_npz_writer, 1);
    if (!w || !(w->path = lacus__strdup(path))) {
        lacus__free(w);
        return lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory", path);
    }
    w->method = compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE;
    int fd, code = 0;
    lacus_status st = lacus__tmp_create(path, &w->tmp, &fd, err);
    if (st) {
        writer_free(w);
        return st;
    }
    close(fd);
    /* libzip writes the archive under a name of its own and renames it onto
     * our temporary file in zip_close; we rename that into place. */
    if (!(w->za = zip_open(w->tmp, ZIP_TRUNCATE, &code))) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, code);
        st = zip_fail(err, LACUS_ERR_IO, path, "cannot start the archive", &ze);
        zip_error_fini(&ze);
        writer_free(w);
        return st;
    }
    *out = w;
    return LACUS_OK;
}

/* Adds data (owned by us from here on, freed on failure) as `member`. */
static lacus_status add_member(lacus_npz_writer *w, const char *member, void *data, size_t len,
                               lacus_error *err)
{
    lacus_status st = LACUS_OK;
    if (zip_name_locate(w->za, member, 0) >= 0)
        st = lacus__fail(err, LACUS_ERR_ARG, "%s: duplicate member '%s'", w->path, member);
    if (!st && w->n_bufs == w->cap_bufs) {
        size_t cap = w->cap_bufs ? 2 * w->cap_bufs : 8;
        void **nb = lacus__realloc(w->bufs, cap * sizeof *nb);
        if (nb) w->bufs = nb, w->cap_bufs = cap;
        else st = lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory", w->path);
    }
    zip_source_t *src = st ? NULL : zip_source_buffer(w->za, data, len, 0);
    zip_int64_t idx = src ? zip_file_add(w->za, member, src, ZIP_FL_ENC_UTF_8) : -1;
    if (!st && idx < 0) {
        if (src) zip_source_free(src);
        st = zip_fail(err, LACUS_ERR_ARG, w->path, member, zip_get_error(w->za));
    }
    if (!st && (zip_set_file_compression(w->za, (zip_uint64_t)idx, w->method, 0) != 0 ||
                zip_file_set_mtime(w->za, (zip_uint64_t)idx, NPZ_MTIME, 0) != 0)) {
        zip_delete(w->za, (zip_uint64_t)idx);
        st = zip_fail(err, LACUS_ERR_UNSUPPORTED, w->path, member, zip_get_error(w->za));
    }
    if (st) {
        lacus__free(data);
        return st;
    }
    w->bufs[w->n_bufs++] = data;
    return LACUS_OK;
}

static lacus_status check_name(lacus_npz_writer *w, const char *name, lacus_error *err)
{
    if (!w || !name)
        return lacus__fail(err, LACUS_ERR_ARG, "lacus_npz_writer_add: NULL argument");
    if (!name[0] || strlen(name) > 250)
        return lacus__fail(err, LACUS_ERR_ARG, "%s: member name '%.32s' must have 1 to 250 bytes",
                           w->path, name);
    return LACUS_OK;
}

lacus_status lacus_npz_writer_add(lacus_npz_writer *w, const char *name, const lacus_ndarray *a,
                                  lacus_error *err)
{
    lacus_status st = check_name(w, name, err);
    if (st) return st;
    char member[256];
    snprintf(member, sizeof member, "%s.npy", name);
    void *buf;
    size_t len;
    if ((st = lacus_npy_write_mem(a, &buf, &len, err))) {
        lacus__prefix(err, "%s: member '%s'", w->path, member);
        return st;
    }
    return add_member(w, member, buf, len, err);
}

lacus_status lacus_npz_writer_add_bytes(lacus_npz_writer *w, const char *name, const void *buf,
                                        size_t len, lacus_error *err)
{
    lacus_status st = check_name(w, name, err);
    if (st) return st;
    if (!buf && len)
        return lacus__fail(err, LACUS_ERR_ARG, "%s: '%s': buf is NULL", w->path, name);
    void *copy = lacus__malloc(len);
    if (!copy) return lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory", w->path);
    if (len) memcpy(copy, buf, len);
    return add_member(w, name, copy, len, err);
}

/* libzip writes no file for an archive without members; NumPy writes the
 * 22-byte end-of-central-directory record alone, and so do we. */
static lacus_status write_empty_zip(FILE *f, const char *path, void *ctx, lacus_error *err)
{
    static const uint8_t eocd[22] = {'P', 'K', 5, 6};
    return lacus__fwrite_all(f, eocd, sizeof eocd, path, err);
}

lacus_status lacus_npz_writer_commit(lacus_npz_writer *w, lacus_error *err)
{
    if (!w) return lacus__fail(err, LACUS_ERR_ARG, "lacus_npz_writer_commit: NULL writer");
    lacus_status st = LACUS_OK;
    if (w->n_bufs == 0) {
        st = lacus__write_atomic(w->path, write_empty_zip, NULL, err);
    } else if (zip_close(w->za) != 0) {
        st = zip_fail(err, LACUS_ERR_IO, w->path, "writing", zip_get_error(w->za));
    } else {
        w->za = NULL;
        if (rename(w->tmp, w->path) != 0)
            st = lacus__fail(err, LACUS_ERR_IO, "cannot rename '%s' to '%s': %s", w->tmp, w->path,
                             strerror(errno));
        else
            lacus__free(w->tmp), w->tmp = NULL; /* nothing left to remove */
    }
    writer_free(w);
    return st;
}
