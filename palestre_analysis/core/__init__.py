"""Shared primitives every stage uses: problems, vocabularies, atomic file writes, fingerprints,
the process a raw folder describes (:mod:`.process`), the ISTAT territories (:mod:`.territories`)
and the places of one process (:mod:`.geography`).

Nothing here imports another stage, pandas or numpy, so that any stage (and a batch
that finds nothing to do) can use it at no cost.
"""

__all__: list[str] = []
