"""The texts of the planner page and the widget, in French and English, and picking a language."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal, get_args

Lang = Literal["fr", "en"]
LANGS: tuple[Lang, ...] = get_args(Lang)
DEFAULT_LANG: Lang = "en"

# One key per text; `{name}` placeholders are filled by the page's scripts (web/src/i18n.js).
_EN: dict[str, str] = {
    "title": "Plan a trip",
    "subtitle": "Public transport, walking and cycling, door to door",
    "skip": "Skip to the results",
    "lang_name": "English",
    "from": "From",
    "to": "To",
    "place_hint": "Address, stop or station",
    "swap": "Swap origin and destination",
    "when": "When",
    "depart": "Leave at",
    "arrive": "Arrive by",
    "datetime": "Date and time",
    "modes": "Ways to travel",
    "mode_walk": "Walking",
    "mode_bike": "Bike",
    "mode_transit": "Public transport",
    "mode_bus": "Bus",
    "mode_tram": "Tram",
    "mode_subway": "Metro",
    "mode_rail": "Train",
    "mode_ferry": "Ferry",
    "mode_cable_car": "Cable car",
    "mode_gondola": "Gondola",
    "mode_funicular": "Funicular",
    "mode_trolleybus": "Trolleybus",
    "mode_monorail": "Monorail",
    "mode_coach": "Coach",
    "mode_car": "Car",
    "mode_carpool": "Carpool",
    "wheelchair": "Wheelchair accessible",
    "search": "Search",
    "searching": "Searching…",
    "results": "Itineraries",
    "found_0": "No itinerary found.",
    "found_1": "1 itinerary found.",
    "found_n": "{n} itineraries found.",
    "suggestions_0": "No place found.",
    "suggestions_1": "1 suggestion; use the up and down arrows to choose.",
    "suggestions_n": "{n} suggestions; use the up and down arrows to choose.",
    "pick_place": "Choose a place in the list, or type coordinates as LAT,LON: {field}",
    "pick_mode": "Choose at least one way to travel.",
    "error": "The search failed: {detail}",
    "network_error": "The planner cannot be reached; check your connection and try again.",
    "reason_outside_network": "This place is outside the area the planner covers.",
    "reason_no_service_that_day": "There is no service on that day.",
    "reason_nothing_within_limits": "Nothing found within the walking limits.",
    "reason_same_origin_destination": "Origin and destination are the same place.",
    "min": "{n} min",
    "hours": "{h} h {m} min",
    "transfers_0": "no transfer",
    "transfers_1": "1 transfer",
    "transfers_n": "{n} transfers",
    "walk_m": "{d} walking",
    "bike_m": "{d} by bike",
    "co2": "{g} CO₂",
    "departs_arrives": "Leaves {dep}, arrives {arr}",
    "lines": "Lines",
    "details": "Details",
    "show_map": "Show on the map",
    "shown_map": "Shown on the map",
    "leg_walk": "Walk to {to}",
    "leg_bike": "Cycle to {to}",
    "leg_car": "Drive to {to}",
    "leg_transit": "{mode} {line} towards {headsign}",
    "leg_from_to": "From {from} to {to}",
    "stops_1": "1 stop",
    "stops_n": "{n} stops",
    "alert": "Alert",
    "crow_fly": "approximate path",
    "delay": "{n} min late",
    "tag_fastest": "Fastest",
    "tag_fewest_transfers": "Fewest transfers",
    "tag_least_walking": "Least walking",
    "tag_bike_only": "Bike only",
    "tag_walk_only": "Walk only",
    "tag_wheelchair": "Accessible",
    "kind_stop": "Stop",
    "kind_station": "Station",
    "kind_street": "Street",
    "kind_place": "Place",
    "kind_address": "Address",
    "origin": "Origin",
    "destination": "Destination",
    "map": "Map of the itinerary",
    "share": "Link to this search",
    "widget_title": "Your commute to {label}",
    "widget_from": "Where do you start from?",
    "widget_refused": "This journey planner is not enabled on this website.",
    "widget_missing_token": "This journey planner has no token (token attribute).",
    "builder_title": "Journey planner for your website",
    "builder_intro": (
        "Pick your organisation and a site: copy the snippet into your intranet or your "
        "recruitment pages, and your staff plan their commute by public transport, bike or on "
        "foot, arriving for the start of their shift."
    ),
    "employer": "Organisation",
    "site": "Site",
    "language": "Language",
    "accent": "Accent colour",
    "snippet_script": "Snippet for pages that can run scripts",
    "snippet_iframe": "Snippet for pages that cannot (iframe)",
    "preview": "Preview",
    "copy": "Copy",
    "copied": "Copied",
    "update": "Update",
    "no_employer": "No organisation is configured (config/employers/*.toml).",
    "allowed_origins": "Websites allowed to show it: {origins}",
}

_FR: dict[str, str] = {
    "title": "Préparer un trajet",
    "subtitle": "Transports en commun, marche et vélo, de porte à porte",
    "skip": "Aller aux résultats",
    "lang_name": "Français",
    "from": "Départ",
    "to": "Arrivée",
    "place_hint": "Adresse, arrêt ou gare",
    "swap": "Inverser départ et arrivée",
    "when": "Quand",
    "depart": "Partir à",
    "arrive": "Arriver avant",
    "datetime": "Date et heure",
    "modes": "Modes de déplacement",
    "mode_walk": "Marche",
    "mode_bike": "Vélo",
    "mode_transit": "Transports en commun",
    "mode_bus": "Bus",
    "mode_tram": "Tram",
    "mode_subway": "Métro",
    "mode_rail": "Train",
    "mode_ferry": "Bac",
    "mode_cable_car": "Tramway à câble",
    "mode_gondola": "Télécabine",
    "mode_funicular": "Funiculaire",
    "mode_trolleybus": "Trolleybus",
    "mode_monorail": "Monorail",
    "mode_coach": "Car",
    "mode_car": "Voiture",
    "mode_carpool": "Covoiturage",
    "wheelchair": "Accessible en fauteuil roulant",
    "search": "Rechercher",
    "searching": "Recherche en cours…",
    "results": "Itinéraires",
    "found_0": "Aucun itinéraire trouvé.",
    "found_1": "1 itinéraire trouvé.",
    "found_n": "{n} itinéraires trouvés.",
    "suggestions_0": "Aucun lieu trouvé.",
    "suggestions_1": "1 suggestion ; choisissez avec les flèches haut et bas.",
    "suggestions_n": "{n} suggestions ; choisissez avec les flèches haut et bas.",
    "pick_place": "Choisissez un lieu dans la liste, ou tapez des coordonnées LAT,LON : {field}",
    "pick_mode": "Choisissez au moins un mode de déplacement.",
    "error": "La recherche a échoué : {detail}",
    "network_error": "Le calculateur est injoignable ; vérifiez votre connexion et réessayez.",
    "reason_outside_network": "Ce lieu est hors de la zone couverte par le calculateur.",
    "reason_no_service_that_day": "Aucun service ce jour-là.",
    "reason_nothing_within_limits": "Rien trouvé dans les limites de marche.",
    "reason_same_origin_destination": "Le départ et l'arrivée sont le même lieu.",
    "min": "{n} min",
    "hours": "{h} h {m} min",
    "transfers_0": "sans correspondance",
    "transfers_1": "1 correspondance",
    "transfers_n": "{n} correspondances",
    "walk_m": "{d} à pied",
    "bike_m": "{d} à vélo",
    "co2": "{g} de CO₂",
    "departs_arrives": "Départ {dep}, arrivée {arr}",
    "lines": "Lignes",
    "details": "Détails",
    "show_map": "Voir sur la carte",
    "shown_map": "Affiché sur la carte",
    "leg_walk": "Marcher jusqu'à {to}",
    "leg_bike": "Pédaler jusqu'à {to}",
    "leg_car": "Rouler jusqu'à {to}",
    "leg_transit": "{mode} {line} direction {headsign}",
    "leg_from_to": "De {from} à {to}",
    "stops_1": "1 arrêt",
    "stops_n": "{n} arrêts",
    "alert": "Alerte",
    "crow_fly": "tracé approximatif",
    "delay": "{n} min de retard",
    "tag_fastest": "Le plus rapide",
    "tag_fewest_transfers": "Le moins de correspondances",
    "tag_least_walking": "Le moins de marche",
    "tag_bike_only": "Vélo seul",
    "tag_walk_only": "Marche seule",
    "tag_wheelchair": "Accessible",
    "kind_stop": "Arrêt",
    "kind_station": "Gare",
    "kind_street": "Rue",
    "kind_place": "Lieu",
    "kind_address": "Adresse",
    "origin": "Départ",
    "destination": "Arrivée",
    "map": "Carte de l'itinéraire",
    "share": "Lien vers cette recherche",
    "widget_title": "Votre trajet vers {label}",
    "widget_from": "D'où partez-vous ?",
    "widget_refused": "Ce calculateur d'itinéraire n'est pas autorisé sur ce site.",
    "widget_missing_token": "Ce calculateur d'itinéraire n'a pas de jeton (attribut token).",
    "builder_title": "Calculateur d'itinéraire pour votre site",
    "builder_intro": (
        "Choisissez votre établissement et un site : copiez l'extrait dans votre intranet ou "
        "vos pages de recrutement, et vos salariés préparent leur trajet en transports en "
        "commun, à vélo ou à pied, pour arriver à l'heure de leur prise de poste."
    ),
    "employer": "Établissement",
    "site": "Site",
    "language": "Langue",
    "accent": "Couleur d'accent",
    "snippet_script": "Extrait pour les pages qui exécutent des scripts",
    "snippet_iframe": "Extrait pour les autres pages (iframe)",
    "preview": "Aperçu",
    "copy": "Copier",
    "copied": "Copié",
    "update": "Mettre à jour",
    "no_employer": "Aucun établissement n'est configuré (config/employers/*.toml).",
    "allowed_origins": "Sites autorisés à l'afficher : {origins}",
}

TEXTS: Mapping[Lang, Mapping[str, str]] = MappingProxyType(
    {"en": MappingProxyType(_EN), "fr": MappingProxyType(_FR)}
)


def texts(lang: Lang) -> Mapping[str, str]:
    """Every text of the pages in `lang`."""
    return TEXTS[lang]


def find_lang(value: str | None) -> Lang | None:
    """`value` as a supported language (``fr``, ``fr-CA`` and ``FR`` are French), or None."""
    if not value:
        return None
    primary = value.strip().split("-")[0].split("_")[0].lower()
    for lang in LANGS:
        if lang == primary:
            return lang
    return None


def negotiate(accept_language: str | None, default: Lang = DEFAULT_LANG) -> Lang:
    """The supported language the browser prefers (RFC 9110 Accept-Language), else `default`."""
    candidates: list[tuple[float, int, Lang]] = []
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.partition(";")
        lang = find_lang(tag)
        weight = _quality(params)
        if lang is not None and weight > 0:
            # Equal weights keep the earlier entry: browsers list preferences in order.
            candidates.append((weight, -position, lang))
    return max(candidates)[2] if candidates else default


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


def choose_lang(query_lang: str | None, accept_language: str | None, default: Lang) -> Lang:
    """The page's language: `?lang=` when supported, else the browser's, else `default`."""
    return find_lang(query_lang) or negotiate(accept_language, default)
