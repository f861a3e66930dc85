"""Language (include/lacus/lang.h, lm.h, lgen.h): tokenizers, interpolated
modified Kneser-Ney n-gram models, compressor floors, reservoir language
models (train, score, generate, minimal-pair probes) and lgen, the
synthetic-language generator whose true next-token distribution is known.

Token ids are int32 NumPy arrays; texts are str (UTF-8) or bytes.
"""

import ctypes
import os

import numpy as np

from . import _capi as C
from ._capi import lib, c_int64, c_uint64, c_double, c_int, P_double, P_int64

P_err = ctypes.POINTER(C.Error)
c_int32 = ctypes.c_int32
P_i32 = ctypes.POINTER(c_int32)
c_size_t = ctypes.c_size_t


class TokenizerParams(ctypes.Structure):
    _fields_ = [("kind", c_int), ("vocab_size", c_int64), ("min_count", c_int64)]


class LMParams(ctypes.Structure):
    _fields_ = [("vocab_size", c_int64), ("n_units", c_int64), ("lr", c_double),
                ("sr", c_double), ("input_scaling", c_double),
                ("input_connectivity", c_double), ("rc_degree", c_double),
                ("bias_scaling", c_double), ("ridge", c_double), ("feed_token", c_int),
                ("warmup", c_int64), ("chunk", c_int64), ("seed", c_uint64),
                ("gate_tokens", c_int64), ("gate_ridge", c_double)]


class LMExtParams(ctypes.Structure):
    """lacus_lm_ext_params: pair-gated readouts and slow units."""
    _fields_ = [("pair_gates", c_int64), ("pair_units", c_int64), ("pair_ridge", c_double),
                ("slow_units", c_int64), ("slow_lr", c_double)]


class LMAdaptParams(ctypes.Structure):
    """lacus_lm_adapt_params: dynamic evaluation and the state cache."""
    _fields_ = [("step", c_double), ("cache_size", c_int64), ("cache_dim", c_int64),
                ("cache_theta", c_double), ("cache_lambda", c_double), ("cache_seed", c_uint64)]


class SampleParams(ctypes.Structure):
    _fields_ = [("temperature", c_double), ("top_k", c_int64), ("top_p", c_double),
                ("seed", c_uint64)]


class LGenParams(ctypes.Structure):
    _fields_ = [("n_nouns", c_int64), ("n_adj", c_int64), ("n_prep", c_int64),
                ("n_vi", c_int64), ("n_vt", c_int64), ("n_vr", c_int64), ("n_vc", c_int64),
                ("zipf", c_double), ("p_plural", c_double), ("p_pron", c_double),
                ("p_adj", c_double), ("p_pp", c_double), ("p_rel", c_double),
                ("p_orc", c_double), ("p_vi", c_double), ("p_vt", c_double),
                ("p_vr", c_double), ("p_vc", c_double), ("p_attractor", c_double),
                ("max_depth", c_int), ("split", c_int), ("heldout_frac", c_double),
                ("seed", c_uint64)]


class LGenAnnot(ctypes.Structure):
    _fields_ = [("cls", c_int32), ("depth", c_int32), ("open_deps", c_int32),
                ("link", c_int32), ("attractors", c_int32), ("sentence", c_int64)]


PROGRESS_FN = ctypes.CFUNCTYPE(None, c_double, ctypes.c_void_p)

class SkillScore(ctypes.Structure):
    _fields_ = [("acc", c_double), ("cont", c_double), ("n", c_int64)]


_p = C._proto
VP = ctypes.c_void_p
PVP = ctypes.POINTER(VP)
_p("lacus_tok_kind_parse", C.status, ctypes.c_char_p, ctypes.POINTER(c_int), P_err)
_p("lacus_tok_kind_name", ctypes.c_char_p, c_int)
_p("lacus_tokenizer_params_default", TokenizerParams)
_p("lacus_tokenizer_train", C.status, ctypes.POINTER(TokenizerParams), ctypes.c_char_p, c_size_t,
   PVP, P_err)
_p("lacus_tokenizer_free", None, VP)
_p("lacus_tokenizer_kind", c_int, VP)
_p("lacus_tokenizer_vocab_size", c_int64, VP)
_p("lacus_tokenizer_unk", c_int32, VP)
_p("lacus_tokenizer_encode", C.status, VP, ctypes.c_char_p, c_size_t, P_i32, c_int64, P_int64,
   P_int64, P_err)
_p("lacus_tokenizer_decode", C.status, VP, P_i32, c_int64, ctypes.c_char_p, c_size_t,
   ctypes.POINTER(c_size_t), P_err)
