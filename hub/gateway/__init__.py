"""The class AI gateway: a JupyterHub service that gives every participant a real model.

Participants call `/services/<name>/v1/chat/completions` with their own hub API token (every
single-user server has one); the gateway checks it with the hub, applies the class budget in
đồng, the rate limits and the shared cache, then forwards the request upstream with the
organiser's key, which lives only in this process's environment.

Modules: config (settings from the environment), periods (class days), store (SQLite usage,
budgets, cache), limits (rate limit, in-flight queue, budget holds), validate (the request
schema), upstream (aiohttp with retries), app (tornado handlers), dashboard (the instructors'
page and exports), hubconf (one call that plugs the service into a jupyterhub_config.py).
"""
