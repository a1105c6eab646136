"""A collection scorer module that ends its process when imported."""

import os

os._exit(3)


class Scorer:  # pragma: no cover - never reached
    pass
