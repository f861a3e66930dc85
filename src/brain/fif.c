/* FIF raw MEG reader (Neuromag / Elekta / MEGIN, and files written by
 * MNE-Python's raw.save).
 *
 * Written by hand: no maintained C library in Debian reads FIF (MNE-Python
 * is the reference implementation; the MNE-C tools are not packaged as a
 * library). The logic follows MNE 1.13: mne/_fiff/tag.py (tag headers,
 * big-endian, the type field unsigned), mne/_fiff/tree.py (blocks),
 * mne/_fiff/meas_info.py (channel info, FIFFB_CH_INFO long names) and
 * mne/io/fiff/raw.py (_read_raw_file: first sample, skips, buffer sizes).
 *
 * A tag is kind, type, size, next (int32 each, big-endian) then size bytes;
 * next = 0 means "the next tag follows", > 0 an absolute offset, -1 "none".
 * The file is walked once at open: only forward jumps are accepted (a
 * backward or self pointer would be a loop), every size is checked against
 * the file's end, blocks must nest, so a hostile file ends in a message
 * rather than a crash or an endless walk. Sample data stay on disk and are
 * read per buffer by lacus_fif_raw_read.
 */
#define _FILE_OFFSET_BITS 64
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "lacus.h"

enum {
    FIFF_FILE_ID = 100,
    FIFF_BLOCK_START = 104,
    FIFF_BLOCK_END = 105,
    FIFF_NCHAN = 200,
    FIFF_SFREQ = 201,
    FIFF_CH_INFO = 203,
    FIFF_MEAS_DATE = 204,
    FIFF_COMMENT = 206,
    FIFF_FIRST_SAMPLE = 208,
    FIFF_LOWPASS = 219,
    FIFF_HIGHPASS = 223,
    FIFF_CH_DACQ_NAME = 258,
    FIFF_DATA_BUFFER = 300,
    FIFF_DATA_SKIP = 301,
    FIFF_MNE_BASELINE_MIN = 3568,
    FIFF_MNE_BASELINE_MAX = 3569,

    FIFFB_MEAS = 100,
    FIFFB_MEAS_INFO = 101,
    FIFFB_RAW_DATA = 102,
    FIFFB_CONTINUOUS_DATA = 112,
    FIFFB_CH_INFO = 113,
    FIFFB_IAS_RAW_DATA = 119,
    FIFFB_MNE_ANNOTATIONS = 3810,

    FIFFT_SHORT = 2,
    FIFFT_INT = 3,
    FIFFT_FLOAT = 4,
    FIFFT_DOUBLE = 5,
    FIFFT_STRING = 10,
    FIFFT_DAU_PACK16 = 16,
    FIFFT_COMPLEX_FLOAT = 20,
    FIFFT_COMPLEX_DOUBLE = 21,
    FIFFT_CH_INFO_STRUCT = 30,
};

#define MAX_DEPTH 64
#define MAX_CHANNELS 100000
#define CH_INFO_SIZE 96

/* One stretch of samples: a data buffer on disk, or a skip (pos < 0),
 * which reads as zeros as in MNE. */
typedef struct fif_buf {
    int64_t pos; /* offset of the buffer's bytes (after the tag header) */
    int64_t first, nsamp;
    int32_t type;
} fif_buf;

/* A raw-block entry as met in the walk; turned into fif_buf once nchan is
 * known. */
typedef struct fif_ent {
    int64_t pos, size, skip; /* skip >= 0: a FIFF_DATA_SKIP of that many buffers */
    int32_t type;
} fif_ent;

struct lacus_fif_raw {
    char *name;
    FILE *fp;            /* a file, or */
    uint8_t *mem;        /* a copy of the bytes */
    int64_t size;
    lacus_fif_info info;
    lacus_fif_channel *ch;
    fif_buf *buf;
    int64_t n_buf;
    double *ann;         /* n_annotations x 2: onset (s from the first sample), duration */
    char **ann_desc;
    uint8_t *work;       /* one buffer's bytes */
    int64_t work_size;
};

/* ---- bytes ------------------------------------------------------------- */

