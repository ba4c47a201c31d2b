"""Alerts that reach the duty officer: rules kept in the store, evaluated every tick of the main job, delivered by
e-mail, Telegram and webhooks, acknowledged and escalated (docs/alerts.md).

Office work on the store, between the core and the areas: it reads items only through the store's search and
facet counts (``search``, ``count_by``, ``histogram``), sends mail through pipeline/reports/mail.py, and the
dashboard and the command line call it; it imports none of the areas.

- ``calendar``: national holidays and anniversaries and each province's events, lunar dates included;
- ``spikes``: same-time-of-week, outlier-robust, calendar-aware baselines (the dashboard's chart uses them too);
- ``rules``: saved searches, urgency and spike rules, their recipients, channels, quiet hours and rate limits;
- ``evaluate``: what each rule finds since the last tick, one alert per story;
- ``channels`` and ``delivery``: messages, retries, dead letters, acknowledgement and escalation.
"""
