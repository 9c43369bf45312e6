def seed(plan, echo, checkpoint):
    return {}
