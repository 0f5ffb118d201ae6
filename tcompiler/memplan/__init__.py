"""Operator order and memory planning (the `schedule` stage; named memplan so that
"schedule" can mean a kernel's loop schedule, as on kernel ops and in the cost model)."""
