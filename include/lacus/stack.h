/* lacus/stack.h — stacks of ESNs trained layer by layer (the ReservoirBERT
 * shape). Part of the public API: include <lacus.h>, which includes this
 * file; the conventions of lacus.h hold here. */
#ifndef LACUS_STACK_H
#define LACUS_STACK_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/stack.h>"
#endif

/* ------------------------------------------------------------------------ */
/* Layer stacks: L echo state networks, layer l reading layer l-1's output  */
/* ------------------------------------------------------------------------ */

/* A stack is L ESNs (reservoir + ridge readout each). Layer 0 reads the
 * inputs; layer l > 0 reads the output of layer l-1; every layer has its own
 * target sequences (for ReservoirBERT: layer l's reservoir predicts the
 * teacher transformer's layer-l hidden states).
 *
 * Training modes:
 *  - chained (teacher_inputs = 0): layer 0 is fitted, then run on the
 *    training inputs; its predictions are layer 1's training inputs, and so
 *    on. Layers are necessarily trained one after another.
 *  - teacher inputs (teacher_inputs = 1): layer l > 0 reads the targets of
 *    layer l-1 (the teacher's activity) during training, so every layer
 *    trains independently; up to parallel_layers of them at once, each on
 *    one thread. The readouts equal those of sequential training bit for
 *    bit, whatever the thread count (each fit is thread-count invariant).
 * At run time layer l always reads layer l-1's predictions.
 *
 * Memory: a layer's normal equations (n_units^2 doubles) exist only while
 * that layer trains; after its solve only W, Win and Wout stay. With
 * parallel_layers = P, P layers' normal equations coexist. */
typedef struct lacus_stack_params {
    int64_t n_layers;               /* >= 1 */
    /* n_layers ESN parameters. layers[0].reservoir.n_inputs is the input
     * width; for l > 0, reservoir.n_inputs is set to n_outputs[l-1] (a
     * non-zero value that differs is an error). Feedback is not supported
     * inside a stack (n_feedback must be 0). Copied. */
    const lacus_esn_params *layers;
    const int64_t *n_outputs;       /* n_layers target widths, each >= 1; copied */
    int teacher_inputs;             /* see above; default 0 */
    int parallel_layers;            /* layers trained at once with teacher inputs;
                                       default 1; 0: as many as threads */
    /* Computes each layer's training mean squared error (over every output
     * and every step after warm-up; one extra run of the layer in teacher
     * mode, free in chained mode). Default 1. */
    int report_mse;
    /* Called on the calling thread after each layer is trained (with
     * parallel layers: as they finish, in order of completion). */
    void (*on_layer)(int64_t layer, double train_mse, double seconds, void *user);
    void *on_layer_user;
} lacus_stack_params;

/* Defaults: no layers (n_layers must be set), teacher_inputs 0,
 * parallel_layers 1, report_mse 1. */
lacus_stack_params lacus_stack_params_default(void);

typedef struct lacus_stack lacus_stack;

lacus_status lacus_stack_create(const lacus_stack_params *p, lacus_stack **out,
                                lacus_error *err);
void lacus_stack_free(lacus_stack *s);
const char *lacus_stack_errmsg(const lacus_stack *s);
int64_t lacus_stack_n_layers(const lacus_stack *s);
/* Layer l's ESN (owned by the stack): run it alone, read its readout. */
lacus_esn *lacus_stack_layer(lacus_stack *s, int64_t l);

/* Trains every layer. inputs: (n_steps, n_inputs) per sequence;
 * targets[l]: layer l's targets, same sequences and steps as inputs. On
 * failure the message names the layer; layers before it stay trained. */
lacus_status lacus_stack_fit(lacus_stack *s, const lacus_seqs *inputs,
                             const lacus_seqs *const *targets);

/* Layer l's training MSE from the last fit (NaN when not computed). */
double lacus_stack_train_mse(const lacus_stack *s, int64_t l);

/* Runs the stack: layer l reads layer l-1's predictions. outputs[l] is
 * NULL (layer l's outputs not wanted) or n_seqs buffers of
 * (n_steps, n_outputs[l]). */
lacus_status lacus_stack_run(lacus_stack *s, const lacus_seqs *inputs,
                             double *const *const *outputs);

/* Model file: one .npz holding every layer's arrays under "layer<l>/"
 * (layer0/W_indptr, ...) and a manifest of kind "stack" listing the layers'
 * manifests. Atomic; a newer format version is refused on load. */
lacus_status lacus_stack_save(const lacus_stack *s, const char *path, lacus_error *err);
lacus_status lacus_stack_load(const char *path, lacus_stack **out, lacus_error *err);

/* The "kind" of a model file's manifest ("esn", "stack"), so a program can
 * pick lacus_esn_load or lacus_stack_load. kind gets at most kind_size - 1
 * characters. */
lacus_status lacus_model_file_kind(const char *path, char *kind, size_t kind_size,
                                   lacus_error *err);

#endif /* LACUS_STACK_H */
