/* Table-driven options for the lacus command: each verb lists its options
 * once, with type, default and help text, and gets parsing ("--name value"
 * or "--name=value"), validation and a --help that shows every default. */
#ifndef LACUS_CLI_OPTS_H
#define LACUS_CLI_OPTS_H

#include <stdint.h>

typedef enum { OPT_INT, OPT_DOUBLE, OPT_STRING, OPT_FLAG, OPT_LIST } opt_type;

/* A repeatable option's values (or a config's file list): any number of
 * them, in a growing array. A list set up by hand points items at the
 * caller's array ({1, 1, (const char *[]){path}, NULL}); opt_list_push
 * moves a list into an array of its own first (owner: the list that owns
 * items), so a struct copy of a list never writes into another's array.
 * The arrays live until the command exits (freed by an atexit handler: a
 * verb runs once). */
typedef struct opt_list {
    int n, cap;
    const char **items;
    const void *owner;
} opt_list;

/* Appends s; 0, or -1 when out of memory (printed). */
int opt_list_push(opt_list *l, const char *s);
/* Keeps p (malloc'd) until the command exits; returns p (NULL when p is NULL
 * or out of memory, p then freed). */
void *cli_keep(void *p);

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
