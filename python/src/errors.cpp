// How the runtime's exceptions reach Python: a user's mistake (lucid::Error) is a ValueError
// carrying the C++ message unchanged, except an allocation that failed (lucid::OutOfMemory),
// a MemoryError with the message naming what and how many bytes; a broken invariant (lucid::InternalError) a RuntimeError.
// Nothing the runtime throws may cross into Python as a crash.
#include "bindings.h"

#include "lucid/error.h"

namespace lucid::python {

void bind_errors(py::module_& m) {
  // Registered in this order, tried in reverse: the specific type first.
  py::register_exception_translator([](std::exception_ptr error) {
    try {
      if (error) std::rethrow_exception(error);
    } catch (const lucid::OutOfMemory& e) {
      PyErr_SetString(PyExc_MemoryError, e.what());
    } catch (const lucid::Error& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const lucid::InternalError& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });
  (void)m;
}

}  // namespace lucid::python
