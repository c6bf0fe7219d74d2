"""Task queue wiring (Huey) and thin tasks that call services."""
