# PyInstaller hook for dlwizard: bundle every module of the package (the wizard imports its
# pages, steps and plots lazily, inside functions, where PyInstaller's analysis cannot see them).
# The resources/ folder is added by packaging/dlwizard.spec (dlwizard.resources finds it through
# sys._MEIPASS in the frozen app).
from PyInstaller.utils.hooks import collect_submodules

hiddenimports = collect_submodules("dlwizard", filter=lambda name: name != "dlwizard.__main__")
