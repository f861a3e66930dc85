/* Table-driven options for the lacus command: each verb lists its options
 * once, with type, default and help text, and gets parsing ("--name value"
 * or "--name=value"), validation and a --help that shows every default. */
#ifndef LACUS_CLI_OPTS_H
#define LACUS_CLI_OPTS_H

#include <stdint.h>

typedef enum { OPT_INT, OPT_DOUBLE, OPT_STRING, OPT_FLAG, OPT_LIST } opt_type;

#define OPT_LIST_MAX 64

typedef struct opt_list {
    int n;
    const char *items[OPT_LIST_MAX];
} opt_list;

typedef struct opt {
    const char *name;  /* without the leading "--" */
    opt_type type;
    void *dest;        /* int64_t*, double*, const char**, int*, opt_list* */
    const char *help;  /* the default is printed from *dest */
} opt;

typedef struct verb_spec {
    const char *name, *usage, *summary;
    const opt *opts;
    int n_opts;
} verb_spec;

/* Parses argv[first..argc) into the table. Returns 0 on success, 1 when
 * --help was printed, -1 on an error (message already printed). */
int opts_parse(const verb_spec *v, int argc, char **argv, int first);
void opts_help(const verb_spec *v);

#endif
