/* NEAT tasks: pole balancing (single and double, with and without
 * velocities) and lacus's 4-class sequence classification data. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "evolve/neat_int.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

lacus_neat_pole_params lacus_neat_pole_params_default(void)
{
    lacus_neat_pole_params p = {2, 1, 100000, 0.07, 0};
    return p;
}

int64_t lacus_neat_pole_n_inputs(const lacus_neat_pole_params *p)
{
    return p->n_poles == 1 ? (p->velocities ? 4 : 2) : (p->velocities ? 6 : 3);
}

/* Double pole on a cart, Wieland (1991) as coded by Gomez and by Stanley
 * for the NEAT paper (cart 1 kg, poles 0.1 / 0.01 kg with half-lengths
 * 0.5 / 0.05 m, hinge friction 2e-6, no cart friction), RK4 of step 0.01 s
 * taken twice per action. s = (x, x', th1, th1', th2, th2'). */
static void dp_derivs(double force, const double *s, double *d)
{
    const double G = -9.8, MC = 1.0, M1 = 0.1, L1 = 0.5, M2 = 0.01, L2 = 0.05, MUP = 0.000002;
    double c1 = cos(s[2]), s1 = sin(s[2]), c2 = cos(s[4]), s2 = sin(s[4]);
    double ml1 = L1 * M1, ml2 = L2 * M2;
    double t1 = MUP * s[3] / ml1, t2 = MUP * s[5] / ml2;
    double f1 = ml1 * s[3] * s[3] * s1 + 0.75 * M1 * c1 * (t1 + G * s1);
    double f2 = ml2 * s[5] * s[5] * s2 + 0.75 * M2 * c2 * (t2 + G * s2);
    double m1 = M1 * (1 - 0.75 * c1 * c1), m2 = M2 * (1 - 0.75 * c2 * c2);
    d[0] = s[1];
    d[1] = (force + f1 + f2) / (m1 + m2 + MC);
    d[2] = s[3];
    d[3] = -0.75 * (d[1] * c1 + G * s1 + t1) / L1;
    d[4] = s[5];
    d[5] = -0.75 * (d[1] * c2 + G * s2 + t2) / L2;
}

static void dp_rk4(double force, double *s)
{
    const double h = 0.01;
    double k1[6], k2[6], k3[6], k4[6], t[6];
    dp_derivs(force, s, k1);
    for (int i = 0; i < 6; i++) t[i] = s[i] + 0.5 * h * k1[i];
    dp_derivs(force, t, k2);
    for (int i = 0; i < 6; i++) t[i] = s[i] + 0.5 * h * k2[i];
    dp_derivs(force, t, k3);
    for (int i = 0; i < 6; i++) t[i] = s[i] + h * k3[i];
    dp_derivs(force, t, k4);
    for (int i = 0; i < 6; i++) s[i] += h / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
}

/* Single pole (Barto, Sutton & Anderson 1983): Euler, tau 0.02 s, pole 0.1
 * kg half-length 0.5 m, fails beyond 12 degrees. s = (x, x', th, th'). */
static void sp_step(double force, double *s)
{
    const double G = 9.8, MC = 1.0, MP = 0.1, L = 0.5, TAU = 0.02, TM = MC + MP;
    double c = cos(s[2]), sn = sin(s[2]);
    double temp = (force + MP * L * s[3] * s[3] * sn) / TM;
    double thacc = (G * sn - c * temp) / (L * (4.0 / 3.0 - MP * c * c / TM));
    double xacc = temp - MP * L * thacc * c / TM;
    s[0] += TAU * s[1];
    s[1] += TAU * xacc;
    s[2] += TAU * s[3];
    s[3] += TAU * thacc;
}

/* Runs the pole system from state s (6 values; single pole uses the first
 * 4) for up to max_steps actions of the net (reset first). Writes the state
 * after each step into traj ((max_steps, 6), may be NULL); returns the
 * number of steps survived (the step on which a limit is crossed does not
 * count). */
