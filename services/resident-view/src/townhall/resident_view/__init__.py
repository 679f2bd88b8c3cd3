"""Townhall resident-view: the joined-up, permission-filtered timeline per resident."""