_p("lacus_tokenizer_token_bytes", c_int64, VP, c_int32, ctypes.c_char_p, c_size_t)
_p("lacus_tokenizer_save", C.status, VP, ctypes.c_char_p, P_err)
_p("lacus_tokenizer_load", C.status, ctypes.c_char_p, PVP, P_err)

_p("lacus_ngram_train", C.status, P_i32, c_int64, c_int64, c_int, PVP, P_err)
_p("lacus_ngram_free", None, VP)
_p("lacus_ngram_order", c_int, VP)
_p("lacus_ngram_discounts", C.status, VP, c_int, P_double)
_p("lacus_ngram_count_types", c_int64, VP, c_int)
_p("lacus_ngram_probs", C.status, VP, P_i32, c_int64, P_double)
_p("lacus_ngram_score", C.status, VP, P_i32, c_int64, c_int64, P_double, P_err)
_p("lacus_unigram_bits", C.status, P_i32, c_int64, P_i32, c_int64, c_int64, P_double, P_err)
_p("lacus_compressed_size", C.status, c_int, ctypes.c_char_p, c_size_t,
   ctypes.POINTER(c_size_t), P_err)

_p("lacus_lm_params_default", LMParams)
_p("lacus_lm_params_check", C.status, ctypes.POINTER(LMParams), P_err)
_p("lacus_lm_create", C.status, ctypes.POINTER(LMParams), PVP, P_err)
_p("lacus_lm_free", None, VP)
_p("lacus_lm_errmsg", ctypes.c_char_p, VP)
_p("lacus_lm_params_get", ctypes.POINTER(LMParams), VP)
_p("lacus_lm_n_trainable", c_int64, VP)
_p("lacus_lm_beta", c_double, VP)
_p("lacus_lm_eps", c_double, VP)
_p("lacus_lm_set_embedding", C.status, VP, P_double, c_int64)
_p("lacus_lm_ext_params_default", LMExtParams)
_p("lacus_lm_set_ext", C.status, VP, ctypes.POINTER(LMExtParams))
_p("lacus_lm_ext_get", ctypes.POINTER(LMExtParams), VP)
_p("lacus_lm_fit", C.status, VP, P_i32, c_int64, c_int64, PROGRESS_FN, VP)
_p("lacus_lm_score", C.status, VP, P_i32, c_int64, c_int64, P_double)
_p("lacus_lm_probs", C.status, VP, P_i32, c_int64, P_double)
_p("lacus_lm_adapt_params_default", LMAdaptParams)
_p("lacus_lm_score_adapt", C.status, VP, P_i32, c_int64, c_int64, ctypes.POINTER(LMAdaptParams),
   P_double)
_p("lacus_lm_adapt_select", C.status, VP, P_i32, c_int64, c_int64, P_double, c_int64, P_double,
   c_int64, P_double, c_int64, ctypes.POINTER(LMAdaptParams), P_double)
_p("lacus_sample_params_default", SampleParams)
_p("lacus_lm_generate", C.status, VP, P_i32, c_int64, c_int64, ctypes.POINTER(SampleParams),
   P_i32)
_p("lacus_lm_pair_margins", C.status, VP, P_i32, P_i32, c_int64, c_int64, c_int32, P_double,
   P_int64, c_int64, P_int64)
_p("lacus_lm_fit_select", C.status, VP, P_i32, c_int64, c_int64, P_double, c_int64, P_double,
   PROGRESS_FN, VP)
_p("lacus_lm_stack_train", C.status, ctypes.POINTER(LMParams), c_int64, P_i32, c_int64, c_int64,
   PVP, P_err)
_p("lacus_lm_stack_free", None, VP)
_p("lacus_lm_stack_errmsg", ctypes.c_char_p, VP)
_p("lacus_lm_stack_n_layers", c_int64, VP)
_p("lacus_lm_stack_params", ctypes.POINTER(LMParams), VP)
_p("lacus_lm_stack_beta", c_double, VP, c_int64)
_p("lacus_lm_stack_eps", c_double, VP, c_int64)
_p("lacus_lm_stack_score", C.status, VP, P_i32, c_int64, c_int64, P_double)
_p("lacus_lm_stack_generate", C.status, VP, c_int64, P_i32, c_int64, c_int64,
   ctypes.POINTER(SampleParams), P_i32)
_p("lacus_lm_stack_generate_f32", C.status, VP, c_int64, P_i32, c_int64, c_int64,
   ctypes.POINTER(SampleParams), P_i32)
