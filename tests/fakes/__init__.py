"""In-process fakes of the accounting systems, reached through httpx transports."""
