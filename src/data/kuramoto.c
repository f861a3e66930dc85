/* Kuramoto-Sivashinsky equation (Y. Kuramoto, Prog. Theor. Phys. Suppl.
 * 64:346-367, 1978; G. I. Sivashinsky, Acta Astronautica 4:1177-1206, 1977),
 *   u_t = -u u_x - u_xx - u_(4x),  periodic on [0, 2 pi M],
 *   (u_(4x): the fourth derivative in x)
 * as reservoirpy.datasets.kuramoto_sivashinsky (0.4.2) solves it: in Fourier
 * space with ETDRK4 (A.-K. Kassam & L. N. Trefethen, "Fourth-order
 * time-stepping for stiff PDEs", SIAM J. Sci. Comput. 26(4):1214-1233, 2005),
 * the phi-function coefficients averaged over M points of the unit circle
 * around each h L_k. Every expression keeps ReservoirPy's operation order;
 * NumPy's complex division (Smith's method) and complex powers are spelled
 * out. The FFTs are FFTW's, which round differently from NumPy's pocketfft:
 * see docs/datasets.md for how the difference grows. */
#include <complex.h>
#include <math.h>
#include <string.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include "core/alloc.h"
#include "data/check.h"

#ifdef LACUS_HAVE_FFTW3
#include <fftw3.h>
#endif

lacus_kuramoto_sivashinsky_params lacus_kuramoto_sivashinsky_params_default(void)
{
    lacus_kuramoto_sivashinsky_params p;
    memset(&p, 0, sizeof p);
    p.N = 128;
    p.M = 16;
    p.h = 0.25;
    p.warmup = 0;
    p.x0 = NULL;
    return p;
}

#ifdef LACUS_HAVE_FFTW3

#define KS_PI 3.141592653589793 /* np.pi */

typedef struct {
    double re, im;
} cplx;

