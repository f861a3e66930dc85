"""NEAT (include/lacus/neat.h): neuroevolution of augmenting topologies with
neat-python's configuration files and semantics, Python or built-in fitness
functions (XOR, pole balancing, evolved reservoirs), phenotype networks,
checkpoints that resume bit for bit.

The configuration is handled through its neat-python INI text (parse and
write are the C library's): lacus_neat_config is a large struct that the
binding never lays out field by field, so a change of its layout cannot
silently corrupt a call. It lives in an opaque buffer larger than the
struct (returned-by-value structs this large go through a caller buffer,
which the callee fills up to the struct's real size).
"""

import configparser
import ctypes
import os

import numpy as np

from . import _capi as C
from ._capi import lib, c_int64, c_uint64, c_double, c_int, P_double, P_int64

P_err = ctypes.POINTER(C.Error)
VP = ctypes.c_void_p
PVP = ctypes.POINTER(VP)


class _ConfigBuf(ctypes.Structure):
    # Opaque storage for lacus_neat_config (see the module docstring); the
    # real struct is 544 bytes on x86-64 today.
    _fields_ = [("_opaque", ctypes.c_uint64 * 2048)]


class NodeGene(ctypes.Structure):
    _fields_ = [("key", c_int64), ("bias", c_double), ("response", c_double),
                ("leak", c_double), ("activation", c_int), ("aggregation", c_int)]


class ConnGene(ctypes.Structure):
    _fields_ = [("in_", c_int64), ("out", c_int64), ("innovation", c_int64),
                ("weight", c_double), ("enabled", c_int)]


class GenStats(ctypes.Structure):
    _fields_ = [("generation", c_int64), ("best", c_double), ("mean", c_double),
                ("stdev", c_double), ("n_species", c_int64), ("mean_nodes", c_double),
                ("mean_conns", c_double), ("best_nodes", c_int64), ("best_conns", c_int64),
                ("evaluations", c_int64), ("solved", c_int)]


FITNESS_FN = ctypes.CFUNCTYPE(c_int, VP, VP, c_uint64, P_double, P_err)
PROGRESS_FN = ctypes.CFUNCTYPE(None, ctypes.POINTER(GenStats), VP)


class RunOpts(ctypes.Structure):
    _fields_ = [("n_generations", c_int64), ("checkpoint_every", c_int64),
                ("checkpoint_prefix", ctypes.c_char_p), ("progress", PROGRESS_FN),
                ("progress_user", VP)]


class PoleParams(ctypes.Structure):
    _fields_ = [("n_poles", c_int), ("velocities", c_int), ("max_steps", c_int64),
                ("initial_angle", c_double), ("gruau", c_int)]


class PoleTask(ctypes.Structure):
    _fields_ = [("pole", PoleParams), ("config", VP)]


class ResTask(ctypes.Structure):
    _fields_ = [("kind", c_int), ("n_inputs", c_int64), ("n_outputs", c_int64),
                ("n_seqs", c_int64), ("n_train", c_int64), ("inputs", ctypes.POINTER(P_double)),
                ("targets", ctypes.POINTER(P_double)), ("labels", P_int64),
                ("n_steps", P_int64), ("warmup", c_int64), ("ridge", c_double),
                ("size_penalty", c_double), ("config", VP)]


_p = C._proto
_p("lacus_neat_config_default", _ConfigBuf)
_p("lacus_neat_config_check", C.status, VP, P_err)
_p("lacus_neat_config_parse", C.status, ctypes.c_char_p, ctypes.c_char_p, VP, P_err)
_p("lacus_neat_config_write", C.status, VP, ctypes.POINTER(ctypes.c_char_p), P_err)
_p("lacus_neat_act_name", ctypes.c_char_p, c_int)
_p("lacus_neat_agg_name", ctypes.c_char_p, c_int)
_p("lacus_neat_act_apply", c_double, c_int, c_double)
_p("lacus_neat_genome_key", c_int64, VP)
_p("lacus_neat_genome_fitness", c_double, VP)
_p("lacus_neat_genome_n_nodes", c_int64, VP)
_p("lacus_neat_genome_n_conns", c_int64, VP)
_p("lacus_neat_genome_n_enabled", c_int64, VP)
_p("lacus_neat_genome_node", NodeGene, VP, c_int64)
_p("lacus_neat_genome_conn", ConnGene, VP, c_int64)
_p("lacus_neat_genome_distance", c_double, VP, VP, VP)
_p("lacus_neat_genome_build", C.status, VP, ctypes.POINTER(NodeGene), c_int64,
   ctypes.POINTER(ConnGene), c_int64, PVP, P_err)
