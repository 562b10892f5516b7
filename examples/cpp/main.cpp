// The README's C++ example, whole: the seed's ConvTranspose1d on three numbers, forward and
// backward. scripts/check_install.sh builds it against an installed lucid-jit and compares
// what it prints with expected_output.txt.
#include <iostream>

#include "lucid/lucid.h"

int main() {
  // 1. A layer and an input; the weight is set by hand to follow the seed's example.
  lucid::nn::ConvTranspose1d deconv(1, 1, /*kernel_size=*/2, /*stride=*/1, /*padding=*/0,
                                    /*output_padding=*/0, /*dilation=*/1, /*groups=*/1, /*bias=*/false);
  deconv.weight = lucid::Tensor::from_vector({1.0, 0.5}, {1, 1, 2}, lucid::DType::Float32, true);
  lucid::Tensor x = lucid::Tensor::from_vector({1, 2, 3}, {1, 1, 3}, lucid::DType::Float32, true);
  // 2. Forward: the JIT compiles (or loads from the disk cache) this layer's kernels once.
  lucid::Tensor y = deconv(x);            // [1, 2.5, 4, 1.5]
  // 3. Backward seeds a gradient of ones, as Lucid does.
  y.backward();                           // x.grad() = [1.5, 1.5, 1.5], weight.grad() = [6, 6]
  // 4. The numbers.
  std::cout << "y:             " << y << '\n'
            << "x.grad():      " << x.grad() << '\n'
            << "weight.grad(): " << deconv.weight.grad() << '\n';
  return 0;
}