static uint32_t be_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static int32_t be_i32(const uint8_t *p) { return (int32_t)be_u32(p); }
static float be_f32(const uint8_t *p)
{
    uint32_t u = be_u32(p);
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static double be_f64(const uint8_t *p)
{
    uint64_t u = (uint64_t)be_u32(p) << 32 | be_u32(p + 4);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static int type_bytes(int32_t type)
{
    switch (type) {
    case FIFFT_SHORT:
    case FIFFT_DAU_PACK16: return 2;
    case FIFFT_INT:
    case FIFFT_FLOAT: return 4;
    case FIFFT_DOUBLE: return 8;
    default: return 0;
    }
}

static double value_at(const uint8_t *p, int32_t type)
{
    switch (type) {
    case FIFFT_SHORT:
    case FIFFT_DAU_PACK16: return (double)(int16_t)((uint16_t)p[0] << 8 | p[1]);
    case FIFFT_INT: return (double)be_i32(p);
    case FIFFT_FLOAT: return (double)be_f32(p);
    default: return be_f64(p);
    }
}

/* n bytes at pos into dst; the walk already checked pos + n <= size, so a
 * short read here means the file changed under us. */
static lacus_status src_read(lacus_fif_raw *r, int64_t pos, void *dst, int64_t n,
                             lacus_error *err)
{
    if (pos < 0 || n < 0 || pos > r->size || n > r->size - pos)
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: %lld bytes at byte %lld are past the end (%lld bytes)",
                           r->name, (long long)n, (long long)pos, (long long)r->size);
    if (r->mem) {
        memcpy(dst, r->mem + pos, (size_t)n);
        return LACUS_OK;
    }
    if (fseeko(r->fp, (off_t)pos, SEEK_SET) != 0 || fread(dst, 1, (size_t)n, r->fp) != (size_t)n)
        return lacus__fail(err, LACUS_ERR_IO, "%s: cannot read %lld bytes at byte %lld (file truncated?)",
                           r->name, (long long)n, (long long)pos);
    return LACUS_OK;
}

/* ---- the walk ----------------------------------------------------------- */

typedef struct walk {
    int64_t nchan;       /* -1 until FIFF_NCHAN */
    int64_t n_ch_info, n_ch_block, ch_cap;
    int meas_info_done, in_meas_info, n_raw_blocks, have_date;
    fif_ent *ent;
    int64_t n_ent, ent_cap;
    float *ann_min, *ann_max;
    int64_t n_ann_min, n_ann_max;
    char *ann_text;
} walk;

/* Reads a small tag payload (at most cap bytes) into a fresh buffer. */
static lacus_status payload(lacus_fif_raw *r, int64_t pos, int64_t size, int64_t cap, uint8_t **out,
                            lacus_error *err)
{
    if (size > cap)
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: tag at byte %lld has %lld bytes, more than the %lld expected",
                           r->name, (long long)pos, (long long)size, (long long)cap);
    uint8_t *b = lacus__malloc((size_t)size + 1);
    if (!b) return lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory", r->name);
    lacus_status st = src_read(r, pos + 16, b, size, err);
    if (st) {
        lacus__free(b);
        return st;
    }
    b[size] = 0;
    *out = b;
    return LACUS_OK;
}

static lacus_status scalar_tag(lacus_fif_raw *r, int64_t pos, int32_t type, int64_t size,
                               int32_t want, const char *what, double *out, lacus_error *err)
{
    uint8_t b[8];
    if (type != want || size != (want == FIFFT_DOUBLE ? 8 : 4))
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: %s tag at byte %lld has type %d and %lld bytes",
                           r->name, what, (long long)pos, (int)type, (long long)size);
    lacus_status st = src_read(r, pos + 16, b, size, err);
    if (st) return st;
    *out = want == FIFFT_INT ? (double)be_i32(b) : want == FIFFT_FLOAT ? (double)be_f32(b) : be_f64(b);
    return LACUS_OK;
}

static lacus_status add_ent(lacus_fif_raw *r, walk *w, fif_ent e, lacus_error *err)
{
    if (w->n_ent == w->ent_cap) {
        int64_t cap = w->ent_cap ? 2 * w->ent_cap : 64;
        fif_ent *n = lacus__realloc(w->ent, (size_t)cap * sizeof *n);
        if (!n) return lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory", r->name);
        w->ent = n;
        w->ent_cap = cap;
    }
    w->ent[w->n_ent++] = e;
    return LACUS_OK;
}

static lacus_status float_array(lacus_fif_raw *r, int64_t pos, int32_t type, int64_t size,
                                float **out, int64_t *n, lacus_error *err)
{
    if (type != FIFFT_FLOAT || size % 4)
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: annotation times at byte %lld: type %d, %lld bytes",
                           r->name, (long long)pos, (int)type, (long long)size);
    uint8_t *b = NULL;
    lacus_status st = payload(r, pos, size, r->size, &b, err);
    if (st) return st;
    lacus__free(*out);
    *out = LACUS__NEW(float, size / 4 + 1);
    if (!*out) {
        lacus__free(b);
        return lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory", r->name);
    }
    for (int64_t i = 0; i < size / 4; i++) (*out)[i] = be_f32(b + 4 * i);
    *n = size / 4;
    lacus__free(b);
    return LACUS_OK;
}

