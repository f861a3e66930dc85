/* PNG figures of brain scores through the shared gnuplot module
 * (src/core/plot.h): axial slices of a score map, score time courses. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "brain/brain.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/plot.h"

lacus_status lacus_encoding_plot_map(const char *png, const lacus_nifti *map, const char *title,
                                     lacus_error *err)
{
    if (!png || !map || !map->data) return lacus__fail(err, LACUS_ERR_ARG, "plot map: NULL argument");
    const int64_t nx = map->dim[0], ny = map->dim[1], nz = map->dim[2];
    if (nx < 1 || ny < 1 || nz < 1 || map->dim[3] != 1)
        return lacus__fail(err, LACUS_ERR_SHAPE, "plot map: need a 3-D map");
    double vmax = 0.0;
    for (int64_t i = 0; i < nx * ny * nz; i++)
        if (isfinite(map->data[i])) vmax = fmax(vmax, fabs(map->data[i]));
    if (vmax == 0.0) vmax = 1.0;
    /* Slices only where the map has values (a masked map is 0 outside). */
    int64_t z0 = nz, z1 = -1;
    for (int64_t z = 0; z < nz; z++)
        for (int64_t i = 0; i < nx * ny; i++)
            if (isfinite(map->data[z * nx * ny + i]) && map->data[z * nx * ny + i] != 0.0) {
                if (z < z0) z0 = z;
                z1 = z;
                break;
            }
    if (z1 < 0) z0 = 0, z1 = nz - 1;
    int64_t span = z1 - z0 + 1;
    int ns = span < 12 ? (int)span : 12, cols = ns < 4 ? ns : 4, rows = (ns + cols - 1) / cols;
    double *img = LACUS__NEW(double, nx * ny);
    if (!img) return lacus__fail(err, LACUS_ERR_NOMEM, "plot map");
    lacus__plot *p = NULL;
    lacus_status st = lacus__plot_open(&p, png, 300 * cols, 280 * rows, rows, cols, title, err);
    for (int s = 0; s < ns && !st; s++) {
        int64_t z = z0 + (ns == 1 ? 0 : (int64_t)llround((double)s * (double)(span - 1) / (ns - 1)));
        char t[64];
        snprintf(t, sizeof t, "z = %lld", (long long)z);
        st = lacus__plot_panel(p, t, NULL, NULL);
        /* Row 0 at the top = the highest y (anterior in RAS images). */
        for (int64_t y = 0; y < ny; y++)
            for (int64_t x = 0; x < nx; x++)
                img[(ny - 1 - y) * nx + x] = map->data[(z * ny + y) * nx + x];
        if (!st) st = lacus__plot_image(p, img, ny, nx, -vmax, vmax, "diverging");
    }
    lacus__free(img);
    if (st) {
        lacus__plot_free(p);
        return st;
    }
    return lacus__plot_close(p, err);
}

lacus_status lacus_encoding_plot_curve(const char *png, const double *x, const double *y, int64_t n,
                                       const char *xlabel, const char *ylabel, lacus_error *err)
{
    if (!png || !x || !y || n < 2) return lacus__fail(err, LACUS_ERR_ARG, "plot curve: need >= 2 points");
    lacus__plot *p = NULL;
    lacus_status st = lacus__plot_open(&p, png, 900, 500, 1, 1, NULL, err);
    if (st) return st;
    double zx[2] = {x[0], x[n - 1]}, zy[2] = {0.0, 0.0};
    st = lacus__plot_panel(p, NULL, xlabel, ylabel);
    if (!st) st = lacus__plot_series(p, LACUS__PLOT_LINES, zx, zy, NULL, 2, NULL);
    if (!st) st = lacus__plot_series(p, LACUS__PLOT_LINESPOINTS, x, y, NULL, n, ylabel);
    if (st) {
        lacus__plot_free(p);
        return st;
    }
    return lacus__plot_close(p, err);
}
