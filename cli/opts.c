#include "opts.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static void **kept;
static size_t n_kept, cap_kept;

static void free_kept(void)
{
    for (size_t i = 0; i < n_kept; i++) free(kept[i]);
    free(kept);
    kept = NULL;
    n_kept = cap_kept = 0;
}

void *cli_keep(void *p)
{
    if (!p) return NULL;
    if (n_kept == cap_kept) {
        size_t cap = cap_kept ? 2 * cap_kept : 64;
        void **k = realloc(kept, cap * sizeof *k);
        if (!k) {
            free(p);
            return NULL;
        }
        if (!kept) atexit(free_kept);
        kept = k;
        cap_kept = cap;
    }
    return kept[n_kept++] = p;
}

int opt_list_push(opt_list *l, const char *s)
{
    if (l->owner != l || l->n == l->cap) {
        int cap = l->n < 8 ? 16 : 2 * l->n;
        const char **items = cli_keep(malloc((size_t)cap * sizeof *items));
        if (!items) return cli_error("out of memory for a list of %d files", l->n + 1), -1;
        if (l->n) memcpy(items, l->items, (size_t)l->n * sizeof *items);
        l->items = items;
        l->cap = cap;
        l->owner = l;
    }
    l->items[l->n++] = s;
    return 0;
}

static void print_default(const opt *o)
{
    switch (o->type) {
    case OPT_INT: printf("%lld", (long long)*(int64_t *)o->dest); break;
    case OPT_DOUBLE: printf("%g", *(double *)o->dest); break;
    case OPT_STRING: {
        const char *s = *(const char **)o->dest;
        printf("%s", s ? s : "(none)");
        break;
    }
    case OPT_FLAG: printf("%s", *(int *)o->dest ? "on" : "off"); break;
    case OPT_LIST: printf("(none; repeatable)"); break;
    }
}

void opts_help(const verb_spec *v)
{
    printf("usage: lacus %s %s\n\n%s\n\noptions (default in brackets):\n", v->name, v->usage,
           v->summary);
    for (int i = 0; i < v->n_opts; i++) {
        const opt *o = &v->opts[i];
        printf("  --%-22s %s [", o->name, o->help);
        print_default(o);
        printf("]\n");
    }
    printf("  --%-22s %s\n", "help", "show this help");
}

static int set_value(const verb_spec *v, const opt *o, const char *val)
{
    char *end;
    errno = 0;
    switch (o->type) {
    case OPT_INT: {
        long long x = strtoll(val, &end, 10);
        if (*val == '\0' || *end != '\0' || errno)
            return cli_error("%s: --%s expects an integer, got \"%s\"", v->name, o->name, val), -1;
        *(int64_t *)o->dest = x;
        return 0;
    }
    case OPT_DOUBLE: {
        double x = strtod(val, &end);
        if (*val == '\0' || *end != '\0' || errno || !isfinite(x))
            return cli_error("%s: --%s expects a finite number, got \"%s\"", v->name, o->name, val), -1;
        *(double *)o->dest = x;
        return 0;
    }
    case OPT_STRING: *(const char **)o->dest = val; return 0;
    case OPT_LIST: {
        opt_list *l = o->dest;
        return opt_list_push(l, val);
    }
    case OPT_FLAG: break;
    }
    return -1;
}

int opts_parse(const verb_spec *v, int argc, char **argv, int first)
{
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            opts_help(v);
            return 1;
        }
        if (strncmp(a, "--", 2) != 0) {
            cli_error("%s: unexpected argument \"%s\" (see lacus %s --help)", v->name, a, v->name);
            return -1;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const opt *o = NULL;
        for (int k = 0; k < v->n_opts; k++)
            if (strlen(v->opts[k].name) == len && strncmp(v->opts[k].name, name, len) == 0)
                o = &v->opts[k];
        if (!o) {
            cli_error("%s: unknown option \"%.*s\" (see lacus %s --help)", v->name, (int)len + 2, a,
                      v->name);
            return -1;
        }
        if (o->type == OPT_FLAG) {
            if (eq) {
                cli_error("%s: --%s takes no value", v->name, o->name);
                return -1;
            }
            *(int *)o->dest = 1;
            continue;
        }
        const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!val) {
            cli_error("%s: --%s needs a value", v->name, o->name);
            return -1;
        }
        if (set_value(v, o, val)) return -1;
    }
    return 0;
}
