"""The engine: everything that knows nothing of the web.

Plain Python over torch: the graph compiler (:mod:`.graph`), training and datasets (:mod:`.training`),
the run protocol (:mod:`.training.events`), weights loading (:mod:`.weights`), the limits and folders it
works with (:mod:`.settings`) and the training process's entry point (:mod:`.executor`). Nothing under
this folder imports Django or reads the environment (``tests/foundation/test_engine_boundary.py``); the
Django and Channels layers around it (``builder.api``, ``builder.services``, ``builder.runs``,
``builder.consumers``) call into it and hand it an :class:`~.settings.EngineSettings`.
"""