_p("lacus_neat_genome_copy", C.status, VP, PVP, P_err)
_p("lacus_neat_genome_free", None, VP)
_p("lacus_neat_genome_write_dot", C.status, VP, VP, ctypes.c_char_p, ctypes.c_char_p, P_err)
_p("lacus_neat_net_create", C.status, VP, VP, c_int, PVP, P_err)
_p("lacus_neat_net_free", None, VP)
_p("lacus_neat_net_reset", None, VP)
_p("lacus_neat_net_activate", None, VP, P_double, P_double)
_p("lacus_neat_create", C.status, VP, c_uint64, PVP, P_err)
_p("lacus_neat_free", None, VP)
_p("lacus_neat_errmsg", ctypes.c_char_p, VP)
_p("lacus_neat_step", C.status, VP, FITNESS_FN, VP, ctypes.POINTER(GenStats),
   ctypes.POINTER(c_int))
_p("lacus_neat_run_opts_default", RunOpts)
_p("lacus_neat_run", C.status, VP, FITNESS_FN, VP, ctypes.POINTER(RunOpts), ctypes.POINTER(c_int))
_p("lacus_neat_generation", c_int64, VP)
_p("lacus_neat_history_len", c_int64, VP)
_p("lacus_neat_history", C.status, VP, c_int64, ctypes.POINTER(GenStats))
_p("lacus_neat_history_species", c_int64, VP, c_int64, P_int64, P_int64, P_double, c_int64)
_p("lacus_neat_best", VP, VP)
_p("lacus_neat_pop_size", c_int64, VP)
_p("lacus_neat_member", VP, VP, c_int64)
_p("lacus_neat_save", C.status, VP, ctypes.c_char_p, P_err)
_p("lacus_neat_load", C.status, ctypes.c_char_p, PVP, P_err)
_p("lacus_neat_plot", C.status, VP, ctypes.c_char_p, P_err)
_p("lacus_neat_pole_params_default", PoleParams)
_p("lacus_neat_pole_n_inputs", c_int64, ctypes.POINTER(PoleParams))
_p("lacus_neat_reservoir_score", C.status, VP, ctypes.POINTER(ResTask), P_double, P_err)
_p("lacus_neat_seqclass4", C.status, c_int64, c_int64, c_double, c_uint64, P_double, P_int64,
   P_err)
_p("lacus_free", None, VP)

# The built-in fitness functions, as C function pointers.
_BUILTIN = {name: FITNESS_FN(("lacus_neat_fitness_" + name, lib))
            for name in ("xor", "pole", "reservoir")}


def _act_names():
    """Activation name -> enum value ("?" marks the end of the table)."""
    out = {}
    for i in range(64):
        n = lib.lacus_neat_act_name(i).decode()
        if n == "?":
            break
        out[n] = i
    return out


def _call(fn, *args):
    err = C.new_error()
    C.check(fn(*args, ctypes.byref(err)), err)


