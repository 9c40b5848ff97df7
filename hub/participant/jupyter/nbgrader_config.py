"""nbgrader settings for every server on the workshop hub (on JUPYTER_CONFIG_PATH).

The exchange folder is prepared by the hub as root (hub/exchange.py): only instructors may
change a course, participants may only hand in. nbgrader's own exchange, with the classes of
course_hub_exchange.py (next to this file) that accept that layout. Courses come from the
hub's groups nbgrader-<course> (participants) and formgrade-<course> (instructors) through
nbgrader's JupyterHub auth plugin.
"""

import os
import sys

c = get_config()  # noqa: F821  (injected by traitlets)

HERE = os.path.dirname(os.path.abspath(__file__))  # (traitlets sets __file__)
if HERE not in sys.path:
    sys.path.append(HERE)

c.Exchange.root = os.environ.get("COURSE_EXCHANGE_ROOT", "/srv/nbgrader/exchange")
c.Authenticator.plugin_class = "nbgrader.auth.JupyterHubAuthPlugin"
c.ExchangeFactory.exchange = "course_hub_exchange.HubExchange"
c.ExchangeFactory.fetch_assignment = "course_hub_exchange.HubFetchAssignment"
c.ExchangeFactory.list = "course_hub_exchange.HubList"
c.ExchangeFactory.submit = "course_hub_exchange.HubSubmit"
c.ExchangeFactory.fetch_feedback = "course_hub_exchange.HubFetchFeedback"
