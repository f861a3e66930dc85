/* PNG figures through gnuplot. The figure is kept as two growing texts —
 * the data blocks ($d0 << EOD ... EOD) and the commands — and handed to
 * gnuplot as one script file when the figure is closed; gnuplot writes the
 * PNG under a temporary name that is renamed into place only on success.
 * A panel's "plot ..." line is emitted when the next panel starts (or at
 * close), because its series arrive after its axis settings. */
#include "core/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"

extern char **environ;

typedef struct text {
    char *s;
    size_t len, cap;
    int oom;
} text;

struct lacus__plot {
    char *png_path;
    text data, cmds, series; /* series: the current panel's "plot" clauses */
    int n_blocks, n_series, panels_left, in_panel;
};

static void text_vadd(text *t, const char *fmt, va_list ap)
{
    if (t->oom) return;
    for (;;) {
        va_list cp;
        va_copy(cp, ap);
        int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, cp);
        va_end(cp);
        if (n < 0) {
            t->oom = 1;
            return;
        }
        if (t->s && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap ? t->cap : 4096;
        while (cap <= t->len + (size_t)n) cap *= 2;
        char *s = lacus__realloc(t->s, cap);
        if (!s) {
            t->oom = 1;
            return;
        }
        t->s = s;
        t->cap = cap;
    }
}

static void text_add(text *t, const char *fmt, ...) LACUS__PRINTF(2, 3);
static void text_add(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    text_vadd(t, fmt, ap);
    va_end(ap);
}

/* A double-quoted gnuplot string; the terminal is noenhanced, so only the
 * quote and the backslash need escaping. NULL gives "". */
static void text_quoted(text *t, const char *s)
{
    text_add(t, "\"");
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\') text_add(t, "\\");
        if (*s == '\n') text_add(t, " ");
        else text_add(t, "%c", *s);
    }
    text_add(t, "\"");
}

static const char *gnuplot_binary(void)
{
    const char *g = getenv("LACUS_GNUPLOT");
    return (g && *g) ? g : "gnuplot";
}

int lacus__plot_available(void)
{
    const char *g = gnuplot_binary();
    if (strchr(g, '/')) return access(g, X_OK) == 0;
    const char *path = getenv("PATH");
    if (!path) return 0;
    char buf[4096];
    while (*path) {
        size_t n = strcspn(path, ":");
        if (n && n + strlen(g) + 2 < sizeof buf) {
            snprintf(buf, sizeof buf, "%.*s/%s", (int)n, path, g);
            if (access(buf, X_OK) == 0) return 1;
        }
        path += n + (path[n] == ':');
    }
    return 0;
}

void lacus__plot_free(lacus__plot *p)
{
    if (!p) return;
    lacus__free(p->png_path);
    lacus__free(p->data.s);
    lacus__free(p->cmds.s);
    lacus__free(p->series.s);
    lacus__free(p);
}

lacus_status lacus__plot_open(lacus__plot **out, const char *png_path, int width, int height,
                              int rows, int cols, const char *title, lacus_error *err)
{
    *out = NULL;
    if (!png_path || !*png_path) return lacus__fail(err, LACUS_ERR_ARG, "plot: no output path");
    if (width < 16 || height < 16 || width > 20000 || height > 20000)
        return lacus__fail(err, LACUS_ERR_ARG, "plot: size %dx%d: must be 16..20000 pixels",
                           width, height);
    if (rows < 1 || cols < 1 || rows > 64 || cols > 64)
        return lacus__fail(err, LACUS_ERR_ARG, "plot: layout %dx%d: must be 1..64 panels a side",
                           rows, cols);
    lacus__plot *p = lacus__malloc(sizeof *p);
    if (!p) return lacus__fail(err, LACUS_ERR_NOMEM, "plot: out of memory");
    memset(p, 0, sizeof *p);
    p->png_path = lacus__strdup(png_path);
    p->panels_left = rows * cols;
    text_add(&p->cmds, "set multiplot layout %d,%d", rows, cols);
    if (title) {
        text_add(&p->cmds, " title ");
        text_quoted(&p->cmds, title);
    }
    text_add(&p->cmds, "\n");
    if (!p->png_path || p->cmds.oom) {
        lacus__plot_free(p);
        return lacus__fail(err, LACUS_ERR_NOMEM, "plot: out of memory");
    }
    /* The script is the data text, then "set output", then the commands;
     * the terminal line goes first so the data follows it. */
    text_add(&p->data, "set terminal pngcairo noenhanced size %d,%d font \"sans,10\"\n", width,
             height);
    *out = p;
    return LACUS_OK;
}

/* Emits the current panel's plot line (or an empty panel's placeholder). */
static void flush_panel(lacus__plot *p)
{
    if (!p->in_panel) return;
    if (p->n_series) text_add(&p->cmds, "plot %s\n", p->series.s);
    else text_add(&p->cmds, "set multiplot next\n");
    p->series.len = 0;
    if (p->series.s) p->series.s[0] = '\0';
    p->n_series = 0;
    p->in_panel = 0;
}