class Config:
    """A NEAT configuration: Config() (lacus' defaults), Config.load(path)
    or Config.parse(text) of neat-python INI text; Config(...).replace(
    pop_size=50, ...) returns a copy with keys changed (the key names of the
    INI file; the section is found for you). text is the full INI form;
    config["num_inputs"] reads one value (a string)."""

    def __init__(self, text=None, source="<text>"):
        self._buf = lib.lacus_neat_config_default()
        if text is not None:
            _call(lib.lacus_neat_config_parse, text.encode(), source.encode(),
                  ctypes.byref(self._buf))

    @classmethod
    def parse(cls, text, source="<text>"):
        return cls(text, source)

    @classmethod
    def load(cls, path):
        with open(path, "r", encoding="utf-8") as f:
            return cls(f.read(), os.fspath(path))

    def _ref(self):
        return ctypes.byref(self._buf)

    @property
    def text(self):
        out = ctypes.c_char_p()
        _call(lib.lacus_neat_config_write, self._ref(), ctypes.byref(out))
        try:
            return out.value.decode()
        finally:
            lib.lacus_free(ctypes.cast(out, VP))

    def _ini(self):
        cp = configparser.ConfigParser(interpolation=None)
        cp.optionxform = str
        cp.read_string(self.text)
        return cp

    def __getitem__(self, key):
        cp = self._ini()
        for s in cp.sections():
            if key in cp[s]:
                return cp[s][key]
        raise KeyError(key)

    def replace(self, **keys):
        cp = self._ini()
        for k, v in keys.items():
            secs = [s for s in cp.sections() if k in cp[s]]
            if not secs:
                raise C.LacusError(-1, "NEAT config: unknown key %r" % k)
            if isinstance(v, bool):
                v = "True" if v else "False"
            cp[secs[0]][k] = str(v)
        lines = []
        for s in cp.sections():
            lines.append("[%s]" % s)
            lines += ["%s = %s" % (k, v) for k, v in cp[s].items()]
            lines.append("")
        return Config("\n".join(lines), "<replace>")

    @property
    def num_inputs(self):
        return int(self["num_inputs"])

    @property
    def num_outputs(self):
        return int(self["num_outputs"])


GENE_NODE = np.dtype([("key", np.int64), ("bias", float), ("response", float), ("leak", float),
                      ("activation", "U10"), ("aggregation", "U8")])
GENE_CONN = np.dtype([("in", np.int64), ("out", np.int64), ("innovation", np.int64),
                      ("weight", float), ("enabled", bool)])


class Genome:
    """A genome: owned (from copy()) or borrowed from a population (valid
    while the population lives and is not stepped; call copy() to keep)."""

    def __init__(self, handle, owner=None, owned=False):
        self._handle = handle
        self._owner = owner  # keeps a borrowed genome's population alive
        self._owned = owned

    def __del__(self):
        if getattr(self, "_owned", False) and self._handle:
            lib.lacus_neat_genome_free(self._handle)
            self._handle = None

    def copy(self):
        h = VP()
        _call(lib.lacus_neat_genome_copy, self._handle, ctypes.byref(h))
        return Genome(h.value, owned=True)

    @classmethod
    def build(cls, config, nodes, conns):
        """A genome from explicit genes: nodes a list of (key, bias,
        response, activation name) and conns of (in, out, weight, enabled)
        (in < 0 for inputs); innovations are numbered in order."""
        acts = _act_names()
        ng = (NodeGene * max(len(nodes), 1))()
        for i, (k, b, r, a) in enumerate(nodes):
            if a not in acts:
                raise C.LacusError(-1, "activation %r: must be one of %s" % (a, ", ".join(acts)))
            ng[i] = NodeGene(int(k), float(b), float(r), 1.0, acts[a], 0)
        cg = (ConnGene * max(len(conns), 1))()
        for i, (a, b, w, e) in enumerate(conns):
            cg[i] = ConnGene(int(a), int(b), i, float(w), 1 if e else 0)
        h = VP()
        _call(lib.lacus_neat_genome_build, config._ref(), ng, len(nodes), cg, len(conns),
              ctypes.byref(h))
        return cls(h.value, owned=True)

    @property
    def key(self):
        return int(lib.lacus_neat_genome_key(self._handle))

    @property
    def fitness(self):
        return float(lib.lacus_neat_genome_fitness(self._handle))

    @property
    def n_nodes(self):
        """Outputs + hidden nodes."""
        return int(lib.lacus_neat_genome_n_nodes(self._handle))

    @property
    def n_conns(self):
        return int(lib.lacus_neat_genome_n_conns(self._handle))

    @property
    def n_enabled(self):
        return int(lib.lacus_neat_genome_n_enabled(self._handle))

    @property
    def nodes(self):
        out = np.empty(self.n_nodes, dtype=GENE_NODE)
        for i in range(out.size):
            g = lib.lacus_neat_genome_node(self._handle, i)
            out[i] = (g.key, g.bias, g.response, g.leak,
                      lib.lacus_neat_act_name(g.activation).decode(),
                      lib.lacus_neat_agg_name(g.aggregation).decode())
        return out

    @property
    def conns(self):
        out = np.empty(self.n_conns, dtype=GENE_CONN)
        for i in range(out.size):
            g = lib.lacus_neat_genome_conn(self._handle, i)
            out[i] = (g.in_, g.out, g.innovation, g.weight, bool(g.enabled))
        return out

    def distance(self, other, config):
        return float(lib.lacus_neat_genome_distance(self._handle, other._handle, config._ref()))

    def net(self, config, recurrent=False):
        return Net(self, config, recurrent)

    def write_dot(self, config, dot_path, png_path=None):
        """Graphviz DOT (and a PNG through `dot` when png_path is given)."""
        _call(lib.lacus_neat_genome_write_dot, self._handle, config._ref(),
              os.fsencode(dot_path), os.fsencode(png_path) if png_path else None)


