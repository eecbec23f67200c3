"""The Mesa agents of the model, gathered from the modules where their behaviour lives.

* :class:`SmugglingGang` and :class:`Boat`: :mod:`channelsim.world.gangs`
* :class:`FrenchPoliceUnit`: :mod:`channelsim.world.policing`
* :class:`BorderForceVessel`: :mod:`channelsim.world.crossing`
* :class:`~channelsim.population.Migrant`: :mod:`channelsim.population`
"""

from .population import Migrant
from .world.crossing import BorderForceVessel
from .world.gangs import Boat, SmugglingGang
from .world.policing import FrenchPoliceUnit

__all__ = ["SmugglingGang", "FrenchPoliceUnit", "BorderForceVessel", "Boat", "Migrant"]
