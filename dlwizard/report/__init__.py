"""The methods report as data, with no Qt (the PDF writer is ``dlwizard.render.pdf``).

``build.build_report`` assembles the report from ``sections/`` (one module per section, in the
order printed), sharing ``context`` (the Study and facts derived from it), ``formatting``
(numbers, intervals, times), ``words`` (the Study's codes in words), ``figures``, ``methods``
(the methods paragraph), ``audit`` (the audit log in words) and ``redaction`` (identifying
values blanked). ``content`` keeps the names other code imports; ``checklists`` holds the
reporting checklists' items and ``document`` the report's data model.
"""
