/* lacus/graph.h — graphs of nodes (chains, merges, deep ESNs, feedback,
 * k-step delays) with ReservoirPy 0.4.2's Model semantics. Part of the
 * public API: include <lacus.h>, which includes this file; the
 * conventions of lacus.h hold here. */
#ifndef LACUS_GRAPH_H
#define LACUS_GRAPH_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/graph.h>"
#endif

#include "lacus/online.h"     /* online readout nodes */
#include "lacus/preprocess.h" /* prep nodes */

/* ------------------------------------------------------------------------ */
/* Model graphs                                                             */
/* ------------------------------------------------------------------------ */

/* A graph holds input, reservoir and ridge nodes joined by edges
 * (from, to, delay). ReservoirPy's operators map onto edges:
 *   a >> b        lacus_graph_connect(g, a, b, 0)
 *   [a, b] >> c   connect(a, c, 0); connect(b, c, 0)    (c reads [a, b])
 *   a << b        connect(b, a, 1)   (b's output reaches a one step late)
 *   a >> k >> b   connect(a, b, k)
 * and the graph computes what ReservoirPy's Model computes:
 *
 *  - The graph's inputs are the nodes without delay-0 parents, in node
 *    order (ReservoirPy's model.inputs); each reads one external input
 *    sequence set.
 *  - A node's input at step t is the concatenation, in this order, of: the
 *    external input (graph inputs only); the outputs at t of its delay-0
 *    parents, in the order the edges were added; the outputs at t - delay of
 *    its delayed parents (zeros before the sequence starts), in edge order.
 *  - A reservoir outputs its state (lacus_reservoir_run; every sequence
 *    starts from the zero state); a ridge node its prediction; an input
 *    node its data.
 *  - fit (forced teaching, as Model.fit): every ridge node's output is
 *    replaced by its target, so nodes downstream of a readout train on the
 *    teacher signal (a hierarchical ESN res0 >> ro0 >> res1 >> ro1 trains
 *    res1's readout on ro0's targets); all readouts are fitted from one
 *    streaming pass over the sequences, dropping `warmup` steps of each.
 *  - run: node by node over each sequence, or step by step when the graph
 *    has delayed edges (closed loops feed the model's own predictions).
 * The fit order is a topological order of the delay-0 edges that do not
 * leave a ridge node; a cycle there is refused (LACUS_ERR_ARG), as is a
 * delayed edge from a node that the fit order reaches after its child
 * (LACUS_ERR_UNSUPPORTED; ReservoirPy refuses both too).
 *
 * Node ids are 0, 1, ... in the order nodes are added. */
typedef struct lacus_graph lacus_graph;

typedef enum lacus_node_kind {
    LACUS_NODE_INPUT = 0,     /* passes its external input through */
    LACUS_NODE_RESERVOIR = 1, /* a lacus_reservoir */
    LACUS_NODE_RIDGE = 2,     /* a lacus_ridge readout (trained offline) */
    LACUS_NODE_PREP = 3,      /* a lacus_prep: scaling or delay embedding */
    LACUS_NODE_ONLINE = 4     /* a lacus_online readout: RLS or LMS */
} lacus_node_kind;

lacus_status lacus_graph_create(lacus_graph **out, lacus_error *err);
void lacus_graph_free(lacus_graph *g);
const char *lacus_graph_errmsg(const lacus_graph *g);

/* Adds a node and returns its id in *id. name may be NULL ("input0",
 * "reservoir1", "ridge2", ...); names are unique. For a reservoir,
 * p->n_inputs is ignored (the edges decide it); for a ridge, p->n_features
 * likewise, and p->n_outputs (>= 1) is required. Parameters are copied. */
lacus_status lacus_graph_add_input(lacus_graph *g, const char *name, int64_t n_features,
                                   int64_t *id);
lacus_status lacus_graph_add_reservoir(lacus_graph *g, const char *name,
                                       const lacus_reservoir_params *p, int64_t *id);
lacus_status lacus_graph_add_ridge(lacus_graph *g, const char *name, const lacus_ridge_params *p,
                                   int64_t *id);
/* Preprocessing node (lacus/preprocess.h): MINMAX, ZSCORE or DELAY (with
 * delay_drop = 0: a graph keeps every step). Its output width is its input
 * width (MINMAX, ZSCORE) or delay x input width (DELAY), known after
 * initialize. lacus_graph_fit fits MINMAX/ZSCORE statistics on every step
 * of the node's input over all training sequences (warmup included, as
 * scikit-learn would see the whole training array) BEFORE anything
 * downstream is computed, one streaming pass per prep node (prep nodes
 * usually read the input directly, so the pass costs one copy of the
 * data). ONEHOT is refused (LACUS_ERR_UNSUPPORTED): its width depends on
 * the data, so encode labels beforehand (lacus prep).
 *
 * Online readout (lacus/online.h): RLS or LMS with p->n_outputs >= 1 (p's
 * n_features is ignored: the edges decide it). Trained by
 *  - lacus_graph_fit: as ReservoirPy 0.4.2's Model.fit, forced teaching
 *    (its output is replaced by its target downstream) and, from
 *    W = 0, b = 0, P = I / alpha, one learning step per row after
 *    `warmup`, sequence after sequence (OnlineNode.fit);
 *  - lacus_graph_partial_fit: as Model.partial_fit, below. */
lacus_status lacus_graph_add_prep(lacus_graph *g, const char *name, const lacus_prep_params *p,
                                  int64_t *id);
lacus_status lacus_graph_add_online(lacus_graph *g, const char *name,
                                    const lacus_online_params *p, int64_t *id);
/* Adds the edge from -> to with delay >= 0 (see above). */
lacus_status lacus_graph_connect(lacus_graph *g, int64_t from, int64_t to, int64_t delay);

