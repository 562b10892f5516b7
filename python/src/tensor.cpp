// lucid_jit.Tensor: the runtime's Tensor with Lucid's Python constructor and attributes, numpy
// interop (views both ways where the dtype and layout allow), and the factories.
#include <string>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "lucid/error.h"
#include "lucid/node.h"

namespace lucid::python {

namespace {

py::dtype numpy_dtype(DType dtype) {
  return dtype == DType::Float32 ? py::dtype::of<float>() : py::dtype::of<double>();
}

// Arrays, buffers (a Tensor) and objects numpy knows as arrays keep a float32/float64 dtype;
// nested lists and scalars become float32, the runtime's default, as in Lucid.
DType inferred_dtype(py::handle data, const py::array& converted) {
  bool array_like = py::isinstance<py::array>(data) || py::isinstance<py::buffer>(data) ||
                    py::hasattr(data, "__array__") || py::hasattr(data, "__array_interface__");
  if (array_like && converted.dtype().kind() == 'f' && converted.itemsize() == 8)
    return DType::Float64;
  return DType::Float32;
}

Tensor tensor_from_python(py::handle data, bool requires_grad, py::handle dtype) {
  py::module_ numpy = py::module_::import("numpy");
  DType resolved;
  if (!dtype.is_none()) {
    resolved = dtype_from_python(dtype);
  } else {
    py::array probe = numpy.attr("asarray")(data);  // no copy for arrays and buffers
    resolved = inferred_dtype(data, probe);
    if (probe.dtype().kind() != 'f' && probe.dtype().kind() != 'i' &&
        probe.dtype().kind() != 'u' && probe.dtype().kind() != 'b')
      throw py::type_error("Tensor: cannot make a float tensor from " +
                           std::string(py::repr(py::type::handle_of(data))) + " of numpy dtype " +
                           std::string(py::str(probe.dtype())));
  }
  py::array array = numpy.attr("asarray")(data, numpy_dtype(resolved));
  Tensor tensor = tensor_from_numpy(array, resolved);
  if (requires_grad) tensor.requires_grad_(true);
  return tensor;
}

// Tensor.randn(1, 4, 5) and Tensor.randn((1, 4, 5)) both name the shape (1, 4, 5).
Shape shape_from_args(const py::args& args) {
  py::sequence dims = args;
  if (args.size() == 1 && (py::isinstance<py::tuple>(args[0]) || py::isinstance<py::list>(args[0])))
    dims = py::reinterpret_borrow<py::sequence>(args[0]);
  Shape shape;
  for (py::handle d : dims) {
    if (py::isinstance<py::bool_>(d) || !PyIndex_Check(d.ptr()))
      throw py::type_error("Tensor: a shape is made of ints, got " + std::string(py::repr(d)));
    int64_t extent = py::int_(py::reinterpret_borrow<py::object>(d)).cast<int64_t>();
    if (extent < 0)
      throw py::value_error("Tensor: negative extent " + std::to_string(extent) + " in a shape");
    shape.push_back(extent);
  }
  return shape;
}

py::tuple shape_tuple(const Shape& shape) {
  py::tuple out(shape.size());
  for (std::size_t i = 0; i < shape.size(); ++i) out[i] = py::int_(shape[i]);
  return out;
}

// A numpy array over the tensor's storage; the array keeps the storage alive.
py::array numpy_view(const Tensor& tensor) {
  auto* owner = new Tensor(tensor);
  py::capsule base(owner, [](void* p) { delete static_cast<Tensor*>(p); });
  return py::array(numpy_dtype(tensor.dtype()), tensor.shape(), {},
                   const_cast<void*>(static_cast<const Tensor&>(*owner).data()), base);
}

py::object grad_or_none(const Tensor& t) {
  Tensor grad = t.grad();
  if (!grad.defined()) return py::none();
  return py::cast(grad);
}

}  // namespace

void bind_tensor(py::module_& m) {
  py::class_<Tensor> tensor(m, "Tensor", py::buffer_protocol(),
                            "An n-dimensional float32/float64 array with autograd (Lucid's Tensor)");
  tensor
      .def(py::init(&tensor_from_python), py::arg("data"), py::arg("requires_grad") = false,
           py::arg("dtype") = py::none(),
           "From nested lists (float32) or an array (its float32/float64 dtype; memory shared "
           "when the layout allows, as torch.from_numpy)")
      .def_buffer([](Tensor& t) {
        std::size_t item = dtype_size(t.dtype());
        std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end());
        std::vector<py::ssize_t> strides(shape.size());
        py::ssize_t stride = static_cast<py::ssize_t>(item);
        for (std::size_t i = shape.size(); i-- > 0;) {
          strides[i] = stride;
          stride *= shape[i];
        }
        return py::buffer_info(t.data(), static_cast<py::ssize_t>(item),
                               t.dtype() == DType::Float32 ? "f" : "d",
                               static_cast<py::ssize_t>(shape.size()), shape, strides);
      })
      .def_static("randn",
                  [](const py::args& args, bool requires_grad, py::handle dtype) {
                    return Tensor::randn(shape_from_args(args), requires_grad,
                                         dtype_from_python(dtype));
                  },
                  py::kw_only(), py::arg("requires_grad") = false, py::arg("dtype") = py::none(),
                  "Standard normal samples from the default generator (lucid_jit.manual_seed)")
      .def_static("zeros",
                  [](const py::args& args, bool requires_grad, py::handle dtype) {
                    return Tensor::zeros(shape_from_args(args), dtype_from_python(dtype),
                                         requires_grad);
                  },
                  py::kw_only(), py::arg("requires_grad") = false, py::arg("dtype") = py::none())
      .def_static("ones",
                  [](const py::args& args, bool requires_grad, py::handle dtype) {
                    return Tensor::ones(shape_from_args(args), dtype_from_python(dtype),
                                        requires_grad);
                  },
                  py::kw_only(), py::arg("requires_grad") = false, py::arg("dtype") = py::none())
      .def_property_readonly("shape", [](const Tensor& t) { return shape_tuple(t.shape()); })
      .def_property_readonly("ndim", &Tensor::dim)
      .def_property_readonly("size", &Tensor::numel, "Number of elements (numpy's and Lucid's size)")
      .def("numel", &Tensor::numel)
      .def_property_readonly("dtype", [](const Tensor& t) { return numpy_dtype(t.dtype()); })
      .def_property_readonly("itemsize", [](const Tensor& t) { return dtype_size(t.dtype()); })
      .def("__len__", [](const Tensor& t) {
        if (t.dim() == 0) throw py::type_error("len() of a 0-d tensor");
        return t.size(0);
      })
      .def("numpy", &numpy_view, "A numpy array sharing this tensor's memory")
      .def_property_readonly("data", &numpy_view, "The values as a numpy view (Lucid's .data)")
      .def("item", &Tensor::item)
      .def("tolist", [](const Tensor& t) { return numpy_view(t).attr("tolist")(); })
      .def("mark_modified", &Tensor::mark_modified,
           "Tell the runtime the values changed through a numpy view (as an in-place op would): "
           "saved graphs and packed weights (ConvTranspose1d.pack_weights) then see it")
      .def_property_readonly("_version", &Tensor::version, "In-place writes so far (PyTorch's _version)")
      .def("detach", &Tensor::detach)
      .def("clone", &Tensor::clone)
      .def("reshape", [](const Tensor& t, const py::args& args) { return t.reshape(shape_from_args(args)); })
      .def_property("requires_grad", &Tensor::requires_grad,
                    [](Tensor& t, bool on) { t.requires_grad_(on); })
      .def("requires_grad_", [](Tensor& t, bool on) { return t.requires_grad_(on); },
           py::arg("requires_grad") = true)
      .def_property_readonly("is_leaf", &Tensor::is_leaf)
      .def_property("grad", &grad_or_none,
                    [](Tensor& t, py::object grad) {
                      if (grad.is_none()) t.zero_grad();
                      else t.set_grad(grad.cast<Tensor>());
                    },
                    "The accumulated gradient, or None")
      .def_property_readonly("grad_fn", [](const Tensor& t) -> py::object {
        if (!t.grad_fn()) return py::none();
        return py::str(t.grad_fn()->name());
      }, "The name of the node that made this tensor (e.g. 'ConvTranspose1dBackward'), or None")
      .def("zero_grad", &Tensor::zero_grad, "Drops the gradient (grad becomes None)")
      .def_property_readonly("_identity",
                             [](const Tensor& t) { return reinterpret_cast<std::uintptr_t>(t.impl().get()); },
                             "Which tensor this is: equal for every Python object of one tensor")
      .def("_to_string", &Tensor::to_string);
}

}  // namespace lucid::python