static lacus_status channel_tag(lacus_fif_raw *r, walk *w, int64_t pos, int32_t type, int64_t size,
                                lacus_error *err)
{
    uint8_t b[CH_INFO_SIZE];
    if (type != FIFFT_CH_INFO_STRUCT || size != CH_INFO_SIZE)
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: channel info at byte %lld: type %d, %lld bytes (want 30, 96)",
                           r->name, (long long)pos, (int)type, (long long)size);
    if (w->n_ch_info >= MAX_CHANNELS)
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: more than %d channel info tags", r->name, MAX_CHANNELS);
    if (w->n_ch_info == w->ch_cap) {
        int64_t cap = w->ch_cap ? 2 * w->ch_cap : 64;
        lacus_fif_channel *n = lacus__realloc(r->ch, (size_t)cap * sizeof *n);
        if (!n) return lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory", r->name);
        r->ch = n;
        w->ch_cap = cap;
    }
    lacus_status st = src_read(r, pos + 16, b, CH_INFO_SIZE, err);
    if (st) return st;
    lacus_fif_channel *c = &r->ch[w->n_ch_info++];
    memset(c, 0, sizeof *c);
    c->logno = be_i32(b + 4);
    c->kind = be_i32(b + 8);
    /* MNE: info._cals = range * cal, each read as float32, multiplied in
     * float64. */
    c->cal = (double)be_f32(b + 12) * (double)be_f32(b + 16);
    c->coil_type = be_i32(b + 20);
    for (int k = 0; k < 12; k++) c->loc[k] = be_f32(b + 24 + 4 * k);
    c->unit = be_i32(b + 72);
    c->unit_mul = be_i32(b + 76);
    memcpy(c->name, b + 80, 16);
    c->name[16] = 0;
    c->name[strnlen(c->name, 16)] = 0;
    return LACUS_OK;
}

