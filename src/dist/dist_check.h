/* The argument checks that every sharded fit (dist.c, scalapack.c) makes
 * on a rank's own sequences before any collective step. */
#ifndef LACUS_DIST_CHECK_H
#define LACUS_DIST_CHECK_H

#include "lacus.h"

/* inputs, targets and (when there are sequences) ids given; as many target
 * as input sequences; at least one target feature. */
lacus_status lacus__dist_check_seqs(lacus_error *err, const lacus_seqs *inputs,
                                    const lacus_seqs *targets, const int64_t *ids);

#endif