/* Ready-made graphs. Deep ESN (Gallicchio et al. 2017): an input node, a
 * chain of n_layers reservoirs (layer 0 reads the input, layer l reads layer
 * l-1), and one ridge readout reading [input (when input_to_readout),
 * layer 0, ..., layer n_layers-1]. Ids: input 0, layers 1..n_layers, ridge
 * n_layers + 1. */
lacus_status lacus_graph_deep_esn(lacus_graph *g, int64_t n_inputs, int64_t n_layers,
                                  const lacus_reservoir_params *layers,
                                  const lacus_ridge_params *readout, int input_to_readout);

int64_t lacus_graph_n_nodes(const lacus_graph *g);
lacus_node_kind lacus_graph_node_kind(const lacus_graph *g, int64_t id);
const char *lacus_graph_node_name(const lacus_graph *g, int64_t id);
/* -1 when there is no node of that name. */
int64_t lacus_graph_find(const lacus_graph *g, const char *name);
/* Width of a node's output (0 for a reservoir or ridge whose input width
 * is not known yet: before initialize). */
int64_t lacus_graph_node_width(const lacus_graph *g, int64_t id);
/* Width of a node's input: external input and parents (0 before
 * initialize). */
int64_t lacus_graph_node_in_width(const lacus_graph *g, int64_t id);
/* The graph's inputs (nodes without delay-0 parents), in node order;
 * ids gets at most max_ids of them. Returns their count. */
int64_t lacus_graph_inputs(const lacus_graph *g, int64_t *ids, int64_t max_ids);
/* Trained nodes (ridge and online) in node order: the order fit and
 * partial_fit take targets in. */
int64_t lacus_graph_readouts(const lacus_graph *g, int64_t *ids, int64_t max_ids);

/* Creates every reservoir and readout now that widths are known:
 * input_widths[k] is the width of the k-th graph input's external data.
 * Called by fit when needed; call it yourself to set matrices first
 * (lacus_graph_reservoir then lacus_reservoir_set_W...). Once only. */
lacus_status lacus_graph_initialize(lacus_graph *g, const int64_t *input_widths);
/* The reservoir / readout of a node (NULL for another kind or before
 * initialize). Owned by the graph. */
lacus_reservoir *lacus_graph_reservoir(lacus_graph *g, int64_t id);
lacus_ridge *lacus_graph_ridge(lacus_graph *g, int64_t id);
lacus_prep *lacus_graph_prep(lacus_graph *g, int64_t id);
lacus_online *lacus_graph_online(lacus_graph *g, int64_t id);

/* Fits every prep node, then trains every ridge and online node.
 * inputs[k]: the k-th graph input's sequences; targets[j]: the j-th
 * trained node's (lacus_graph_readouts order; same sequences and steps). */
lacus_status lacus_graph_fit(lacus_graph *g, const lacus_seqs *const *inputs,
                             const lacus_seqs *const *targets, int64_t warmup);

/* Online training step by step, ReservoirPy 0.4.2's Model.partial_fit:
 * every sequence (from the zero state) is run one step at a time; at each
 * step the nodes are computed in order, and each online node makes one
 * learning step on its input and its target (targets[j] for the j-th
 * online node among lacus_graph_readouts; ridge nodes are not trained here
 * and must be trained already), and outputs, downstream, its prediction
 * after the update, x W_new + b_old, exactly as ReservoirPy's
 * RLS/LMS._learning_step. No forced teaching. Weights carry on from
 * previous calls (call lacus_graph_fit or start from a new graph to begin
 * again). outputs as lacus_graph_run (may be NULL): what each node output
 * during training. Prep nodes must be fitted (by fit) unless DELAY.
 * Note: ReservoirPy's _learning_step concatenates a node's delayed parents
 * BEFORE its delay-0 parents, unlike its fit and run; lacus keeps one
 * order everywhere ([external, delay-0, delayed]). */
lacus_status lacus_graph_partial_fit(lacus_graph *g, const lacus_seqs *const *inputs,
                                     const lacus_seqs *const *targets,
                                     double *const *const *outputs);

/* Runs the graph; outputs[id] is NULL or, for the nodes wanted, n_seqs
 * buffers of (n_steps, node width). */
lacus_status lacus_graph_run(lacus_graph *g, const lacus_seqs *const *inputs,
                             double *const *const *outputs);

/* Model file: an .npz with every node's arrays under "node<id>/" and a
 * manifest of kind "graph" (nodes with kind, name and hyperparameters;
 * edges). Exact; a newer format version is refused on load. A prep node is
 * stored as its own preprocessing file's members under its prefix
 * (node<id>/manifest.json, data_min, ...); an online node as Wout
 * (n_features, n_outputs), bout (n_outputs) and its training state: for
 * RLS, P (n_features, n_features; full symmetric) and bias_count (1,) (the
 * bias count s), and in the manifest its "n_steps" and "state" (the list
 * of state members). So a loaded graph predicts exactly, and
 * save -> load -> lacus_graph_partial_fit gives bit for bit the weights and
 * outputs of partial_fit without the save. The manifest's "graph_format"
 * says what is stored: 2 with the state; files without the key (graph
 * format 1, written before online state was saved) still load, and their
 * online nodes restart from P = I / alpha, s = 0. A graph_format above 2
 * is refused (LACUS_ERR_UNSUPPORTED), as is a newer format_version; a
 * stored P that is not finite and symmetric with a positive diagonal is
 * refused (LACUS_ERR_FORMAT, naming the member). */
lacus_status lacus_graph_save(const lacus_graph *g, const char *path, lacus_error *err);
lacus_status lacus_graph_load(const char *path, lacus_graph **out, lacus_error *err);

#endif /* LACUS_GRAPH_H */