_p("lacus_lm_stack_save", C.status, VP, VP, ctypes.c_char_p, P_err)
_p("lacus_lm_stack_load", C.status, ctypes.c_char_p, PVP, PVP, P_err)
_p("lacus_lm_stack_eval", C.status, ctypes.POINTER(LMParams), c_int64, P_i32, c_int64, c_int64,
   c_int64, P_double, P_err)
_p("lacus_lm_save", C.status, VP, VP, ctypes.c_char_p, P_err)
_p("lacus_lm_load", C.status, ctypes.c_char_p, PVP, PVP, P_err)

_p("lacus_lgen_params_default", LGenParams)
_p("lacus_lgen_create", C.status, ctypes.POINTER(LGenParams), PVP, P_err)
_p("lacus_lgen_free", None, VP)
_p("lacus_lgen_errmsg", ctypes.c_char_p, VP)
_p("lacus_lgen_vocab_size", c_int64, VP)
_p("lacus_lgen_word", ctypes.c_char_p, VP, c_int32)
_p("lacus_lgen_reset", None, VP, c_uint64)
_p("lacus_lgen_generate", C.status, VP, c_int64, P_i32, P_double, ctypes.POINTER(LGenAnnot),
   P_double)
_p("lacus_lgen_minimal_pair", c_int64, VP, P_i32, c_int64, P_i32)
_p("lacus_lgen_twins", c_int64, VP, P_i32, c_int64, P_i32)
_p("lacus_formal_skill_from_probs", C.status, c_int, c_int64, P_double, P_i32, P_double, c_int64,
   c_int64, c_int64, ctypes.POINTER(SkillScore), P_err)
_p("lacus_formal_generate", C.status, c_int, c_int64, c_double, c_int64, c_uint64, c_int64, P_i32,
   P_double, P_int64, P_err)

COMPRESSORS = {"xz": 0, "bzip2": 1}
SPLITS = {"iid": 0, "deeper": 1, "newcomb_train": 2, "newcomb_test": 3}
FORMAL_TASKS = {"dyck": 0, "copy": 1, "reverse": 2, "count": 3}
LGEN_CLASSES = ("punct", "det", "adj", "noun", "pron", "verb", "prep", "comp", "refl")


def _call(fn, *args):
    err = C.new_error()
    C.check(fn(*args, ctypes.byref(err)), err)


def _bytes(text, name="text"):
    if isinstance(text, str):
        return text.encode("utf-8")
    if isinstance(text, (bytes, bytearray, memoryview)):
        return bytes(text)
    raise TypeError("%s must be str or bytes, got %s" % (name, type(text).__name__))


def ids_array(ids, name="ids"):
    """A C-contiguous int32 1-D copy (or view) of ids."""
    a = np.asarray(ids)
    if a.ndim != 1:
        raise ValueError("%s must be 1-D, got shape %s" % (name, a.shape))
    if a.size and not np.issubdtype(a.dtype, np.integer):
        raise TypeError("%s must hold integers, got %s" % (name, a.dtype))
    if a.size and (a.min() < -2**31 or a.max() >= 2**31):
        raise C.LacusError(-1, "%s: values outside int32" % name)
    return np.ascontiguousarray(a, dtype=np.int32)


def _iptr(a):
    return a.ctypes.data_as(P_i32)


_Handle = C.Handle


