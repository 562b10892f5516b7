// nn::Sequential: children named by position, applied in order.
#include "lucid/nn/sequential.h"

#include <string>

#include "lucid/error.h"

namespace lucid::nn {

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules) {
  for (const auto& module : modules) push_back(module);
}

void Sequential::push_back(std::shared_ptr<Module> module) {
  if (!module) throw Error("Sequential: cannot add a null module");
  register_module(std::to_string(modules_.size()), module);
  modules_.push_back(std::move(module));
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  for (const auto& module : modules_) h = module->forward(h);
  return h;
}

std::string Sequential::to_string() const {
  std::string text = "Sequential(\n";
  for (std::size_t i = 0; i < modules_.size(); ++i)
    text += "  (" + std::to_string(i) + "): " + modules_[i]->to_string() + "\n";
  return text + ")";
}

}  // namespace lucid::nn
