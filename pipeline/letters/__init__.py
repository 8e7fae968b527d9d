"""Letters: the e-mails a campaign sends — templates out, reminders, correction workbooks —
written as .eml for the officer to read, and sent once over SMTP."""