static cplx cmul(cplx a, cplx b)
{
    cplx r = {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
    return r;
}

/* NumPy's complex division (loops: Smith's algorithm). */
static cplx cdiv(cplx a, cplx b)
{
    double br = fabs(b.re), bi = fabs(b.im);
    cplx r;
    if (br >= bi) {
        if (br == 0 && bi == 0) {
            r.re = a.re / br;
            r.im = a.im / br;
        } else {
            double rat = b.im / b.re;
            double scl = 1.0 / (b.re + b.im * rat);
            r.re = (a.re + a.im * rat) * scl;
            r.im = (a.im - a.re * rat) * scl;
        }
    } else {
        double rat = b.re / b.im;
        double scl = 1.0 / (b.im + b.re * rat);
        r.re = (a.re * rat + a.im) * scl;
        r.im = (a.im * rat - a.re) * scl;
    }
    return r;
}

static cplx cexp_(cplx a)
{
    double complex z = cexp(a.re + I * a.im);
    cplx r = {creal(z), cimag(z)};
    return r;
}

static cplx cadd(cplx a, cplx b)
{
    cplx r = {a.re + b.re, a.im + b.im};
    return r;
}

static cplx csub(cplx a, cplx b)
{
    cplx r = {a.re - b.re, a.im - b.im};
    return r;
}

static cplx creal_(double x)
{
    cplx r = {x, 0.0};
    return r;
}

/* NumPy's pairwise sum of the real parts of n complex values (the real half
 * of CDOUBLE_pairwise_sum, which works on 2n interleaved doubles). */
static double cpairwise_re(const cplx *z, int64_t n)
{
    int64_t nd = 2 * n;
    if (nd < 8) {
        double s = 0.0;
        for (int64_t i = 0; i < n; i++) s += z[i].re;
        return s;
    }
    if (nd <= 128) {
        double r0 = z[0].re, r2 = z[1].re, r4 = z[2].re, r6 = z[3].re;
        int64_t i;
        for (i = 4; i + 4 <= n; i += 4) {
            r0 += z[i].re;
            r2 += z[i + 1].re;
            r4 += z[i + 2].re;
            r6 += z[i + 3].re;
        }
        double s = (r0 + r2) + (r4 + r6);
        for (; i < n; i++) s += z[i].re;
        return s;
    }
    int64_t n2 = nd / 2;
    n2 -= n2 % 8;
    return cpairwise_re(z, n2 / 2) + cpairwise_re(z + n2 / 2, n - n2 / 2);
}

typedef struct {
    int64_t n;
    double *buf; /* n interleaved complex values (fftw_complex may be double complex) */
    double *rbuf; /* n real values, the input of the real-to-complex transform */
    double *hbuf; /* n/2 + 1 interleaved complex values, its output */
    fftw_plan fwd, bwd;
} ks_fft;

/* buf = fft(rbuf) for real data: the real-to-complex transform gives the
 * first half, the rest is its complex conjugate, so that the spectrum is
 * exactly Hermitian. (With a complex-to-complex FFT it is only Hermitian to
 * rounding, and the anti-Hermitian part, which the real() in the nonlinear
 * term never sees, grows like exp(h L) for the unstable modes 0 < |k| < 1
 * until the series overflows after a few thousand steps.) */
static void ks_fft_real(ks_fft *f)
{
    int64_t n = f->n;
    fftw_execute(f->fwd);
    for (int64_t i = 0; i <= n / 2; i++) {
        f->buf[2 * i] = f->hbuf[2 * i];
        f->buf[2 * i + 1] = f->hbuf[2 * i + 1];
    }
    for (int64_t i = 1; i < n / 2; i++) {
        f->buf[2 * (n - i)] = f->hbuf[2 * i];
        f->buf[2 * (n - i) + 1] = -f->hbuf[2 * i + 1];
    }
}

/* out = g * fft(real(ifft(v)) ** 2) */
static void ks_nonlin(ks_fft *f, const cplx *v, const double *g, cplx *out)
{
    int64_t n = f->n;
    for (int64_t i = 0; i < n; i++) {
        f->buf[2 * i] = v[i].re;
        f->buf[2 * i + 1] = v[i].im;
    }
    fftw_execute(f->bwd);
    for (int64_t i = 0; i < n; i++) {
        double x = f->buf[2 * i] / (double)n;
        f->rbuf[i] = x * x;
    }
    ks_fft_real(f);
    /* g = -0.5j k: (g * X).re = -(g.im X.im), .im = g.im X.re */
    for (int64_t i = 0; i < n; i++) {
        out[i].re = -(g[i] * f->buf[2 * i + 1]);
        out[i].im = g[i] * f->buf[2 * i];
    }
}

static void ks_real_ifft(ks_fft *f, const cplx *v, double *row)
{
    int64_t n = f->n;
    for (int64_t i = 0; i < n; i++) {
        f->buf[2 * i] = v[i].re;
        f->buf[2 * i + 1] = v[i].im;
    }
    fftw_execute(f->bwd);
    for (int64_t i = 0; i < n; i++) row[i] = f->buf[2 * i] / (double)n;
}

#endif /* LACUS_HAVE_FFTW3 */

lacus_status lacus_kuramoto_sivashinsky(int64_t n_steps,
                                        const lacus_kuramoto_sivashinsky_params *p, double *out,
                                        lacus_error *err)
{
    const char *fn = "kuramoto_sivashinsky";
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "%s: params is NULL", fn);
    LACUS__TRY(lacus__check_steps(err, fn, n_steps));
    if (p->N < 2 || p->N % 2 != 0 || p->N > (1 << 24))
        return lacus__fail(err, LACUS_ERR_ARG, "%s: N = %lld: must be even, >= 2 and <= 2^24",
                           fn, (long long)p->N);
    if (p->M < 1 || p->M > (1 << 20))
        return lacus__fail(err, LACUS_ERR_ARG, "%s: M = %lld: must be >= 1 and <= 2^20", fn,
                           (long long)p->M);
    LACUS__TRY(lacus__check_positive(err, fn, "h", p->h));
    if (p->warmup < 0 || p->warmup >= n_steps)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "%s: warmup = %lld: must be >= 0 and < n_steps = %lld", fn,
                           (long long)p->warmup, (long long)n_steps);
    if (p->x0)
        for (int64_t i = 0; i < p->N; i++)
            if (!isfinite(p->x0[i]))
                return lacus__fail(err, LACUS_ERR_ARG,
                                   "%s: x0[%lld] = %g: must be a finite number", fn,
                                   (long long)i, p->x0[i]);
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "%s: out is NULL", fn);
#ifndef LACUS_HAVE_FFTW3
    return lacus__fail(err, LACUS_ERR_UNSUPPORTED,
                       "%s: this build of lacus has no FFT library (FFTW3 was not found at "
                       "configure time; install libfftw3-dev and rebuild)", fn);