class Tokenizer(_Handle):
    """Tokenizer.train(text, kind="chars" | "bytes" | "words" | "bpe",
    vocab_size=..., min_count=1); encode(text) -> int32 ids; decode(ids) -> str
    (decode_bytes for raw bytes). Tokenizer.load(path) / save(path) (JSON)."""

    _free = "lacus_tokenizer_free"

    def __init__(self, handle):
        self._handle = handle

    @classmethod
    def train(cls, text, kind="chars", vocab_size=None, min_count=1):
        p = lib.lacus_tokenizer_params_default()
        k = c_int()
        _call(lib.lacus_tok_kind_parse, str(kind).encode(), ctypes.byref(k))
        p.kind = k.value
        if vocab_size is not None:
            p.vocab_size = int(vocab_size)
        p.min_count = int(min_count)
        b = _bytes(text)
        h = VP()
        _call(lib.lacus_tokenizer_train, ctypes.byref(p), b, len(b), ctypes.byref(h))
        return cls(h.value)

    @classmethod
    def load(cls, path):
        h = VP()
        _call(lib.lacus_tokenizer_load, os.fsencode(path), ctypes.byref(h))
        return cls(h.value)

    def save(self, path):
        _call(lib.lacus_tokenizer_save, self._h(), os.fsencode(path))

    @property
    def kind(self):
        return lib.lacus_tok_kind_name(lib.lacus_tokenizer_kind(self._h())).decode()

    @property
    def vocab_size(self):
        return int(lib.lacus_tokenizer_vocab_size(self._h()))

    @property
    def unk(self):
        """Id of the unknown token, or -1 (bytes and bpe have none)."""
        return int(lib.lacus_tokenizer_unk(self._h()))

    def encode(self, text, return_unknown=False):
        """int32 ids of text (str or bytes); with return_unknown, also the
        number of unknown tokens."""
        b = _bytes(text)
        n = c_int64()
        unk = c_int64()
        _call(lib.lacus_tokenizer_encode, self._h(), b, len(b), None, 0, ctypes.byref(n),
              ctypes.byref(unk))
        ids = np.empty(n.value, dtype=np.int32)
        if n.value:
            _call(lib.lacus_tokenizer_encode, self._h(), b, len(b), _iptr(ids), n.value,
                  ctypes.byref(n), ctypes.byref(unk))
        return (ids, int(unk.value)) if return_unknown else ids

    def decode_bytes(self, ids):
        a = ids_array(ids)
        n = c_size_t()
        _call(lib.lacus_tokenizer_decode, self._h(), _iptr(a), a.shape[0], None, 0,
              ctypes.byref(n))
        buf = ctypes.create_string_buffer(max(n.value, 1))
        _call(lib.lacus_tokenizer_decode, self._h(), _iptr(a), a.shape[0], buf, n.value,
              ctypes.byref(n))
        return buf.raw[:n.value]

    def decode(self, ids, errors="replace"):
        return self.decode_bytes(ids).decode("utf-8", errors)

    def token_bytes(self, i):
        """The bytes of token id i."""
        n = lib.lacus_tokenizer_token_bytes(self._h(), int(i), None, 0)
        if n < 0:
            raise C.LacusError(-1, "token id %d: out of range [0, %d)" % (i, self.vocab_size))
        buf = ctypes.create_string_buffer(max(n, 1))
        lib.lacus_tokenizer_token_bytes(self._h(), int(i), buf, n)
        return buf.raw[:n]


# --- n-grams, unigram, compressors --------------------------------------------------

class NGram(_Handle):
    """Interpolated modified Kneser-Ney n-gram model (Chen & Goodman 1998).

    NGram(ids, vocab_size, order=3); probs(history) -> (V,) distribution;
    bits(ids, start=0) -> total -log2 p of ids[start:] given what precedes."""

    _free = "lacus_ngram_free"

    def __init__(self, ids, vocab_size, order=3):
        self._handle = None
        a = ids_array(ids)
        h = VP()
        _call(lib.lacus_ngram_train, _iptr(a), a.shape[0], int(vocab_size), int(order),
              ctypes.byref(h))
        self._handle = h.value
        self.vocab_size = int(vocab_size)

    @property
    def order(self):
        return int(lib.lacus_ngram_order(self._h()))

    def discounts(self, k):
        """(D1, D2, D3+) of order k."""
        d = np.empty(3)
        st = lib.lacus_ngram_discounts(self._h(), int(k), C.ptr(d))
        C.check(st, handle_msg=lambda: b"order k = %d: must be in [1, %d]" % (k, self.order))
        return d

    def count_types(self, k):
        return int(lib.lacus_ngram_count_types(self._h(), int(k)))

    def probs(self, history=()):
        a = ids_array(history, "history")
        out = np.empty(self.vocab_size)
        st = lib.lacus_ngram_probs(self._h(), _iptr(a), a.shape[0], C.ptr(out))
        C.check(st, handle_msg=lambda: b"history ids must be in [0, vocab_size)")
        return out

    def bits(self, ids, start=0):
        a = ids_array(ids)
        b = c_double()
        _call(lib.lacus_ngram_score, self._h(), _iptr(a), a.shape[0], int(start), ctypes.byref(b))
        return b.value


def unigram_bits(train_ids, test_ids, vocab_size):
    """Bits of test_ids under add-one unigram counts of train_ids."""
    a, b = ids_array(train_ids, "train_ids"), ids_array(test_ids, "test_ids")
    out = c_double()
    _call(lib.lacus_unigram_bits, _iptr(a), a.shape[0], _iptr(b), b.shape[0], int(vocab_size),
          ctypes.byref(out))
    return out.value