lacus_status lacus__plot_panel(lacus__plot *p, const char *title, const char *xlabel,
                               const char *ylabel)
{
    flush_panel(p);
    if (p->panels_left == 0) return LACUS_ERR_ARG;
    p->panels_left--;
    p->in_panel = 1;
    /* Every panel starts from the same axis state. */
    text_add(&p->cmds, "unset logscale; set format x \"%% h\"; set format y \"%% h\"; "
                       "set autoscale; unset key; set key top right; "
                       "set yrange [*:*] noreverse; unset colorbox\n");
    text_add(&p->cmds, "set title ");
    text_quoted(&p->cmds, title);
    text_add(&p->cmds, "; set xlabel ");
    text_quoted(&p->cmds, xlabel);
    text_add(&p->cmds, "; set ylabel ");
    text_quoted(&p->cmds, ylabel);
    text_add(&p->cmds, "\n");
    return LACUS_OK;
}

static void ensure_panel(lacus__plot *p)
{
    if (!p->in_panel) lacus__plot_panel(p, NULL, NULL, NULL);
}

void lacus__plot_log(lacus__plot *p, int log_x, int log_y)
{
    ensure_panel(p);
    /* "%g" ticks: gnuplot's default prints 1e4 as 10000.0000000 on log axes. */
    if (log_x) text_add(&p->cmds, "set logscale x; set format x \"%%g\"\n");
    if (log_y) text_add(&p->cmds, "set logscale y; set format y \"%%g\"\n");
}

void lacus__plot_xrange(lacus__plot *p, double lo, double hi)
{
    ensure_panel(p);
    if (lo < hi) text_add(&p->cmds, "set xrange [%.17g:%.17g]\n", lo, hi);
}

void lacus__plot_yrange(lacus__plot *p, double lo, double hi)
{
    ensure_panel(p);
    if (lo < hi) text_add(&p->cmds, "set yrange [%.17g:%.17g]\n", lo, hi);
}

static void add_clause(lacus__plot *p, const char *clause_fmt, int block, const char *label)
{
    text_add(&p->series, "%s$d%d %s", p->n_series ? ", " : "", block, clause_fmt);
    if (label) {
        text_add(&p->series, " title ");
        text_quoted(&p->series, label);
    } else {
        text_add(&p->series, " notitle");
    }
    p->n_series++;
}

lacus_status lacus__plot_series(lacus__plot *p, lacus__plot_style style, const double *x,
                                const double *y, const double *yerr, int64_t n,
                                const char *label)
{
    if (n < 0 || (n > 0 && !y) || (style == LACUS__PLOT_ERRORBARS && n > 0 && !yerr))
        return LACUS_ERR_ARG;
    ensure_panel(p);
    if (label) text_add(&p->cmds, "set key\n");
    int b = p->n_blocks++;
    text_add(&p->data, "$d%d << EOD\n", b);
    for (int64_t i = 0; i < n; i++) {
        double xi = x ? x[i] : (double)i;
        double e = yerr ? yerr[i] : 0.0;
        /* A blank line breaks a line series: non-finite values become gaps. */
        if (!isfinite(xi) || !isfinite(y[i]) || !isfinite(e)) {
            text_add(&p->data, "\n");
            continue;
        }
        text_add(&p->data, "%.10g %.10g %.10g\n", xi, y[i], e);
    }
    text_add(&p->data, "EOD\n");
    static const char *const with[] = {
        "using 1:2 with lines lw 1.5",
        "using 1:2 with points pt 7 ps 0.6",
        "using 1:2 with linespoints pt 7 ps 0.6 lw 1.5",
        "using 1:2 with boxes fill solid 0.6 border -1",
        "using 1:2:3 with yerrorlines pt 7 ps 0.6 lw 1.5",
    };
    if ((unsigned)style > LACUS__PLOT_ERRORBARS) return LACUS_ERR_ARG;
    if (style == LACUS__PLOT_BARS) text_add(&p->cmds, "set boxwidth 0.8 relative\n");
    add_clause(p, with[style], b, label);
    return (p->data.oom || p->series.oom) ? LACUS_ERR_NOMEM : LACUS_OK;
}

