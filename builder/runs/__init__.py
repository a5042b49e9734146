"""Training runs between the web and the engine: the stream's message types, the worker that
claims queued runs and supervises them, and the process that executes one run."""
