"""What every part of the world declares: the population columns it owns, the result columns it
produces (with unit, kind and meaning), and its part of the day.

A :class:`Module` is a plain object held by the model (``model.demand``, ``model.gangs``, ...):
it keeps the state of its part of the world and carries the rules that change it. The model's
:meth:`~channelsim.model.ChannelModel.step` calls the modules' parts of the day in order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from mesa.agent import AgentSet

from ..population import registered_sets

if TYPE_CHECKING:  # pragma: no cover
    from ..model import ChannelModel

__all__ = ["Result", "Module", "KINDS"]

#: How a daily column summarises over a period: a flow is summed, a level (a state at the end
#: of the day) averaged, a ratio recomputed from its weight (never averaged from daily ratios),
#: a flag counts the days it holds, and a maximum (the day's largest of something) is the
#: largest of the days.
KINDS = ("flow", "level", "ratio", "flag", "max")


@dataclass(frozen=True)
class Result:
    """One daily result column: its name, unit, kind (see :data:`KINDS`) and meaning.

    A ratio names the flow that weights it (``weight``): its value over a period is
    ``sum(ratio x weight) / sum(weight)``.
    """

    name: str
    unit: str
    kind: Literal["flow", "level", "ratio", "flag", "max"]
    description: str
    weight: str | None = None
    dtype: type = int  #: the Python type of the daily value

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"result {self.name!r}: kind={self.kind!r} is invalid: expected one of {KINDS}")
        if (self.kind == "ratio") != (self.weight is not None):
            raise ValueError(f"result {self.name!r}: a ratio, and only a ratio, names its weight")

    @property
    def default(self):
        """The value the column starts each day with (zero of its type)."""
        return self.dtype()


class Module:
    """A part of the world. Subclasses set:

    * ``OWNS``: the population columns (:mod:`channelsim.population`) whose values only this
      module writes (other modules change them through its methods); ``state``, where each
      person is, belongs to the population itself: every module moves people between states;
    * ``RESULTS``: the daily result columns it produces (:class:`Result`);
    * ``DAY``: its part of the day, in the words of the ODD's schedule.
    """

    OWNS: ClassVar[tuple[str, ...]] = ()
    RESULTS: ClassVar[tuple[Result, ...]] = ()
    DAY: ClassVar[str] = ""

    def __init__(self, model: "ChannelModel") -> None:
        self.model = model


_NO_AGENTS = AgentSet([], random=random.Random(0))  # holds nobody: its generator is never used


def agents_of(model, cls) -> AgentSet:
    """The model's agents of type ``cls`` (an empty set when it has none today), for the types
    made on the spot (gangs, police units, vessels): looking does not make waiting Migrants
    (``model.agents_by_type`` does)."""
    by_type, _ = registered_sets(model)  # as registered: no Migrant is made for it
    return by_type[cls] if cls in by_type else _NO_AGENTS