def compressed_size(data, compressor="xz"):
    """Compressed size in bytes (liblzma preset 9e, or libbz2 900k)."""
    if compressor not in COMPRESSORS:
        raise C.LacusError(-1, "compressor %r: must be 'xz' or 'bzip2'" % (compressor,))
    b = _bytes(data, "data")
    out = c_size_t()
    _call(lib.lacus_compressed_size, COMPRESSORS[compressor], b, len(b), ctypes.byref(out))
    return int(out.value)


def conditional_bits(train, test, compressor="xz"):
    """8 (size(train + test) - size(train)): the compressor's cost of test
    once it has seen train."""
    tr, te = _bytes(train, "train"), _bytes(test, "test")
    return 8.0 * (compressed_size(tr + te, compressor) - compressed_size(tr, compressor))


# --- reservoir language model -----------------------------------------------------------

class ReservoirLM(_Handle):
    """A reservoir driven by tokens with a ridge readout to next-token
    probabilities (lacus/lm.h). ReservoirLM(vocab_size, n_units=1000, lr=0.5,
    sr=0.9, input_scaling=0.5, input_connectivity=1, rc_degree=10,
    bias_scaling=0.2, ridge=1e-2, feed_token=True, warmup=50, chunk=2048,
    seed=42, gate_tokens=24, gate_ridge=1)."""

    _free = "lacus_lm_free"

    def __init__(self, vocab_size, **kw):
        self._handle = None
        self.tokenizer = None
        p = lib.lacus_lm_params_default()
        p.vocab_size = int(vocab_size)
        C.set_fields(p, kw, "ReservoirLM")
        h = VP()
        _call(lib.lacus_lm_create, ctypes.byref(p), ctypes.byref(h))
        self._handle = h.value

    def _call(self, fn, *args):
        h = self._h()
        C.check(fn(h, *args), handle_msg=lambda: lib.lacus_lm_errmsg(h))

    @property
    def params(self):
        p = lib.lacus_lm_params_get(self._h())[0]
        return {f[0]: getattr(p, f[0]) for f in LMParams._fields_}

    @property
    def vocab_size(self):
        return int(lib.lacus_lm_params_get(self._h())[0].vocab_size)

    @property
    def n_trainable(self):
        return int(lib.lacus_lm_n_trainable(self._h()))

    @property
    def beta(self):
        return float(lib.lacus_lm_beta(self._h()))

    @property
    def eps(self):
        return float(lib.lacus_lm_eps(self._h()))

    def set_ext(self, **kw):
        """Pair-gated readouts and slow units for the next fit
        (lacus_lm_set_ext): pair_gates=0, pair_units=0 (all), pair_ridge=1,
        slow_units=0, slow_lr=0.1. Returns self."""
        x = lib.lacus_lm_ext_params_default()
        C.set_fields(x, kw, "ReservoirLM.set_ext")
        self._call(lib.lacus_lm_set_ext, ctypes.byref(x))
        return self

    @property
    def ext(self):
        x = lib.lacus_lm_ext_get(self._h())[0]
        return {f[0]: getattr(x, f[0]) for f in LMExtParams._fields_}

    def set_embedding(self, E):
        """Input vectors from an embedding table E (V, d), projected by Win."""
        E = C.as_f64(E, 2, "E")
        if E.shape[0] != self.vocab_size:
            raise C.LacusError(-2, "E must have %d rows (vocab_size), got %d"
                               % (self.vocab_size, E.shape[0]))
        self._call(lib.lacus_lm_set_embedding, C.ptr(E), E.shape[1])

    def fit(self, ids, n_calib=1000, progress=None):
        """Trains the readout on ids[:-n_calib] and calibrates the softmax on
        the last n_calib tokens. progress(fraction) is called on the way."""
        a = ids_array(ids)
        cb = PROGRESS_FN(lambda f, u: progress(f)) if progress else PROGRESS_FN()
        self._call(lib.lacus_lm_fit, _iptr(a), a.shape[0], int(n_calib), cb, None)
        return self

    def fit_select(self, ids, ridges, n_calib=1000, progress=None):
        """fit with the ridge chosen on held-out tokens (lacus_lm_fit_select):
        returns the held-out bits per token of every value of ridges; the
        winner becomes params["ridge"]."""
        a = ids_array(ids)
        r = np.ascontiguousarray(ridges, dtype=np.float64).ravel()
        vb = np.empty(r.shape[0])
        cb = PROGRESS_FN(lambda f, u: progress(f)) if progress else PROGRESS_FN()
        self._call(lib.lacus_lm_fit_select, _iptr(a), a.shape[0], int(n_calib), C.ptr(r), r.shape[0],
                   C.ptr(vb), cb, None)
        return vb

    def bits(self, ids, start=1, adapt=None):
        """Total -log2 p(ids[t] | ids[:t]) over t >= start (state from zero at
        ids[0]). adapt: a dict of lacus_lm_adapt_params (step, cache_size,
        cache_dim, cache_theta, cache_lambda, cache_seed) to score adapting to
        the text as it is read (lacus_lm_score_adapt)."""
        a = ids_array(ids)
        b = c_double()
        if adapt is None:
            self._call(lib.lacus_lm_score, _iptr(a), a.shape[0], int(start), ctypes.byref(b))
        else:
            ap = lib.lacus_lm_adapt_params_default()
            C.set_fields(ap, adapt, "ReservoirLM.bits adapt")
            self._call(lib.lacus_lm_score_adapt, _iptr(a), a.shape[0], int(start), ctypes.byref(ap),
                       ctypes.byref(b))
        return b.value

    def adapt_select(self, ids, start, steps=(0.0,), thetas=(20.0,), lambdas=(0.1,), **fixed):
        """Chooses the adaptation on calibration tokens ids[start:]
        (lacus_lm_adapt_select): returns (the chosen settings as a dict, the
        bits of every grid point as an array (steps, thetas, lambdas)).
        fixed: the other settings (cache_size, cache_dim, cache_seed)."""
        a = ids_array(ids)
        ap = lib.lacus_lm_adapt_params_default()
        C.set_fields(ap, fixed, "ReservoirLM.adapt_select",
                     reserved=("step", "cache_theta", "cache_lambda"))
        g = [np.ascontiguousarray(v, dtype=np.float64).ravel() for v in (steps, thetas, lambdas)]
        out = np.empty(g[0].shape[0] * g[1].shape[0] * g[2].shape[0])
        self._call(lib.lacus_lm_adapt_select, _iptr(a), a.shape[0], int(start), C.ptr(g[0]),
                   g[0].shape[0], C.ptr(g[1]), g[1].shape[0], C.ptr(g[2]), g[2].shape[0],
                   ctypes.byref(ap), C.ptr(out))
        chosen = {f[0]: getattr(ap, f[0]) for f in LMAdaptParams._fields_}
        return chosen, out.reshape(g[0].shape[0], g[1].shape[0], g[2].shape[0])

    def probs(self, context):
        """Next-token distribution (V,) after context ids."""
        a = ids_array(context, "context")
        out = np.empty(self.vocab_size)
        self._call(lib.lacus_lm_probs, _iptr(a), a.shape[0], C.ptr(out))
        return out

    def generate(self, prompt, n, temperature=1.0, top_k=0, top_p=1.0, seed=1):
        """n sampled token ids after prompt ids (seeded: same seed, same ids)."""
        a = ids_array(prompt, "prompt")
        sp = lib.lacus_sample_params_default()
        sp.temperature, sp.top_k, sp.top_p, sp.seed = (float(temperature), int(top_k),
                                                       float(top_p), int(seed))
        out = np.empty(max(int(n), 0), dtype=np.int32)
        self._call(lib.lacus_lm_generate, _iptr(a), a.shape[0], int(n), ctypes.byref(sp),
                   _iptr(out))
        return out

    def pair_margins(self, good, bad, eos, start=0):
        """Minimal-pair margins: (margins, first_token_index) per differing
        sentence; > 0 means the grammatical sentence is preferred."""
        g, b = ids_array(good, "good"), ids_array(bad, "bad")
        if g.shape != b.shape:
            raise C.LacusError(-2, "good has %d ids but bad has %d" % (g.shape[0], b.shape[0]))
        n = c_int64()
        self._call(lib.lacus_lm_pair_margins, _iptr(g), _iptr(b), g.shape[0], int(start),
                   int(eos), None, None, 0, ctypes.byref(n))
        m = np.empty(n.value)
        first = np.empty(n.value, dtype=np.int64)
        self._call(lib.lacus_lm_pair_margins, _iptr(g), _iptr(b), g.shape[0], int(start),
                   int(eos), C.ptr(m), first.ctypes.data_as(P_int64), n.value, ctypes.byref(n))
        return m, first

    def save(self, path, tokenizer=None):
        tok = tokenizer if tokenizer is not None else self.tokenizer
        _call(lib.lacus_lm_save, self._h(), tok._h() if tok is not None else None,
              os.fsencode(path))

    @classmethod
    def load(cls, path):
        """The model, with .tokenizer set when the file holds one."""
        h, t = VP(), VP()
        _call(lib.lacus_lm_load, os.fsencode(path), ctypes.byref(h), ctypes.byref(t))
        self = cls.__new__(cls)
        self._handle = h.value
        self.tokenizer = Tokenizer(t.value) if t.value else None
        return self


