// The functional ConvTranspose1d: runs a spec's JIT kernels on tensors and records the
// backward node. nn::ConvTranspose1d is the usual way in; this is the layer without state.
#pragma once

#include <memory>

#include "lucid/conv_spec.h"
#include "lucid/kernel_handle.h"
#include "lucid/packed_weights.h"
#include "lucid/tensor.h"

namespace lucid {

// x: (N, Cin, L) or unbatched (Cin, L); weight: (Cin, Cout/groups, K); bias: (Cout), and
// defined exactly when kernels->spec().bias. Returns (N, Cout, Lout) or (Cout, Lout).
// Every mismatch throws lucid::Error naming the shapes involved.
Tensor conv_transpose1d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        std::shared_ptr<const KernelHandle> kernels);

// The same, the forward kernel reading the weight packed by `packed` (packed once per weight
// version and kernel set; see PackedWeights) when packed is not null.
Tensor conv_transpose1d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        std::shared_ptr<const KernelHandle> kernels, PackedWeights* packed);

// The same with kernels from JitEngine::global().handle(spec).
Tensor conv_transpose1d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const ConvSpec& spec);

}  // namespace lucid
