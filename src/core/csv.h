/* Private: the CSV parser on a memory buffer (lacus_csv_read reads the file
 * and calls the same code; the fuzzer calls this directly). */
#ifndef LACUS_CORE_CSV_H
#define LACUS_CORE_CSV_H

#include "lacus.h"

/* Parses len bytes (need not be NUL-terminated) as lacus_csv_read does;
 * `name` labels error messages. */
lacus_status lacus__csv_parse_mem(const char *buf, size_t len, char delimiter, const char *name,
                                  lacus_ndarray *out, lacus_error *err);

#endif
