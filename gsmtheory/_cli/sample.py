"""`gsmtheory sample SPEC --n N --out FILE`: exact samples of the spec's target, for `fit` and the notebooks.

Gaussian mixtures are sampled directly, other 1D targets by an inverse CDF exact to 1e-13
(``gsmtheory.estimation.sample_target``). The file is created, never replaced: an existing
FILE is refused before anything is drawn.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import numpy as np

from gsmtheory._cli._common import add_spec_argument, bounded_int, spec_from_args
from gsmtheory._errors import GSMError
from gsmtheory.estimation import sample_target

NAME = "sample"
HELP = "draw exact samples of a spec's target into a new .npy or .csv file (input for 'gsmtheory fit')"

#: the most samples one call writes (8·d bytes each)
MAX_DRAWS = 10_000_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """SPEC, --n, --out, --seed."""
    add_spec_argument(parser)
    parser.add_argument("--n", type=bounded_int(1, MAX_DRAWS), default=1000,
                        help=f"number of samples (default 1000, at most {MAX_DRAWS:_})")
    parser.add_argument("--out", required=True, metavar="FILE",
                        help="a new .npy or .csv file, one row per sample (an existing file is refused)")
    parser.add_argument("--seed", type=bounded_int(0, 2**63 - 1), default=0, help="random seed (default 0)")


def _claim(path: Path) -> int:
    if path.suffix.lower() not in (".npy", ".csv"):
        raise GSMError(f"--out {str(path)!r} is neither .npy nor .csv", "name the file samples.npy or samples.csv")
    if not path.parent.is_dir():
        raise GSMError(f"the folder of --out {str(path)!r} does not exist", "create it first")
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise GSMError(f"--out {str(path)!r} exists", "give a new file name (gsmtheory never replaces a file "
                       "it did not create)") from None
    except OSError as exc:
        raise GSMError(f"--out {str(path)!r} cannot be created ({exc.strerror})",
                       "choose a folder you can write") from None


def run(args: argparse.Namespace) -> dict[str, Any]:
    """``{"spec", "n", "dim", "coords", "seed", "out", "mean"}`` after writing the file."""
    spec = spec_from_args(args)
    path = Path(args.out)
    fd = _claim(path)  # before drawing: a refused file costs nothing
    try:
        data = sample_target(spec.diffusion, args.n, args.seed)
        with os.fdopen(fd, "wb") as fh:
            fd = -1
            if path.suffix.lower() == ".npy":
                np.save(fh, data)
            else:
                header = ",".join(str(c) for c in spec.diffusion.coords)
                np.savetxt(fh, data, delimiter=",", header=header, comments="", fmt="%.17g")
    except BaseException:
        if fd >= 0:
            os.close(fd)
        path.unlink(missing_ok=True)  # ours, half-written
        raise
    return {"spec": spec.name, "n": int(data.shape[0]), "dim": int(data.shape[1]),
            "coords": [str(c) for c in spec.diffusion.coords], "seed": args.seed, "out": str(path),
            "mean": data.mean(axis=0).tolist()}


def format_text(result: dict[str, Any]) -> str:
    """One line."""
    return (f"{result['n']} exact samples of {result['spec']} ({', '.join(result['coords'])}) "
            f"written to {result['out']} (seed {result['seed']})")
