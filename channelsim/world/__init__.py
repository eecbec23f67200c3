"""The parts of the world, one module each.

=============  ==========================================================================
module         owns
=============  ==========================================================================
``weather``    the day's wind force (the process is :mod:`channelsim.weather`)
``demand``     people reaching the coast; their daily choice (wait, cross, apply, leave)
``policing``   French police: units sent to beaches, beach stops, interceptions at sea
``gangs``      smuggling gangs: supply of boats, bookings, price, loading, launching
``crossing``   boats at sea: the crush, distress and rescue, Border Force, landings
``casework``   the UK side and the legal route: detention, returns, admissions (the
               operations policies act through)
``beliefs``    camp news and learning
=============  ==========================================================================

Policies (:mod:`channelsim.policies`) are dated objects plugged into the model. Each module
declares the population columns it owns (``OWNS``), the result columns it produces
(``RESULTS``, :class:`~channelsim.world.base.Result`) and its part of the day (``DAY``);
:meth:`channelsim.model.ChannelModel.step` calls the parts in order.
"""

from __future__ import annotations

from .base import KINDS, Module, Result
from .beliefs import Beliefs, CampNews
from .casework import Casework
from .crossing import BorderForceVessel, Crossing
from .demand import Demand
from .gangs import Boat, Gangs, SmugglingGang
from .policing import FrenchPoliceUnit, Policing
from .weather import Weather

__all__ = ["Module", "Result", "KINDS", "MODULES", "Weather", "Demand", "Policing", "Gangs",
           "Crossing", "Casework", "Beliefs", "CampNews", "Boat", "SmugglingGang",
           "FrenchPoliceUnit", "BorderForceVessel"]

#: The modules, in the order their results appear in the daily table.
MODULES: tuple[type[Module], ...] = (Crossing, Gangs, Policing, Demand, Casework, Weather, Beliefs)
