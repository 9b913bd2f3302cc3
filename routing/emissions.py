"""CO2 per leg: ADEME emission factors by mode, in grams of CO2-equivalent per passenger-km.

Source: ADEME, "Impact CO2" transport comparator (impactco2.fr, data file
``src/data/categories/deplacement.json``, 2023 edition), itself drawn from the ADEME
"Base Empreinte" (Base Carbone®, sections Routier2 and Ferroviaire2). Each factor is the
sum of its two published components: use (direct emissions plus fuel or electricity
production) and vehicle construction (manufacture, maintenance, end of life); building the
infrastructure is excluded, as in the source. The figures are for France (its electricity
mix); no regional factors are published for the other regions, so they are used everywhere.

Modes without an Impact CO2 factor take the nearest published one, said beside each.
"""

from __future__ import annotations

from types import MappingProxyType

from routing.plan import LegMode

G_PER_KM: MappingProxyType[LegMode, float] = MappingProxyType(
    {
        "walk": 0.0,  # "Vélo ou marche": 0
        "bike": 0.0,  # "Vélo ou marche": 0
        "car": 217.6,  # "Voiture, moteur thermique": 192 + 25.6, one occupant
        "carpool": 108.8,  # the same car shared by two occupants
        "bus": 112.7,  # "Bus, moteur thermique": 104 + 8.7
        "trolleybus": 21.7,  # "Bus, moteur électrique": 9.5 + 12.2
        "coach": 29.4,  # "Autocar": 25 + 4.42
        "tram": 4.28,  # "Tramway": 3.8 + 0.48
        "subway": 4.44,  # "Métro": 4.2 + 0.24
        "monorail": 4.44,  # no factor: "Métro"
        "rail": 9.78,  # "RER ou Transilien" (suburban rail): 6.6 + 3.18
        "cable_car": 4.28,  # no factor: "Tramway" (electric, on rails)
        "gondola": 4.28,  # no factor: "Tramway" (electric)
        "funicular": 4.28,  # no factor: "Tramway" (electric, on rails)
        "ferry": 112.7,  # no factor: "Bus, moteur thermique", a diesel stand-in
    }
)


def leg_co2_g(mode: LegMode, distance_m: float) -> float:
    """Grams of CO2-equivalent for one passenger travelling `distance_m` by `mode`."""
    return round(G_PER_KM[mode] * distance_m / 1000.0, 1)
