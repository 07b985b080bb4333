"""gunicorn's settings (read from the working directory): bind to LISTEN_ADDRESS, the address the app's settings
check (config.proxies.proxy_setting_problem), and refuse to start when TRUSTED_PROXY_COUNT is set and one of the
addresses gunicorn really binds (``--bind`` on the command line included) is public."""

import os

bind = [os.environ.get("LISTEN_ADDRESS", "").strip() or "127.0.0.1:8000"]


def on_starting(server):
    from config.proxies import proxy_setting_problem

    problem = proxy_setting_problem(list(server.cfg.bind))
    if problem:
        raise SystemExit(f"Refusing to start: {problem}")
