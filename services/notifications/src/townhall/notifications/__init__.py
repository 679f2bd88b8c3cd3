"""Townhall notifications service: rules and templates a council edits, English and
Welsh, by email, text and letter through GOV.UK Notify (or a development mailbox),
exactly once per event, rule and recipient, with delivery receipts on the timeline."""
