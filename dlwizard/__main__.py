from dlwizard.cli import main

raise SystemExit(main())
