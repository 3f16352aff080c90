"""Kernels forked from a pre-loaded process: the client side (:mod:`.manager`) and the server (:mod:`.server`).

The server runs as its own program (``python -m palestre_analysis.batch.kernels.server``)
with the kernelspec's interpreter, and imports nothing of this project.
"""

__all__: list[str] = []