class StackLM(_Handle):
    """A stacked reservoir LM (lacus_lm_stack_*): n_layers reservoirs in
    chained mode, layer l > 0 reading layer l-1's predicted scores, each
    with its own ridge readout and calibration. StackLM.train(ids, n_layers,
    vocab_size, n_calib, **ReservoirLM parameters; gate_tokens is 0)."""

    _free = "lacus_lm_stack_free"

    def __init__(self, handle):
        self._handle = handle
        self.tokenizer = None

    @classmethod
    def train(cls, ids, n_layers, vocab_size, n_calib=1000, **kw):
        a = ids_array(ids)
        p = lib.lacus_lm_params_default()
        p.vocab_size, p.gate_tokens = int(vocab_size), 0
        C.set_fields(p, kw, "StackLM")
        h = VP()
        _call(lib.lacus_lm_stack_train, ctypes.byref(p), int(n_layers), _iptr(a),
              a.shape[0] - int(n_calib), int(n_calib), ctypes.byref(h))
        return cls(h.value)

    def _call(self, fn, *args):
        h = self._h()
        C.check(fn(h, *args), handle_msg=lambda: lib.lacus_lm_stack_errmsg(h))

    @property
    def n_layers(self):
        return int(lib.lacus_lm_stack_n_layers(self._h()))

    @property
    def params(self):
        p = lib.lacus_lm_stack_params(self._h())[0]
        return {f[0]: getattr(p, f[0]) for f in LMParams._fields_}

    @property
    def betas(self):
        return [float(lib.lacus_lm_stack_beta(self._h(), i)) for i in range(self.n_layers)]

    def bits(self, ids, start=1):
        """Total -log2 p over t >= start at every depth: an array (n_layers,)."""
        a = ids_array(ids)
        out = np.empty(self.n_layers)
        self._call(lib.lacus_lm_stack_score, _iptr(a), a.shape[0], int(start), C.ptr(out))
        return out

    def generate(self, prompt, n, layer=0, temperature=1.0, top_k=0, top_p=1.0, seed=1, f32=False):
        """n sampled ids after prompt from depth layer (1..n_layers; 0: the top).
        f32: readouts and drives in single precision (lacus_lm_stack_generate_f32:
        faster; the stream parts from the double one only where a draw falls
        within float rounding of a boundary)."""
        a = ids_array(prompt, "prompt")
        sp = lib.lacus_sample_params_default()
        sp.temperature, sp.top_k, sp.top_p, sp.seed = (float(temperature), int(top_k),
                                                       float(top_p), int(seed))
        out = np.empty(max(int(n), 0), dtype=np.int32)
        fn = lib.lacus_lm_stack_generate_f32 if f32 else lib.lacus_lm_stack_generate
        self._call(fn, int(layer), _iptr(a), a.shape[0], int(n), ctypes.byref(sp), _iptr(out))
        return out

    def save(self, path, tokenizer=None):
        tok = tokenizer if tokenizer is not None else self.tokenizer
        _call(lib.lacus_lm_stack_save, self._h(), tok._h() if tok is not None else None,
              os.fsencode(path))

    @classmethod
    def load(cls, path):
        h, t = VP(), VP()
        _call(lib.lacus_lm_stack_load, os.fsencode(path), ctypes.byref(h), ctypes.byref(t))
        self = cls(h.value)
        self.tokenizer = Tokenizer(t.value) if t.value else None
        return self


