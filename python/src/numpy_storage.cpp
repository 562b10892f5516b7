// Tensors over numpy memory, and numpy arrays over tensor memory, without copying.
//
// A numpy array whose dtype and layout the runtime can use (float32/float64, C-contiguous,
// aligned, writeable) becomes a Tensor sharing its memory, as torch.from_numpy does: the
// Storage points into the array and holds a reference to it. Anything else is copied once,
// by numpy, into a fresh array that the tensor then owns the same way.
//
// The runtime has no public constructor for a tensor over foreign memory yet, so this is the
// one file that builds a TensorImpl itself (runtime/tensor_impl.h). Kernels need only element
// alignment, which an aligned numpy array has.
#include <cstdlib>

#include <pybind11/numpy.h>

#include "bindings.h"
#include "lucid/error.h"
#include "tensor_impl.h"

namespace lucid::python {

namespace {

// The Storage deleter of a tensor over numpy memory: the memory is the array's, so the Storage
// lets go of it, and the array's reference is dropped under the GIL (the last tensor may die
// on a thread that released it). After interpreter shutdown the reference is leaked.
struct ReleaseArray {
  py::object* array;
  void operator()(Storage* storage) const {
    storage->data = nullptr;  // ~Storage frees data; numpy's memory is not ours to free
    delete storage;
    if (Py_IsInitialized()) {
      py::gil_scoped_acquire gil;
      delete array;
    }
  }
};

bool shareable(const py::array& array) {
  using api = py::detail::npy_api;
  int flags = array.flags();
  return (flags & api::NPY_ARRAY_C_CONTIGUOUS_) && (flags & api::NPY_ARRAY_ALIGNED_) &&
         (flags & api::NPY_ARRAY_WRITEABLE_);
}

}  // namespace

Tensor tensor_from_numpy(py::handle handle, DType dtype) {
  py::array array = py::reinterpret_borrow<py::array>(handle);
  if (!shareable(array))
    array = py::module_::import("numpy").attr("array")(array, py::arg("order") = "C",
                                                       py::arg("copy") = true);
  if (array.itemsize() != static_cast<py::ssize_t>(dtype_size(dtype)))
    throw InternalError("tensor_from_numpy: the array is not " + std::string(dtype_name(dtype)));

  auto* storage = new Storage(0);
  std::free(storage->data);
  storage->data = array.mutable_data();
  storage->bytes = static_cast<std::size_t>(array.nbytes());
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::shared_ptr<Storage>(storage, ReleaseArray{new py::object(array)});
  impl->shape.assign(array.shape(), array.shape() + array.ndim());
  impl->numel = shape_numel(impl->shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

}  // namespace lucid::python
