"""FIF raw fixtures for lacus's FIF reader (src/brain/fif.c), made by MNE.

For each format raw.save supports (single, double, int, short) a small Raw
file is written with MNE and read back with mne.io.read_raw_fif; the data MNE
reads (samples x channels, time-major as lacus returns it) and the header
fields go next to it. One more file has a FIFF_DATA_SKIP tag spliced in
between two buffers (MNE reads the gap as zeros), to check lacus's skip
handling against MNE's.

    python3 -m venv /work/venv-brain3
    /work/venv-brain3/bin/pip install -r tests/ref/requirements-brain3.txt
    /work/venv-brain3/bin/python tests/ref/make_brain3_fixtures.py
"""
import os
import struct

import mne
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "brain3")
os.makedirs(OUT, exist_ok=True)
mne.set_log_level("ERROR")

names = ["MEG 0111", "MEG 0112", "MEG 0113", "MEG 0121", "MEG 0122", "MEG 0123",
         "EEG 001", "A-very-long-channel-name", "STI 014", "MISC 001"]
types = ["mag", "grad", "grad", "mag", "grad", "grad", "eeg", "eeg", "stim", "misc"]
sfreq = 250.0
n = 523                       # not a multiple of the 0.5 s buffers
rng = np.random.default_rng(9)
scale = {"mag": 1e-12, "grad": 1e-10, "eeg": 1e-5, "stim": 1.0, "misc": 1e-3}
data = np.array([rng.standard_normal(n) * scale[t] for t in types])
data[types.index("stim")] = (rng.random(n) < 0.05) * 5.0
info = mne.create_info(names, sfreq, types)
# Calibrations that make the int/short storage exact enough and that are
# not 1, so that range * cal is really exercised.
cal = {"mag": 3.1e-15, "grad": 2.9e-13, "eeg": 1.7e-8, "stim": 1.0, "misc": 1.3e-6}
with info._unlock():
    info["lowpass"] = 83.0
    info["highpass"] = 0.1
for ch, t in zip(info["chs"], types):
    ch["cal"] = cal[t]
    ch["range"] = 1.5 if t != "stim" else 1.0
raw = mne.io.RawArray(data, info, first_samp=37)
raw.set_meas_date(1_600_000_000.25)
raw.set_annotations(mne.Annotations(onset=[raw.first_time + 0.5, raw.first_time + 1.004, raw.first_time + 1.9],
                                    duration=[0.25, 0.0, 0.1],
                                    description=["word:the", "word", "sentence end"],
                                    orig_time=raw.info["meas_date"]))