/* One tag inside the block stack; parent is the innermost block. */
static lacus_status on_tag(lacus_fif_raw *r, walk *w, const int32_t *stack, int depth, int32_t kind,
                           int32_t type, int64_t pos, int64_t size, lacus_error *err)
{
    int32_t parent = depth ? stack[depth - 1] : 0;
    double v = 0.0;
    lacus_status st = LACUS_OK;
    if (parent == FIFFB_MEAS_INFO && w->in_meas_info) {
        switch (kind) {
        case FIFF_NCHAN:
            if ((st = scalar_tag(r, pos, type, size, FIFFT_INT, "nchan", &v, err))) return st;
            if (v < 1 || v > MAX_CHANNELS)
                return lacus__fail(err, LACUS_ERR_FORMAT, "%s: nchan = %g at byte %lld: must be in [1, %d]",
                                   r->name, v, (long long)pos, MAX_CHANNELS);
            w->nchan = (int64_t)v;
            break;
        case FIFF_SFREQ:
            if ((st = scalar_tag(r, pos, type, size, FIFFT_FLOAT, "sfreq", &v, err))) return st;
            r->info.sfreq = v;
            break;
        case FIFF_LOWPASS:
        case FIFF_HIGHPASS:
            if ((st = scalar_tag(r, pos, type, size, FIFFT_FLOAT, "filter", &v, err))) return st;
            if (kind == FIFF_LOWPASS) r->info.lowpass = v;
            else r->info.highpass = v;
            break;
        case FIFF_CH_INFO: return channel_tag(r, w, pos, type, size, err);
        case FIFF_MEAS_DATE: w->have_date = 1; break;
        default: break;
        }
    } else if (parent == FIFFB_CH_INFO && w->in_meas_info && kind == FIFF_CH_DACQ_NAME) {
        /* New-style long channel names, one FIFFB_CH_INFO block per channel
         * in channel order (MNE's _read_extended_ch_info). */
        int64_t k = w->n_ch_block - 1;
        if (type != FIFFT_STRING || k < 0 || k >= w->n_ch_info)
            return lacus__fail(err, LACUS_ERR_FORMAT, "%s: channel name at byte %lld does not match a channel",
                               r->name, (long long)pos);
        uint8_t *b = NULL;
        if ((st = payload(r, pos, size, 1 << 16, &b, err))) return st;
        snprintf(r->ch[k].name, sizeof r->ch[k].name, "%s", (char *)b);
        lacus__free(b);
    } else if (parent == FIFFB_RAW_DATA || parent == FIFFB_CONTINUOUS_DATA) {
        if (kind == FIFF_FIRST_SAMPLE && w->n_ent == 0) {
            if ((st = scalar_tag(r, pos, type, size, FIFFT_INT, "first sample", &v, err))) return st;
            r->info.first_sample = (int64_t)v;
        } else if (kind == FIFF_DATA_SKIP) {
            if ((st = scalar_tag(r, pos, type, size, FIFFT_INT, "data skip", &v, err))) return st;
            if (v < 0)
                return lacus__fail(err, LACUS_ERR_FORMAT, "%s: data skip of %g buffers at byte %lld",
                                   r->name, v, (long long)pos);
            return add_ent(r, w, (fif_ent){pos, 0, (int64_t)v, 0}, err);
        } else if (kind == FIFF_DATA_BUFFER) {
            if (type == FIFFT_COMPLEX_FLOAT || type == FIFFT_COMPLEX_DOUBLE)
                return lacus__fail(err, LACUS_ERR_UNSUPPORTED, "%s: complex data buffers are not supported", r->name);
            if (!type_bytes(type))
                return lacus__fail(err, LACUS_ERR_FORMAT, "%s: data buffer at byte %lld has type %d "
                                   "(want 2, 3, 4, 5 or 16)", r->name, (long long)pos, (int)type);
            return add_ent(r, w, (fif_ent){pos + 16, size, -1, type}, err);
        }
    } else if (parent == FIFFB_MNE_ANNOTATIONS) {
        if (kind == FIFF_MNE_BASELINE_MIN)
            return float_array(r, pos, type, size, &w->ann_min, &w->n_ann_min, err);
        if (kind == FIFF_MNE_BASELINE_MAX)
            return float_array(r, pos, type, size, &w->ann_max, &w->n_ann_max, err);
        if (kind == FIFF_COMMENT) {
            if (type != FIFFT_STRING)
                return lacus__fail(err, LACUS_ERR_FORMAT, "%s: annotation text at byte %lld has type %d",
                                   r->name, (long long)pos, (int)type);
            lacus__free(w->ann_text);
            w->ann_text = NULL;
            return payload(r, pos, size, r->size, (uint8_t **)&w->ann_text, err);
        }
    }
    return LACUS_OK;
}

static lacus_status block_event(lacus_fif_raw *r, walk *w, int32_t *stack, int *depth, int32_t kind,
                                int32_t type, int64_t pos, int64_t size, lacus_error *err)
{
    double v = 0.0;
    lacus_status st = scalar_tag(r, pos, type, size, FIFFT_INT, kind == FIFF_BLOCK_START ? "block start" : "block end",
                                 &v, err);
    if (st) return st;
    int32_t b = (int32_t)v;
    if (kind == FIFF_BLOCK_START) {
        if (*depth >= MAX_DEPTH)
            return lacus__fail(err, LACUS_ERR_FORMAT, "%s: blocks nested deeper than %d at byte %lld",
                               r->name, MAX_DEPTH, (long long)pos);
        stack[(*depth)++] = b;
        if (b == FIFFB_MEAS_INFO && !w->meas_info_done) w->in_meas_info = 1;
        if (b == FIFFB_CH_INFO && w->in_meas_info) w->n_ch_block++;
        if (b == FIFFB_RAW_DATA || b == FIFFB_CONTINUOUS_DATA) {
            if (++w->n_raw_blocks > 1)
                return lacus__fail(err, LACUS_ERR_UNSUPPORTED, "%s: several raw data blocks in one file", r->name);
        }
        if (b == FIFFB_IAS_RAW_DATA)
            return lacus__fail(err, LACUS_ERR_UNSUPPORTED,
                               "%s: MaxShield (IAS) data; process it with MaxFilter first", r->name);
        return LACUS_OK;
    }
    if (*depth == 0 || stack[*depth - 1] != b)
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: block end %d at byte %lld does not close the open block (%d)",
                           r->name, (int)b, (long long)pos, *depth ? (int)stack[*depth - 1] : -1);
    if (b == FIFFB_MEAS_INFO && w->in_meas_info) {
        w->in_meas_info = 0;
        w->meas_info_done = 1;
    }
    (*depth)--;
    return LACUS_OK;
}

