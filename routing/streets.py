"""The street network as CSR arrays, one graph per mode, and its link to the network's stops.

Nodes are OSM nodes used by routable ways (intermediate nodes kept, so a node path is the
leg's geometry). Each mode has its own directed CSR adjacency: edge ``e`` of node ``u`` runs
from ``u`` to ``indices[e]`` for ``indptr[u] <= e < indptr[u + 1]`` with ``length_m[e]``
metres; the car graph also carries a free-flow speed per edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]

MODES = ("walk", "bike", "car")


@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)
class CsrGraph:
    """A directed graph over the street nodes in compressed sparse row form."""

    indptr: I32
    indices: I32
    length_m: F32
    speed_mps: F32

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.indices.shape[0])


@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)
class StreetGraph:
    """Walk, bike and car graphs over one node set, plus each network stop's snapped node.

    ``stop_node[s]`` is the street node nearest to network stop ``s`` usable on foot, or -1
    when the stop lies outside the extract; ``stop_node_dist_m[s]`` is the distance to it.
    """

    node_osm_id: I64
    node_lat: F64
    node_lon: F64
    walk: CsrGraph
    bike: CsrGraph
    car: CsrGraph
    stop_node: I32
    stop_node_dist_m: F32

    @property
    def n_nodes(self) -> int:
        """Number of street nodes."""
        return int(self.node_lat.shape[0])

    def graph(self, mode: str) -> CsrGraph:
        """The CSR graph of `mode` (`walk`, `bike` or `car`).

        Raises:
            KeyError: for any other mode.
        """
        if mode not in MODES:
            raise KeyError(mode)
        graph: CsrGraph = getattr(self, mode)
        return graph
