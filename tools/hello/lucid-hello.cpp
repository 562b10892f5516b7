// lucid-hello: a ConvTranspose1d layer from its PyTorch spelling to numbers, with no JIT yet.
// Usage: lucid-hello ['ConvTranspose1d(...)']
#include <cstdio>
#include <vector>

#include "lucid/conv_spec.h"
#include "lucid/error.h"
#include "lucid/reference.h"

int main(int argc, char** argv) {
  try {
    // 1. Parse a layer from the text a PyTorch user would write.
    const char* text =
        argc > 1 ? argv[1] : "nn.ConvTranspose1d(4, 2, kernel_size=3, stride=2, padding=1, output_padding=1)";
    const lucid::ConvSpec spec = lucid::ConvSpec::parse(text);
    std::printf("parsed:    %s\n", text);
    std::printf("spec:      %s\n", spec.to_string().c_str());
    std::printf("key:       %s\n", spec.key().c_str());
    std::printf("crops:     pad_left=%lld pad_right=%lld\n", static_cast<long long>(spec.pad_left),
                static_cast<long long>(spec.pad_right));

    // 2. Output lengths for a few input lengths (one compiled kernel will serve them all).
    for (int64_t length : {1, 5, 16, 1000}) {
      std::printf("L=%-5lld -> Lout=%lld, %.0f flops for batch 1\n", static_cast<long long>(length),
                  static_cast<long long>(spec.output_length(length)), spec.flops(1, length));
    }

    // 3. The seed example through the reference kernels: x=[1,2,3], w=[1,0.5], no bias.
    const lucid::ConvSpec seed = lucid::ConvSpec::parse("ConvTranspose1d(1, 1, 2, bias=False)");
    const std::vector<float> x = {1, 2, 3}, w = {1, 0.5f};
    std::vector<float> y(seed.output_length(3));
    lucid::reference::forward(seed, x.data(), w.data(), nullptr, y.data(), 1, 3);
    std::printf("\n%s on x=[1, 2, 3], w=[1, 0.5]\n  y =", seed.to_string().c_str());
    for (float v : y) std::printf(" %g", v);

    // 4. Its gradients for y.backward() (a gradient of ones).
    const std::vector<float> gy(y.size(), 1.0f);
    std::vector<float> dx(x.size()), dw(w.size());
    lucid::reference::backward_data(seed, gy.data(), w.data(), dx.data(), 1, 3);
    lucid::reference::backward_weight(seed, x.data(), gy.data(), dw.data(), 1, 3);
    std::printf("\n  x.grad =");
    for (float v : dx) std::printf(" %g", v);
    std::printf("\n  weight.grad =");
    for (float v : dw) std::printf(" %g", v);
    std::printf("\n");
    return 0;
  } catch (const lucid::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
