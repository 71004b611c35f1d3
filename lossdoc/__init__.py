"""lossdoc: a doctor for machine-learning training logs.

From Python::

    import lossdoc
    runs = lossdoc.read("history.json")          # what was read, as Run objects
    report = lossdoc.analyze("history.json")     # the diagnosis, as a Report (nothing is printed)
"""

__version__ = "0.1.0"


def read(path, input_format=None, **kwargs):
    from lossdoc.api import read as _read

    return _read(path, input_format=input_format, **kwargs)


def analyze(source, **kwargs):
    from lossdoc.api import analyze as _analyze

    return _analyze(source, **kwargs)


__all__ = ["__version__", "analyze", "read"]
