"""Training runs between the web and the engine: the stream a run's messages are published on, and the
worker that claims queued runs and supervises their training processes (whose entry point,
:mod:`builder.engine.executor`, is the engine's)."""