static lacus_status walk_tags(lacus_fif_raw *r, walk *w, lacus_error *err)
{
    int32_t stack[MAX_DEPTH];
    int depth = 0;
    int64_t pos = 0, n_tags = 0;
    uint8_t h[16];
    while (pos < r->size) {
        if (r->size - pos < 16)
            return lacus__fail(err, LACUS_ERR_FORMAT, "%s: truncated tag header at byte %lld", r->name, (long long)pos);
        lacus_status st = src_read(r, pos, h, 16, err);
        if (st) return st;
        int32_t kind = be_i32(h), type = (int32_t)be_u32(h + 4), size32 = be_i32(h + 8), next = be_i32(h + 12);
        int64_t size = size32;
        if (n_tags == 0 && kind != FIFF_FILE_ID)
            return lacus__fail(err, LACUS_ERR_FORMAT, "%s: not a FIF file (first tag kind %d, want 100 = file id)",
                               r->name, (int)kind);
        if (size < 0 || size > r->size - pos - 16)
            return lacus__fail(err, LACUS_ERR_FORMAT, "%s: tag at byte %lld (kind %d) says %lld bytes, but the file "
                               "ends %lld bytes later", r->name, (long long)pos, (int)kind, (long long)size,
                               (long long)(r->size - pos - 16));
        if (kind == FIFF_BLOCK_START || kind == FIFF_BLOCK_END)
            st = block_event(r, w, stack, &depth, kind, type, pos, size, err);
        else
            st = on_tag(r, w, stack, depth, kind, type, pos, size, err);
        if (st) return st;
        n_tags++;
        if (next == 0) {
            pos += 16 + size;
        } else if (next == -1) {
            break;
        } else if (next < 0 || next <= pos || next < pos + 16 + size) {
            /* Only forward jumps past the current tag: anything else could
             * revisit a tag and loop forever. */
            return lacus__fail(err, LACUS_ERR_FORMAT, "%s: tag at byte %lld points back or into itself "
                               "(next = %d): a loop", r->name, (long long)pos, (int)next);
        } else {
            pos = next;
        }
    }
    (void)n_tags;
    return LACUS_OK;
}

/* ---- from the walk to the handle --------------------------------------- */

