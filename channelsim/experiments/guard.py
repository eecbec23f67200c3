"""Whether worker processes can be started from here: the ``if __name__ == "__main__":`` guard.

Worker processes started by "forkserver" or "spawn" import the main script again before they
run anything. A script that starts an experiment at its top level, outside an
``if __name__ == "__main__":`` block, would start it again in every worker, and every worker
would fail. So an experiment started that way runs in this process by default (with a warning
that says which line to move under the guard), and asking for worker processes explicitly
from there is refused before anything starts.
"""

from __future__ import annotations

import ast
import functools
import sys
import warnings
from dataclasses import dataclass
from types import FrameType

from ..params import ParameterError

__all__ = ["default_executor", "check_can_start_workers", "unguarded_call", "MainGuardWarning"]


class MainGuardWarning(UserWarning):
    """A script started an experiment outside ``if __name__ == "__main__":``."""


@dataclass(frozen=True)
class Place:
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}, line {self.line}"


def _is_main_test(node: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq)):
        return False
    sides = [node.left, node.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    texts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return len(names) == 1 and len(texts) == 1


@functools.lru_cache(maxsize=8)
def _guarded_lines(path: str) -> tuple[tuple[int, int], ...] | None:
    """Line ranges of the top-level ``if __name__ == "__main__":`` blocks of a script (None if
    the file cannot be read or parsed)."""
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), filename=path)
    except (OSError, SyntaxError, ValueError):
        return None
    return tuple((node.lineno, node.end_lineno or node.lineno) for node in tree.body
                 if isinstance(node, ast.If) and _is_main_test(node.test))


def _main_module_frame() -> FrameType | None:
    """The frame running the main script's top level, if this call comes from there."""
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__")
        if frame.f_code.co_name == "<module>" and name in ("__main__", "__mp_main__"):
            return frame
        frame = frame.f_back
    return None


def unguarded_call() -> Place | None:
    """Where the main script starts this call outside ``if __name__ == "__main__":``, if it does
    (None in notebooks, the interactive interpreter, the command line and guarded scripts)."""
    main = sys.modules.get("__main__")
    if getattr(main, "__file__", None) is None:
        return None  # a notebook, the interactive interpreter, python -c: nothing to re-run
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name.endswith("__main__"):
        return None  # python -m package: workers do not run a package's __main__ again
    frame = _main_module_frame()
    if frame is None:
        return None
    path = frame.f_code.co_filename
    blocks = _guarded_lines(path)
    if blocks is None:
        return None  # no source to look at (e.g. a frozen application): assume it is guarded
    line = frame.f_lineno
    if any(first <= line <= last for first, last in blocks):
        return None
    return Place(path, line)


def default_executor() -> str:
    """``"processes"``, or ``"inprocess"`` (with a :class:`MainGuardWarning`) when called from
    a script's top level outside ``if __name__ == "__main__":``."""
    place = unguarded_call()
    if place is None:
        return "processes"
    warnings.warn(
        f"{place}: this experiment is started outside `if __name__ == \"__main__\":`, so its runs "
        "go one after another in this process (worker processes would run the script again). "
        "Move that line under the guard to use every core.", MainGuardWarning, stacklevel=2)
    return "inprocess"


def check_can_start_workers(executor: object) -> None:
    """Refuse to start local worker processes from an unguarded script, naming the line."""
    place = unguarded_call()
    if place is not None:
        raise ParameterError(
            f"executor={executor!r} starts worker processes, which import the main script again: "
            f"{place} starts the experiment outside `if __name__ == \"__main__\":`. Move it under "
            "that guard, or use executor='inprocess'")
