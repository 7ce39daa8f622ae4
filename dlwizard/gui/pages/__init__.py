"""One module per wizard page; each reads the Study, edits it and asks its step to run."""
