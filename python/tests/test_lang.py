"""lacus.lang: tokenizer round trips, n-gram and reservoir-LM bits checked
against -log2 of their own returned distributions, compressor sizes against
Python's lzma/bz2 (the same libraries), and lgen/lm against the lacus CLI on
the same inputs."""

import bz2
import lzma
import os
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))

import lacus  # noqa: E402
from lacus import lang  # noqa: E402

FIX = os.environ.get("LACUS_FIXTURES") or os.path.normpath(
    os.path.join(HERE, "..", "..", "tests", "fixtures"))


def moby():
    with open(os.path.join(FIX, "lang", "moby_excerpt.txt"), "rb") as f:
        return f.read()


def cli():
    """The lacus binary next to the library under test, or None."""
    lib = os.environ.get("LACUS_LIBRARY")
    path = os.path.join(os.path.dirname(lib), "lacus") if lib else os.path.normpath(
        os.path.join(HERE, "..", "..", "build", "lacus"))
    return path if os.access(path, os.X_OK) else None


@pytest.mark.parametrize("kind", ["bytes", "chars", "words", "bpe"])
def test_tokenizer_round_trips(kind, tmp_path):
    text = moby()[:20000]
    tok = lang.Tokenizer.train(text, kind=kind, vocab_size=400 if kind == "bpe" else None)
    ids, unk = tok.encode(text, return_unknown=True)
    assert ids.dtype == np.int32 and unk == 0
    assert ids.min() >= 0 and ids.max() < tok.vocab_size
    assert tok.decode_bytes(ids) == text
    # the ids concatenate their tokens' bytes
    assert b"".join(tok.token_bytes(i) for i in ids[:200]) == tok.decode_bytes(ids[:200])
    if kind == "bytes":
        np.testing.assert_array_equal(ids, np.frombuffer(text, dtype=np.uint8))
    if kind == "bpe":
        assert tok.vocab_size == 400 and len(ids) < 0.7 * len(text)
        junk = bytes(np.random.default_rng(0).integers(0, 256, 500).astype(np.uint8))
        assert tok.decode_bytes(tok.encode(junk)) == junk  # every byte string
    tok.save(tmp_path / "t.json")
    back = lang.Tokenizer.load(tmp_path / "t.json")
    np.testing.assert_array_equal(back.encode(text), ids)


def test_chars_unknown_and_str_api():
    tok = lang.Tokenizer.train("héllo wörld", kind="chars")
    assert tok.vocab_size == 1 + len(set("héllo wörld"))
    assert tok.decode(tok.encode("wörld héllo")) == "wörld héllo"
    ids, unk = tok.encode("hélloZ", return_unknown=True)
    assert unk == 1 and ids[-1] == tok.unk == 0
    assert tok.decode(ids) == "héllo\ufffd"
    with pytest.raises(lacus.LacusError) as e:
        tok.decode([0, 999])
    assert "1" in e.value.message  # names the index
    with pytest.raises(lacus.LacusError):
        lang.Tokenizer.train("", kind="chars")
    with pytest.raises(lacus.LacusError):
        lang.Tokenizer.train("abc", kind="chars2")


def test_ngram_bits_equal_its_probabilities():
    text = moby()
    tok = lang.Tokenizer.train(text, kind="chars")
    ids = tok.encode(text)
    cut = int(0.9 * len(ids))
    V = tok.vocab_size
    for order in (1, 3, 5):
        m = lang.NGram(ids[:cut], V, order=order)
        test = ids[cut - 10:cut + 300]
        bits = m.bits(test, start=10)
        ref = 0.0
        for t in range(10, len(test)):
            p = m.probs(test[max(0, t - order + 1):t])
            assert abs(p.sum() - 1) < 1e-12 and p.min() > 0
            ref -= np.log2(p[test[t]])
        assert abs(bits - ref) < 1e-9 * ref
    m3 = lang.NGram(ids[:cut], V, order=3)
    bpc3 = m3.bits(ids, start=cut) / (len(ids) - cut)
    bpc1 = lang.NGram(ids[:cut], V, order=1).bits(ids, start=cut) / (len(ids) - cut)
    assert bpc3 < bpc1 < np.log2(V)
    d = m3.discounts(3)
    assert np.all((d >= 0) & (d <= [1, 2, 3]))
    # unigram add-one, by hand
    counts = np.bincount(ids[:cut], minlength=V) + 1.0
    ref = -np.sum(np.log2(counts[ids[cut:]] / counts.sum()))
    assert abs(lang.unigram_bits(ids[:cut], ids[cut:], V) - ref) < 1e-9 * ref
    with pytest.raises(lacus.LacusError):
        lang.NGram(ids, V, order=9)
    with pytest.raises(lacus.LacusError):
        lang.NGram(np.array([0, 1, 5]), 3, order=2)


