# Equal to the C library's LACUS_VERSION_STRING; _capi checks it at import.
__version__ = "0.1.0"
