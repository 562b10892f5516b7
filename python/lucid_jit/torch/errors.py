"""The exceptions of lucid_jit.torch. Each is what the issue asks (ValueError, TypeError) and
also what torch raises for the same mistake (mostly RuntimeError from its C++ checks), so a
caller's ``except`` clause keeps working when it swaps the layer in."""


class ArgumentError(ValueError, RuntimeError):
    """A bad layer argument or tensor shape; the message names the argument and the rule."""


class DTypeError(TypeError, RuntimeError):
    """A dtype, device or layout the kernels do not take (they take dense CPU float32/float64),
    or tensors whose dtypes differ."""
