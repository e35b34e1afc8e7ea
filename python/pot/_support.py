"""Helpers the C++ module calls."""


def json_default(value):
    """Lets json.dumps write numpy arrays and scalars in annotations (as lists and numbers)."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
