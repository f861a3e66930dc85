/* Private view of a layer stack, shared with its save/load. */
#ifndef LACUS_MODEL_STACK_H
#define LACUS_MODEL_STACK_H

#include "lacus.h"
#include "model/esn.h"

struct lacus_stack {
    int64_t n_layers;
    lacus_esn **layers;  /* n_layers */
    int64_t *n_outputs;  /* n_layers */
    double *mse;         /* training MSE per layer, NaN when not computed */
    int teacher_inputs, parallel_layers, report_mse;
    void (*on_layer)(int64_t layer, double train_mse, double seconds, void *user);
    void *on_layer_user;
    lacus_error err;
};

/* An empty stack of n_layers (no layers created yet), for load. */
lacus_status lacus__stack_alloc(int64_t n_layers, lacus_stack **out, lacus_error *err);

#endif
