"""One notebook's report: sections of figures, plain Italian sentences and the tables behind them.

- :mod:`~palestre_analysis.report.parameters`: the notebooks' parameters, checked;
- :mod:`~palestre_analysis.report.section`: a :class:`~palestre_analysis.report.section.Section` and ``show``;
- :mod:`~palestre_analysis.report.network`, :mod:`~palestre_analysis.report.scores`,
  :mod:`~palestre_analysis.report.final`: the sections of notebooks 01, 02 and 03;
- :mod:`~palestre_analysis.report.plots`: the figures;
- :mod:`~palestre_analysis.report.scale`, :mod:`~palestre_analysis.report.groups`,
  :mod:`~palestre_analysis.report.places`: the process's scale, groups and territories in a sentence;
- :mod:`~palestre_analysis.report.display`: escaped HTML tables and sentences;
- :mod:`~palestre_analysis.report.tables`: the CSV files behind every figure;
- :mod:`~palestre_analysis.report.formatting`: every Italian number the project prints.

Importing this package imports nothing heavy: the batch index and the command line use
its number formatter without pandas.
"""

__all__: list[str] = []
