"""The frozen final model as files, and the one function that applies it to new rows.

A baseline is stored as its fitted scikit-learn pipeline in skops format; a network as its
fitted preprocessing (skops) plus safetensors weights and a JSON architecture. Loading never
unpickles: skops rebuilds only the types on the allow-list below, anything else is refused.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from dlwizard.errors import StepError

PIPELINE = "final.skops"
PREPROCESS = "final_preprocess.skops"
NET_WEIGHTS = "final.safetensors"
NET_ARCH = "final.json"

# skops flags as "untrusted" some types our model zoo needs (tree structures, kNN search
# trees, distance metrics, dtypes). Types from scikit-learn and NumPy themselves are allowed;
# anything else in a model file (builtins, os, user code) is refused before any object is built.
_TRUSTED_PREFIXES = ("sklearn.", "numpy.")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dump_sklearn(obj) -> bytes:
    import skops.io as sio

    return sio.dumps(obj)


def load_sklearn(data: bytes, what: str = "the model file"):
    import skops.io as sio

    untrusted = set(sio.get_untrusted_types(data=data))
    unexpected = sorted(t for t in untrusted if not t.startswith(_TRUSTED_PREFIXES))
    if unexpected:
        raise StepError(
            f"{what} contains object types dlwizard does not create ({', '.join(unexpected[:3])})",
            fix="it was not written by dlwizard, or was altered: freeze the model again.",
        )
    return sio.loads(data, trusted=sorted(untrusted))


@dataclass
class Frozen:
    """A loaded final model: ``output`` gives probabilities (classification) or values."""

    task: str
    n_classes: int
    pipeline: Any = None  # baseline: the fitted sklearn Pipeline
    preprocess: Any = None  # network: the fitted ColumnTransformer
    net: Any = None  # network: the torch module
    columns: tuple[str, ...] = ()
    # A sequence network reads one column of sequences, encoded as letter codes.
    sequence: str | None = None
    alphabet: str | None = None
    # An image network reads one column of image files; ``pixels`` (given by the caller, who
    # knows where the files are) turns that column into float16 arrays (N, C, S, S).
    image: str | None = None
    pixels: Callable[[Any], np.ndarray] | None = None

    def output(self, x) -> np.ndarray:
        from dlwizard.ml.tuning import model_output

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self.pipeline is not None:
                return model_output(self.pipeline, x, self.task, self.n_classes)
            from dlwizard.ml import nets

            if self.preprocess is None and self.image is not None:
                if self.pixels is None:
                    raise ValueError("an image network needs a reader of its image files")
                return nets.predict(self.net, self.pixels(x[self.image]), self.task, "cpu")
            if self.preprocess is None:
                from dlwizard.ml.sequence_nets import encode

                codes = encode(list(x[self.sequence]), self.alphabet or "dna")
                return nets.predict(self.net, codes, self.task, "cpu")
            z = np.asarray(self.preprocess.transform(x), dtype=np.float32)
            return nets.predict(self.net, z, self.task, "cpu")

    def categories(self) -> dict[str, list[Any]]:
        """Each categorical column's categories as the encoder saw them in training."""
        prep = self.preprocess if self.pipeline is None else self.pipeline.named_steps["prepare"]
        out: dict[str, list[Any]] = {}
        if prep is None:  # a sequence or image network: no categories
            return out
        for name, trans, cols in prep.transformers_:
            if name != "categorical":
                continue
            encoder = trans.steps[-1][1]
            for col, cats in zip(cols, encoder.categories_):
                out[str(col)] = list(cats)
        return out


def load(
    final, models: dict[str, bytes], pixels: Callable[[Any], np.ndarray] | None = None
) -> Frozen:
    """Rebuild the frozen model from the project's model files, checking their SHA-256.
    ``pixels``: for a model that reads images, the reader of its image column."""
    for name, digest in final.files.items():
        if name not in models:
            raise StepError(
                f"the final model's file '{name}' is missing from the project",
                fix="freeze the final model again on the comparison page.",
            )
        if sha256(models[name]) != digest:
            raise StepError(
                f"the final model's file '{name}' does not match its recorded checksum",
                fix="the project was altered outside dlwizard: freeze the final model again.",
            )
    n_classes = 1 if final.task == "regression" else len(final.classes)
    extra = [final.sequence] if final.sequence else [final.image] if final.image else []
    columns = tuple(final.numeric + final.categorical + extra)
    if final.kind == "baseline":
        pipe = load_sklearn(models[PIPELINE])
        return Frozen(final.task, n_classes, pipeline=pipe, columns=columns)
    from dlwizard.ml import nets

    net, _ = nets.load_weights(models[NET_WEIGHTS], models[NET_ARCH].decode("utf-8"))
    if final.sequence and PREPROCESS not in models:
        return Frozen(
            final.task, n_classes, net=net, columns=columns, sequence=final.sequence,
            alphabet=final.alphabet,
        )  # fmt: skip
    if final.image and PREPROCESS not in models:
        return Frozen(
            final.task, n_classes, net=net, columns=columns, image=final.image, pixels=pixels
        )
    prep = load_sklearn(models[PREPROCESS], "the preprocessing file")
    return Frozen(final.task, n_classes, preprocess=prep, net=net, columns=columns)
