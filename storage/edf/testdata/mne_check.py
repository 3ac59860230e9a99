"""Read an EDF/BDF file with MNE-Python (an independent reader) for the Go tests.

usage: mne_check.py FILE OUT.bin

Writes the samples of every non-annotation channel to OUT.bin as float64
little-endian, channel after channel, in the file's physical units (MNE's
volts converted back for uV/mV/V), and prints one JSON object:
{"sfreq", "n_times", "ch_names", "units", "annotations": [[onset, duration, text], ...]}.
"""
import json
import sys

import mne
import numpy as np

path, out = sys.argv[1], sys.argv[2]
if path.lower().endswith(".bdf"):
    raw = mne.io.read_raw_bdf(path, preload=True, verbose="error")
else:
    raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
units = getattr(raw, "_orig_units", {}) or {}
factor = {"uV": 1e6, "µV": 1e6, "mV": 1e3, "V": 1.0}
data = raw.get_data()
rows = []
names = []
for i, ch in enumerate(raw.ch_names):
    u = units.get(ch, "")
    rows.append(data[i] * factor.get(u, 1.0))
    names.append(ch)
np.asarray(rows, dtype="<f8").tofile(out)
ann = raw.annotations
print(json.dumps({
    "sfreq": float(raw.info["sfreq"]),
    "n_times": int(raw.n_times),
    "ch_names": names,
    "units": [units.get(ch, "") for ch in names],
    "annotations": [[float(o), float(d), str(t)] for o, d, t in zip(ann.onset, ann.duration, ann.description)],
}))
