"""The Bahdanau attention encoder-decoder and the Transformer of d2l, on minigrad: data,
models, training, decoding, BLEU and heatmaps. Command line: ``python -m seq2seq train | translate | evaluate``.
"""
from seq2seq.models import (EncoderDecoder, Seq2SeqAttentionDecoder, Seq2SeqDecoder,
                            Seq2SeqEncoder, build_model, init_seq2seq, masked_cross_entropy)
from seq2seq.transformer import (AddNorm, PositionWiseFFN, TransformerDecoder,
                                 TransformerDecoderBlock, TransformerEncoder,
                                 TransformerEncoderBlock)

__all__ = ["Seq2SeqEncoder", "Seq2SeqDecoder", "Seq2SeqAttentionDecoder", "EncoderDecoder",
           "masked_cross_entropy", "build_model", "init_seq2seq", "PositionWiseFFN", "AddNorm",
           "TransformerEncoderBlock", "TransformerEncoder", "TransformerDecoderBlock",
           "TransformerDecoder"]
