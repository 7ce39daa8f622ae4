# dlwizard: `make run` opens the wizard on the demo study, `make test` runs the whole suite,
# `make lint` checks the style (ruff) and the import contracts (import-linter).
# Each creates the virtual environment in .venv and installs the pinned dependencies first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements/constraints.txt | cksum | cut -d' ' -f1)
PIP_FLAGS ?= --disable-pip-version-check --no-input

.PHONY: run test lint bench bench-exit demo lock clean venv

$(STAMP): pyproject.toml requirements/constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) -q -c requirements/constraints.txt -e '.[test,nn]'
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

run: venv
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] || [ "$$(uname)" = Darwin ]; then \
		$(BIN)/dlwizard --demo; \
	else \
		echo "No display found (DISPLAY and WAYLAND_DISPLAY are unset): running the headless demo instead."; \
		$(BIN)/dlwizard demo --out out/demo && $(BIN)/dlwizard inspect out/demo/demo.dlwiz; \
	fi

demo: venv
	$(BIN)/dlwizard demo --out out/demo

test: venv
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

# ruff, then the import contracts of pyproject.toml [tool.importlinter] (docs/architecture.md).
lint: venv
	$(BIN)/ruff check dlwizard tests benchmarks
	$(BIN)/ruff format --check dlwizard tests benchmarks
	$(BIN)/lint-imports --no-cache --no-logo

bench: venv
	@for b in benchmarks/*.py; do \
		case $$b in *clean_exit.py) continue;; esac; \
		echo "== $$b"; QT_QPA_PLATFORM=offscreen $(BIN)/python $$b || exit 1; \
	done

# 1,000 headless runs under load, counting exit codes (about 40 minutes on two cores).
bench-exit: venv
	$(BIN)/python benchmarks/clean_exit.py

# Re-pin after changing the dependencies in pyproject.toml.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install $(PIP_FLAGS) -q 'torch==2.13.0' '.[test,nn,package]'
	{ echo "# Exact versions the make targets install (pip -c). Regenerate with 'make lock'."; \
	  .lock-venv/bin/pip freeze --exclude dlwizard; } > requirements/constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) out build dist *.egg-info

# The Linux app (PyInstaller, one folder) in dist/dlwizard/, self-tested offscreen, packed with its
# desktop entry and icon as dist/dlwizard-VERSION-linux-ARCH.tar.gz; prints size and cold start.
# Windows and macOS are built by .github/workflows/build.yml (recipes in packaging/).
.PHONY: package
package: venv
	$(BIN)/python -m pip install $(PIP_FLAGS) -q -c requirements/constraints.txt pyinstaller pyinstaller-hooks-contrib
	rm -rf dist/dlwizard build/pyinstaller
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath dist \
		--workpath build/pyinstaller packaging/dlwizard.spec
	QT_QPA_PLATFORM=offscreen dist/dlwizard/dlwizard --self-test --out dist/selftest.json
	@if command -v xvfb-run >/dev/null; then \
		echo "self-test in a real X11 window (Xvfb, xcb):"; \
		QT_QPA_PLATFORM=xcb xvfb-run -a dist/dlwizard/dlwizard --self-test --only gui --out dist/selftest-xcb.json; \
	else echo "xvfb-run not found: the real-window self-test of the bundle was skipped"; fi
	sh packaging/linux/make_tarball.sh $$($(BIN)/python -c 'import dlwizard; print(dlwizard.__version__)') dist
	$(BIN)/python packaging/startup_time.py dist/dlwizard/dlwizard --json dist/startup.json
	@echo "bundle size: $$(du -sh dist/dlwizard | cut -f1) (dist/dlwizard/); archive: $$(du -h dist/dlwizard-*-linux-*.tar.gz | cut -f1 | tail -1) ($$(ls dist/dlwizard-*-linux-*.tar.gz | tail -1))"
