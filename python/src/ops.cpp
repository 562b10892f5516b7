// The runtime's differentiable ops on Python's operators (+, -, *, /) and as functions
// (relu, sum, mean, mse_loss). They release the GIL while they run.
#include "bindings.h"
#include "lucid/ops.h"

namespace lucid::python {

namespace {

Tensor constant_like(const Tensor& t, double value) { return Tensor::full(t.shape(), value, t.dtype()); }

}  // namespace

void bind_ops(py::module_& m) {
  using release = py::call_guard<py::gil_scoped_release>;
  auto tensor = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  tensor
      .def("__add__", [](const Tensor& a, const Tensor& b) { return add(a, b); }, release())
      .def("__add__", [](const Tensor& a, double s) { return add(a, constant_like(a, s)); }, release())
      .def("__radd__", [](const Tensor& a, double s) { return add(a, constant_like(a, s)); }, release())
      .def("__sub__", [](const Tensor& a, const Tensor& b) { return sub(a, b); }, release())
      .def("__sub__", [](const Tensor& a, double s) { return sub(a, constant_like(a, s)); }, release())
      .def("__rsub__", [](const Tensor& a, double s) { return sub(constant_like(a, s), a); }, release())
      .def("__mul__", [](const Tensor& a, const Tensor& b) { return mul(a, b); }, release())
      .def("__mul__", [](const Tensor& a, double s) { return mul(a, s); }, release())
      .def("__rmul__", [](const Tensor& a, double s) { return mul(a, s); }, release())
      .def("__truediv__", [](const Tensor& a, double s) { return mul(a, 1.0 / s); }, release())
      .def("__neg__", [](const Tensor& a) { return mul(a, -1.0); }, release())
      .def("relu", &relu, release())
      .def("sum", &sum, release())
      .def("mean", &mean, release());

  m.def("relu", &relu, py::arg("x"), release(), "max(x, 0)");
  m.def("sum", &sum, py::arg("x"), release(), "Sum of all elements (0-d)");
  m.def("mean", &mean, py::arg("x"), release(), "Mean of all elements (0-d)");
  m.def("mse_loss", &mse_loss, py::arg("prediction"), py::arg("target"), release(),
        "mean((prediction - target)^2), PyTorch's mse_loss with reduction='mean'");
}

}  // namespace lucid::python
