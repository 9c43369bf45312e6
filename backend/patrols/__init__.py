"""Patrol reports: problems a grid worker finds and photographs on patrol."""