static int64_t pole_run(lacus_neat_net *n, const lacus_neat_pole_params *pp, double *s, int64_t max_steps,
                        double *traj)
{
    const double lim = pp->n_poles == 2 ? 36.0 * M_PI / 180.0 : 12.0 * M_PI / 180.0;
    double in[6], out;
    lacus_neat_net_reset(n);
    for (int64_t k = 0; k < max_steps; k++) {
        if (pp->n_poles == 2) {
            if (pp->velocities) {
                in[0] = s[0] / 4.8, in[1] = s[1] / 2.0, in[2] = s[2] / 0.52;
                in[3] = s[3] / 2.0, in[4] = s[4] / 0.52, in[5] = s[5] / 2.0;
            } else {
                in[0] = s[0] / 4.8, in[1] = s[2] / 0.52, in[2] = s[4] / 0.52;
            }
        } else {
            if (pp->velocities) in[0] = s[0] / 2.4, in[1] = s[1] / 1.5, in[2] = s[2] / 0.21, in[3] = s[3] / 2.0;
            else in[0] = s[0] / 2.4, in[1] = s[2] / 0.21;
        }
        lacus_neat_net_activate(n, in, &out);
        if (!isfinite(out)) out = 0.5;
        /* Continuous force in [-10, 10] N from an output in [0, 1]. */
        double force = (fmin(fmax(out, 0.0), 1.0) - 0.5) * 20.0;
        if (pp->n_poles == 2) {
            dp_rk4(force, s);
            dp_rk4(force, s);
        } else {
            sp_step(force > 0 ? 10.0 : -10.0, s);
        }
        if (traj) memcpy(traj + k * 6, s, 6 * sizeof *s);
        if (fabs(s[0]) > 2.4 || fabs(s[2]) > lim || (pp->n_poles == 2 && fabs(s[4]) > lim)) return k;
    }
    return max_steps;
}

static lacus_status pole_check(const lacus_neat_pole_params *pp, const lacus_neat_config *c, lacus_error *err)
{
    if (pp->n_poles != 1 && pp->n_poles != 2)
        return lacus__fail(err, LACUS_ERR_ARG, "n_poles = %d: must be 1 or 2", pp->n_poles);
    if (pp->max_steps < 1 || !isfinite(pp->initial_angle))
        return lacus__fail(err, LACUS_ERR_ARG, "pole task: max_steps >= 1, finite initial_angle");
    if (pp->gruau && (pp->n_poles != 2 || pp->velocities))
        return lacus__fail(err, LACUS_ERR_ARG, "Gruau's fitness is defined for the double pole without "
                           "velocities (n_poles = 2, velocities = 0)");
    int64_t ni = lacus_neat_pole_n_inputs(pp);
    if (c->num_inputs != ni || c->num_outputs != 1)
        return lacus__fail(err, LACUS_ERR_ARG, "pole task needs num_inputs = %lld, num_outputs = 1",
                           (long long)ni);
    return LACUS_OK;
}

/* Without velocities the network must keep state: always recurrent. */
static lacus_status pole_net(const lacus_neat_genome *g, const lacus_neat_pole_params *pp,
                             const lacus_neat_config *c, lacus_neat_net **n, lacus_error *err)
{
    lacus_status st = pole_check(pp, c, err);
    if (st) return st;
    return lacus_neat_net_create(g, c, !pp->velocities || !c->feed_forward, n, err);
}

lacus_status lacus_neat_pole_trajectory(const lacus_neat_genome *g, const lacus_neat_config *c,
                                        const lacus_neat_pole_params *pp, const double *s0, int64_t n_steps,
                                        double *traj, int64_t *steps, lacus_error *err)
{
    if (!g || !c || !pp || !s0 || !traj || !steps || n_steps < 1)
        return lacus__fail(err, LACUS_ERR_ARG, "pole trajectory: NULL argument or n_steps < 1");
    lacus_neat_net *n = NULL;
    lacus_status st = pole_net(g, pp, c, &n, err);
    if (st) return st;
    double s[6];
    memcpy(s, s0, sizeof s);
    memset(traj, 0, (size_t)(n_steps * 6) * sizeof *traj);
    *steps = pole_run(n, pp, s, n_steps, traj);
    lacus_neat_net_free(n);
    return LACUS_OK;
}

/* The 625 starts of the generalisation test (Gruau et al. 1996; Stanley &
 * Miikkulainen 2002 §4.2): x, x', th1, th1' each at 0.05, 0.25, 0.5, 0.75,
 * 0.95 of the ranges +-2.16 m, +-1.35 m/s, +-3.6 deg, +-8.6 deg/s; th2 =
 * th2' = 0. A start counts when the net balances 1000 steps from it. */
static int64_t generalization(lacus_neat_net *n, const lacus_neat_pole_params *pp)
{
    static const double V[5] = {0.05, 0.25, 0.5, 0.75, 0.95};
    const double R[4] = {2.16, 1.35, 3.6 * M_PI / 180.0, 8.6 * M_PI / 180.0};
    int64_t ok = 0;
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 5; b++)
            for (int c = 0; c < 5; c++)
                for (int d = 0; d < 5; d++) {
                    double s[6] = {R[0] * (2 * V[a] - 1), R[1] * (2 * V[b] - 1), R[2] * (2 * V[c] - 1),
                                   R[3] * (2 * V[d] - 1), 0.0, 0.0};
                    ok += pole_run(n, pp, s, 1000, NULL) == 1000;
                }
    return ok;
}

