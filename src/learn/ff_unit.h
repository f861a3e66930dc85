/* Forward-Forward (Hinton 2022, arXiv:2212.13345) for one recurrent unit,
 * one step at a time, treating x(t-1) and u(t) as inputs (spec 3.7).
 *
 * The unit's goodness is its own squared activity y^2 (y = tanh(g h + c)),
 * p = sigmoid(y^2 - theta); it descends
 *   L = softplus(theta - y+^2) + softplus(y-^2 - theta)
 * where + is the copy driven by real input and - the copy driven by the
 * negative (time-shuffled) input. With s = +1 (positive) or -1 (negative):
 *   dL/dh = -s sigmoid(s (theta - y^2)) 2 y (1 - y^2) g
 * and dL/dW_ij = dL/dh x_j(t-1), dL/dWin_ik = dL/dh u_k(t), dL/dbias = dL/dh.
 * This returns dL/dh for one copy. */
#ifndef LACUS_LEARN_FF_UNIT_H
#define LACUS_LEARN_FF_UNIT_H

#include <math.h>

static inline double lacus__ff_dh(double y, double gain, double theta, double s)
{
    double a = s * (theta - y * y);
    double sig = 1.0 / (1.0 + exp(-a));
    return -s * sig * 2.0 * y * (1.0 - y * y) * gain;
}

/* The same with the paper's layer goodness G (sum of y_j^2 over the FF
 * units) against the layer threshold theta_L: only the sigmoid's argument
 * changes, dG/dy_i = 2 y_i as before. */
static inline double lacus__ff_dh_layer(double y, double gain, double theta_l, double G, double s)
{
    double a = s * (theta_l - G);
    double sig = 1.0 / (1.0 + exp(-a));
    return -s * sig * 2.0 * y * (1.0 - y * y) * gain;
}

/* softplus, without overflow for large arguments. */
static inline double lacus__softplus(double a)
{
    return a > 30.0 ? a : log1p(exp(a));
}

#endif
