"""Built-in links of the simulator (see :mod:`softran.sim.link` for the interface).

A module ``softran.sim.links.<name>`` registers the link kind ``<name>`` (``_`` spelled ``-``)
with :func:`softran.sim.link.register_link` when it is imported; the engine imports it on
first use, in every worker process too.
"""

__all__: list[str] = []
