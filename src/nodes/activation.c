/* Activation functions, vectorised with SLEEF when it is available.
 *
 * tanh, the common case, costs as much per unit as the sparse product of a
 * 10-non-zero row when computed by scalar libm; SLEEF (a maintained
 * vectorised math library in Debian) evaluates four at once with a maximum
 * error of 1.0 ulp, so states stay within ~1e-15 of libm's and of
 * ReservoirPy's. Each value is computed independently of its neighbours, so
 * results do not depend on how units are split across threads. Without
 * SLEEF (or AVX) the scalar reference below is used. */
#include "nodes/activation.h"

#include <math.h>

#if defined(LACUS_HAVE_SLEEF) && defined(__AVX__)
#include <immintrin.h>
#include <sleef.h>
#define VECTOR 1
#endif

double lacus__activate_ref(lacus_activation f, double v)
{
    switch (f) {
    case LACUS_ACT_TANH: return tanh(v);
    case LACUS_ACT_SIGMOID: /* the overflow-free form ReservoirPy uses */
        return v < 0 ? exp(v) / (exp(v) + 1.0) : 1.0 / (1.0 + exp(-v));
    case LACUS_ACT_RELU: return v > 0 ? v : 0.0;
    case LACUS_ACT_SOFTPLUS: /* log(1 + e^v) without overflow for large v */
        return v > 30.0 ? v + log1p(exp(-v)) : log1p(exp(v));
    case LACUS_ACT_IDENTITY:
    case LACUS_ACT_SOFTMAX:
    default: return v;
    }
}

#ifdef VECTOR
/* sigmoid(v) = 1 / (1 + e) for v >= 0 and e / (1 + e) for v < 0, with
 * e = exp(-|v|) <= 1: the same overflow-free split as ReservoirPy's. */
static inline __m256d sigmoid4(__m256d v)
{
    const __m256d one = _mm256_set1_pd(1.0), sign = _mm256_set1_pd(-0.0);
    __m256d e = Sleef_expd4_u10(_mm256_or_pd(v, sign)); /* exp(-|v|) */
    __m256d num = _mm256_blendv_pd(one, e, _mm256_cmp_pd(v, _mm256_setzero_pd(), _CMP_LT_OQ));
    return _mm256_div_pd(num, _mm256_add_pd(one, e));
}

/* softplus(v) = max(v, 0) + log1p(exp(-|v|)). */
static inline __m256d softplus4(__m256d v)
{
    const __m256d sign = _mm256_set1_pd(-0.0);
    __m256d t = Sleef_log1pd4_u10(Sleef_expd4_u10(_mm256_or_pd(v, sign)));
    return _mm256_add_pd(_mm256_max_pd(v, _mm256_setzero_pd()), t);
}

static inline __m256d apply4(lacus_activation f, __m256d v)
{
    switch (f) {
    case LACUS_ACT_TANH: return Sleef_tanhd4_u10(v);
    case LACUS_ACT_SIGMOID: return sigmoid4(v);
    case LACUS_ACT_SOFTPLUS: return softplus4(v);
    case LACUS_ACT_RELU:
    default: return _mm256_max_pd(v, _mm256_setzero_pd());
    }
}
#endif

void lacus__activate(lacus_activation f, const double *in, double *out, int64_t n)
{
    int64_t i = 0;
    if (f == LACUS_ACT_IDENTITY || f == LACUS_ACT_SOFTMAX) {
        for (; i < n; i++) out[i] = in[i];
        return;
    }
#ifdef VECTOR
    for (; i + 4 <= n; i += 4) _mm256_storeu_pd(out + i, apply4(f, _mm256_loadu_pd(in + i)));
    if (i < n) { /* the last 1-3 values through the same vector code, padded */
        double pad[4] = {0.0, 0.0, 0.0, 0.0};
        for (int64_t j = i; j < n; j++) pad[j - i] = in[j];
        _mm256_storeu_pd(pad, apply4(f, _mm256_loadu_pd(pad)));
        for (int64_t j = i; j < n; j++) out[j] = pad[j - i];
        return;
    }
#endif
    for (; i < n; i++) out[i] = lacus__activate_ref(f, in[i]);
}