def test_compressed_sizes_equal_python_lzma_and_bz2():
    text = moby()[:30000]
    def py_xz(b):
        return len(lzma.compress(b, preset=9 | lzma.PRESET_EXTREME))
    # lacus uses liblzma's one-shot buffer encoder, whose block header also
    # stores the compressed and uncompressed sizes (two varints, 4 bytes here);
    # Python's streaming encoder leaves them out. The payload is the same.
    assert lang.compressed_size(text, "xz") == py_xz(text) + 4
    assert lang.compressed_size(text, "bzip2") == len(bz2.compress(text, 9))
    # the conditional cost is a difference, so the header cancels exactly
    c = lang.conditional_bits(text[:20000], text[20000:])
    assert c == 8 * (py_xz(text) - py_xz(text[:20000]))


def _small_lm(ids, V):
    return lang.ReservoirLM(V, n_units=60, warmup=10, gate_tokens=4, seed=7).fit(ids,
                                                                               n_calib=500)


def test_reservoir_lm_adapt():
    text = moby()[:14000]
    tok = lang.Tokenizer.train(text, kind="chars")
    ids = tok.encode(text)
    m = _small_lm(ids[:10000], tok.vocab_size)
    # adaptation off is the plain score
    b = m.bits(ids[:11000], start=10000)
    assert abs(m.bits(ids[:11000], start=10000, adapt={}) - b) < 1e-10 * b
    # a passage read twice: its second reading is cheaper with the cache
    twice = np.concatenate([ids[:10600], ids[10000:10600]])
    cache = dict(cache_size=1200, cache_dim=16, cache_theta=100.0, cache_lambda=0.3)
    first = m.bits(twice[:10600], start=10000, adapt=cache)
    second = m.bits(twice, start=10000, adapt=cache) - first
    second_static = m.bits(twice, start=10000) - m.bits(twice[:10600], start=10000)
    assert second < 0.6 * second_static
    # the selection: its grid is single passes, the least is chosen
    chosen, grid = m.adapt_select(ids[:11000], 10000, steps=(0.0, 0.1), thetas=(30.0, 300.0),
                                  lambdas=(0.1,), cache_size=500, cache_dim=16)
    assert grid.shape == (2, 2, 1)
    i, j, k = np.unravel_index(np.argmin(grid), grid.shape)
    assert (chosen["step"], chosen["cache_theta"]) == ((0.0, 0.1)[i], (30.0, 300.0)[j])
    assert chosen["cache_size"] == 500 and chosen["cache_dim"] == 16
    again = m.bits(ids[:11000], start=10000, adapt={k2: chosen[k2] for k2 in chosen})
    assert again == grid[i, j, k]
    with pytest.raises(TypeError, match="cache_size2"):
        m.bits(ids[:11000], start=10000, adapt={"cache_size2": 3})
    with pytest.raises(lacus.LacusError, match="cache_lambda = 1"):
        m.bits(ids[:11000], start=10000, adapt=dict(cache_size=10, cache_dim=8, cache_lambda=1.0))


