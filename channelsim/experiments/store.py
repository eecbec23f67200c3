"""Results of an experiment on disk, written as each run finishes, so that it can resume.

An experiment's folder holds::

    experiment.json        what the experiment is (scenario, period, seed, design...), its id,
                           the package version and every parameter's value
    runs/part-*.parquet    one row per finished run, keyed by (point, replicate), tagged with
      (or runs.csv)        the experiment's id
    daily/point-P-replicate-R.parquet   a run's daily table (ensembles)
    failures.csv           runs that failed: key, seed, parameters, error, traceback, and the
                           exit code of a worker process that died running it
    .lock                  held by the process writing to the folder

One process writes to a folder at a time: the store holds an exclusive lock on ``.lock`` for
as long as it is open, and a second writer is refused at once with the holder's pid and host.
``experiment.json`` is created exclusively, and every row read back must carry its id.

Each finished run is written at once, in its own small Parquet file (renamed into place, so an
interruption never leaves half a file) or as one appended CSV line; small files are merged as
the experiment goes and when it completes. Started again with the same experiment, the
folder's finished runs are read back and skipped. A folder that holds another experiment, or
was written by another version of channelsim, is refused rather than mixed (the latter unless
``allow_version_change=True``). Anything damaged is reported as a :class:`StoreError` naming
the file and what to do about it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import socket
import uuid
from pathlib import Path
from typing import Any, Iterable, Literal

import pandas as pd

from ..params import ParameterError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None
    import msvcrt

__all__ = ["RunStore", "StoreError", "ExperimentMismatch", "ExperimentLocked", "FORMATS"]

#: File formats a store can keep its runs in: ``"parquet"`` (the default) or ``"csv"``.
FORMATS = ("parquet", "csv")
KEY = ["point", "replicate"]
ID = "experiment_id"
#: what experiment.json holds besides the experiment's identity
META = ("experiment_id", "channelsim_version", "params", "created")
MERGE_EVERY = 64  #: per-run Parquet files are merged once this many have accumulated


class StoreError(ValueError):
    """An experiment's folder cannot be used as it is: the message names the file, what is
    wrong with it and how to recover."""


class ExperimentMismatch(StoreError, ParameterError):
    """The output folder holds the results of a different experiment (or of another version)."""


class ExperimentLocked(StoreError):
    """Another process is writing to the output folder."""


def _canonical(identity: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(identity, sort_keys=True, default=str))


def _version() -> str:
    from .. import __version__

    return __version__


class RunStore:
    """The finished runs of one experiment in ``folder`` (created if needed), locked for this
    process until :meth:`close` (or the end of a ``with`` block).

    ``identity`` describes the experiment; if the folder already holds one with another
    identity, :class:`ExperimentMismatch` names the fields that differ. ``params`` (every
    parameter's value) is recorded with the package version; a folder written by another
    version is refused unless ``allow_version_change``. ``days`` and ``start`` (read from the
    identity by default) are what each stored daily table is checked against.
    """

    def __init__(self, folder: str | os.PathLike, identity: dict[str, Any],
                 format: Literal["parquet", "csv"] = "parquet", *, params: dict[str, Any] | None = None,
                 allow_version_change: bool = False) -> None:
        if format not in FORMATS:
            raise ParameterError(f"format={format!r} is invalid: expected 'parquet' or 'csv'")
        self.folder = Path(folder)
        if self.folder.exists() and not self.folder.is_dir():
            raise ParameterError(f"out={str(self.folder)!r} is a file: expected a folder")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.format = format
        self._lock = _take_lock(self.folder)
        try:
            self._runs_dir = self.folder / "runs"
            self._daily_dir = self.folder / "daily"
            identity = {k: v for k, v in _canonical(identity).items() if k not in META}
            self.days = identity.get("days")
            self.start = identity.get("start")
            self._clean_temporary()
            record = self._open_record({**identity, "format": format}, params, allow_version_change)
            self.id: str | None = record.get(ID)
            self.version: str | None = record.get("channelsim_version")
            self._runs_dir.mkdir(exist_ok=True)
            self._repair_csv()
            self.compact()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Release the folder's lock."""
        if self._lock is not None and not self._lock.closed:
            self._lock.close()  # closing the file releases its lock

    def __enter__(self) -> "RunStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------------------- identity
    @property
    def record_path(self) -> Path:
        """The file that holds one row per finished run."""
        return self.folder / "experiment.json"

    def _open_record(self, identity: dict[str, Any], params: dict[str, Any] | None,
                     allow_version_change: bool) -> dict[str, Any]:
        path = self.record_path
        if not path.exists():
            self._refuse_results_without_record()
            record = {**identity, ID: uuid.uuid4().hex, "channelsim_version": _version(),
                      "params": _canonical(params or {}),
                      "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
            _create_exclusively(path, json.dumps(record, indent=2, sort_keys=True) + "\n")
            return record
        stored = self._read_record()
        self._compare(stored, identity)
        version = stored.get("channelsim_version")
        if version != _version() and not allow_version_change:
            raise ExperimentMismatch(
                f"{self.folder} was written by channelsim {version or 'of an unrecorded version'}, "
                f"this is {_version()}: results of two model versions would be mixed. Choose another "
                "folder, or pass allow_version_change=True (command line: --allow-version-change) "
                "to resume it anyway")
        return stored

    def _read_record(self) -> dict[str, Any]:
        path = self.record_path
        try:
            stored = json.loads(path.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise StoreError(f"{path}: unreadable experiment record ({err}): expected the JSON "
                             "written by channelsim; restore it, or choose another folder") from None
        if not isinstance(stored, dict):
            raise StoreError(f"{path}: expected a JSON object describing the experiment, got "
                             f"{type(stored).__name__}; restore it, or choose another folder")
        return stored

    def _compare(self, stored: dict[str, Any], identity: dict[str, Any]) -> None:
        stored = {k: v for k, v in stored.items() if k not in META}
        differ = sorted(k for k in set(stored) | set(identity) if stored.get(k) != identity.get(k))
        if differ:
            shown = "; ".join(f"{k}: folder has {stored.get(k)!r}, now {identity.get(k)!r}"
                              for k in differ[:3])
            raise ExperimentMismatch(
                f"{self.folder} holds the results of a different experiment ({shown}): "
                "expected the same experiment to resume it; choose another folder")

    def _refuse_results_without_record(self) -> None:
        held = [p for p in (self._csv, self._runs_dir, self._daily_dir)
                if p.exists() and (p.is_file() or any(p.iterdir()))]
        if held:
            raise StoreError(
                f"{self.record_path} is missing but the folder holds results "
                f"({', '.join(str(p) for p in held)}): without it they cannot be told apart from "
                "another experiment's. Restore experiment.json, or delete those to start afresh")

    def _clean_temporary(self) -> None:
        """Remove temporary files left by a writer that was interrupted (none is writing now)."""
        for where in (self.folder, self._runs_dir, self._daily_dir):
            if where.is_dir():
                for tmp in where.glob(".*.tmp"):
                    tmp.unlink(missing_ok=True)

    # ----------------------------------------------------------------------------- runs
    @property
    def _csv(self) -> Path:
        return self.folder / "runs.csv"

    def _parts(self) -> list[Path]:
        return sorted(self._runs_dir.glob("part-*.parquet"))

    def finished(self) -> pd.DataFrame:
        """Every finished run's row (one per key, sorted by point and replicate), checked:
        a damaged file or a row of another experiment raises :class:`StoreError`."""
        if self.format == "csv":
            frames = [self._read_csv_runs()] if self._csv.exists() and self._csv.stat().st_size else []
        else:
            frames = [self._read_part(p) for p in self._parts()]
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame(columns=KEY)
        rows = pd.concat(frames, ignore_index=True)
        rows = rows.drop_duplicates(KEY, keep="last").sort_values(KEY, ignore_index=True)
        return rows.drop(columns=ID, errors="ignore")

    def finished_keys(self) -> set[tuple[int, int]]:
        """The ``(point, replicate)`` keys of the runs already stored (so not run again)."""
        rows = self.finished()
        return set(zip(rows["point"].astype(int), rows["replicate"].astype(int)))

    def _read_csv_runs(self) -> pd.DataFrame:
        path = self._csv
        advice = "delete that line (its run will be run again)"
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as err:
            line = path.read_bytes()[: err.start].count(b"\n") + 1
            raise StoreError(f"{path}, line {line}: not UTF-8 text ({err.reason} at byte {err.start}): "
                             f"expected rows written by channelsim; {advice}") from None
        try:
            frame = pd.read_csv(io.StringIO(text))
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            raise StoreError(f"{path}: malformed CSV ({' '.join(str(err).split())}); {advice}") from None
        return self._check_rows(frame, path, line_offset=2, advice=advice)

    def _read_part(self, path: Path) -> pd.DataFrame:
        advice = "delete it (its runs will be run again)"
        try:
            frame = pd.read_parquet(path)
        except Exception as err:  # noqa: BLE001 - pyarrow raises many types for a damaged file
            raise StoreError(f"{path}: unreadable Parquet file ({type(err).__name__}: {err}); {advice}") from None
        return self._check_rows(frame, path, line_offset=None, advice=advice)

    def _check_rows(self, frame: pd.DataFrame, path: Path, line_offset: int | None,
                    advice: str) -> pd.DataFrame:
        """The key columns present and whole numbers, and every row of this experiment."""
        required = [*KEY, "seed"] + ([ID] if self.id is not None else [])
        missing = [c for c in required if c not in frame.columns]
        if missing:
            raise StoreError(f"{path}: header lacks {', '.join(missing)} (has {', '.join(map(str, frame.columns[:6]))}"
                             f"{', ...' if len(frame.columns) > 6 else ''}): expected the runs of a "
                             "channelsim experiment; delete the file to run its runs again")
        for col in (*KEY, "seed"):
            values = pd.to_numeric(frame[col], errors="coerce")
            bad = values.isna() | (values % 1 != 0) | (values < 0)
            if bad.any():
                i = int(bad.to_numpy().nonzero()[0][0])
                where = f"{path}, line {i + line_offset}" if line_offset else f"{path}, row {i}"
                raise StoreError(f"{where}: {col}={frame[col].iloc[i]!r} is not a run's {col} "
                                 f"(a whole number >= 0); {advice}")
            frame[col] = values.astype("int64")
        if self.id is not None:
            other = frame[ID] != self.id
            if other.any():
                i = int(other.to_numpy().nonzero()[0][0])
                where = f"{path}, line {i + line_offset}" if line_offset else f"{path}"
                raise StoreError(f"{where}: {int(other.sum())} run(s) of experiment {frame[ID].iloc[i]!r}, "
                                 f"not of this folder's {self.id!r} (see experiment.json): the folder "
                                 f"was written by another experiment too; {advice}")
        return frame

    def add(self, row: dict[str, Any], daily: pd.DataFrame | None = None) -> None:
        """Record one finished run (its daily table first, so that a row always has one)."""
        if daily is not None:
            self._daily_dir.mkdir(exist_ok=True)
            path = self.daily_path(int(row["point"]), int(row["replicate"]))
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
            if self.format == "csv":
                daily.to_csv(tmp)
            else:  # tagged with the experiment's id, in the file's metadata
                tagged = daily.copy(deep=False)
                tagged.attrs = {**daily.attrs, ID: self.id} if self.id is not None else dict(daily.attrs)
                tagged.to_parquet(tmp)
            os.replace(tmp, path)
        frame = pd.DataFrame([{**row, ID: self.id}] if self.id is not None else [row])
        if self.format == "csv":
            header = not self._csv.exists() or self._csv.stat().st_size == 0
            line = frame.to_csv(index=False, header=header)
            with open(self._csv, "a", encoding="utf-8", newline="") as f:
                f.write(line)
                f.flush()
                os.fsync(f.fileno())
            return
        path = self._runs_dir / f"part-{uuid.uuid4().hex}.parquet"
        tmp = self._runs_dir / f".{path.name}.tmp"
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
        self._added = getattr(self, "_added", 0) + 1
        if self._added % MERGE_EVERY == 0:
            self.compact()

    def daily_path(self, point: int, replicate: int) -> Path:
        """Where the daily table of run ``(point, replicate)`` is (or would be) stored, in the
        store's format; the file may not exist."""
        ext = "csv" if self.format == "csv" else "parquet"
        return self._daily_dir / f"point-{point}-replicate-{replicate}.{ext}"

    def daily(self, point: int, replicate: int) -> pd.DataFrame:
        """The stored daily table of one run, indexed by date, checked against the experiment's
        period: a damaged or truncated file raises :class:`StoreError`."""
        path = self.daily_path(point, replicate)
        advice = "delete it and run the experiment again: that run will be run again"
        try:
            if self.format == "csv":
                frame = pd.read_csv(path, index_col="date", parse_dates=["date"], encoding="utf-8")
            else:
                frame = pd.read_parquet(path)
        except FileNotFoundError:
            raise StoreError(f"{path}: missing, though the run is recorded as finished; "
                             "run the experiment again to run it again") from None
        except Exception as err:  # noqa: BLE001 - damaged files raise many types
            raise StoreError(f"{path}: unreadable daily table ({type(err).__name__}: "
                             f"{' '.join(str(err).split())}); {advice}") from None
        self._check_daily(frame, path, advice)
        tag = frame.attrs.pop(ID, None)
        if self.id is not None and tag is not None and tag != self.id:
            raise StoreError(f"{path}: the daily table of experiment {tag!r}, not of this folder's "
                             f"{self.id!r} (see experiment.json); {advice}")
        return frame

    def _check_daily(self, frame: pd.DataFrame, path: Path, advice: str) -> None:
        index = frame.index
        if not isinstance(index, pd.DatetimeIndex):
            raise StoreError(f"{path}: its index is not the run's dates; {advice}")
        if self.days is not None and len(frame) != self.days:
            raise StoreError(f"{path}: holds {len(frame)} of the experiment's {self.days} days "
                             f"(truncated or of another period); {advice}")
        if len(index) and self.start is not None and index[0].date().isoformat() != self.start:
            raise StoreError(f"{path}: starts on {index[0]:%Y-%m-%d}, the experiment on {self.start}; {advice}")
        steps = index.to_series().diff().dropna()
        if len(steps) and (steps != pd.Timedelta(days=1)).any():
            raise StoreError(f"{path}: its dates are not one row per consecutive day; {advice}")

    def compact(self) -> None:
        """Merge the small per-run Parquet files into one (a no-op for CSV)."""
        if self.format == "csv":
            return
        parts = self._parts()
        if len(parts) <= 1:
            return
        rows = self.finished()
        if self.id is not None:
            rows[ID] = self.id
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
            _write_atomic_bytes(self._csv, data[: data.rfind(b"\n") + 1])

    # ------------------------------------------------------------------------- failures
    def failures(self) -> pd.DataFrame:
        """The failed runs recorded by the latest attempt (empty if none)."""
        path = self.folder / "failures.csv"
        if not path.exists():
            return pd.DataFrame(columns=[*KEY, "error"])
        try:
            frame = pd.read_csv(path, encoding="utf-8")
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            raise StoreError(f"{path}: unreadable ({' '.join(str(err).split())}); delete it: "
                             "its runs will be run again") from None
        return self._check_rows(frame, path, line_offset=2, advice="delete it: its runs will be run again") \
            if len(frame) else frame

    def write_failures(self, failures: Iterable[dict[str, Any]]) -> Path:
        """Replace ``failures.csv`` with the runs that failed in the latest attempt."""
        path = self.folder / "failures.csv"
        frame = pd.DataFrame(list(failures))
        if frame.empty:
            path.unlink(missing_ok=True)
            return path
        if self.id is not None:
            frame[ID] = self.id
        tmp = path.with_name(f".{path.name}.tmp")
        frame.to_csv(tmp, index=False)
        os.replace(tmp, path)
        return path


# ------------------------------------------------------------------------------ the lock
def _take_lock(folder: Path) -> Any:
    """An exclusive lock on ``folder/.lock``, held while the returned file is open; refused at
    once (:class:`ExperimentLocked`, naming the holder) if another process holds it."""
    path = folder / ".lock"
    try:
        handle = open(path, "a+", encoding="utf-8")
    except OSError as err:
        raise StoreError(f"{path}: cannot create the writer's lock ({err.strerror}): expected a "
                         "folder this process can write to") from None
    try:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover - Windows: lock the first byte
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    except (BlockingIOError, PermissionError):  # held by another process
        handle.seek(0)
        holder = handle.read().strip() or "a process that has not said who it is"
        handle.close()
        raise ExperimentLocked(
            f"{folder} is being written by another experiment ({holder}): one writer per folder. "
            "Wait for it to finish, stop it, or choose another folder") from None
    except OSError as err:  # e.g. a network file system without locks
        handle.close()
        raise StoreError(f"{path}: cannot lock the folder for this experiment ({err.strerror}): "
                         "expected a file system with file locks; choose a local folder") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()} on {socket.gethostname()}, since "
                 f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M:%S} UTC\n")
    handle.flush()
    return handle


def _create_exclusively(path: Path, text: str) -> None:
    """Write ``path`` whole, failing if it exists (a link of a complete temporary file)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(text, encoding="utf-8")
    try:
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: create it in place, exclusively
            with open(path, "x", encoding="utf-8") as f:
                f.write(text)
    except FileExistsError:
        raise StoreError(f"{path} appeared while this experiment was being created: another "
                         "writer is using the folder; choose another folder") from None
    finally:
        tmp.unlink(missing_ok=True)


def _write_atomic_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