def export(fname, stem):
    r = mne.io.read_raw_fif(fname, preload=True)
    np.save(os.path.join(OUT, stem + "_data.npy"), r.get_data().T.copy())
    # Plain tab-separated text, so that the C test needs no JSON parser.
    lines = [f"sfreq\t{r.info['sfreq']!r}", f"first_samp\t{r.first_samp}", f"n_times\t{r.n_times}",
             f"lowpass\t{r.info['lowpass']!r}", f"highpass\t{r.info['highpass']!r}",
             f"nchan\t{r.info['nchan']}"]
    for c, cal in zip(r.info["chs"], r._cals):
        lines.append(f"ch\t{c['ch_name']}\t{int(c['kind'])}\t{int(c['unit'])}\t{int(c['coil_type'])}\t{float(cal)!r}")
    for o, d, t in zip(r.annotations.onset - r.first_time, r.annotations.duration, r.annotations.description):
        lines.append(f"ann\t{float(o)!r}\t{float(d)!r}\t{t}")
    for key, kw in [("meg", dict(meg=True)), ("grad", dict(meg="grad")), ("mag", dict(meg="mag")),
                    ("eeg", dict(meg=False, eeg=True)), ("stim", dict(meg=False, stim=True))]:
        lines.append(f"picks\t{key}\t" + " ".join(str(int(x)) for x in mne.pick_types(r.info, **kw)))
    with open(os.path.join(OUT, stem + ".txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


for fmt in ["single", "double", "int", "short"]:
    fname = os.path.join(OUT, f"{fmt}_raw.fif")
    raw.save(fname, fmt=fmt, buffer_size_sec=0.5, overwrite=True)
    export(fname, fmt)


def tags(b):
    """(pos, kind, type, size, next) of every tag, walked sequentially."""
    pos, out = 0, []
    while pos + 16 <= len(b):
        kind, typ, size, nxt = struct.unpack(">iIii", b[pos:pos + 16])
        out.append((pos, kind, typ, size, nxt))
        pos = pos + 16 + size if nxt == 0 else (nxt if nxt > 0 else len(b))
    return out


# A skip of 2 buffers before the third buffer; the directory pointer is set
# to -1 so that MNE rebuilds its directory by walking the tags as lacus does.
with open(os.path.join(OUT, "single_raw.fif"), "rb") as f:
    b = bytearray(f.read())
t = tags(b)
bufs = [x for x in t if x[1] == 300]
dirp = [x for x in t if x[1] == 101][0]
b[dirp[0] + 16:dirp[0] + 20] = struct.pack(">i", -1)
skip = struct.pack(">iIiii", 301, 3, 4, 0, 2)
p = bufs[2][0]
b = b[:p] + skip + b[p:]
# Drop the stale directory at the end (its positions moved): cut the file
# before the FIFF_DIR tag, which MNE does not need once dirpos is -1.
t2 = tags(bytes(b))
d = [x for x in t2 if x[1] == 102]
if d:
    b = b[:d[0][0]]
fname = os.path.join(OUT, "skip_raw.fif")
with open(fname, "wb") as f:
    f.write(b)
export(fname, "skip")
print("fixtures in", os.path.abspath(OUT))


# A small MEG recording with a planted word response, for the CLI test and
# the worked example of docs/brain2.md: 8 gradiometer-like sensors at 100 Hz,
# 300 words 0.4-0.6 s apart, each with 4 features; every sensor responds to
# a fixed mix of the features through a damped 10 Hz oscillation peaking at
# 0.25 s; white noise. Stored as int16 ('short') like most acquisitions; the
# word onsets are MNE annotations "word/<index>".
rng = np.random.default_rng(2023)
n_words, n_feat, n_sens, sf = 300, 4, 8, 100.0
gaps = rng.uniform(0.4, 0.6, n_words)
onsets = 1.0 + np.concatenate([[0.0], np.cumsum(gaps[:-1])])
n_samp = int((onsets[-1] + 2.0) * sf)
feats = rng.standard_normal((n_words, n_feat))
mix = rng.standard_normal((n_feat, n_sens))
t = np.arange(0, 0.6, 1 / sf)
kernel = np.exp(-((t - 0.25) / 0.08) ** 2) * np.cos(2 * np.pi * 10 * (t - 0.25))
sig = np.zeros((n_sens, n_samp))
for w in range(n_words):
    s0 = int(round(onsets[w] * sf))
    sig[:, s0:s0 + len(t)] += np.outer(feats[w] @ mix, kernel)[:, :max(0, min(len(t), n_samp - s0))]
data = (sig + 1.0 * rng.standard_normal(sig.shape)) * 1e-11
info = mne.create_info([f"MEG {i:03d}" for i in range(n_sens)], sf, "grad")
for ch in info["chs"]:
    ch["cal"] = 2e-13
    ch["range"] = 1.0
demo = mne.io.RawArray(data, info)
demo.set_annotations(mne.Annotations(onsets, 0.0, [f"word/{i}" for i in range(n_words)]))
demo.save(os.path.join(OUT, "words_raw.fif"), fmt="short", overwrite=True)
np.save(os.path.join(OUT, "words_features.npy"), feats)
np.save(os.path.join(OUT, "words_onsets.npy"), mne.io.read_raw_fif(os.path.join(OUT, "words_raw.fif")).annotations.onset)
print("fixtures in", os.path.abspath(OUT))