class Net:
    """The phenotype of a genome: activate(inputs (num_inputs,)) -> outputs;
    recurrent nets keep their state between calls (reset() zeroes it)."""

    def __init__(self, genome, config, recurrent=False):
        self._handle = None
        self.n_inputs, self.n_outputs = config.num_inputs, config.num_outputs
        h = VP()
        _call(lib.lacus_neat_net_create, genome._handle, config._ref(), 1 if recurrent else 0,
              ctypes.byref(h))
        self._handle = h.value

    def __del__(self):
        if getattr(self, "_handle", None):
            lib.lacus_neat_net_free(self._handle)
            self._handle = None

    def reset(self):
        lib.lacus_neat_net_reset(self._handle)

    def activate(self, inputs):
        x = C.as_f64(inputs, 1, "inputs")
        if x.shape != (self.n_inputs,):
            raise C.LacusError(-2, "inputs must have %d values, got %d"
                               % (self.n_inputs, x.shape[0]))
        if not np.all(np.isfinite(x)):
            raise C.LacusError(-6, "inputs: NaN or Inf")
        y = np.empty(self.n_outputs)
        lib.lacus_neat_net_activate(self._handle, C.ptr(x), C.ptr(y))
        return y


class _Fitness:
    """A C fitness function over a Python callable f(genome, eval_seed) ->
    float; an exception becomes a failed status naming it (and is re-raised
    by the population after the C call returns)."""

    def __init__(self, fn, owner):
        self.error = None

        def cb(g, user, seed, out, err):
            try:
                out[0] = float(fn(Genome(g, owner), int(seed)))
                return 0
            except Exception as e:  # noqa: BLE001 - handed back to the caller
                self.error = self.error or e
                msg = ("fitness function raised %s: %s" % (type(e).__name__, e)).encode()
                err[0].status = -1
                err[0].msg = msg[:C.ERRMSG_SIZE - 1]
                return -1
        self.cfn = FITNESS_FN(cb)


