"""The one exception the data loaders raise."""


class DataError(RuntimeError):
    """A data file is missing, corrupt, of the wrong format, or does not match its checksum.

    The message names the file and says how to fix it.
    """


class DataMissing(DataError):
    """No copy of a data file is on this machine (and downloading was not allowed or failed)."""
