"""Finished training runs and small result arrays on disk, so that a slider move never has to train them.

`ui.cached.precompute` fills the store ahead of time for the lessons' default settings; the pages only
read it (`load_run`, `load_arrays`) when a run is not in memory yet. Everything is plain `.npz` (no pickle),
one file per key, named by a hash of the key. The folder is named by a hash of the training code, so after
a change to `core/` a stored run is never served again: it is simply not found, and trained afresh.

`DROPOUT_LAB_STORE` sets the folder (default `.cache/runs` in the project); `off` switches the store off.
No Streamlit here: the precompute process uses this module on its own.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from core import mlp

ROOT = Path(__file__).resolve().parents[2]
STORE_ENV = "DROPOUT_LAB_STORE"
DEFAULT_DIR = ROOT / ".cache" / "runs"
# Whatever decides a run's numbers (the training code and the lessons' settings): a change to any of these
# files starts a new, empty store.
CODE_FILES = ("core/mlp.py", "core/dropout.py", "core/data.py", "ui/cached/training.py")


def code_version() -> str:
    """A short hash of the training code (and the NumPy version, whose kernels produce the numbers)."""
    digest = hashlib.sha256(np.__version__.encode())
    for name in CODE_FILES:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()[:12]


def store_dir() -> Path | None:
    """The folder of this code version's files, or None when the store is switched off."""
    setting = os.environ.get(STORE_ENV, "")
    if setting.lower() == "off":
        return None
    return (Path(setting) if setting else DEFAULT_DIR) / code_version()


def _path(key: tuple, folder: Path | None = None) -> Path | None:
    folder = folder or store_dir()
    if folder is None:
        return None
    return folder / (hashlib.sha256(repr(key).encode()).hexdigest()[:24] + ".npz")


def count_stored(keys) -> int:
    """How many of `keys` have a file in the store (0 when it is off). A look at the folder only, no file is
    read: cheap enough for every rerun of a page that asks "are all 21 runs of these settings there?". A
    damaged file counts here, and as missing once it is read (`load_arrays`)."""
    folder = store_dir()
    if folder is None:
        return 0
    return sum(_path(key, folder).exists() for key in keys)


def has(key: tuple) -> bool:
    """Whether a readable file for `key` is there (a damaged one counts as missing, so it is computed again)."""
    return load_arrays(key) is not None


def save_arrays(key: tuple, **arrays: np.ndarray) -> Path | None:
    """Write the arrays under `key` (atomically: readers never see half a file). Returns the file, if any."""
    path = _path(key)
    if path is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
        np.savez(handle, _key=np.array(repr(key)), **{name: np.asarray(value) for name, value in arrays.items()})
    os.replace(handle.name, path)
    return path


def load_arrays(key: tuple) -> dict[str, np.ndarray] | None:
    """The arrays stored under `key`, or None if there are none (or the file is unreadable or not this key's)."""
    path = _path(key)
    if path is None or not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["_key"]) != repr(key):  # a hash collision, however unlikely, must not serve the wrong run
                return None
            return {name: data[name] for name in data.files if name != "_key"}
    except (OSError, ValueError, KeyError, EOFError):  # a damaged file counts as missing; it is rewritten later
        return None


def save_run(key: tuple, result: mlp.TrainResult) -> Path | None:
    """Store a finished training run: its weights, biases, per-epoch records (every column of
    mlp.HISTORY_COLUMNS, train_loss_eval included) and configuration."""
    arrays = {f"w{i}": w for i, w in enumerate(result.network.weights)}
    arrays |= {f"b{i}": b for i, b in enumerate(result.network.biases)}
    config = json.dumps(dataclasses.asdict(result.config))
    return save_arrays(key, records=np.array(result.records, dtype=np.float64).reshape(len(result.records), -1),
                       config=np.array(config), n_classes=np.array(result.n_classes), **arrays)


def load_run(key: tuple) -> mlp.TrainResult | None:
    """The stored run for `key`, exactly as it was trained, or None."""
    arrays = load_arrays(key)
    if arrays is None:
        return None
    try:
        n_layers = sum(name.startswith("w") for name in arrays)
        network = mlp.Network(tuple(arrays[f"w{i}"] for i in range(n_layers)),
                              tuple(arrays[f"b{i}"] for i in range(n_layers)))
        config = json.loads(str(arrays["config"]))
        config["hidden"] = tuple(config["hidden"])
        records = tuple(tuple(float(x) for x in row) for row in arrays["records"])
        if any(len(row) != len(mlp.HISTORY_COLUMNS) for row in records):  # an older history layout
            return None
        return mlp.TrainResult(network, mlp.TrainConfig(**config), records, int(arrays["n_classes"]))
    except (KeyError, TypeError, ValueError):  # written by an older layout: treat as missing
        return None
