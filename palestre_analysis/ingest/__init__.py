"""Raw files → ``data/processed``: read, check, clean, pseudonymise, write.

The modules, in the order the data meets them:

- :mod:`~palestre_analysis.ingest.reading`: one raw CSV or Excel file, with its physical lines;
- :mod:`~palestre_analysis.ingest.forms`: the wide layout of Google and Microsoft Forms exports;
- :mod:`~palestre_analysis.ingest.raw_contract`: the raw columns each table needs, and their aliases;
- :mod:`~palestre_analysis.ingest.parsing`: Italian numbers, dates and labels in raw cells;
- :mod:`~palestre_analysis.ingest.rows`: row-by-row cleaning, one sentence per rejected row;
- :mod:`~palestre_analysis.ingest.ledger`: the account of every physical line read;
- :mod:`~palestre_analysis.ingest.pseudonyms`: keyed pseudonyms for names and emails;
- :mod:`~palestre_analysis.ingest.processed`: the processed tables' contract, written and read here;
- :mod:`~palestre_analysis.ingest.schemas`: the same contract checked with pandera;
- :mod:`~palestre_analysis.ingest.pipeline`: all of the above in memory;
- :mod:`~palestre_analysis.ingest.build`: ``clean`` and ``ensure_clean``, which write the processed folder;
- :mod:`~palestre_analysis.ingest.validate`: ``palestre validate``, the same checks without writing;
- :mod:`~palestre_analysis.ingest.demo`: the synthetic demo data set (Lombardy, the seed's process);
- :mod:`~palestre_analysis.ingest.demo_national`: a synthetic national process (``--process national``).
"""

__all__: list[str] = []
