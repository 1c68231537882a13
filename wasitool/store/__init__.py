"""The store: wasitool's one directory of installed tools, records and caches, and its only owner.

`layout` names every path in it (the root: `$WASITOOL_HOME`, else the user cache dir), `atomic` is the one
way a file in it (or anywhere wasitool writes one) is replaced, `filelock` the inter-process lock,
`installs` the lock holder's staging and atomic installs, `records` the typed files (`toolchain.json`,
install records, the lock index). This package imports nothing above the ground floor, and its
`__init__` imports nothing, so a run that only asks for the engine cache's path stays quick to start.
"""
