"""A bare WSGI application for the request watch's tests (``deploy/gunicorn.conf.py``): ``/hang``
never answers within any timeout, ``/slow`` answers after one second, any other path at once."""

import time


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/hang":
        time.sleep(600)
    elif path == "/slow":
        time.sleep(1)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
