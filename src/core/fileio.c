/* File helpers shared by the .npy, .npz and CSV code: whole-file reads that
 * go through the lacus allocator, and atomic writes (a temporary file next
 * to the destination, renamed into place only when every byte is written,
 * so a reader never sees half a file and a failed write leaves nothing). */
#include "core/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/error.h"

lacus_status lacus__read_file(const char *path, char **buf, size_t *len, lacus_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return lacus__fail(err, LACUS_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *b = lacus__malloc(cap);
    while (b) {
        n += fread(b + n, 1, cap - n - 1, f);
        if (n < cap - 1) break; /* end of file or error; ferror tells which */
        char *nb = (cap <= SIZE_MAX / 2) ? lacus__realloc(b, cap * 2) : NULL;
        if (!nb) lacus__free(b);
        b = nb;
        cap *= 2;
    }
    if (!b) {
        fclose(f);
        return lacus__fail(err, LACUS_ERR_NOMEM, "reading '%s': out of memory", path);
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        lacus__free(b);
        return lacus__fail(err, LACUS_ERR_IO, "reading '%s': read error", path);
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return LACUS_OK;
}

lacus_status lacus__tmp_create(const char *path, char **tmp, int *fd, lacus_error *err)
{
    size_t cap = strlen(path) + 64;
    char *name = lacus__malloc(cap);
    if (!name) return lacus__fail(err, LACUS_ERR_NOMEM, "writing '%s': out of memory", path);
    /* O_EXCL makes the name ours; the clock only makes collisions rare. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    for (unsigned k = 0; k < 100; k++) {
        snprintf(name, cap, "%s.tmp.%ld.%lx", path, (long)getpid(),
                 (unsigned long)ts.tv_nsec + k * 7919ul);
        *fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (*fd >= 0) {
            *tmp = name;
            return LACUS_OK;
        }
        if (errno != EEXIST) break;
    }
    lacus_status st = lacus__fail(err, LACUS_ERR_IO, "cannot create '%s': %s", name,
                                  strerror(errno));
    lacus__free(name);
    return st;
}

lacus_status lacus__fwrite_all(FILE *f, const void *buf, size_t n, const char *path,
                               lacus_error *err)
{
    if (n && fwrite(buf, 1, n, f) != n)
        return lacus__fail(err, LACUS_ERR_IO, "writing '%s': %s", path, strerror(errno));
    return LACUS_OK;
}

lacus_status lacus__fclose_checked(FILE *f, const char *path, lacus_error *err)
{
    /* A full disk often shows only when the stdio buffer is flushed. */
    int bad = fflush(f) != 0 || ferror(f);
    int saved = errno;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    if (bad) return lacus__fail(err, LACUS_ERR_IO, "writing '%s': %s", path, strerror(saved));
    return LACUS_OK;
}

lacus_status lacus__write_atomic(const char *path, lacus__write_fn fn, void *ctx,
                                 lacus_error *err)
{
    char *tmp;
    int fd;
    lacus_status st = lacus__tmp_create(path, &tmp, &fd, err);
    if (st) return st;
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        st = lacus__fail(err, LACUS_ERR_IO, "writing '%s': %s", path, strerror(errno));
        close(fd);
    } else {
        st = fn(f, path, ctx, err);
        if (st) fclose(f);
        else st = lacus__fclose_checked(f, path, err);
    }
    if (!st && rename(tmp, path) != 0)
        st = lacus__fail(err, LACUS_ERR_IO, "cannot rename '%s' to '%s': %s", tmp, path,
                         strerror(errno));
    if (st) unlink(tmp);
    lacus__free(tmp);
    return st;
}
