# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The rules of the portal's tokens (portal_token.py keeps them): a random
secret is given once, in a link, and only its digest is stored; a token
serves one purpose for one guest, until it expires or is used."""
import datetime as dt
import hashlib
import secrets

# How long a link of each purpose may wait for its guest
LIFETIMES = {
    'invitation': dt.timedelta(days=7),
    'reset': dt.timedelta(hours=2),
    }
PURPOSES = tuple(LIFETIMES)
# 256 bits: no guess lands on a live token
SECRET_BYTES = 32


def new_secret():
    "A fresh secret, safe in a URL"
    return secrets.token_urlsafe(SECRET_BYTES)


def digest(secret):
    "What is stored of secret: its SHA-256, in hexadecimal"
    return hashlib.sha256(secret.encode('utf-8')).hexdigest()


def expiry(purpose, now):
    "When a token of purpose made at now stops being usable"
    return now + LIFETIMES[purpose]


def usable(purpose, expires, used, wanted, now):
    """Whether a token of purpose, expiring at expires and used at used
    (None when not yet), may serve the purpose wanted at now"""
    return purpose == wanted and used is None and now < expires

