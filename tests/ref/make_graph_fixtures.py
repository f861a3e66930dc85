"""ReservoirPy 0.4.2 fixtures for model graphs (lacus_graph).

ReservoirPy's Model semantics that lacus_graph follows (reservoirpy/model.py):
  - an edge (parent, delay, child); `a >> b` is delay 0, `a << b` (b feeds a)
    is delay 1, `a >> k >> b` is delay k;
  - a node's input at step t is the concatenation of [the external input, if
    the node has no delay-0 parents] + [delay-0 parents' outputs at t, in edge
    order] + [delayed parents' outputs at t - delay (zeros before), in edge
    order];
  - fit: every readout's output is replaced by its target (forced teaching),
    so readouts downstream of readouts train on teacher signals; all ridges
    are fitted from one pass;
  - run: node by node over the sequence, or step by step when there are
    delayed edges.
Every reservoir gets explicit W, Win, bias (lacus sets the same arrays).
Each case is fitted on (u, y...) with warmup, then model.reset() and run on
u_test. One .npz per case in tests/fixtures/graph/:
  res<k>_W, res<k>_Win, res<k>_bias, res<k>_lr     reservoirs in creation order
  u, u_test, y<j> (targets of readout j), Wout<j>, bout<j>, pred<j> (run
  outputs of readout j on u_test), ridge, warmup

    /work/refenv/bin/python tests/ref/make_graph_fixtures.py
    /work/refenv/bin/python tests/ref/make_graph_fixtures.py online

The second form writes only the online-readout cases (RLS/LMS nodes in a
Model) to tests/fixtures/graph2/, from their own seed, so the first set is
not regenerated:
  online_fit_<m>   r0 >> node, Model.fit(u, y, warmup) (forced teaching,
                   OnlineNode.fit: one learning step per row after warmup),
                   then run on u_test: Wout0, bout0, pred0
  online_partial   [in, r0] >> rls >> r1 >> lms: Model.partial_fit on u
                   (the model's output, lms, at every step: train_lms), reset,
                   a second partial_fit on u_test (train2_lms), then the weights:
                   Wout_rls, bout_rls, Wout_lms, bout_lms. y_rls, y_lms, and
                   y2_rls, y2_lms are the targets.
"""
import os

import numpy as np
import reservoirpy
from reservoirpy.nodes import Input, Reservoir, Ridge

assert reservoirpy.__version__ == "0.4.2", reservoirpy.__version__

OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "graph")
rng = np.random.default_rng(7)
T, TT, I, RIDGE, WARMUP = 260, 90, 2, 1e-5, 15
t = np.arange(T + TT)
U = np.stack([np.sin(0.11 * t), np.cos(0.053 * t) * np.sin(0.02 * t)], axis=1)
u, u_test = U[:T], U[T:]


def target(k, dim):
    s = np.stack([np.sin(0.11 * (t + 2 + j + k)) * np.cos(0.053 * t) for j in range(dim)], axis=1)
    return 0.7 * s[:T]


def reservoir(n, n_in, lr, arrays):
    W = rng.normal(size=(n, n)) * (rng.random((n, n)) < 0.2)
    W *= 0.85 / max(abs(np.linalg.eigvals(W)))
    Win = rng.choice([-0.6, 0.0, 0.6], size=(n, n_in), p=[0.3, 0.4, 0.3])
    bias = rng.uniform(-0.1, 0.1, size=n)
    k = len([a for a in arrays if a.endswith("_W")])
    arrays.update({f"res{k}_W": W, f"res{k}_Win": Win, f"res{k}_bias": bias,
                   f"res{k}_lr": np.float64(lr)})
    return Reservoir(W=W, Win=Win, bias=bias, lr=lr, name=f"res{k}")


def save(name, model, readouts, ys, outputs, arrays):
    y = ys[0] if len(ys) == 1 else {ro.name: yy for ro, yy in zip(readouts, ys)}
    # Several input nodes (nodes without delay-0 parents) must be named and
    # fed through a mapping: they all get u here.
    x = u if len(model.inputs) == 1 else {n.name: u for n in model.inputs}
    xt = u_test if len(model.inputs) == 1 else {n.name: u_test for n in model.inputs}
    model.fit(x, y, warmup=WARMUP)
    model.reset()
    pred = model.run(xt)
    arrays.update({"u": u, "u_test": u_test, "ridge": np.float64(RIDGE),
                   "warmup": np.int64(WARMUP)})
    for j, (ro, yy) in enumerate(zip(readouts, ys)):
        arrays[f"y{j}"] = yy
        arrays[f"Wout{j}"] = ro.Wout
        arrays[f"bout{j}"] = np.ravel(ro.bias)
    for j in outputs:
        arrays[f"pred{j}"] = pred[readouts[j].name] if isinstance(pred, dict) else pred
    np.savez(os.path.join(OUT, f"{name}.npz"), **arrays)
    print(name, "Wout0[:2]", readouts[0].Wout[:2, 0],
          "pred", [arrays[f"pred{j}"][:2, 0] for j in outputs])


