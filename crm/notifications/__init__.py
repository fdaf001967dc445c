"""The reminder engine: who is told about which overdue items, and the ledger that sends once.

Upper apps plug their overdue things in through ``crm.registry.reminder_sources``; this package
imports only ``crm`` and never the apps. Its models (``Reminder``, ``ReminderRun``,
``ReminderSchedule``) live in ``crm.models``. A daily run works over sets:

1. every source's ``collect(today)`` yields every overdue item (one query per source);
2. the items are grouped into reminders (``selectors.reminders_plan``): each owner's list, each
   task-force leader's digest, and the escalation to bureau leaders of items overdue longer
   than the schedule allows;
3. one ledger row per (kind, recipient, day) is inserted (``services.reminders_run``),
   duplicates ignored by the database's unique constraint, so a second run, a second beat or a
   second worker adds nothing;
4. the pending rows are claimed and handed to workers (``tasks.send_reminder``), one task per
   email; a worker sends under a row lock and marks the row sent, so a duplicated task sends
   nothing.

The number of queries of steps 1–3 does not depend on the number of overdue items.

Modules: ``selectors`` (reads: the plan, what a user has overdue, their history), ``services``
(ledger writes, claiming, dispatch, sent/failed), ``tasks`` (thin Celery tasks), ``mail``
(rendering and sending), ``views`` / ``urls`` (the 我的提醒 pages), ``admin``.
"""
