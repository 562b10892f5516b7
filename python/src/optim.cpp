// lucid_jit.optim: the runtime's SGD and Adam over any iterable of tensors (e.g.
// model.parameters()), with PyTorch's keyword names.
#include <tuple>
#include <vector>

#include <pybind11/stl.h>

#include "bindings.h"
#include "lucid/optim/adam.h"
#include "lucid/optim/sgd.h"

namespace lucid::python {

namespace {

std::vector<Tensor> tensors_from(const py::iterable& parameters) {
  std::vector<Tensor> out;
  for (py::handle p : parameters) out.push_back(p.cast<Tensor>());
  return out;
}

}  // namespace

void bind_optim(py::module_& m) {
  using release = py::call_guard<py::gil_scoped_release>;
  py::class_<optim::Optimizer>(m, "Optimizer", "Base of the update rules: step() and zero_grad()")
      .def("step", &optim::Optimizer::step, release(), "Updates each parameter that has a grad")
      .def("zero_grad", &optim::Optimizer::zero_grad, "Drops every parameter's gradient")
      .def_property_readonly("params", &optim::Optimizer::parameters);

  py::class_<optim::SGD, optim::Optimizer>(m, "SGD", "Stochastic gradient descent (PyTorch's rules)")
      .def(py::init([](const py::iterable& params, double lr, double momentum, double dampening,
                       double weight_decay, bool nesterov) {
             optim::SGDOptions options;
             options.lr = lr;
             options.momentum = momentum;
             options.dampening = dampening;
             options.weight_decay = weight_decay;
             options.nesterov = nesterov;
             return new optim::SGD(tensors_from(params), options);
           }),
           py::arg("params"), py::arg("lr") = 1e-3, py::arg("momentum") = 0.0,
           py::arg("dampening") = 0.0, py::arg("weight_decay") = 0.0, py::arg("nesterov") = false)
      .def_property_readonly("lr", [](const optim::SGD& o) { return o.options().lr; });

  py::class_<optim::Adam, optim::Optimizer>(m, "Adam", "Adam with bias correction (amsgrad off)")
      .def(py::init([](const py::iterable& params, double lr, std::tuple<double, double> betas,
                       double eps, double weight_decay) {
             optim::AdamOptions options;
             options.lr = lr;
             options.beta1 = std::get<0>(betas);
             options.beta2 = std::get<1>(betas);
             options.eps = eps;
             options.weight_decay = weight_decay;
             return new optim::Adam(tensors_from(params), options);
           }),
           py::arg("params"), py::arg("lr") = 1e-3, py::arg("betas") = std::make_tuple(0.9, 0.999),
           py::arg("eps") = 1e-8, py::arg("weight_decay") = 0.0)
      .def_property_readonly("lr", [](const optim::Adam& o) { return o.options().lr; });
}

}  // namespace lucid::python
