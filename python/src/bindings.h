// The pieces of the lucid_jit._core extension: one bind_* function per file, each adding one
// part of the C++ runtime to the module, plus the conversions several of them share.
#pragma once

#include <pybind11/pybind11.h>

#include "lucid/conv_spec.h"
#include "lucid/dtype.h"
#include "lucid/tensor.h"

namespace lucid::python {

namespace py = pybind11;

void bind_errors(py::module_& m);        // errors.cpp: lucid::Error -> ValueError, ...
void bind_tensor(py::module_& m);        // tensor.cpp: Tensor, numpy views, factories
void bind_ops(py::module_& m);           // ops.cpp: arithmetic, relu, reductions, mse_loss
void bind_autograd(py::module_& m);      // autograd.cpp: backward, grad mode
void bind_conv_spec(py::module_& m);     // conv_spec.cpp: ConvSpec, DType
void bind_nn(py::module_& m);            // nn.cpp: nn::ConvTranspose1d, functional conv
void bind_optim(py::module_& m);         // optim.cpp: SGD, Adam
void bind_kernel_handle(py::module_& m); // kernel_handle.cpp: raw-pointer calls (torch path)
void bind_runtime(py::module_& m);       // runtime.cpp: threads, seeds, JIT statistics

// float32 unless `dtype` says otherwise. Accepts None, lucid_jit.DType, "float32"/"float64"
// (also "float", "double", "torch.float64", ...), numpy dtypes and torch dtypes; anything else
// is a TypeError naming what was given.
DType dtype_from_python(py::handle dtype, DType fallback = DType::Float32);

// PyTorch's `padding`: an int, a 1- or 2-tuple (left, right), "valid" or "same".
Padding padding_from_python(py::handle padding);

// A tensor over a numpy array's memory when its dtype and layout allow (float32/float64,
// C-contiguous, aligned, writeable); otherwise over a converted copy. `array` must already
// have `dtype` (numpy_storage.cpp).
Tensor tensor_from_numpy(py::handle array, DType dtype);

}  // namespace lucid::python
