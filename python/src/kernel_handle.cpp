// lucid_jit._core.KernelHandle: one layer's kernels called on memory the caller owns, by raw
// address. This is lucid_jit.torch's path: torch allocates and checks the tensors, these calls
// only run the kernels, with the GIL released and the work split over the runtime's pool.
//
// The handle is fetched once per layer (JitEngine::handle) and kept by the Python object; each
// call loads the handle's current set once and takes the item counts and kernels from it, so a
// tier swap in the middle of a call cannot mix two sets.
#include <cstdint>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "bindings.h"
#include "lucid/error.h"
#include "lucid/jit_engine.h"
#include "kernel_passes.h"
#include "nonfinite_passes.h"

namespace lucid::python {

namespace {

using Address = std::uintptr_t;

const void* in(Address a) { return reinterpret_cast<const void*>(a); }
void* out(Address a) { return reinterpret_cast<void*>(a); }

class KernelCalls {
 public:
  explicit KernelCalls(const ConvSpec& spec) : handle_(JitEngine::global().handle(spec)) {}

  const ConvSpec& spec() const { return handle_->spec(); }
  const KernelSet& current() const { return handle_->current(); }

  void forward(Address x, Address weight, Address bias, Address y, int64_t batch,
               int64_t length) const {
    require(x, "x");
    require(weight, "weight");
    require(y, "y");
    if (spec().bias != (bias != 0))
      throw Error(fmt::format("{}: bias address {} for a layer with bias={}", spec().to_string(),
                              bias, spec().bias ? "True" : "False"));
    run([&](const KernelSet& set) { run_forward(set, in(x), in(weight), in(bias), out(y), batch, length); });
  }

  void backward_data(Address grad_y, Address weight, Address grad_x, int64_t batch,
                     int64_t length) const {
    require(grad_y, "grad_y");
    require(weight, "weight");
    require(grad_x, "grad_x");
    run([&](const KernelSet& set) { run_backward_data(set, in(grad_y), in(weight), out(grad_x), batch, length); });
  }

  void backward_weight(Address x, Address grad_y, Address grad_weight, int64_t batch,
                       int64_t length) const {
    require(x, "x");
    require(grad_y, "grad_y");
    require(grad_weight, "grad_weight");
    run([&](const KernelSet& set) { run_backward_weight(set, in(x), in(grad_y), out(grad_weight), batch, length); });
  }

  void backward_bias(Address grad_y, Address grad_bias, int64_t batch, int64_t length) const {
    require(grad_y, "grad_y");
    require(grad_bias, "grad_bias");
    run([&](const KernelSet& set) { run_backward_bias(set, in(grad_y), out(grad_bias), batch, length); });
  }

 private:
  void require(Address address, const char* what) const {
    if (address == 0) throw Error(fmt::format("{}: null address for {}", spec().to_string(), what));
  }

  // Runs one pass without the GIL on the set current at the start of the call (the
  // pass's exception, if any, reaches Python once the GIL is back).
  template <typename Pass>
  void run(Pass&& pass) const {
    py::gil_scoped_release release;
    pass(handle_->current());
  }

  std::shared_ptr<const KernelHandle> handle_;
};

}  // namespace

void bind_kernel_handle(py::module_& m) {
  py::class_<KernelCalls>(m, "KernelHandle",
                          "A layer's JIT kernels, called on raw addresses (lucid_jit.torch's path)")
      .def(py::init<const ConvSpec&>(), py::arg("spec"),
           "The engine's handle for spec: tier 1 at once on a cache hit, else tier 0 until the "
           "background compile swaps tier 1 in")
      .def_property_readonly("spec", &KernelCalls::spec)
      .def_property_readonly("tier", [](const KernelCalls& k) { return k.current().tier; })
      .def_property_readonly("specialised", [](const KernelCalls& k) { return k.current().tier == 1; })
      .def_property_readonly("source", [](const KernelCalls& k) { return k.current().source; })
      .def("output_length", [](const KernelCalls& k, int64_t length) { return k.spec().output_length(length); },
           py::arg("length"))
      .def("forward", &KernelCalls::forward, py::arg("x"), py::arg("weight"), py::arg("bias"),
           py::arg("y"), py::arg("batch"), py::arg("length"),
           "y = conv_transpose1d(x, weight) + bias on NCL contiguous memory; bias 0 when none")
      .def("backward_data", &KernelCalls::backward_data, py::arg("grad_y"), py::arg("weight"),
           py::arg("grad_x"), py::arg("batch"), py::arg("length"))
      .def("backward_weight", &KernelCalls::backward_weight, py::arg("x"), py::arg("grad_y"),
           py::arg("grad_weight"), py::arg("batch"), py::arg("length"))
      .def("backward_bias", &KernelCalls::backward_bias, py::arg("grad_y"), py::arg("grad_bias"),
           py::arg("batch"), py::arg("length"));
  m.def(
      "all_finite",
      [](Address data, int64_t numel, bool float64) {
        if (numel > 0 && data == 0) throw Error("all_finite: data address 0 for numel > 0");
        py::gil_scoped_release unlocked;
        return nonfinite::all_finite(in(data), numel, float64 ? DType::Float64 : DType::Float32);
      },
      py::arg("data"), py::arg("numel"), py::arg("float64"),
      "True when numel contiguous float32 (or float64) elements at data are all finite: "
      "lucid_jit.torch's per-call check, vectorised and without torch's temporary bool tensor");
}

}  // namespace lucid::python
