// Autograd from Python: Tensor.backward (a gradient of ones by default, as Lucid does; the
// GIL is released while the graph runs its kernels) and the thread's grad mode behind
// lucid_jit.no_grad().
#include "bindings.h"
#include "lucid/grad_mode.h"

namespace lucid::python {

void bind_autograd(py::module_& m) {
  auto tensor = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  tensor.def(
      "backward",
      [](const Tensor& t, py::object gradient, bool retain_graph) {
        Tensor seed;
        if (!gradient.is_none()) seed = gradient.cast<Tensor>();
        py::gil_scoped_release release;
        if (seed.defined()) t.backward(seed, retain_graph);
        else t.backward(retain_graph);
      },
      py::arg("gradient") = py::none(), py::arg("retain_graph") = false,
      "Backpropagates `gradient` (default: ones of this tensor's shape, also for non-scalars)");

  m.def("is_grad_enabled", &GradMode::is_enabled, "Whether ops record graphs on this thread");
  m.def("set_grad_enabled", &GradMode::set_enabled, py::arg("enabled"));
}

}  // namespace lucid::python