def test_reservoir_lm_bits_probs_generate(tmp_path):
    text = moby()[:12000]
    tok = lang.Tokenizer.train(text, kind="chars")
    ids = tok.encode(text)
    m = _small_lm(ids[:10000], tok.vocab_size)
    assert m.n_trainable > 0 and m.beta > 0
    test = ids[10000:10150]
    bits = m.bits(test, start=1)
    ref = 0.0
    for t in range(1, len(test)):
        p = m.probs(test[:t])
        assert abs(p.sum() - 1) < 1e-9
        ref -= np.log2(p[test[t]])
    assert abs(bits - ref) < 1e-8 * ref
    assert bits / 149 < np.log2(tok.vocab_size)  # better than uniform
    g1 = m.generate(tok.encode("Call me"), 50, top_k=5, seed=3)
    np.testing.assert_array_equal(g1, m.generate(tok.encode("Call me"), 50, top_k=5, seed=3))
    assert g1.min() >= 0 and g1.max() < tok.vocab_size
    greedy = m.generate(tok.encode("Call me"), 1, temperature=1e-6)
    assert greedy[0] == np.argmax(m.probs(tok.encode("Call me")))
    m.save(tmp_path / "lm.npz", tokenizer=tok)
    back = lang.ReservoirLM.load(tmp_path / "lm.npz")
    assert back.tokenizer is not None and back.tokenizer.vocab_size == tok.vocab_size
    assert abs(back.bits(test) - bits) < 1e-9 * bits
    with pytest.raises(lacus.LacusError):
        lang.ReservoirLM(10, n_units=0)
    with pytest.raises(lacus.LacusError):
        m.generate(tok.encode("Call"), 5, temperature=0)


@pytest.mark.skipif(cli() is None, reason="no lacus binary next to the library")
def test_lm_generate_equals_cli(tmp_path):
    text = moby()
    path = os.path.join(FIX, "lang", "moby_excerpt.txt")
    subprocess.run([cli(), "lm", "train", "--text", path, "--units", "40", "--warmup", "10",
                    "--output", str(tmp_path / "m.npz")], check=True, capture_output=True)
    out = subprocess.run([cli(), "lm", "generate", "--model", str(tmp_path / "m.npz"),
                          "--prompt", "Call me", "--n", "200", "--top-k", "5", "--seed", "3"],
                         check=True, capture_output=True).stdout
    m = lang.ReservoirLM.load(tmp_path / "m.npz")
    tok = m.tokenizer
    ids = m.generate(tok.encode("Call me"), 200, top_k=5, seed=3)
    assert tok.decode_bytes(ids) in out and len(text) > 0


def test_lgen_distributions_loglik_and_minimal_pairs():
    g = lang.LGen(seed=9)
    out = g.generate(3000, probs=True, annotations=True)
    ids, P = out["ids"], out["probs"]
    np.testing.assert_allclose(P.sum(1), 1.0, atol=1e-12)
    assert np.all(P[np.arange(len(ids)), ids] > 0)
    ll = np.sum(np.log(P[np.arange(len(ids)), ids]))
    assert abs(ll - out["loglik"]) < 1e-9 * abs(ll)
    a = out["annotations"]
    assert g.vocab[0] == "." and np.all(a["cls"][ids == 0] == 0)
    verbs = np.flatnonzero((a["cls"] == 5) & (a["link"] >= 0))
    assert verbs.size > 100 and np.all(a["cls"][a["link"][verbs]] != 5)
    end = np.flatnonzero(ids == 0)[0] + 1
    bad, k = g.minimal_pair(ids[:end])
    assert k >= 1 and np.sum(bad != ids[:end]) == k
    # the stream restarts identically from the same seed
    g.reset(9)
    np.testing.assert_array_equal(g.generate(3000)["ids"], ids)
    with pytest.raises(lacus.LacusError):
        lang.LGen(p_pp=0.9, p_rel=0.5)


@pytest.mark.skipif(cli() is None, reason="no lacus binary next to the library")
def test_lgen_equals_cli(tmp_path):
    subprocess.run([cli(), "lgen", "--output", str(tmp_path / "c.npz"), "--tokens", "3000",
                    "--probs", "--seed", "9"], check=True, capture_output=True)
    out = lang.LGen(seed=9).generate(3000, probs=True)
    with np.load(tmp_path / "c.npz") as z:
        np.testing.assert_array_equal(z["ids"].ravel(), out["ids"])
        np.testing.assert_array_equal(z["probs"], out["probs"])
    subprocess.run([cli(), "lgen", "--task", "dyck", "--k", "3", "--output",
                    str(tmp_path / "d.npz"), "--tokens", "500", "--probs"], check=True,
                   capture_output=True)
    ids, P, V = lang.formal_generate("dyck", 500, k=3, probs=True)
    with np.load(tmp_path / "d.npz") as z:
        np.testing.assert_array_equal(z["ids"].ravel(), ids)
        np.testing.assert_array_equal(z["probs"], P)


