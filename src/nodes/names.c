/* Names of the enum values, as ReservoirPy spells them, for configs, the
 * command line and the model manifest. */
#include <string.h>

#include "lacus.h"

#define NAME_TABLE(type, fn_name, fn_parse, ...)                                  \
    static const char *const type##_names[] = {__VA_ARGS__};                     \
    enum { type##_count = sizeof type##_names / sizeof *type##_names };          \
    const char *fn_name(type v)                                                  \
    {                                                                            \
        return (unsigned)v < type##_count ? type##_names[v] : "unknown";         \
    }                                                                            \
    lacus_status fn_parse(const char *name, type *out)                           \
    {                                                                            \
        for (int i = 0; name && i < type##_count; i++)                           \
            if (strcmp(name, type##_names[i]) == 0) {                            \
                *out = (type)i;                                                  \
                return LACUS_OK;                                                 \
            }                                                                    \
        return LACUS_ERR_ARG;                                                    \
    }

NAME_TABLE(lacus_activation, lacus_activation_name, lacus_activation_parse, "tanh", "sigmoid",
           "relu", "identity", "softmax", "softplus")
NAME_TABLE(lacus_init, lacus_init_name, lacus_init_parse, "normal", "uniform", "bernoulli")
NAME_TABLE(lacus_noise, lacus_noise_name, lacus_noise_parse, "gaussian", "uniform")
NAME_TABLE(lacus_bias_mode, lacus_bias_mode_name, lacus_bias_mode_parse, "centered", "augmented",
           "none")
NAME_TABLE(lacus_solver, lacus_solver_name, lacus_solver_parse, "auto", "primal", "dual",
           "lstsq")
