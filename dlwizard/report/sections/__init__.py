"""The report's sections, one module each, in the order the report prints them.

Each module builds its part of the report from a :class:`~dlwizard.report.context.Context` and
returns :mod:`~dlwizard.report.document` blocks; :mod:`dlwizard.report.build` assembles them.
"""
