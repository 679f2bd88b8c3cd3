"""Events published by the cases service on ``cases.events``."""
