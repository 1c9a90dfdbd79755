"""Alerts (issue 14, DOMAIN.md §11): rules in TOML, evaluation on today's signals, the alert log,
and the channels (企业微信, 钉钉, 飞书, email, generic JSON webhook).

* :mod:`~core.alerts.config`: the rules file and its validation;
* :mod:`~core.alerts.evaluate`: :func:`evaluate_alerts`, the hook the watcher calls after each batch
  and on a timer;
* :mod:`~core.alerts.store`: the ``alert_events`` and ``alert_deliveries`` tables;
* :mod:`~core.alerts.channels`: how each channel sends.
"""

from __future__ import annotations

from core.alerts.config import AlertConfig, AlertRulesError, load_alert_rules
from core.alerts.evaluate import evaluate_alerts

__all__ = ["AlertConfig", "AlertRulesError", "evaluate_alerts", "load_alert_rules"]
