"""Opinion ballots: drafting, moderated approval, issue, answers, result and report.

Layout: ``services`` (every write), ``selectors`` (reads, the tally and the result
rule), ``permissions`` (the ballot policy and the page permission testers),
``workflow`` (the end of the approval workflow issues the ballot), ``views`` and
``panels`` (thin), ``report`` (the aggregate PDF and CSV), ``tasks`` (django-q2).
"""
