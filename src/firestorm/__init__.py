"""firestorm: reproducible sentiment and discourse analytics of online controversies.

Every pipeline stage is a plain function in one module of this package:
``ingest`` (crawler exports -> canonical posts), ``text`` (jieba segmentation), ``sentiment``
(transformers classifier), ``spread`` (volume, onset, peak, decay, Hawkes), ``response`` (response
timing across cases) and ``report``. The Snakemake workflow only wires files to these functions.
"""

__version__ = "0.3.0"
