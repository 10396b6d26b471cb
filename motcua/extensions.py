"""Flask extensions shared by the blueprints (``from motcua import csrf`` finds them here)."""

from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
