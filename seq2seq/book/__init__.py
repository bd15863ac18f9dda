"""Helpers for running d2l's own chapter code on minigrad, shared by both editions' modules
(``seq2seq.d2l`` for d2l 1.0, ``seq2seq.d2l_zh`` for the 0.17-style API).

- ``plots``: ``plot``, ``set_figsize``, ``use_svg_display``, ``show_heatmaps``,
  ``ProgressBoard``, ``plt``; figures show inline in Jupyter, once.
- ``devices``: ``cpu``, ``gpu``, ``num_gpus``, ``try_gpu``, ``try_all_gpus``.
- ``timer``: ``Timer``.
- ``loader``: ``ArrayLoader``, the minibatches of both editions' data.
- ``framework``, ``mt_data``, ``models``, ``arrays``: d2l 1.0's ``Module``/``Trainer``/
  ``DataModule`` framework, ``MTFraEng``, the encoder-decoder classes and the array aliases,
  gathered by ``seq2seq.d2l``.
"""
