"""lacus.lang round 7: pair-gated readouts and slow units through ctypes,
checked against the lacus CLI on the same text and split (the same model,
so the same held-out bits), and the binding's own settings round trip."""

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
EXT = dict(pair_gates=30, pair_units=25, pair_ridge=0.5, slow_units=10, slow_lr=0.05)


def cli():
    lib = os.environ.get("LACUS_LIBRARY")
    path = os.path.join(os.path.dirname(lib), "lacus") if lib else os.path.normpath(
        os.path.join(HERE, "..", "..", "build", "lacus"))
    return path if os.access(path, os.X_OK) else None


def short_text(tmp_path):
    with open(os.path.join(FIX, "lang", "moby_excerpt.txt"), "rb") as f:
        data = f.read()[:20000]
    p = tmp_path / "short.txt"
    p.write_bytes(data)
    return data, p


def split(data, holdout=0.1):
    """lm train's split: the last 10% of the bytes, cut moved to a line start."""
    cut = max(int((1 - holdout) * len(data)), 1)
    while cut < len(data) and data[cut - 1:cut] != b"\n":
        cut += 1
    return cut


def test_ext_settings_round_trip_and_bad_values():
    m = lang.ReservoirLM(30, n_units=40)
    assert m.ext == dict(pair_gates=0, pair_units=0, pair_ridge=1.0, slow_units=0, slow_lr=0.1)
    m.set_ext(**EXT)
    assert m.ext == dict(EXT, pair_units=25)
    with pytest.raises(lacus.LacusError, match="pair_units = 41"):
        m.set_ext(pair_gates=3, pair_units=41)
    with pytest.raises(lacus.LacusError, match="slow_lr"):
        m.set_ext(slow_units=3, slow_lr=0.0)
    with pytest.raises(TypeError):
        m.set_ext(pairs=3)


@pytest.mark.skipif(cli() is None, reason="no lacus binary next to the library")
def test_pair_gated_lm_equals_cli(tmp_path):
    data, path = short_text(tmp_path)
    out = subprocess.run([cli(), "lm", "train", "--text", str(path), "--units", "40", "--warmup", "10",
                          "--gate-tokens", "8", "--pair-gates", "30", "--pair-units", "25",
                          "--pair-ridge", "0.5", "--slow-units", "10", "--slow-lr", "0.05",
                          "--threads", "1", "--output", str(tmp_path / "p.npz")],
                         check=True, capture_output=True, text=True).stdout
    row = [l for l in out.splitlines() if l.startswith("reservoir N=40 ") and "bits/byte" in l][0]
    cli_bits_per_token = float(row.split()[2])
    cut = split(data)
    tok = lang.Tokenizer.train(data[:cut], kind="chars")
    tr, te = tok.encode(data[:cut]), tok.encode(data[cut:])
    ids = np.concatenate([tr, te])
    m = lang.ReservoirLM(tok.vocab_size, n_units=40, warmup=10, gate_tokens=8).set_ext(**EXT)
    m.fit(tr, n_calib=int(0.05 * len(tr)))
    bits = m.bits(ids, start=len(tr)) / len(te)
    assert abs(bits - cli_bits_per_token) < 1e-4  # the CLI prints 4 decimals
    # The CLI's file, loaded here: the same settings and the same bits as
    # the model trained here (same computation).
    f = lang.ReservoirLM.load(tmp_path / "p.npz")
    assert f.ext == EXT and f.n_trainable == m.n_trainable
    assert m.n_trainable == (40 + tok.vocab_size + 1) * tok.vocab_size + 8 * 40 * tok.vocab_size \
        + 30 * 25 * tok.vocab_size + 2
    fb = f.bits(ids, start=len(tr)) / len(te)
    assert abs(fb - bits) < 1e-9 * bits
    # Without the pair gates the bits differ: the setting is used.
    m0 = lang.ReservoirLM(tok.vocab_size, n_units=40, warmup=10, gate_tokens=8).set_ext(
        slow_units=10, slow_lr=0.05)
    m0.fit(tr, n_calib=int(0.05 * len(tr)))
    assert abs(m0.bits(ids, start=len(tr)) / len(te) - bits) > 1e-3
