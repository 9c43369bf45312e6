"""Ratings of requests (and later activities, services, projects)."""
