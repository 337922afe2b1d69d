"""A real OAuth2 authorization server (django-oauth-toolkit) the tests talk to.

It runs in its own process (``python -m tests.peers.oauth2_server``) because the test
process has already configured our app's Django settings. ``launcher.py`` starts it and
is the only module here that the test process imports.
"""
