"""Results of an experiment on disk, written as each run finishes, so that it can resume.

An experiment's folder holds::

    experiment.json        what the experiment is (scenario, period, seed, design...)
    runs/part-*.parquet    one row per finished run, keyed by (point, replicate)
      (or runs.csv)
    daily/point-P-replicate-R.parquet   a run's daily table (ensembles)
    failures.csv           runs that raised: key, seed, parameters, error, traceback

Each finished run is written at once, in its own small Parquet file (renamed into place, so an
interruption never leaves half a file) or as one appended CSV line; small files are merged when
the folder is next opened and when the experiment completes. Started again with the same
experiment, the folder's finished runs are read back and skipped; failed runs are tried again.
A folder that holds another experiment is refused rather than mixed.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any, Iterable, Literal

import pandas as pd

from ..params import ParameterError

__all__ = ["RunStore", "ExperimentMismatch", "FORMATS"]

FORMATS = ("parquet", "csv")
KEY = ["point", "replicate"]


class ExperimentMismatch(ParameterError):
    """The output folder holds the results of a different experiment."""


def _canonical(identity: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(identity, sort_keys=True, default=str))


class RunStore:
    """The finished runs of one experiment in ``folder`` (created if needed).

    ``identity`` describes the experiment; if the folder already holds one with another
    identity, :class:`ExperimentMismatch` names the fields that differ.
    """

    def __init__(self, folder: str | os.PathLike, identity: dict[str, Any],
                 format: Literal["parquet", "csv"] = "parquet") -> None:
        if format not in FORMATS:
            raise ParameterError(f"format={format!r} is invalid: expected 'parquet' or 'csv'")
        self.folder = Path(folder)
        if self.folder.exists() and not self.folder.is_dir():
            raise ParameterError(f"out={str(self.folder)!r} is a file: expected a folder")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.format = format
        self._check_identity({**_canonical(identity), "format": format})
        self._runs_dir = self.folder / "runs"
        self._daily_dir = self.folder / "daily"
        self._runs_dir.mkdir(exist_ok=True)
        self._repair_csv()
        self.compact()

    # ------------------------------------------------------------------------- identity
    def _check_identity(self, identity: dict[str, Any]) -> None:
        path = self.folder / "experiment.json"
        if path.exists():
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as err:
                raise ExperimentMismatch(f"{path}: unreadable experiment record ({err}): "
                                         "expected the JSON written by channelsim") from None
            differ = sorted(k for k in set(stored) | set(identity) if stored.get(k) != identity.get(k))
            if differ:
                shown = "; ".join(f"{k}: folder has {stored.get(k)!r}, now {identity.get(k)!r}"
                                  for k in differ[:3])
                raise ExperimentMismatch(
                    f"{self.folder} holds the results of a different experiment ({shown}): "
                    "expected the same experiment to resume it; choose another folder")
            return
        _write_atomic(path, json.dumps(identity, indent=2, sort_keys=True) + "\n")

    # ----------------------------------------------------------------------------- runs
    @property
    def _csv(self) -> Path:
        return self.folder / "runs.csv"

    def _parts(self) -> list[Path]:
        return sorted(self._runs_dir.glob("part-*.parquet"))

    def finished(self) -> pd.DataFrame:
        """Every finished run's row (one per key, sorted by point and replicate)."""
        if self.format == "csv":
            frames = [pd.read_csv(self._csv)] if self._csv.exists() and self._csv.stat().st_size else []
        else:
            frames = [pd.read_parquet(p) for p in self._parts()]
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame(columns=KEY)
        rows = pd.concat(frames, ignore_index=True)
        rows = rows.drop_duplicates(KEY, keep="last").sort_values(KEY, ignore_index=True)
        return rows

    def finished_keys(self) -> set[tuple[int, int]]:
        rows = self.finished()
        return set(zip(rows["point"].astype(int), rows["replicate"].astype(int)))

    def add(self, row: dict[str, Any], daily: pd.DataFrame | None = None) -> None:
        """Record one finished run (its daily table first, so that a row always has one)."""
        if daily is not None:
            self._daily_dir.mkdir(exist_ok=True)
            path = self.daily_path(int(row["point"]), int(row["replicate"]))
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
            if self.format == "csv":
                daily.to_csv(tmp)
            else:
                daily.to_parquet(tmp)
            os.replace(tmp, path)
        frame = pd.DataFrame([row])
        if self.format == "csv":
            header = not self._csv.exists() or self._csv.stat().st_size == 0
            line = frame.to_csv(index=False, header=header)
            with open(self._csv, "a", encoding="utf-8", newline="") as f:
                f.write(line)
                f.flush()
                os.fsync(f.fileno())
        else:
            path = self._runs_dir / f"part-{uuid.uuid4().hex}.parquet"
            tmp = self._runs_dir / f".{path.name}.tmp"
            frame.to_parquet(tmp, index=False)
            os.replace(tmp, path)

    def daily_path(self, point: int, replicate: int) -> Path:
        ext = "csv" if self.format == "csv" else "parquet"
        return self._daily_dir / f"point-{point}-replicate-{replicate}.{ext}"

    def daily(self, point: int, replicate: int) -> pd.DataFrame:
        """The stored daily table of one run, indexed by date."""
        path = self.daily_path(point, replicate)
        if self.format == "csv":
            return pd.read_csv(path, index_col="date", parse_dates=["date"])
        return pd.read_parquet(path)

    def compact(self) -> None:
        """Merge the small per-run Parquet files into one (a no-op for CSV)."""
        if self.format == "csv":
            return
        parts = self._parts()
        if len(parts) <= 1:
            return
        rows = self.finished()
        merged = self._runs_dir / f"part-{uuid.uuid4().hex}.parquet"
        tmp = self._runs_dir / f".{merged.name}.tmp"
        rows.to_parquet(tmp, index=False)
        os.replace(tmp, merged)
        for p in parts:  # duplicates left by an interruption here are dropped when read
            p.unlink(missing_ok=True)

    def _repair_csv(self) -> None:
        """Drop a last line cut short by an interruption while it was being written."""
        if self.format != "csv" or not self._csv.exists():
            return
        data = self._csv.read_bytes()
        if data and not data.endswith(b"\n"):
            _write_atomic(self._csv, data[: data.rfind(b"\n") + 1].decode("utf-8"))

    # ------------------------------------------------------------------------- failures
    def write_failures(self, failures: Iterable[dict[str, Any]]) -> Path:
        """Replace ``failures.csv`` with the runs that failed in the latest attempt."""
        path = self.folder / "failures.csv"
        frame = pd.DataFrame(list(failures))
        if frame.empty:
            path.unlink(missing_ok=True)
            return path
        tmp = path.with_name(f".{path.name}.tmp")
        frame.to_csv(tmp, index=False)
        os.replace(tmp, path)
        return path


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
