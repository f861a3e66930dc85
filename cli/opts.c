#include "opts.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

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
        if (l->n == OPT_LIST_MAX)
            return cli_error("%s: --%s given more than %d times", v->name, o->name, OPT_LIST_MAX), -1;
        l->items[l->n++] = val;
        return 0;
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
