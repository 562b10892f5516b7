// The runtime's nn::ConvTranspose1d (parameters, PyTorch's initialisation, kernels cached per
// output_padding) and the stateless conv_transpose1d, for lucid_jit.nn. The Python classes in
// lucid_jit/nn wrap these; forward passes release the GIL while the kernels run.
#include <memory>
#include <string>

#include "bindings.h"
#include "lucid/conv_transpose1d.h"
#include "lucid/error.h"
#include "lucid/generator.h"
#include "lucid/nn/conv_transpose1d.h"

namespace lucid::python {

namespace {

Tensor optional_tensor(const py::object& value) {
  return value.is_none() ? Tensor() : value.cast<Tensor>();
}

py::object tensor_or_none(const Tensor& t) { return t.defined() ? py::cast(t) : py::none(); }

// PyTorch's output_size: an int, or a list/tuple/torch.Size whose last element is the length
// (1 element, or the whole output shape).
int64_t output_length_from_python(py::handle output_size) {
  if (py::isinstance<py::sequence>(output_size) && !py::isinstance<py::str>(output_size)) {
    py::sequence sizes = py::reinterpret_borrow<py::sequence>(output_size);
    if (sizes.size() < 1 || sizes.size() > 3)
      throw Error("ConvTranspose1d: output_size must have 1, 2 or 3 elements (the length, or the "
                  "whole output shape); got " + std::string(py::repr(output_size)));
    return sizes[sizes.size() - 1].cast<int64_t>();
  }
  return output_size.cast<int64_t>();
}

}  // namespace

void bind_nn(py::module_& m) {
  using Layer = nn::ConvTranspose1d;
  py::class_<Layer, std::shared_ptr<Layer>>(m, "ConvTranspose1dLayer",
                                            "The C++ nn::ConvTranspose1d behind lucid_jit.nn")
      .def(py::init([](const ConvSpec& spec) { return std::make_shared<Layer>(spec); }),
           py::arg("spec"))
      .def_property_readonly("spec", &Layer::spec)
      .def_property("weight", [](const Layer& l) { return tensor_or_none(l.weight); },
                    [](Layer& l, py::object w) { l.weight = optional_tensor(w); })
      .def_property("bias", [](const Layer& l) { return tensor_or_none(l.bias); },
                    [](Layer& l, py::object b) { l.bias = optional_tensor(b); })
      .def("forward",
           [](Layer& layer, const Tensor& x, py::object output_size) {
             if (output_size.is_none()) {
               py::gil_scoped_release release;
               return layer.forward(x);
             }
             int64_t length = output_length_from_python(output_size);
             py::gil_scoped_release release;
             return layer.forward(x, length);
           },
           py::arg("x"), py::arg("output_size") = py::none())
      .def("reset_parameters", [](Layer& l) { l.reset_parameters(default_generator()); })
      .def("pack_weights", &Layer::pack_weights, py::arg("enabled") = true)
      .def_property_readonly("packs_weights", &Layer::packs_weights)
      .def("__repr__", &Layer::to_string);

  m.def("conv_transpose1d",
        [](const Tensor& x, const Tensor& weight, py::object bias, const ConvSpec& spec) {
          Tensor b = optional_tensor(bias);
          py::gil_scoped_release release;
          return conv_transpose1d(x, weight, b, spec);
        },
        py::arg("x"), py::arg("weight"), py::arg("bias"), py::arg("spec"),
        "The layer `spec` on x with these parameters (kernels from the JIT's cache)");
}

}  // namespace lucid::python
