"""Door-to-door visits and the visit tasks that plan them."""
