# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The web side of the guests' portal: the pages are in routes.py, what a
guest may reach in guest.py.

``page.portal_page`` wraps every page: the guest's session cookie, his
language, the CSRF token that every form carries and every POST must give
back, and the templates (``templates/``, Genshi, which escapes every value
it is not told is markup)."""
