"""Integration clients: systems (the national portal, kiosks, post offices, dashboards) that use
Motcua through its API with OAuth 2 client credentials, and what they submit on an applicant's
behalf."""
