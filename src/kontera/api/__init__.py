"""The versioned JSON API (`/v1`) for scanning tools and integrators."""
