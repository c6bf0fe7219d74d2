"""A readable PDF of an e-invoice that came without one."""