static lacus_status finish(lacus_fif_raw *r, walk *w, lacus_error *err)
{
    lacus_fif_info *in = &r->info;
    if (w->nchan < 0)
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: no measurement info (FIFF_NCHAN) found: not a raw FIF file?", r->name);
    if (w->n_ch_info != w->nchan)
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: nchan = %lld but %lld channel info tags",
                           r->name, (long long)w->nchan, (long long)w->n_ch_info);
    if (!(in->sfreq > 0.0) || !isfinite(in->sfreq))
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: sampling frequency %g: must be > 0", r->name, in->sfreq);
    if (!w->n_raw_blocks) return lacus__fail(err, LACUS_ERR_FORMAT, "%s: no raw data block in the file", r->name);
    in->n_channels = w->nchan;
    for (int64_t i = 0; i < in->n_channels; i++)
        if (!isfinite(r->ch[i].cal))
            return lacus__fail(err, LACUS_ERR_FORMAT, "%s: channel %lld (%s): calibration is not finite",
                               r->name, (long long)i, r->ch[i].name);
    r->buf = LACUS__NEW(fif_buf, 2 * w->n_ent + 1);
    if (!r->buf) return lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory", r->name);
    /* As MNE's _read_raw_file: a skip before the first buffer moves the
     * first sample; a later skip becomes zeros, skip x the next buffer's
     * length. */
    int64_t first = in->first_sample, first_skip = 0, nskip = 0, seen = 0;
    const int64_t limit = (int64_t)1 << 50;
    for (int64_t k = 0; k < w->n_ent; k++) {
        fif_ent e = w->ent[k];
        if (e.skip >= 0) {
            if (!seen) first_skip = e.skip;
            else nskip = e.skip;
            continue;
        }
        int64_t row = (int64_t)type_bytes(e.type) * in->n_channels;
        if (e.size == 0 || e.size % row)
            return lacus__fail(err, LACUS_ERR_FORMAT, "%s: data buffer at byte %lld has %lld bytes: not a whole "
                               "number of samples of %lld channels x %d bytes", r->name, (long long)(e.pos - 16),
                               (long long)e.size, (long long)in->n_channels, type_bytes(e.type));
        int64_t ns = e.size / row;
        if (!in->storage) in->storage = e.type;
        if (first_skip > 0) {
            if (first_skip > limit / ns) goto huge;
            first += ns * first_skip;
            in->first_sample = first;
            first_skip = 0;
        }
        if (nskip > 0) {
            if (nskip > limit / ns) goto huge;
            r->buf[r->n_buf++] = (fif_buf){-1, first, nskip * ns, 0};
            first += nskip * ns;
            nskip = 0;
        }
        r->buf[r->n_buf++] = (fif_buf){e.pos, first, ns, e.type};
        if (e.size > r->work_size) r->work_size = e.size;
        first += ns;
        seen = 1;
        if (first - in->first_sample > limit || first > limit) goto huge;
    }
    if (!seen) return lacus__fail(err, LACUS_ERR_FORMAT, "%s: the raw data block has no data buffers", r->name);
    in->n_samples = first - in->first_sample;
    r->work = lacus__malloc((size_t)r->work_size);
    if (!r->work) return lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory", r->name);

    /* Annotations: MNE stores onset and onset + duration as float32; every
     * skip inside the data becomes a BAD_ACQ_SKIP annotation, as in MNE's
     * Raw.__init__, and the whole list is sorted by onset (stable). */
    if (w->n_ann_min != w->n_ann_max)
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: %lld annotation onsets but %lld ends",
                           r->name, (long long)w->n_ann_min, (long long)w->n_ann_max);
    int64_t nf = w->n_ann_min, na = nf;
    for (int64_t b = 0; b < r->n_buf; b++) na += r->buf[b].pos < 0;
    if (!na) return LACUS_OK;
    r->ann = LACUS__NEW(double, 2 * na);
    r->ann_desc = lacus__calloc_array(na, sizeof(char *));
    if (!r->ann || !r->ann_desc) return lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory", r->name);
    in->n_annotations = na;
    const char *s = w->ann_text ? w->ann_text : "";
    int64_t k = 0;
    for (; k < nf; k++) {
        double on = (double)w->ann_min[k];
        r->ann[2 * k] = on - (double)in->first_sample / in->sfreq;
        r->ann[2 * k + 1] = (double)w->ann_max[k] - on;
        const char *e = strchr(s, ':');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        char *d = lacus__malloc(len + 1);
        if (!d) return lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory", r->name);
        /* MNE writes ':' inside a description as "{COLON}". */
        size_t o = 0;
        for (size_t j = 0; j < len; j++) {
            if (j + 7 <= len && !strncmp(s + j, "{COLON}", 7)) {
                d[o++] = ':';
                j += 6;
            } else {
                d[o++] = s[j];
            }
        }
        d[o] = 0;
        r->ann_desc[k] = d;
        s = e ? e + 1 : s + len;
    }
    for (int64_t b = 0; b < r->n_buf; b++) {
        if (r->buf[b].pos >= 0) continue;
        r->ann[2 * k] = (double)(r->buf[b].first - in->first_sample) / in->sfreq;
        r->ann[2 * k + 1] = (double)r->buf[b].nsamp / in->sfreq;
        if (!(r->ann_desc[k] = lacus__strdup("BAD_ACQ_SKIP")))
            return lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory", r->name);
        k++;
    }
    /* Insertion sort: stable, and the skips are few and already ordered. */
    for (int64_t i = nf; i < na; i++) {
        double on = r->ann[2 * i], du = r->ann[2 * i + 1];
        char *d = r->ann_desc[i];
        int64_t j = i;
        for (; j > 0 && r->ann[2 * (j - 1)] > on; j--) {
            r->ann[2 * j] = r->ann[2 * (j - 1)];
            r->ann[2 * j + 1] = r->ann[2 * (j - 1) + 1];
            r->ann_desc[j] = r->ann_desc[j - 1];
        }
        r->ann[2 * j] = on;
        r->ann[2 * j + 1] = du;
        r->ann_desc[j] = d;
    }
    return LACUS_OK;
huge:
    return lacus__fail(err, LACUS_ERR_FORMAT, "%s: data skips add up to more than 2^50 samples", r->name);
}

static lacus_status open_common(lacus_fif_raw *r, lacus_fif_raw **out, lacus_error *err)
{
    walk w = {0};
    w.nchan = -1;
    r->info.lowpass = r->info.highpass = NAN;
    lacus_status st = walk_tags(r, &w, err);
    if (!st) st = finish(r, &w, err);
    lacus__free(w.ent);
    lacus__free(w.ann_min);
    lacus__free(w.ann_max);
    lacus__free(w.ann_text);
    if (st) {
        lacus_fif_raw_close(r);
        return st;
    }
    *out = r;
    return LACUS_OK;
}