#else
    const int64_t n = p->N, m = p->M;
    const double h = p->h, M = (double)m;
    lacus_status st = LACUS_OK;
    double *k = LACUS__NEW(double, n), *L = LACUS__NEW(double, n);
    double *E = LACUS__NEW(double, n), *E2 = LACUS__NEW(double, n);
    double *Q = LACUS__NEW(double, n), *f1 = LACUS__NEW(double, n);
    double *f2 = LACUS__NEW(double, n), *f3 = LACUS__NEW(double, n);
    double *g = LACUS__NEW(double, n);
    cplx *r = LACUS__NEW(cplx, m), *tmp = LACUS__NEW(cplx, m * 4);
    cplx *v = LACUS__NEW(cplx, n), *Nv = LACUS__NEW(cplx, n), *a = LACUS__NEW(cplx, n);
    cplx *Na = LACUS__NEW(cplx, n), *b = LACUS__NEW(cplx, n), *Nb = LACUS__NEW(cplx, n);
    cplx *c = LACUS__NEW(cplx, n), *Nc = LACUS__NEW(cplx, n);
    ks_fft f = {n, NULL, NULL, NULL, NULL, NULL};
    f.buf = fftw_malloc(sizeof(fftw_complex) * (size_t)n);
    f.rbuf = fftw_malloc(sizeof(double) * (size_t)n);
    f.hbuf = fftw_malloc(sizeof(fftw_complex) * (size_t)(n / 2 + 1));
    if (!k || !L || !E || !E2 || !Q || !f1 || !f2 || !f3 || !g || !r || !tmp || !v || !Nv ||
        !a || !Na || !b || !Nb || !c || !Nc || !f.buf ||
        !f.rbuf || !f.hbuf) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "%s: cannot allocate the work arrays", fn);
        goto done;
    }
    /* FFTW's planner is not thread-safe; FFTW_ESTIMATE plans are cheap and
     * deterministic. */
