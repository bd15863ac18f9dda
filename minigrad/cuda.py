"""``mg.cuda.is_available()`` and ``mg.cuda.device_count()``, as ``torch.cuda`` (see
``minigrad.devices``)."""
from minigrad.devices import device_count, is_available

__all__ = ["device_count", "is_available"]
