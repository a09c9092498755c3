"""The load test of the lookup path: users, open-model scheduler, HDR histograms and SLO gates.

Modules that import Locust (and with it gevent's monkey-patching) are loaded only inside
a Locust process: ``users``, ``plugin`` and ``locustfile``. Everything else (``kinds``,
``histograms``, ``recorder``, ``gates``, ``arrival``, ``ramp``, ``setup``, ``settings``,
``report``, ``safety``, ``runner``) is plain Python, used by ``gatewatch load`` and by the tests.
"""
