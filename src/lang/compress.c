/* Compressor floors: compressed sizes from the real libraries, liblzma (xz
 * preset 9 extreme, CRC64 check, as `xz -9e`) and libbz2 (`bzip2 -9`), so
 * the numbers are the ones the command-line tools give. */
#include <bzlib.h>
#include <lzma.h>

#include "core/alloc.h"
#include "core/error.h"
#include "lacus.h"

const char *lacus_compressor_name(lacus_compressor c)
{
    return c == LACUS_COMP_XZ ? "xz" : c == LACUS_COMP_BZIP2 ? "bzip2" : "unknown";
}

lacus_status lacus_compressed_size(lacus_compressor c, const char *data, size_t len, size_t *out,
                                   lacus_error *err)
{
    if (!out || (!data && len)) return lacus__fail(err, LACUS_ERR_ARG, "compress: NULL argument");
    if (c != LACUS_COMP_XZ && c != LACUS_COMP_BZIP2)
        return lacus__fail(err, LACUS_ERR_ARG, "compressor = %d: expected xz or bzip2", (int)c);
    /* Both formats bound their worst case a little above the input size. */
    size_t cap = len + len / 50 + 4096;
    unsigned char *buf = lacus__malloc(cap);
    if (!buf) return lacus__fail(err, LACUS_ERR_NOMEM, "compress: out of memory for %zu bytes", cap);
    lacus_status s = LACUS_OK;
    if (c == LACUS_COMP_XZ) {
        size_t pos = 0;
        lzma_ret r = lzma_easy_buffer_encode(9 | LZMA_PRESET_EXTREME, LZMA_CHECK_CRC64, NULL,
                                             (const uint8_t *)data, len, buf, &pos, cap);
        if (r != LZMA_OK) s = lacus__fail(err, r == LZMA_MEM_ERROR ? LACUS_ERR_NOMEM : LACUS_ERR_NUMERIC,
                                          "xz: liblzma failed with code %d", (int)r);
        *out = pos;
    } else {
        if (len > 0xffffffffu) {
            lacus__free(buf);
            return lacus__fail(err, LACUS_ERR_ARG, "bzip2: %zu bytes exceed the 4 GiB of one buffer call", len);
        }
        unsigned int dl = (unsigned int)(cap > 0xffffffffu ? 0xffffffffu : cap);
        int r = BZ2_bzBuffToBuffCompress((char *)buf, &dl, (char *)(uintptr_t)data, (unsigned int)len, 9, 0, 0);
        if (r != BZ_OK) s = lacus__fail(err, r == BZ_MEM_ERROR ? LACUS_ERR_NOMEM : LACUS_ERR_NUMERIC,
                                        "bzip2: libbz2 failed with code %d", r);
        *out = dl;
    }
    lacus__free(buf);
    return s;
}
