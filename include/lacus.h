/*
 * lacus.h — the one public header of lacus, and its API manual.
 *
 * lacus is a C library for reservoir computing: echo state networks with
 * ReservoirPy's equation and hyperparameters, streaming ridge readouts,
 * online readouts (RLS, LMS), NVAR, dataset generators, metrics and
 * .npy/.npz files.
 *
 * Include this file only. It holds the conventions, versions, status codes
 * and memory hooks, and includes the rest of the API, one file per concept:
 *   lacus/arrays.h    .npy, .npz, CSV             lacus/esn.h       ESN, model files
 *   lacus/reservoir.h reservoir, spectral radius  lacus/datasets.h  generators
 *   lacus/ridge.h     streaming ridge readout     lacus/metrics.h   metrics
 *   lacus/online.h    RLS (FORCE), LMS            lacus/nvar.h      NVAR
 *   lacus/stack.h     layer stacks (ReservoirBERT) lacus/graph.h     graphs of nodes
 *   lacus/dist.h      MPI: sharded fits           lacus/search.h    random / TPE samplers
 *
 * Conventions that hold for every function below
 * ----------------------------------------------
 * - Data is time-major and row-major: a sequence is an (n_steps, n_features)
 *   matrix of double, exactly like a NumPy array from ReservoirPy.
 * - Caller-owned buffers cross the API as pointers with int64_t sizes; the
 *   library copies what it keeps and never returns an internal buffer that a
 *   later call overwrites.
 * - Every fallible call returns a lacus_status (LACUS_OK == 0, errors < 0).
 *   Calls on a handle keep the detailed message on the handle
 *   (lacus_esn_errmsg and friends); calls without a handle fill an optional
 *   lacus_error the caller provides (NULL is allowed).
 * - Every *_free / *_close function accepts NULL.
 * - Handles are not thread-safe: use one handle per thread, or lock. Distinct
 *   handles may be used concurrently. The library threads internally with
 *   OpenMP; results do not depend on the number of threads.
 * - The library never prints, never exits and never aborts on user input.
 */
#ifndef LACUS_H
#define LACUS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Version                                                                  */
/* ------------------------------------------------------------------------ */

#define LACUS_VERSION_MAJOR 0
#define LACUS_VERSION_MINOR 1
#define LACUS_VERSION_PATCH 0
#define LACUS_VERSION_STRING "0.1.0"
/* One integer that grows with every release: major*10000 + minor*100 + patch. */
#define LACUS_VERSION_NUMBER \
    (LACUS_VERSION_MAJOR * 10000 + LACUS_VERSION_MINOR * 100 + LACUS_VERSION_PATCH)

/* The version of the library actually linked ("0.1.0"); compare it with
 * LACUS_VERSION_STRING to detect a header/library mismatch. */
const char *lacus_version(void);
int lacus_version_number(void);

/* ------------------------------------------------------------------------ */
/* Status codes and errors                                                  */
/* ------------------------------------------------------------------------ */

typedef enum lacus_status {
    LACUS_OK = 0,
    LACUS_ERR_ARG = -1,           /* a parameter is out of its allowed range */
    LACUS_ERR_SHAPE = -2,         /* array sizes do not agree */
    LACUS_ERR_NOMEM = -3,         /* an allocation failed */
    LACUS_ERR_IO = -4,            /* a file could not be opened, read or written */
    LACUS_ERR_FORMAT = -5,        /* a file is malformed or of an unsupported kind */
    LACUS_ERR_NUMERIC = -6,       /* NaN/Inf in data, or a numerical breakdown */
    LACUS_ERR_NOT_CONVERGED = -7, /* an iterative method did not converge */
    LACUS_ERR_UNSUPPORTED = -8,   /* valid request that this build cannot do */
    LACUS_ERR_STATE = -9          /* call made in the wrong order (e.g. run before fit) */
} lacus_status;

/* Fixed English text for a status code ("shape mismatch"). Never NULL. */
const char *lacus_status_str(lacus_status s);

#define LACUS_ERRMSG_SIZE 512

/* Error detail for calls that have no handle. Zero-initialise it (or pass
 * NULL when the detail is not wanted); after a failing call, msg names what
 * was wrong and where: file, array, index, parameter and allowed range. */
typedef struct lacus_error {
    lacus_status status;
    char msg[LACUS_ERRMSG_SIZE];
} lacus_error;

/* ------------------------------------------------------------------------ */
/* Memory                                                                   */
/* ------------------------------------------------------------------------ */

/* Every allocation the library makes goes through these three functions.
 * lacus_set_allocator replaces them for the whole process (like SQLite's
 * SQLITE_CONFIG_MALLOC): call it once, before any other lacus call, or in
 * tests to inject allocation failures. NULL restores malloc/realloc/free.
 * Not thread-safe with respect to other lacus calls. */
typedef struct lacus_allocator {
    void *(*malloc_fn)(size_t size, void *user);
    void *(*realloc_fn)(void *ptr, size_t size, void *user);
    void (*free_fn)(void *ptr, void *user);
    void *user;
} lacus_allocator;

void lacus_set_allocator(const lacus_allocator *a);

/* Frees memory the library handed to the caller (lacus_ndarray data, byte
 * buffers from lacus_npz_read_bytes). NULL is a no-op. */
void lacus_free(void *ptr);

/* ------------------------------------------------------------------------ */
/* Threads                                                                  */
/* ------------------------------------------------------------------------ */

/* Number of OpenMP threads lacus uses (default: OMP_NUM_THREADS or all
 * cores). Results do not depend on it. Process-wide. */
void lacus_set_num_threads(int n);
int lacus_get_num_threads(void);

/* ------------------------------------------------------------------------ */
/* The rest of the API, one file per concept (all part of this header)      */
/* ------------------------------------------------------------------------ */

#include "lacus/arrays.h"
#include "lacus/reservoir.h"
#include "lacus/ridge.h"
#include "lacus/online.h"
#include "lacus/nvar.h"
#include "lacus/esn.h"
#include "lacus/stack.h"
#include "lacus/graph.h"
#include "lacus/dist.h"
#include "lacus/search.h"
#include "lacus/ip.h"
#include "lacus/plasticity.h"
#include "lacus/tune.h"
#include "lacus/datasets.h"
#include "lacus/metrics.h"
#include "lacus/neat.h"
#include "lacus/lang.h"
#include "lacus/lm.h"
#include "lacus/lgen.h"
#include "lacus/sweep.h"
#include "lacus/preprocess.h"
#include "lacus/classify.h"
#include "lacus/local_learning.h"
#include "lacus/encoding.h"

#ifdef __cplusplus
}
#endif
#endif /* LACUS_H */