#pragma omp critical(lacus_fftw_plan)
    {
        f.fwd = fftw_plan_dft_r2c_1d((int)n, f.rbuf, (fftw_complex *)f.hbuf, FFTW_ESTIMATE);
        f.bwd = fftw_plan_dft_1d((int)n, (fftw_complex *)f.buf, (fftw_complex *)f.buf, FFTW_BACKWARD, FFTW_ESTIMATE);
    }
    if (!f.fwd || !f.bwd) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "%s: FFTW could not make a plan of size %lld",
                         fn, (long long)n);
        goto done;
    }

    /* k = conj(r_[arange(0, N/2), [0], arange(-N/2 + 1, 0)]) / M */
    for (int64_t i = 0; i < n; i++) {
        double w;
        if (i < n / 2)
            w = (double)i;
        else if (i == n / 2)
            w = 0.0;
        else
            w = (double)(i - n);
        k[i] = w / M;
        /* L = k**2 - k**4 (NumPy: square, then pow) */
        L[i] = k[i] * k[i] - pow(k[i], 4.0);
        E[i] = exp(h * L[i]);
        E2[i] = exp(h * L[i] / 2);
        /* g = -0.5j * k */
        g[i] = -0.5 * k[i];
    }
    /* r = exp(1j pi (arange(1, M + 1) - 0.5) / M) */
    for (int64_t j = 0; j < m; j++) {
        /* 1j * pi * x = (0, pi x), then / M, which NumPy's complex division
         * by a real does as a product with 1 / M */
        cplx z = {0.0, (KS_PI * ((double)(j + 1) - 0.5)) * (1.0 / M)};
        r[j] = cexp_(z);
    }
    for (int64_t i = 0; i < n; i++) {
        cplx *sq = tmp, *s1 = tmp + m, *s2 = tmp + 2 * m, *s3 = tmp + 3 * m;
        for (int64_t j = 0; j < m; j++) {
            cplx lr = cadd(creal_(h * L[i]), r[j]);
            cplx lr2 = cmul(lr, lr);
            cplx lr3 = cmul(lr2, lr);
            cplx el = cexp_(lr);
            /* (exp(LR / 2) - 1) / LR */
            cplx half = {lr.re / 2, lr.im / 2};
            sq[j] = cdiv(csub(cexp_(half), creal_(1.0)), lr);
            /* (-4 - LR + exp(LR) * (4 - 3 LR + LR^2)) / LR^3 */
            cplx t3 = {3 * lr.re, 3 * lr.im};
            cplx u = cadd(csub(creal_(4.0), t3), lr2);
            s1[j] = cdiv(cadd(csub(creal_(-4.0), lr), cmul(el, u)), lr3);
            /* (2 + LR + exp(LR) * (-2 + LR)) / LR^3 */
            s2[j] = cdiv(cadd(cadd(creal_(2.0), lr), cmul(el, cadd(creal_(-2.0), lr))), lr3);
            /* (-4 - 3 LR - LR^2 + exp(LR) * (4 - LR)) / LR^3 */
            s3[j] = cdiv(cadd(csub(csub(creal_(-4.0), t3), lr2), cmul(el, csub(creal_(4.0), lr))),
                         lr3);
        }
        /* mean = sum / M, a complex division: sum * (1 / M) */
        Q[i] = h * (cpairwise_re(sq, m) * (1.0 / M));
        f1[i] = h * (cpairwise_re(s1, m) * (1.0 / M));
        f2[i] = h * (cpairwise_re(s2, m) * (1.0 / M));
        f3[i] = h * (cpairwise_re(s3, m) * (1.0 / M));
    }

    /* v0 = fft(x0) */
    for (int64_t i = 0; i < n; i++) {
        double x0;
        if (p->x0) {
            x0 = p->x0[i];
        } else {
            double y = 2 * M * KS_PI * (double)(i + 1) / (double)n;
            x0 = cos(y / M) * (1 + sin(y / M));
        }
        f.rbuf[i] = x0;
    }
    ks_fft_real(&f);
    for (int64_t i = 0; i < n; i++) {
        v[i].re = f.buf[2 * i];
        v[i].im = f.buf[2 * i + 1];
    }
    for (int64_t t = 0; t < n_steps; t++) {
        if (t > 0) {
            ks_nonlin(&f, v, g, Nv);
            for (int64_t i = 0; i < n; i++) {
                a[i].re = E2[i] * v[i].re + Q[i] * Nv[i].re;
                a[i].im = E2[i] * v[i].im + Q[i] * Nv[i].im;
            }
            ks_nonlin(&f, a, g, Na);
            for (int64_t i = 0; i < n; i++) {
                b[i].re = E2[i] * v[i].re + Q[i] * Na[i].re;
                b[i].im = E2[i] * v[i].im + Q[i] * Na[i].im;
            }
            ks_nonlin(&f, b, g, Nb);
            for (int64_t i = 0; i < n; i++) {
                c[i].re = E2[i] * a[i].re + Q[i] * (2 * Nb[i].re - Nv[i].re);
                c[i].im = E2[i] * a[i].im + Q[i] * (2 * Nb[i].im - Nv[i].im);
            }
            ks_nonlin(&f, c, g, Nc);
            for (int64_t i = 0; i < n; i++) {
                /* E v + Nv f1 + 2 (Na + Nb) f2 + Nc f3 */
                v[i].re = E[i] * v[i].re + Nv[i].re * f1[i] + 2 * (Na[i].re + Nb[i].re) * f2[i] +
                          Nc[i].re * f3[i];
                v[i].im = E[i] * v[i].im + Nv[i].im * f1[i] + 2 * (Na[i].im + Nb[i].im) * f2[i] +
                          Nc[i].im * f3[i];
            }
        }
        if (t >= p->warmup) {
            double *row = out + (t - p->warmup) * n;
            ks_real_ifft(&f, v, row);
            for (int64_t i = 0; i < n; i++)
                if (!isfinite(row[i])) {
                    st = lacus__fail(err, LACUS_ERR_NUMERIC,
                                     "%s: the solution diverged at step %lld (try a smaller h)",
                                     fn, (long long)t);
                    goto done;
                }
        }
    }
done:
#pragma omp critical(lacus_fftw_plan)
    {
        if (f.fwd) fftw_destroy_plan(f.fwd);
        if (f.bwd) fftw_destroy_plan(f.bwd);
    }
    if (f.buf) fftw_free(f.buf);
    if (f.rbuf) fftw_free(f.rbuf);
    if (f.hbuf) fftw_free(f.hbuf);
    lacus__free(k), lacus__free(L), lacus__free(E), lacus__free(E2), lacus__free(Q);
    lacus__free(f1), lacus__free(f2), lacus__free(f3), lacus__free(g), lacus__free(r);
    lacus__free(tmp), lacus__free(v), lacus__free(Nv), lacus__free(a), lacus__free(Na);
    lacus__free(b), lacus__free(Nb), lacus__free(c), lacus__free(Nc);
    return st;
#endif
}
