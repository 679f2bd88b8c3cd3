"""The officer workspace: sign in, find a resident, their joined-up history, the work queue."""