lacus_status lacus_fif_raw_open(const char *path, lacus_fif_raw **out, lacus_error *err)
{
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "lacus_fif_raw_open: out is NULL");
    *out = NULL;
    if (!path) return lacus__fail(err, LACUS_ERR_ARG, "lacus_fif_raw_open: path is NULL");
    lacus_fif_raw *r = lacus__calloc(1, sizeof *r);
    if (!r || !(r->name = lacus__strdup(path))) {
        lacus__free(r);
        return lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory", path);
    }
    r->fp = fopen(path, "rb");
    if (!r->fp) {
        lacus_fif_raw_close(r);
        return lacus__fail(err, LACUS_ERR_IO, "%s: cannot open", path);
    }
    if (fseeko(r->fp, 0, SEEK_END) != 0 || (r->size = (int64_t)ftello(r->fp)) < 0) {
        lacus_fif_raw_close(r);
        return lacus__fail(err, LACUS_ERR_IO, "%s: cannot seek (not a regular file?)", path);
    }
    return open_common(r, out, err);
}

lacus_status lacus_fif_raw_open_mem(const void *data, size_t size, const char *name,
                                    lacus_fif_raw **out, lacus_error *err)
{
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "lacus_fif_raw_open_mem: out is NULL");
    *out = NULL;
    if (!data && size) return lacus__fail(err, LACUS_ERR_ARG, "lacus_fif_raw_open_mem: data is NULL");
    if (!name) name = "<memory>";
    lacus_fif_raw *r = lacus__calloc(1, sizeof *r);
    if (!r || !(r->name = lacus__strdup(name)) || !(r->mem = lacus__malloc(size ? size : 1))) {
        lacus_fif_raw_close(r);
        return lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory", name);
    }
    if (size) memcpy(r->mem, data, size);
    r->size = (int64_t)size;
    return open_common(r, out, err);
}

void lacus_fif_raw_close(lacus_fif_raw *r)
{
    if (!r) return;
    if (r->fp) fclose(r->fp);
    for (int64_t i = 0; r->ann_desc && i < r->info.n_annotations; i++) lacus__free(r->ann_desc[i]);
    lacus__free(r->ann_desc);
    lacus__free(r->ann);
    lacus__free(r->mem);
    lacus__free(r->name);
    lacus__free(r->ch);
    lacus__free(r->buf);
    lacus__free(r->work);
    lacus__free(r);
}

/* ---- queries ----------------------------------------------------------- */

void lacus_fif_raw_get_info(const lacus_fif_raw *r, lacus_fif_info *out)
{
    if (r && out) *out = r->info;
}

lacus_status lacus_fif_raw_channel(const lacus_fif_raw *r, int64_t i, lacus_fif_channel *out,
                                   lacus_error *err)
{
    if (!r || !out) return lacus__fail(err, LACUS_ERR_ARG, "lacus_fif_raw_channel: NULL argument");
    if (i < 0 || i >= r->info.n_channels)
        return lacus__fail(err, LACUS_ERR_ARG, "channel %lld: must be in [0, %lld)", (long long)i,
                           (long long)r->info.n_channels);
    *out = r->ch[i];
    return LACUS_OK;
}

lacus_status lacus_fif_raw_annotation(const lacus_fif_raw *r, int64_t i, double *onset,
                                      double *duration, char *desc, size_t desc_size,
                                      lacus_error *err)
{
    if (!r) return lacus__fail(err, LACUS_ERR_ARG, "lacus_fif_raw_annotation: raw is NULL");
    if (i < 0 || i >= r->info.n_annotations)
        return lacus__fail(err, LACUS_ERR_ARG, "annotation %lld: must be in [0, %lld)", (long long)i,
                           (long long)r->info.n_annotations);
    if (onset) *onset = r->ann[2 * i];
    if (duration) *duration = r->ann[2 * i + 1];
    if (desc && desc_size) snprintf(desc, desc_size, "%s", r->ann_desc[i]);
    return LACUS_OK;
}

