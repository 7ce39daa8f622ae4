from dlwizard.cli import entry

entry()
