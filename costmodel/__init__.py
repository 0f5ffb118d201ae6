"""Learned cost model for kernel schedules (schedule space, features, ranking).

Empty until the cost-model issue."""
