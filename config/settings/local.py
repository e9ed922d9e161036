"""Developer and demo settings: `make run`. A secret key is generated once into var/ and kept there."""

import secrets

from .base import *  # noqa: F403
from .base import VAR_DIR, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)

if not SECRET_KEY:  # noqa: F405
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()
