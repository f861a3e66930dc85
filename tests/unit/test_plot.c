/* The gnuplot PNG module: a rendered figure is a PNG of the requested size;
 * a failing or missing gnuplot leaves no file and names the problem. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/plot.h"
#include "fixture.h"
#include "test.h"

/* Width and height from a PNG's IHDR chunk; 0 when the file is not a PNG. */
static int png_size(const char *path, uint32_t *w, uint32_t *h)
{
    unsigned char b[24];
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (n != sizeof b || memcmp(b, sig, 8) || memcmp(b + 12, "IHDR", 4)) return 0;
    *w = (uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 | (uint32_t)b[18] << 8 | b[19];
    *h = (uint32_t)b[20] << 24 | (uint32_t)b[21] << 16 | (uint32_t)b[22] << 8 | b[23];
    return 1;
}

static lacus_status draw(const char *path, lacus_error *err)
{
    double x[50], y[50], e[50], z[6 * 8];
    for (int i = 0; i < 50; i++) {
        x[i] = 0.1 * i;
        y[i] = (i == 20) ? NAN : sin(x[i]); /* a gap in the line */
        e[i] = 0.05;
    }
    for (int i = 0; i < 48; i++) z[i] = (double)i / 47.0 * 2.0 - 1.0;
    lacus__plot *p;
    lacus_status st = lacus__plot_open(&p, path, 640, 360, 1, 2, "title with \"quotes\"", err);
    if (st) return st;
    lacus__plot_panel(p, "series", "t", "x_t");
    lacus__plot_series(p, LACUS__PLOT_LINES, x, y, NULL, 50, "sin");
    lacus__plot_series(p, LACUS__PLOT_ERRORBARS, x, y, e, 50, "with errors");
    lacus__plot_log(p, 0, 0);
    lacus__plot_panel(p, "matrix", "col", "row");
    lacus__plot_image(p, z, 6, 8, -1, 1, "diverging");
    return lacus__plot_close(p, err);
}

int main(void)
{
    if (!lacus__plot_available()) {
        printf("gnuplot not found: plot tests skipped (apt-get install gnuplot-nox)\n");
        return 0;
    }
    const char *path = fx_tmp_path("figure.png");

    TEST("a figure renders to a PNG of the requested size") {
        lacus_error err = {0};
        unlink(path);
        CHECK_STATUS(draw(path, &err), LACUS_OK);
        uint32_t w = 0, h = 0;
        CHECK(png_size(path, &w, &h));
        CHECK(w == 640 && h == 360);
    }

    TEST("a missing gnuplot is reported and leaves no file") {
        lacus_error err = {0};
        unlink(path);
        setenv("LACUS_GNUPLOT", "/nonexistent/gnuplot", 1);
        CHECK_STATUS(draw(path, &err), LACUS_ERR_UNSUPPORTED);
        CHECK(strstr(err.msg, "gnuplot-nox") != NULL);
        CHECK(access(path, F_OK) != 0);
    }

    TEST("a failing gnuplot is reported and leaves no file") {
        lacus_error err = {0};
        setenv("LACUS_GNUPLOT", "false", 1);
        CHECK_STATUS(draw(path, &err), LACUS_ERR_IO);
        CHECK(strstr(err.msg, "gnuplot failed") != NULL);
        CHECK(access(path, F_OK) != 0);
        unsetenv("LACUS_GNUPLOT");
    }

    TEST("bad figure arguments are refused") {
        lacus_error err = {0};
        lacus__plot *p = NULL;
        CHECK_STATUS(lacus__plot_open(&p, path, 0, 100, 1, 1, NULL, &err), LACUS_ERR_ARG);
        CHECK(p == NULL);
        CHECK_STATUS(lacus__plot_open(&p, path, 100, 100, 0, 1, NULL, &err), LACUS_ERR_ARG);
        CHECK_STATUS(lacus__plot_open(&p, "", 100, 100, 1, 1, NULL, &err), LACUS_ERR_ARG);
        CHECK_STATUS(lacus__plot_open(&p, path, 100, 100, 1, 1, NULL, &err), LACUS_OK);
        CHECK_STATUS(lacus__plot_panel(p, NULL, NULL, NULL), LACUS_OK);
        CHECK_STATUS(lacus__plot_panel(p, NULL, NULL, NULL), LACUS_ERR_ARG);
        CHECK_STATUS(lacus__plot_image(p, NULL, 2, 2, 0, 0, NULL), LACUS_ERR_ARG);
        lacus__plot_free(p);
    }
    TEST_MAIN_END();
}
