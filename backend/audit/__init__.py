"""The audit trail: who did what to which record, and every look at a sensitive field."""
