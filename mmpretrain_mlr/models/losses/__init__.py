from .masked_asl import MaskedAsymmetricLoss

__all__ = ['MaskedAsymmetricLoss']
