"""The field app (PWA) for grid workers: its shell, service worker and manifest."""
