/* PNG figures for reports (forecasts, score maps, fitness curves, skill
 * curves), drawn by gnuplot from Debian (gnuplot-nox): lacus writes the data
 * and a script, gnuplot renders with its pngcairo (or png) terminal. We do
 * not rasterise by hand; gnuplot is the maintained library for this.
 *
 * A figure is a grid of panels; each panel holds line/point/bar/error-bar
 * series or one image (a matrix with a colour bar). Nothing is rendered
 * until lacus__plot_close, which writes the PNG atomically (a temporary
 * file, renamed only when gnuplot succeeded): a failed plot leaves no file.
 *
 *     lacus__plot *p;
 *     if ((st = lacus__plot_open(&p, "fit.png", 900, 600, 1, 1, "Mackey-Glass", err))) return st;
 *     lacus__plot_panel(p, "h = 84", "step", "x");
 *     lacus__plot_series(p, LACUS__PLOT_LINES, NULL, truth, NULL, n, "truth");
 *     lacus__plot_series(p, LACUS__PLOT_LINES, NULL, pred, NULL, n, "prediction");
 *     return lacus__plot_close(p, err);       (frees p in all cases)
 *
 * Without gnuplot on PATH (or $LACUS_GNUPLOT) lacus__plot_close fails with
 * LACUS_ERR_UNSUPPORTED and a message naming the package to install. */
#ifndef LACUS_CORE_PLOT_H
#define LACUS_CORE_PLOT_H

#include <stdint.h>

#include "lacus.h"

typedef struct lacus__plot lacus__plot;

typedef enum lacus__plot_style {
    LACUS__PLOT_LINES = 0,
    LACUS__PLOT_POINTS = 1,
    LACUS__PLOT_LINESPOINTS = 2,
    LACUS__PLOT_BARS = 3,     /* boxes centred on x */
    LACUS__PLOT_ERRORBARS = 4 /* points with +-yerr, joined by a line */
} lacus__plot_style;

/* A figure of rows x cols panels, width x height pixels, with an optional
 * overall title (NULL for none). */
lacus_status lacus__plot_open(lacus__plot **out, const char *png_path, int width, int height,
                              int rows, int cols, const char *title, lacus_error *err);

/* Starts the next panel (row-major order); any of the strings may be NULL. */
lacus_status lacus__plot_panel(lacus__plot *p, const char *title, const char *xlabel,
                               const char *ylabel);

/* Axis options of the current panel: logarithmic axes, and fixed ranges
 * (lo >= hi leaves the axis automatic). */
void lacus__plot_log(lacus__plot *p, int log_x, int log_y);
void lacus__plot_xrange(lacus__plot *p, double lo, double hi);
void lacus__plot_yrange(lacus__plot *p, double lo, double hi);

/* Adds a series to the current panel. x may be NULL (then x = 0..n-1);
 * yerr is read only by LACUS__PLOT_ERRORBARS. label may be NULL (no key
 * entry). Non-finite values are drawn as gaps. The data are copied. */
lacus_status lacus__plot_series(lacus__plot *p, lacus__plot_style style, const double *x,
                                const double *y, const double *yerr, int64_t n,
                                const char *label);

/* Draws a rows x cols row-major matrix as an image on the current panel
 * (row 0 at the top), with a colour bar from zmin to zmax (zmin >= zmax:
 * automatic). palette: "viridis", "gray" or "diverging" (blue-white-red,
 * for signed values such as correlations or weights). */
lacus_status lacus__plot_image(lacus__plot *p, const double *z, int64_t rows, int64_t cols,
                               double zmin, double zmax, const char *palette);

/* Renders the figure into png_path and frees p (in all cases). */
lacus_status lacus__plot_close(lacus__plot *p, lacus_error *err);

/* Frees a figure without rendering it (NULL is a no-op). */
void lacus__plot_free(lacus__plot *p);

/* 1 when gnuplot can be run (tests skip PNG checks otherwise). */
int lacus__plot_available(void);

#endif
