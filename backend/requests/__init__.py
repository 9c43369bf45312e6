"""Requests answered fast (接诉即办): residents raise them, staff handle them against time limits."""
