"""What gunicorn serves: `gunicorn wsgi:app`."""

from backend import create_app

app = create_app()
