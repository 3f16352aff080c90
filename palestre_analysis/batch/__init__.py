"""Batch reports: run the notebooks per territory, export HTML, keep a manifest and an index.

The modules, one concern each (file hashes and atomic writes, shared with the cleaning,
live in :mod:`palestre_analysis.core.fingerprint` and :mod:`palestre_analysis.core.files`):

- :mod:`~palestre_analysis.batch.plan`: which notebook runs for which territory;
- :mod:`~palestre_analysis.batch.layout`: the published folder (territory folders, tables, staging);
- :mod:`~palestre_analysis.batch.kernels`: kernels forked from a pre-loaded process (client and server);
- :mod:`~palestre_analysis.batch.execute`: one report (papermill, then HTML) in a worker;
- :mod:`~palestre_analysis.batch.export`: self-contained Italian HTML through nbconvert;
- :mod:`~palestre_analysis.batch.manifest`: ``manifest.json`` and the up-to-date test;
- :mod:`~palestre_analysis.batch.index`: the Italian ``index.html``;
- :mod:`~palestre_analysis.batch.runner`: ``run_batch`` and its summary.

Nothing here imports pandas, papermill, nbconvert or matplotlib at import time, so that
a batch with nothing to do answers at once.
"""

__all__: list[str] = []
