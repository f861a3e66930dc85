/* What every model file shares (ESN, stack, graph): an .npz whose
 * "manifest.json" starts with format, format_version, lacus_version and
 * kind. One place writes that header, reads the manifest back, and refuses
 * another kind or a newer format version with the same messages. */
#ifndef LACUS_MODEL_MODEL_FILE_H
#define LACUS_MODEL_MODEL_FILE_H

#include <cjson/cJSON.h>

#include "lacus.h"

/* A new manifest object with the four header keys (NULL when out of memory). */
cJSON *lacus__manifest_new(const char *kind);

/* Opens path, reads and parses its manifest. With kind (not NULL), also
 * checks format, version (a newer one: LACUS_ERR_UNSUPPORTED) and kind. On
 * success *man is the manifest (cJSON_Delete it) and, when z is not NULL,
 * *z the open archive (lacus_npz_close it). */
lacus_status lacus__manifest_read(const char *path, const char *kind, lacus_npz **z, cJSON **man,
                                  lacus_error *err);

/* Whether x is a JSON number holding an integer in [lo, hi] (both within
 * +-2^53, where doubles hold integers exactly); then *out gets it. The range
 * is tested before the cast: casting an out-of-range double (a manifest's
 * 1e300, or 1e999 that cJSON reads as inf) to an integer is undefined. */
#define LACUS__JSON_INT_MAX ((int64_t)1 << 53)
int lacus__json_int(const cJSON *x, int64_t lo, int64_t hi, int64_t *out);

#endif