static int type_matches(const lacus_fif_channel *c, const char *t, size_t n)
{
    int meg = c->kind == LACUS_FIF_MEG;
#define IS(s) (n == strlen(s) && !strncmp(t, s, n))
    if (IS("all")) return 1;
    if (IS("meg")) return meg;
    if (IS("mag")) return meg && c->unit == LACUS_FIF_UNIT_T;
    if (IS("grad")) return meg && c->unit == LACUS_FIF_UNIT_T_M;
    if (IS("eeg")) return c->kind == LACUS_FIF_EEG;
    if (IS("stim")) return c->kind == LACUS_FIF_STIM;
    if (IS("misc")) return c->kind == LACUS_FIF_MISC;
    if (IS("data")) return meg || c->kind == LACUS_FIF_EEG;
#undef IS
    return -1;
}

lacus_status lacus_fif_raw_pick(const lacus_fif_raw *r, const char *spec, int64_t *picks,
                                int64_t *n_picks, lacus_error *err)
{
    if (!r || !spec || !picks || !n_picks) return lacus__fail(err, LACUS_ERR_ARG, "lacus_fif_raw_pick: NULL argument");
    int64_t nc = r->info.n_channels, n = 0;
    size_t L = strlen(spec);
    if (type_matches(&r->ch[0], spec, L) >= 0) {
        for (int64_t i = 0; i < nc; i++)
            if (type_matches(&r->ch[i], spec, L)) picks[n++] = i;
        if (!n) return lacus__fail(err, LACUS_ERR_ARG, "%s: no channel of type '%s'", r->name, spec);
        *n_picks = n;
        return LACUS_OK;
    }
    /* A comma-separated list of names, in the order given. */
    for (const char *s = spec; *s;) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        int64_t found = -1;
        for (int64_t i = 0; i < nc && found < 0; i++)
            if (strlen(r->ch[i].name) == len && !strncmp(r->ch[i].name, s, len)) found = i;
        if (found < 0)
            return lacus__fail(err, LACUS_ERR_ARG, "%s: no channel named '%.*s' (types: all, meg, mag, grad, eeg, "
                               "stim, misc, data)", r->name, (int)len, s);
        if (n >= nc) return lacus__fail(err, LACUS_ERR_ARG, "%s: more picks than channels", r->name);
        picks[n++] = found;
        s = e ? e + 1 : s + len;
    }
    if (!n) return lacus__fail(err, LACUS_ERR_ARG, "%s: empty channel selection", r->name);
    *n_picks = n;
    return LACUS_OK;
}

lacus_status lacus_fif_raw_read(lacus_fif_raw *r, int64_t start, int64_t stop,
                                const int64_t *picks, int64_t n_picks, double *out,
                                lacus_error *err)
{
    if (!r || (!out && stop > start)) return lacus__fail(err, LACUS_ERR_ARG, "lacus_fif_raw_read: NULL argument");
    const int64_t nc = r->info.n_channels;
    if (!picks) n_picks = nc;
    if (n_picks < 1) return lacus__fail(err, LACUS_ERR_ARG, "n_picks = %lld: must be >= 1", (long long)n_picks);
    if (start < 0 || stop < start || stop > r->info.n_samples)
        return lacus__fail(err, LACUS_ERR_ARG, "samples [%lld, %lld): must lie in [0, %lld]", (long long)start,
                           (long long)stop, (long long)r->info.n_samples);
    for (int64_t j = 0; picks && j < n_picks; j++)
        if (picks[j] < 0 || picks[j] >= nc)
            return lacus__fail(err, LACUS_ERR_ARG, "pick %lld = %lld: must be in [0, %lld)", (long long)j,
                               (long long)picks[j], (long long)nc);
    const int64_t f0 = r->info.first_sample;
    for (int64_t b = 0; b < r->n_buf && start < stop; b++) {
        const fif_buf *B = &r->buf[b];
        int64_t lo = B->first - f0, hi = lo + B->nsamp;
        if (hi <= start || lo >= stop) continue;
        int64_t a = start > lo ? start : lo, z = stop < hi ? stop : hi;
        double *o = out + (a - start) * n_picks;
        if (B->pos < 0) {
            memset(o, 0, (size_t)((z - a) * n_picks) * sizeof(double));
            continue;
        }
        int nb = type_bytes(B->type);
        int64_t row = nb * nc;
        lacus_status st = src_read(r, B->pos + (a - lo) * row, r->work, (z - a) * row, err);
        if (st) return st;
        for (int64_t i = 0; i < z - a; i++) {
            const uint8_t *p = r->work + i * row;
            for (int64_t j = 0; j < n_picks; j++) {
                int64_t c = picks ? picks[j] : j;
                o[i * n_picks + j] = value_at(p + c * nb, B->type) * r->ch[c].cal;
            }
        }
    }
    return LACUS_OK;
}