class Population:
    """A NEAT run: Population(config, seed=0); step(fitness) evaluates one
    generation and reproduces; run(fitness, n_generations=300) steps until
    solved. fitness is "xor", ("pole", n_poles, velocities, max_steps[, gruau]),
    a ReservoirTask, or a Python callable f(genome, eval_seed) -> float."""

    def __init__(self, config, seed=0):
        self._handle = None
        self.config = config
        h = VP()
        _call(lib.lacus_neat_create, config._ref(), int(seed), ctypes.byref(h))
        self._handle = h.value

    def __del__(self):
        if getattr(self, "_handle", None):
            lib.lacus_neat_free(self._handle)
            self._handle = None

    @classmethod
    def load(cls, path, config=None):
        """Resumes a checkpoint (config: the Config to use for phenotypes)."""
        h = VP()
        _call(lib.lacus_neat_load, os.fsencode(path), ctypes.byref(h))
        self = cls.__new__(cls)
        self._handle = h.value
        self.config = config
        return self

    def save(self, path):
        _call(lib.lacus_neat_save, self._handle, os.fsencode(path))

    def _fitness(self, fitness):
        """(C function, user pointer, keepalive, python wrapper or None)."""
        if isinstance(fitness, str) and fitness == "xor":
            return _BUILTIN["xor"], ctypes.cast(ctypes.byref(self.config._buf), VP), None, None
        if isinstance(fitness, tuple) and fitness and fitness[0] == "pole":
            pp = lib.lacus_neat_pole_params_default()
            for name, v in zip(("n_poles", "velocities", "max_steps", "gruau"), fitness[1:]):
                setattr(pp, name, int(v))
            task = PoleTask(pp, ctypes.cast(ctypes.byref(self.config._buf), VP))
            return _BUILTIN["pole"], ctypes.cast(ctypes.byref(task), VP), task, None
        if isinstance(fitness, ReservoirTask):
            t = fitness._struct(self.config)
            return _BUILTIN["reservoir"], ctypes.cast(ctypes.byref(t), VP), t, None
        if callable(fitness):
            w = _Fitness(fitness, self)
            return w.cfn, None, w, w
        raise TypeError("fitness: 'xor', ('pole', ...), a ReservoirTask or a callable")

    def _check(self, st, wrapper):
        if wrapper is not None and wrapper.error is not None:
            raise wrapper.error
        C.check(st, handle_msg=lambda: lib.lacus_neat_errmsg(self._handle))

    def step(self, fitness):
        """Evaluates and reproduces one generation; returns its statistics."""
        fn, user, keep, w = self._fitness(fitness)
        s, done = GenStats(), c_int()
        self._check(lib.lacus_neat_step(self._handle, fn, user, ctypes.byref(s),
                                        ctypes.byref(done)), w)
        return _stats(s)

    def run(self, fitness, n_generations=300, checkpoint_every=0, checkpoint_prefix=None,
            progress=None):
        """Steps until solved or n_generations; returns True when solved."""
        fn, user, keep, w = self._fitness(fitness)
        o = lib.lacus_neat_run_opts_default()
        o.n_generations = int(n_generations)
        o.checkpoint_every = int(checkpoint_every)
        pre = os.fsencode(checkpoint_prefix) if checkpoint_prefix else None
        o.checkpoint_prefix = pre
        if progress is not None:
            o.progress = PROGRESS_FN(lambda s, u: progress(_stats(s[0])))
        solved = c_int()
        self._check(lib.lacus_neat_run(self._handle, fn, user, ctypes.byref(o),
                                       ctypes.byref(solved)), w)
        return bool(solved.value)

    @property
    def generation(self):
        return int(lib.lacus_neat_generation(self._handle))

    @property
    def history(self):
        out = []
        for i in range(int(lib.lacus_neat_history_len(self._handle))):
            s = GenStats()
            C.check(lib.lacus_neat_history(self._handle, i, ctypes.byref(s)))
            out.append(_stats(s))
        return out

    def species(self, i):
        """(ids, sizes, best fitness) of the species of evaluated generation i."""
        n = int(lib.lacus_neat_history_species(self._handle, int(i), None, None, None, 0))
        ids, sizes = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
        best = np.empty(n)
        lib.lacus_neat_history_species(self._handle, int(i), ids.ctypes.data_as(P_int64),
                                       sizes.ctypes.data_as(P_int64), C.ptr(best), n)
        return ids, sizes, best

    @property
    def best(self):
        """The best genome ever evaluated (a copy), or None."""
        h = lib.lacus_neat_best(self._handle)
        return Genome(h, self).copy() if h else None

    @property
    def members(self):
        return [Genome(lib.lacus_neat_member(self._handle, i), self).copy()
                for i in range(int(lib.lacus_neat_pop_size(self._handle)))]

    def plot(self, png_path):
        _call(lib.lacus_neat_plot, self._handle, os.fsencode(png_path))


