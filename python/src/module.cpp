// lucid_jit._core: the extension module the pure-Python package lucid_jit is built on
// (docs/semantics.md §9). Each part of the runtime is bound in its own file; this only assembles them.
#include "bindings.h"

PYBIND11_MODULE(_core, m) {
  using namespace lucid::python;
  m.doc() = "lucid-jit's C++ runtime: tensors, autograd, modules, optimisers and JIT kernels";
  bind_errors(m);  // first, so every later binding's errors are translated
  bind_conv_spec(m);
  bind_tensor(m);
  bind_ops(m);
  bind_autograd(m);
  bind_nn(m);
  bind_optim(m);
  bind_kernel_handle(m);
  bind_runtime(m);
}