def test_formal_tasks():
    for task, V in (("dyck", 6), ("copy", 4), ("reverse", 4), ("count", 4)):
        ids, P, v = lang.formal_generate(task, 400, k=2, probs=True, seed=2)
        assert v == V and P.shape == (400, V)
        np.testing.assert_allclose(P.sum(1), 1.0, atol=1e-12)
        assert np.all(P[np.arange(400), ids] > 0)
    ids, _, _ = lang.formal_generate("copy", 400, k=2, seed=5)
    s = "".join(map(str, ids)).split("0")[0]  # first string up to "$"
    first, second = s.split("1")
    assert first == second


def _lgen_ids(n, seed=3):
    g = lang.LGen(n_nouns=10, n_adj=4, n_prep=2, n_vi=3, n_vt=3, n_vr=2, n_vc=2)
    g.reset(seed)
    ids = g.generate(n)["ids"]
    return ids, g.vocab_size


def test_stack_lm_equals_stack_eval_and_round_trips(tmp_path):
    ids, V = _lgen_ids(8000)
    n_train, n_calib = 5500, 1000
    kw = dict(n_units=30, ridge=1.0, warmup=20)
    ref = lang.stack_eval(ids, 2, V, n_train, n_calib, **kw)  # lacus_stack_run, whole sequences
    m = lang.StackLM.train(ids[:n_train + n_calib], 2, V, n_calib=n_calib, **kw)
    r0 = n_train - 1 - 1000
    got = m.bits(ids[r0:], start=n_train + n_calib - r0) / (len(ids) - n_train - n_calib)
    np.testing.assert_allclose(got, ref, rtol=1e-9)
    m.save(tmp_path / "s.npz")
    back = lang.StackLM.load(tmp_path / "s.npz")
    assert back.n_layers == 2 and back.betas == m.betas
    np.testing.assert_array_equal(back.bits(ids[:3000]), m.bits(ids[:3000]))
    g1 = m.generate(ids[:20], 200, layer=1, seed=9)
    np.testing.assert_array_equal(back.generate(ids[:20], 200, layer=1, seed=9), g1)
    assert g1.min() >= 0 and g1.max() < V
    with pytest.raises(lacus.LacusError, match="layer = 3"):
        m.generate(ids[:20], 5, layer=3)
    # Float generation: seeded, in range, and on this small model the same
    # stream as the double path (scores within ~1e-6, test_lm_stack_step).
    f1 = m.generate(ids[:20], 200, layer=1, seed=9, f32=True)
    np.testing.assert_array_equal(m.generate(ids[:20], 200, layer=1, seed=9, f32=True), f1)
    assert f1.min() >= 0 and f1.max() < V
    assert (f1[:50] == g1[:50]).all()
    with pytest.raises(lacus.LacusError, match="layer = 3"):
        m.generate(ids[:20], 5, layer=3, f32=True)


def test_fit_select_picks_the_held_out_argmin():
    ids, V = _lgen_ids(9000, seed=4)
    grid = [1e-4, 1e-2, 1.0, 1e2, 1e4]
    m = lang.ReservoirLM(V, n_units=40, gate_tokens=0)
    vb = m.fit_select(ids, grid, n_calib=1000)
    assert m.params["ridge"] == grid[int(np.argmin(vb))]
    assert vb.max() > vb.min() + 0.05  # the grid is not flat


@pytest.mark.parametrize("task,k", [("copy", 3), ("reverse", 3), ("count", 2), ("dyck", 2)])
def test_formal_skill_true_one_uniform_chance(task, k):
    ids, probs, V = lang.formal_generate(task, 3000, k=k, p=0.7, max_len=8, seed=5, probs=True)
    acc, cont, n = lang.formal_skill(task, k, probs, ids, probs, start=5)
    assert n > 300 and acc == 1.0 and abs(cont) < 1e-12
    acc, cont, n = lang.formal_skill(task, k, np.full_like(probs, 1.0 / V), ids, probs, start=5)
    S = k + 1 if task == "dyck" else V
    assert abs(acc - 1.0 / S) < 1e-12 and abs(cont + np.log2(S)) < 1e-12
