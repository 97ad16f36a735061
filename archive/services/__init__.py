"""Services: the only code that writes and commits (testimonies, versions, consent, accounts,
imports). Views call them; they check permissions through the policy."""
