"""The secret of an endpoint and the signature of a delivery (HMAC-SHA256 of the raw body).

The receiver recomputes the HMAC of the body it received, byte for byte, with the secret it
was shown once, and compares it in constant time with the header
``X-Risikokapital-Signature: sha256=<hex>`` (``verify``).
"""

import hashlib
import hmac
import secrets

PREFIX = "sha256="


def generate_secret():
    """A new endpoint's secret: 64 hex digits (256 random bits)."""
    return secrets.token_hex(32)


def signature(secret, body):
    """The header's value for ``body`` (bytes): ``sha256=`` and the hex HMAC-SHA256."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return PREFIX + digest


def verify(secret, body, header):
    """True if ``header`` is the signature of ``body`` with ``secret`` (constant time)."""
    return hmac.compare_digest(signature(secret, body), header or "")