def stack_eval(ids, n_layers, vocab_size, n_train, n_calib, **kw):
    """lacus_lm_stack_eval: held-out bits per token of every depth."""
    a = ids_array(ids)
    p = lib.lacus_lm_params_default()
    p.vocab_size, p.gate_tokens = int(vocab_size), 0
    for k, v in kw.items():
        setattr(p, k, int(v) if isinstance(v, bool) else v)
    out = np.empty(int(n_layers))
    _call(lib.lacus_lm_stack_eval, ctypes.byref(p), int(n_layers), _iptr(a), a.shape[0],
          int(n_train), int(n_calib), C.ptr(out))
    return out


def formal_skill(task, k, model_probs, ids, true_probs, start=1):
    """The formal skill probe (lacus_formal_skill_from_probs) of a model
    given as its next-token distributions (n, V): (accuracy, continuous,
    probed positions)."""
    a = ids_array(ids)
    q = C.as_f64(model_probs, 2, "model_probs")
    t = C.as_f64(true_probs, 2, "true_probs")
    sc = SkillScore()
    _call(lib.lacus_formal_skill_from_probs, FORMAL_TASKS[task], int(k), C.ptr(q), _iptr(a),
          C.ptr(t), a.shape[0], q.shape[1], int(start), ctypes.byref(sc))
    return sc.acc, sc.cont, sc.n


