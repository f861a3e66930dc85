/* Mackey-Glass (tau 17) closed-loop forecast, 84 steps, with a 1000-unit ESN
 * (the hyperparameters of `lacus demo`). For each seed: train on
 * x[t] -> x[t+1] over steps [0, 8000) of the [-1, 1]-scaled series, then for
 * 20 test starting points s in the continuation warm up on x[s-1000 .. s)
 * from a zero state and generate 84 steps (out[k] forecasts x[s+k]).
 * Prints, per seed and over all trials:
 *   NRMSE84 = sqrt(mean over trials of (out[83] - x[s+83])^2) / std(x)
 *     (Jaeger & Haas 2004's measure: the error at the 84th step), and
 *   NRMSE over the whole 84-step trajectory (rmse of all steps / std(x)).
 * Built with the project: make && ./build/examples/example_mackey_glass_generate */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lacus.h"

#define N_SERIES 10000
#define N_TRAIN 8000
#define N_WARM 1000
#define H 84
#define N_STARTS 20
#define N_SEEDS 5

int main(void)
{
    static double x[N_SERIES], gen[H];
    lacus_error err = {0};
    lacus_mackey_glass_params mg = lacus_mackey_glass_params_default();
    if (lacus_mackey_glass(N_SERIES, &mg, x, &err)) return fprintf(stderr, "%s\n", err.msg), 1;
    double lo = x[0], hi = x[0], mean = 0.0, var = 0.0;
    for (int t = 0; t < N_SERIES; t++) lo = fmin(lo, x[t]), hi = fmax(hi, x[t]);
    for (int t = 0; t < N_SERIES; t++) x[t] = 2.0 * (x[t] - lo) / (hi - lo) - 1.0, mean += x[t];
    mean /= N_SERIES;
    for (int t = 0; t < N_SERIES; t++) var += (x[t] - mean) * (x[t] - mean);
    double sd = sqrt(var / N_SERIES);

    double all84 = 0.0, alltraj = 0.0;
    for (int seed = 1; seed <= N_SEEDS; seed++) {
        lacus_esn_params p = lacus_esn_params_default();
        p.reservoir.n_units = 1000;
        p.reservoir.n_inputs = 1;
        p.reservoir.lr = 0.3;
        p.reservoir.sr = 1.25;
        p.reservoir.rc_connectivity = 0.01;
        p.reservoir.input_connectivity = 1.0;
        p.reservoir.bias_scaling = 1.0;
        p.reservoir.seed = (uint64_t)seed;
        p.readout.ridge = 1e-7;
        p.warmup = 200;
        lacus_esn *m = NULL;
        if (lacus_esn_create(&p, &m, &err)) return fprintf(stderr, "%s\n", err.msg), 1;
        const double *u = x, *y = x + 1;
        int64_t T = N_TRAIN;
        lacus_seqs U = {1, 1, &u, &T}, Y = {1, 1, &y, &T};
        if (lacus_esn_fit(m, &U, &Y)) return fprintf(stderr, "%s\n", lacus_esn_errmsg(m)), 1;
        double e84 = 0.0, etraj = 0.0;
        for (int i = 0; i < N_STARTS; i++) {
            int s = N_TRAIN + 100 + 90 * i; /* forecasts x[s .. s+83], all after training */
            if (lacus_esn_generate(m, x + s - N_WARM, N_WARM, H, gen))
                return fprintf(stderr, "%s\n", lacus_esn_errmsg(m)), 1;
            e84 += (gen[H - 1] - x[s + H - 1]) * (gen[H - 1] - x[s + H - 1]);
            for (int k = 0; k < H; k++) etraj += (gen[k] - x[s + k]) * (gen[k] - x[s + k]);
        }
        all84 += e84;
        alltraj += etraj;
        double n84 = sqrt(e84 / N_STARTS) / sd, ntr = sqrt(etraj / (N_STARTS * H)) / sd;
        printf("seed %d: NRMSE84 %.3e (log10 %.2f)  trajectory NRMSE %.3e (log10 %.2f)\n", seed, n84,
               log10(n84), ntr, log10(ntr));
        lacus_esn_free(m);
    }
    double n84 = sqrt(all84 / (N_SEEDS * N_STARTS)) / sd;
    double ntr = sqrt(alltraj / (N_SEEDS * N_STARTS * H)) / sd;
    printf("all %d trials: NRMSE84 %.3e (log10 %.2f)  trajectory NRMSE %.3e (log10 %.2f)\n",
           N_SEEDS * N_STARTS, n84, log10(n84), ntr, log10(ntr));
    return 0;
}
