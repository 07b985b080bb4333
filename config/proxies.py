"""Where the app listens, and whether the X-Forwarded-For header may be trusted (no Django import: the settings
use it before Django is set up, and gunicorn.conf.py when the server starts).

The rule: set ``TRUSTED_PROXY_COUNT`` only behind proxies that overwrite (or append to) X-Forwarded-For, and only
when nothing can reach the app without passing through them. The app knows its listen address from
``LISTEN_ADDRESS`` (what gunicorn binds, through gunicorn.conf.py; default 127.0.0.1:8000); with
``TRUSTED_PROXY_COUNT`` set, a public listen address stops the app in production (config/settings.py) and stops
gunicorn whatever ``--bind`` it was given (gunicorn.conf.py).
"""

import ipaddress
import os


def trusted_proxy_count() -> int:
    """Return how many reverse proxies in front of the app append to X-Forwarded-For (``TRUSTED_PROXY_COUNT``)."""
    return int(os.environ.get("TRUSTED_PROXY_COUNT", "0") or 0)


def listen_address() -> str:
    """Return the address the app server listens on: ``LISTEN_ADDRESS`` ("host:port", "unix:/path"), the one
    gunicorn binds to (gunicorn.conf.py reads the same variable); default 127.0.0.1:8000."""
    return os.environ.get("LISTEN_ADDRESS", "").strip() or "127.0.0.1:8000"


def is_public_bind(address: str) -> bool:
    """Return whether a bind address ("host:port", "[v6]:port", "unix:…", "fd://…") accepts connections from the
    internet: a wildcard (0.0.0.0, ::, empty host) or a global address; loopback and private ones do not."""
    address = address.strip()
    if address.startswith(("unix:", "fd://")) or "/" in address.split(":", 1)[0]:
        return False
    host = address
    if host.startswith("["):
        host = host[1 : host.index("]")] if "]" in host else host[1:]
    elif host.count(":") == 1:
        host = host.rsplit(":", 1)[0]
    if host in ("", "*", "0.0.0.0", "::"):
        return True
    if host == "localhost":
        return False
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return True  # a host name: it may resolve to anything, so it is treated as public
    return ip.is_global or ip.is_unspecified


def proxy_setting_problem(binds: list[str] | None = None) -> str | None:
    """Return why ``TRUSTED_PROXY_COUNT`` must not be set with these bind addresses (None when it may).

    With ``TRUSTED_PROXY_COUNT`` set, the client address (login lockouts, audit and access logs) is read from
    X-Forwarded-For, which any client can write: only a proxy that overwrites it may stand in front, and nothing
    may reach the app without passing through that proxy. An app listening on a public address can be reached
    directly, with a forged header.
    """
    if not trusted_proxy_count():
        return None
    public = [bind for bind in (binds if binds is not None else [listen_address()]) if is_public_bind(bind)]
    if not public:
        return None
    return (
        f"TRUSTED_PROXY_COUNT={trusted_proxy_count()} but the app listens on a public address ({', '.join(public)}): "
        "anyone could reach it without the proxy and forge X-Forwarded-For. Listen on 127.0.0.1, a private address "
        "or a unix socket behind the proxy (LISTEN_ADDRESS), or unset TRUSTED_PROXY_COUNT."
    )