lacus_status lacus_neat_pole_generalization(const lacus_neat_genome *g, const lacus_neat_config *c,
                                            const lacus_neat_pole_params *pp, int64_t *n_balanced,
                                            lacus_error *err)
{
    if (!g || !c || !pp || !n_balanced) return lacus__fail(err, LACUS_ERR_ARG, "NULL argument");
    lacus_neat_net *n = NULL;
    lacus_status st = pole_net(g, pp, c, &n, err);
    if (st) return st;
    *n_balanced = generalization(n, pp);
    lacus_neat_net_free(n);
    return LACUS_OK;
}

double lacus_neat_gruau_fitness(const double *traj, int64_t steps)
{
    double f1 = (double)(steps < 1000 ? steps : 1000) / 1000.0, f2 = 0.0;
    if (steps >= 100) {
        int64_t end = steps < 1000 ? steps : 1000;
        double den = 0.0;
        for (int64_t k = end - 100; k < end; k++) {
            const double *s = traj + k * 6;
            den += fabs(s[0]) + fabs(s[1]) + fabs(s[2]) + fabs(s[3]);
        }
        f2 = den > 0 ? 0.75 / den : 0.75 / 1e-300;
    }
    return 0.1 * f1 + 0.9 * f2;
}

lacus_status lacus_neat_fitness_pole(const lacus_neat_genome *g, void *task, uint64_t eval_seed,
                                     double *fitness, lacus_error *err)
{
    const lacus_neat_pole_task *t = task;
    const lacus_neat_pole_params *pp = &t->pole;
    lacus_neat_net *n = NULL;
    lacus_status st = pole_net(g, pp, t->config, &n, err);
    if (st) return st;
    (void)eval_seed;
    double s[6] = {0, 0, pp->initial_angle, 0, 0, 0};
    if (!pp->gruau) {
        /* Steps survived, as a fraction of max_steps (1 = solved). */
        *fitness = (double)pole_run(n, pp, s, pp->max_steps, NULL) / (double)pp->max_steps;
        lacus_neat_net_free(n);
        return LACUS_OK;
    }
    /* Gruau et al. (1996)'s anti-jiggle fitness over 1000 steps, f = 0.1
     * t/1000 + 0.9 f2, f2 = 0 for t < 100, else 0.75 / sum over the last 100
     * steps of |x| + |x'| + |th1| + |th1'|: it rewards the controllers that
     * hold the cart still rather than jiggling the poles up. A net that
     * lasts the 1000 steps is then tested as in Stanley & Miikkulainen 2002:
     * max_steps (100,000) from the standard start, then the 625-start
     * generalisation test, passed with at least 200 starts balanced 1000
     * steps; a net that passes gets LACUS_NEAT_GRUAU_SOLVED + f. */
    double traj[1000 * 6];
    int64_t k = pole_run(n, pp, s, 1000, traj);
    double f = lacus_neat_gruau_fitness(traj, k);
    if (k == 1000) {
        double s2[6] = {0, 0, pp->initial_angle, 0, 0, 0};
        if (pole_run(n, pp, s2, pp->max_steps, NULL) == pp->max_steps && generalization(n, pp) >= 200)
            f += LACUS_NEAT_GRUAU_SOLVED;
    }
    lacus_neat_net_free(n);
    *fitness = f;
    return LACUS_OK;
}

/* ---- 4-class sequences ---------------------------------------------------- */

lacus_status lacus_neat_seqclass4(int64_t n_seqs, int64_t n_steps, double noise, uint64_t seed,
                                  double *x, int64_t *labels, lacus_error *err)
{
    static const double PERIOD[4] = {8.0, 11.0, 15.0, 20.0};
    if (n_seqs < 1 || n_steps < 1 || !x || !labels)
        return lacus__fail(err, LACUS_ERR_ARG, "seqclass4: n_seqs = %lld, n_steps = %lld must be >= 1",
                           (long long)n_seqs, (long long)n_steps);
    if (!(noise >= 0) || !isfinite(noise))
        return lacus__fail(err, LACUS_ERR_ARG, "seqclass4: noise = %g must be finite and >= 0", noise);
    lacus__rng r;
    lacus__rng_stream(&r, seed, LACUS__STREAM_DATA, 4);
    for (int64_t i = 0; i < n_seqs; i++) labels[i] = i % 4;
    for (int64_t i = n_seqs - 1; i > 0; i--) {
        int64_t j = (int64_t)lacus__rng_below(&r, (uint64_t)(i + 1)), t = labels[i];
        labels[i] = labels[j];
        labels[j] = t;
    }
    for (int64_t i = 0; i < n_seqs; i++) {
        double ph = 1.0 * M_PI * lacus__rng_uniform(&r), a = 0.5 + 0.5 * lacus__rng_uniform(&r);
        for (int64_t t = 0; t < n_steps; t++)
            x[i * n_steps + t] = a * sin(2 * M_PI * (double)t / PERIOD[labels[i]] + ph) +
                                 noise * lacus__rng_normal(&r);
    }
    return LACUS_OK;
}