lacus_status lacus__plot_image(lacus__plot *p, const double *z, int64_t rows, int64_t cols,
                               double zmin, double zmax, const char *palette)
{
    if (rows < 1 || cols < 1 || !z) return LACUS_ERR_ARG;
    ensure_panel(p);
    int b = p->n_blocks++;
    text_add(&p->data, "$d%d << EOD\n", b);
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t c = 0; c < cols; c++) {
            double v = z[r * cols + c];
            text_add(&p->data, c ? " %.8g" : "%.8g", isfinite(v) ? v : NAN);
        }
        text_add(&p->data, "\n");
    }
    text_add(&p->data, "EOD\n");
    const char *pal = palette ? palette : "viridis";
    if (!strcmp(pal, "gray"))
        text_add(&p->cmds, "set palette gray\n");
    else if (!strcmp(pal, "diverging"))
        text_add(&p->cmds,
                 "set palette defined (0 '#2166ac', 0.5 '#f7f7f7', 1 '#b2182b')\n");
    else /* viridis, sampled at five stops */
        text_add(&p->cmds, "set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', "
                           "0.75 '#5ec962', 1 '#fde725')\n");
    if (zmin < zmax) text_add(&p->cmds, "set cbrange [%.17g:%.17g]\n", zmin, zmax);
    else text_add(&p->cmds, "set autoscale cb\n");
    /* Row 0 at the top, as a matrix is read. */
    text_add(&p->cmds,
             "set colorbox; set xrange [-0.5:%lld.5]; set yrange [%lld.5:-0.5] reverse\n",
             (long long)cols - 1, (long long)rows - 1);
    add_clause(p, "matrix with image", b, NULL);
    return (p->data.oom || p->series.oom) ? LACUS_ERR_NOMEM : LACUS_OK;
}

/* Runs gnuplot on script_path; on failure, its first stderr line (kept in
 * log_path) goes into the message. */
static lacus_status run_gnuplot(const char *script_path, const char *log_path,
                                const char *png_path, lacus_error *err)
{
    const char *g = gnuplot_binary();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    char *argv[] = {(char *)g, (char *)script_path, NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, g, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return lacus__fail(err, LACUS_ERR_UNSUPPORTED,
                           "plot '%s': cannot run %s (%s); install gnuplot "
                           "(apt-get install gnuplot-nox) or set LACUS_GNUPLOT",
                           png_path, g, strerror(rc));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return LACUS_OK;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return lacus__fail(err, LACUS_ERR_UNSUPPORTED,
                           "plot '%s': %s not found; install gnuplot (apt-get install "
                           "gnuplot-nox) or set LACUS_GNUPLOT", png_path, g);
    char line[256] = "";
    FILE *f = fopen(log_path, "r");
    if (f) {
        while (fgets(line, sizeof line, f) && strspn(line, " \t\n^") == strlen(line)) {}
        fclose(f);
        line[strcspn(line, "\n")] = '\0';
    }
    return lacus__fail(err, LACUS_ERR_IO, "plot '%s': gnuplot failed: %s", png_path,
                       *line ? line : "no message");
}

lacus_status lacus__plot_close(lacus__plot *p, lacus_error *err)
{
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "plot: no figure");
    flush_panel(p);
    text_add(&p->cmds, "unset multiplot\n");
    const char *png = p->png_path;
    if (p->data.oom || p->cmds.oom || p->series.oom) {
        lacus_status st = lacus__fail(err, LACUS_ERR_NOMEM, "plot '%s': out of memory", png);
        lacus__plot_free(p);
        return st;
    }
    char *tmp_png = NULL, *script = NULL, *log = NULL;
    int fd_png = -1, fd_script = -1, fd_log = -1;
    lacus_status st = lacus__tmp_create(png, &tmp_png, &fd_png, err);
    if (!st) st = lacus__tmp_create(png, &script, &fd_script, err);
    if (!st) st = lacus__tmp_create(png, &log, &fd_log, err);
    if (fd_png >= 0) close(fd_png);
    if (fd_log >= 0) close(fd_log);
    if (!st) {
        FILE *f = fdopen(fd_script, "w");
        if (!f) {
            close(fd_script);
            st = lacus__fail(err, LACUS_ERR_IO, "plot '%s': %s", png, strerror(errno));
        } else {
            fd_script = -1;
            st = lacus__fwrite_all(f, p->data.s, p->data.len, script, err);
            if (!st) {
                text out = {0};
                text_add(&out, "set output ");
                text_quoted(&out, tmp_png);
                text_add(&out, "\n");
                st = out.oom ? lacus__fail(err, LACUS_ERR_NOMEM, "plot: out of memory")
                             : lacus__fwrite_all(f, out.s, out.len, script, err);
                lacus__free(out.s);
            }
            if (!st) st = lacus__fwrite_all(f, p->cmds.s, p->cmds.len, script, err);
            lacus_status cst = lacus__fclose_checked(f, script, err);
            if (!st) st = cst;
        }
    } else if (fd_script >= 0) {
        close(fd_script);
    }
    if (!st) st = run_gnuplot(script, log, png, err);
    if (!st && rename(tmp_png, png) != 0)
        st = lacus__fail(err, LACUS_ERR_IO, "plot: cannot rename to '%s': %s", png,
                         strerror(errno));
    if (st && tmp_png) unlink(tmp_png);
    if (script) unlink(script);
    if (log) unlink(log);
    lacus__free(tmp_png);
    lacus__free(script);
    lacus__free(log);
    lacus__plot_free(p);
    return st;
}