def chain():  # u >> r0 >> r1 >> ro
    a = {}
    r0, r1 = reservoir(30, I, 0.5, a), reservoir(25, 30, 0.7, a)
    ro = Ridge(ridge=RIDGE, name="ro")
    save("chain", r0 >> r1 >> ro, [ro], [target(0, 2)], [0], a)


def merge():  # u >> [r0, r1] >> ro: the readout reads [x0, x1]
    a = {}
    r0, r1 = reservoir(20, I, 0.4, a), reservoir(35, I, 0.9, a)
    ro = Ridge(ridge=RIDGE, name="ro")
    save("merge", [r0, r1] >> ro, [ro], [target(1, 1)], [0], a)


def deep():  # Gallicchio's deep ESN: in >> r0 >> r1 >> r2, [in, r0, r1, r2] >> ro
    a = {}
    inp = Input(name="in")
    r0, r1, r2 = reservoir(20, I, 0.6, a), reservoir(20, 20, 0.5, a), reservoir(15, 20, 0.3, a)
    ro = Ridge(ridge=RIDGE, name="ro")
    model = (inp >> r0 >> r1 >> r2) & ([inp, r0, r1, r2] >> ro)
    save("deep", model, [ro], [target(2, 2)], [0], a)


def feedback():  # u >> r0 >> r1 >> ro, ro feeds back into r0 (one-step delay)
    a = {}
    r0, r1 = reservoir(25, I + 1, 0.5, a), reservoir(20, 25, 0.8, a)
    ro = Ridge(ridge=RIDGE, name="ro")
    model = (r0 >> r1 >> ro) & (r0 << ro)
    save("feedback", model, [ro], [target(3, 1)], [0], a)


def hierarchical():  # u >> r0 >> ro0 >> r1 >> ro1, a target for each readout
    a = {}
    r0, r1 = reservoir(30, I, 0.5, a), reservoir(20, 2, 0.6, a)
    ro0, ro1 = Ridge(ridge=RIDGE, name="ro0"), Ridge(ridge=RIDGE, name="ro1")
    save("hierarchical", r0 >> ro0 >> r1 >> ro1, [ro0, ro1], [target(4, 2), target(5, 1)],
         [1], a)


def delay():  # u >> r0 >> ro, and ro's output reaches r0 three steps late
    a = {}
    r0 = reservoir(30, I + 1, 0.5, a)
    ro = Ridge(ridge=RIDGE, name="ro")
    model = (r0 >> ro) & (ro >> 3 >> r0)
    save("delay", model, [ro], [target(6, 1)], [0], a)


def online_cases():
    from reservoirpy.nodes import LMS, RLS
    global rng
    rng = np.random.default_rng(11)
    out = os.path.join(os.path.dirname(__file__), "..", "fixtures", "graph2")
    os.makedirs(out, exist_ok=True)
    y0 = target(7, 2)
    for m, node in (("rls", RLS(alpha=1e-3, name="rls")), ("lms", LMS(learning_rate=0.02, name="lms"))):
        a = {}
        r0 = reservoir(30, I, 0.5, a)
        model = r0 >> node
        model.fit(u, y0, warmup=WARMUP)
        model.reset()
        pred = model.run(u_test)
        a.update({"u": u, "u_test": u_test, "warmup": np.int64(WARMUP), "y0": y0,
                  "Wout0": node.Wout, "bout0": np.ravel(node.bias), "pred0": pred})
        np.savez(os.path.join(out, f"online_fit_{m}.npz"), **a)
        print(f"online_fit_{m}", node.Wout[:2, 0], pred[:2, 0])
    a = {}
    inp = Input(name="in")
    r0 = reservoir(25, I, 0.6, a)
    r1 = reservoir(15, 2, 0.4, a)
    rls, lms = RLS(alpha=1e-2, forgetting=0.999, name="rls"), LMS(learning_rate=0.05, name="lms")
    model = (inp >> r0) & ([inp, r0] >> rls) & (rls >> r1 >> lms)
    yr, yl = target(8, 2), target(9, 1)
    t2 = np.arange(T, T + TT)
    yr2 = 0.7 * np.stack([np.sin(0.11 * (t2 + 10 + j)) * np.cos(0.053 * t2) for j in range(2)], axis=1)
    yl2 = 0.7 * np.sin(0.11 * (t2 + 11))[:, None] * np.cos(0.053 * t2)[:, None]
    o1 = model.partial_fit(u, {"rls": yr, "lms": yl})
    model.reset()
    o2 = model.partial_fit(u_test, {"rls": yr2, "lms": yl2})
    a.update({"u": u, "u_test": u_test, "y_rls": yr, "y_lms": yl, "y2_rls": yr2, "y2_lms": yl2,
              "train_lms": o1, "train2_lms": o2, "Wout_rls": rls.Wout, "bout_rls": np.ravel(rls.bias),
              "Wout_lms": lms.Wout, "bout_lms": np.ravel(lms.bias)})
    np.savez(os.path.join(out, "online_partial.npz"), **a)
    print("online_partial", o2[-3:, 0], lms.Wout[:2, 0])


import sys
if sys.argv[1:] == ["online"]:
    online_cases()
    sys.exit(0)
os.makedirs(OUT, exist_ok=True)
for case in (chain, merge, deep, feedback, hierarchical, delay):
    case()
