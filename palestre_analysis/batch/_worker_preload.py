"""Imported once by the multiprocessing fork server, before it forks the batch's workers.

Importing papermill and nbconvert costs seconds (nbformat's JSON-schema machinery, Jinja,
Pygments), and the first HTML export compiles the templates: doing both here means every
worker starts with them ready instead of paying for them again. It only imports and renders
an empty notebook: no kernel, no zmq context, no thread.
"""

import nbformat
import papermill  # noqa: F401
import papermill.engines  # noqa: F401
from jupyter_client.manager import AsyncKernelManager  # noqa: F401

from palestre_analysis.batch.export import notebook_to_html
from palestre_analysis.batch.kernels import manager as kernels

__all__: list[str] = []

kernels._provisioner_class()
notebook_to_html(nbformat.v4.new_notebook(), title="")
