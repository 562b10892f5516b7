// ConvSpec and DType for Python: the layer description every other binding takes, and the
// conversions from PyTorch's spellings of `padding` and `dtype`.
#include <string>

#include <pybind11/numpy.h>
#include <pybind11/operators.h>

#include "bindings.h"

namespace lucid::python {

DType dtype_from_python(py::handle dtype, DType fallback) {
  if (dtype.is_none()) return fallback;
  if (py::isinstance<DType>(dtype)) return dtype.cast<DType>();
  // torch dtypes spell themselves "torch.float32"; strings are taken as written; numpy types,
  // dtypes and Python's float go through numpy.dtype (so float means float64, as in numpy).
  std::string name = py::str(dtype);
  if (!py::isinstance<py::str>(dtype) && name.rfind("torch.", 0) != 0) {
    try {
      name = py::str(py::dtype::from_args(py::reinterpret_borrow<py::object>(dtype)));
    } catch (py::error_already_set&) {
      name.clear();
    }
  }
  if (name.rfind("torch.", 0) == 0) name = name.substr(6);
  if (name == "float32") return DType::Float32;
  if (name == "float64") return DType::Float64;
  throw py::type_error("lucid-jit supports dtype float32 and float64, got " +
                       std::string(py::repr(dtype)));
}

Padding padding_from_python(py::handle padding) {
  auto bad = [&]() {
    return std::string("ConvTranspose1d: padding must be an int, a tuple (left, right), \"valid\" or \"same\"; "
                       "got ") + std::string(py::repr(padding));
  };
  if (py::isinstance<py::str>(padding)) {
    std::string text = padding.cast<std::string>();
    if (text == "same") return Padding::same();
    if (text == "valid") return Padding::valid();
    throw py::value_error(bad());
  }
  auto as_int = [&](py::handle value) -> int64_t {
    if (py::isinstance<py::bool_>(value) || !PyIndex_Check(value.ptr())) throw py::type_error(bad());
    return py::int_(py::reinterpret_borrow<py::object>(value)).cast<int64_t>();
  };
  if (py::isinstance<py::tuple>(padding) || py::isinstance<py::list>(padding)) {
    py::sequence items = py::reinterpret_borrow<py::sequence>(padding);
    if (items.size() == 1) return Padding(as_int(items[0]));
    if (items.size() == 2) return Padding(as_int(items[0]), as_int(items[1]));
    throw py::value_error(bad());
  }
  return Padding(as_int(padding));
}

namespace {

// The padding as the user gave it, back in Python's spelling.
py::object padding_to_python(const Padding& padding) {
  switch (padding.kind) {
    case Padding::Kind::Int: return py::int_(padding.left);
    case Padding::Kind::Pair: return py::make_tuple(padding.left, padding.right);
    case Padding::Kind::Valid: return py::str("valid");
    case Padding::Kind::Same: return py::str("same");
  }
  return py::none();
}

}  // namespace

void bind_conv_spec(py::module_& m) {
  py::enum_<DType>(m, "DType", "Element types the kernels are generated for")
      .value("float32", DType::Float32)
      .value("float64", DType::Float64)
      .def_property_readonly("itemsize", [](DType t) { return dtype_size(t); })
      .def("__str__", [](DType t) { return std::string(dtype_name(t)); });
  m.attr("float32") = DType::Float32;
  m.attr("float64") = DType::Float64;
  m.def("dtype", [](py::handle dtype) { return dtype_from_python(dtype); }, py::arg("dtype"),
        "The lucid DType for a dtype spelt as a string, numpy or torch dtype");

  py::class_<ConvSpec>(m, "ConvSpec",
                       "A validated ConvTranspose1d configuration (Lucid's argument order)")
      .def(py::init([](int64_t in_channels, int64_t out_channels, int64_t kernel_size,
                       int64_t stride, py::handle padding, int64_t output_padding,
                       int64_t dilation, int64_t groups, bool bias, py::handle dtype) {
             return ConvSpec::make(in_channels, out_channels, kernel_size, stride,
                                   padding_from_python(padding), output_padding, dilation, groups,
                                   bias, dtype_from_python(dtype));
           }),
           py::arg("in_channels"), py::arg("out_channels"), py::arg("kernel_size"),
           py::arg("stride") = 1, py::arg("padding") = 0, py::arg("output_padding") = 0,
           py::arg("dilation") = 1, py::arg("groups") = 1, py::arg("bias") = true,
           py::arg("dtype") = py::none())
      .def_static("parse", &ConvSpec::parse, py::arg("text"),
                  "Reads the PyTorch spelling, e.g. 'ConvTranspose1d(4, 2, 3, stride=2)'")
      .def_readonly("in_channels", &ConvSpec::in_channels)
      .def_readonly("out_channels", &ConvSpec::out_channels)
      .def_readonly("kernel_size", &ConvSpec::kernel_size)
      .def_readonly("stride", &ConvSpec::stride)
      .def_property_readonly("padding", [](const ConvSpec& s) { return padding_to_python(s.padding); })
      .def_readonly("output_padding", &ConvSpec::output_padding)
      .def_readonly("dilation", &ConvSpec::dilation)
      .def_readonly("groups", &ConvSpec::groups)
      .def_readonly("bias", &ConvSpec::bias)
      .def_readonly("dtype", &ConvSpec::dtype)
      .def_readonly("pad_left", &ConvSpec::pad_left)
      .def_readonly("pad_right", &ConvSpec::pad_right)
      .def("output_length", &ConvSpec::output_length, py::arg("length"))
      .def_property_readonly("output_length_offset", &ConvSpec::output_length_offset)
      .def("flops", &ConvSpec::flops, py::arg("batch"), py::arg("length"))
      .def("key", &ConvSpec::key)
      .def("to_string", &ConvSpec::to_string)
      .def("__repr__", &ConvSpec::to_string)
      .def("__hash__", [](const ConvSpec& s) { return py::hash(py::str(s.key())); })
      .def(py::self == py::self);
}

}  // namespace lucid::python
