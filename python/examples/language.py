"""Tokenizers, n-grams, a reservoir LM and lgen (docs/python.md)."""
import os
import numpy as np
from lacus import lang

here = os.path.dirname(os.path.abspath(__file__))
text = open(os.path.join(here, "..", "..", "tests", "fixtures", "lang", "moby_excerpt.txt"),
            "rb").read()
cut = int(0.9 * len(text))
for kind in ("bytes", "chars", "words", "bpe"):
    tok = lang.Tokenizer.train(text[:cut], kind=kind, vocab_size=512 if kind == "bpe" else None)
    ids, unk = tok.encode(text[cut:], return_unknown=True)
    print("%-5s V=%5d  held-out tokens %6d  unknown %3d  round trip %s"
          % (kind, tok.vocab_size, len(ids), unk, tok.decode_bytes(ids) == text[cut:]))

tok = lang.Tokenizer.train(text, kind="bytes")
ids = tok.encode(text)
n_test = len(text) - cut
for order in (1, 3, 5):
    m = lang.NGram(ids[:cut], 256, order=order)
    print("KN %d-gram: %.3f bits/byte" % (order, m.bits(ids, start=cut) / n_test))
print("xz floor: %.3f bits/byte" % (lang.conditional_bits(text[:cut], text[cut:]) / n_test))
lm = lang.ReservoirLM(256, n_units=300, seed=1).fit(ids[:cut], n_calib=2000)
print("reservoir LM (300 units, %d trained numbers): %.3f bits/byte"
      % (lm.n_trainable, lm.bits(ids, start=cut) / n_test))
print("sample:", repr(tok.decode(lm.generate(tok.encode("Call me"), 60, top_k=5, seed=3))))

g = lang.LGen(seed=3)
train = g.generate(100000)
test = g.generate(5000, probs=True)
true_bits = -test["loglik"] / np.log(2) / 5000
V = g.vocab_size
print("lgen: V=%d, true entropy %.3f bits/token" % (V, true_bits))
for order in (2, 4):
    m = lang.NGram(train["ids"], V, order=order)
    bits = m.bits(np.concatenate([train["ids"], test["ids"]]), start=100000) / 5000
    print("  KN %d-gram: %.3f bits/token (gap to the truth %.3f)" % (order, bits, bits - true_bits))
ends = np.flatnonzero(test["ids"] == 0)
print("  a sentence:", " ".join(g.words(test["ids"][ends[0] + 1:ends[1] + 1])))