# --- lgen ---------------------------------------------------------------------------------

class LGen(_Handle):
    """The synthetic-language generator (lacus/lgen.h). LGen(seed=1,
    split="iid" | "deeper" | "newcomb_train" | "newcomb_test", **grammar)
    with the grammar's parameters (n_nouns, p_pp, p_rel, max_depth, ...).
    generate(n, probs=True, annotations=True) returns a dict with ids (n,),
    probs (n, V) the true next-token distributions, annotations (a
    structured array) and loglik (natural log)."""

    _free = "lacus_lgen_free"

    def __init__(self, seed=1, split="iid", **kw):
        self._handle = None
        p = lib.lacus_lgen_params_default()
        if split not in SPLITS:
            raise C.LacusError(-1, "split %r: must be one of %s" % (split, ", ".join(SPLITS)))
        p.split = SPLITS[split]
        p.seed = int(seed)
        C.set_fields(p, kw, "LGen", reserved=("split", "seed"))
        h = VP()
        _call(lib.lacus_lgen_create, ctypes.byref(p), ctypes.byref(h))
        self._handle = h.value

    @property
    def vocab_size(self):
        return int(lib.lacus_lgen_vocab_size(self._h()))

    @property
    def vocab(self):
        return [lib.lacus_lgen_word(self._h(), i).decode() for i in range(self.vocab_size)]

    def words(self, ids):
        v = self.vocab
        return [v[i] for i in ids_array(ids)]

    def reset(self, seed):
        lib.lacus_lgen_reset(self._h(), int(seed))

    def generate(self, n, probs=False, annotations=False):
        h = self._h()
        n = int(n)
        ids = np.empty(max(n, 0), dtype=np.int32)
        P = np.empty((max(n, 0), self.vocab_size)) if probs else None
        A = (LGenAnnot * max(n, 1))() if annotations else None
        ll = c_double()
        C.check(lib.lacus_lgen_generate(h, n, _iptr(ids), C.ptr(P), A, ctypes.byref(ll)),
                handle_msg=lambda: lib.lacus_lgen_errmsg(h))
        out = dict(ids=ids, loglik=ll.value)
        if probs:
            out["probs"] = P
        if annotations:
            dt = np.dtype([("cls", np.int32), ("depth", np.int32), ("open_deps", np.int32),
                           ("link", np.int32), ("attractors", np.int32),
                           ("sentence", np.int64)], align=True)
            assert dt.itemsize == ctypes.sizeof(LGenAnnot)
            out["annotations"] = np.frombuffer(bytes(A), dtype=dt, count=n).copy()
        return out

    def minimal_pair(self, ids):
        """(bad ids with every agreement flipped, number of tokens changed)."""
        a = ids_array(ids)
        bad = np.empty_like(a)
        k = lib.lacus_lgen_minimal_pair(self._h(), _iptr(a), a.shape[0], _iptr(bad))
        return bad, int(k)


def formal_generate(task, n, k=2, p=0.5, max_len=20, seed=1, probs=False):
    """Formal-language side tasks ("dyck", "copy", "reverse", "count") with
    their exact next-token distributions: (ids, probs or None, V)."""
    if task not in FORMAL_TASKS:
        raise C.LacusError(-1, "task %r: must be one of %s" % (task, ", ".join(FORMAL_TASKS)))
    V = {"dyck": 2 + 2 * int(k), "copy": 2 + int(k), "reverse": 2 + int(k), "count": 4}[task]
    ids = np.empty(max(int(n), 0), dtype=np.int32)
    P = np.empty((max(int(n), 0), max(V, 1))) if probs else None
    v = c_int64()
    _call(lib.lacus_formal_generate, FORMAL_TASKS[task], int(k), float(p), int(max_len),
          int(seed), int(n), _iptr(ids), C.ptr(P), ctypes.byref(v))
    return ids, P, int(v.value)
