"""Điểm tin: daily, weekly and monthly press digests and quarterly, six-monthly and annual reports.

``digests`` holds the workflow (issue, approve, send, and ``run_due_digests`` for the scheduler), ``build``
what a digest says, ``facts`` how the store's items become stories and figures, ``summary`` the one-sentence
summaries, ``charts`` the images; rendering lives in ``pipeline.export``.
"""
