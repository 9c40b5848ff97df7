"""nbgrader settings for every server on the workshop hub (on JUPYTER_CONFIG_PATH).

The exchange folder is shared by all OS users; courses come from the hub's groups
nbgrader-<course> (participants) and formgrade-<course> (instructors) through nbgrader's
JupyterHub auth plugin.
"""

import os

c = get_config()  # noqa: F821  (injected by traitlets)

c.Exchange.root = os.environ.get("COURSE_EXCHANGE_ROOT", "/srv/nbgrader/exchange")
c.Authenticator.plugin_class = "nbgrader.auth.JupyterHubAuthPlugin"