def _stats(s):
    return {f[0]: getattr(s, f[0]) for f in GenStats._fields_}


class ReservoirTask:
    """Evolving reservoirs: a genome read as a leaky reservoir with a ridge
    readout fitted in closed form. kind "regression" (inputs and targets:
    lists of (n_steps, dim) arrays; fitness = -NRMSE on validation) or
    "classification" (inputs and integer labels; fitness = accuracy). The
    first n_train sequences train, the rest validate."""

    def __init__(self, inputs, targets=None, labels=None, n_train=None, n_classes=None,
                 warmup=0, ridge=1e-6, size_penalty=0.0):
        self.inputs = [C.as_f64(x, 2, "inputs[%d]" % i) for i, x in enumerate(inputs)]
        if not self.inputs:
            raise C.LacusError(-1, "ReservoirTask: no sequences")
        self.kind = 1 if labels is not None else 0
        if self.kind:
            self.labels = np.ascontiguousarray(labels, dtype=np.int64)
            if self.labels.shape != (len(self.inputs),):
                raise C.LacusError(-2, "labels must have one entry per sequence")
            self.n_outputs = int(n_classes if n_classes is not None else self.labels.max() + 1)
            self.targets = None
        else:
            self.targets = [C.as_f64(y, 2, "targets[%d]" % i) for i, y in enumerate(targets)]
            if len(self.targets) != len(self.inputs):
                raise C.LacusError(-2, "targets must have one array per sequence")
            self.n_outputs = self.targets[0].shape[1]
            self.labels = None
        self.n_train = int(n_train if n_train is not None else (len(self.inputs) * 2) // 3)
        self.warmup, self.ridge, self.size_penalty = int(warmup), float(ridge), float(size_penalty)

    def _struct(self, config):
        n = len(self.inputs)
        self._in = (P_double * n)(*[C.ptr(x) for x in self.inputs])
        self._tg = ((P_double * n)(*[C.ptr(y) for y in self.targets])
                    if self.targets is not None else None)
        self._steps = np.array([x.shape[0] for x in self.inputs], dtype=np.int64)
        self._cfg = config
        return ResTask(self.kind, self.inputs[0].shape[1], self.n_outputs, n, self.n_train,
                       ctypes.cast(self._in, ctypes.POINTER(P_double)),
                       ctypes.cast(self._tg, ctypes.POINTER(P_double)) if self._tg else None,
                       self.labels.ctypes.data_as(P_int64) if self.labels is not None else None,
                       self._steps.ctypes.data_as(P_int64), self.warmup, self.ridge,
                       self.size_penalty, ctypes.cast(ctypes.byref(config._buf), VP))

    def score(self, genome, config):
        """Validation accuracy (classification) or NRMSE (regression)."""
        t = self._struct(config)
        out = c_double()
        _call(lib.lacus_neat_reservoir_score, genome._handle, ctypes.byref(t), ctypes.byref(out))
        return out.value


def seqclass4(n_seqs, n_steps, noise=0.4, seed=0):
    """lacus' 4-class sequence task: (x (n_seqs, n_steps), labels (n_seqs,))."""
    x = np.empty((max(int(n_seqs), 0), max(int(n_steps), 0)))
    y = np.empty(max(int(n_seqs), 0), dtype=np.int64)
    _call(lib.lacus_neat_seqclass4, int(n_seqs), int(n_steps), float(noise), int(seed), C.ptr(x),
          y.ctypes.data_as(P_int64))
    return x, y


def activation(name, z):
    """A NEAT activation function applied to each value of z."""
    names = _act_names()
    if name not in names:
        raise C.LacusError(-1, "activation %r: must be one of %s" % (name, ", ".join(names)))
    z = np.asarray(z, dtype=np.float64)
    return np.vectorize(lambda v: lib.lacus_neat_act_apply(names[name], v))(z)
