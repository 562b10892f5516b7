// nn::Sequential: runs its modules one after another; their parameters are named "0.weight",
// "1.bias", ... as in PyTorch.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

#include "lucid/nn/module.h"

namespace lucid::nn {

class Sequential : public Module {
 public:
  Sequential() = default;
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);

  void push_back(std::shared_ptr<Module> module);
  template <typename M, typename... Args>
  std::shared_ptr<M> emplace_back(Args&&... args) {
    auto module = std::make_shared<M>(std::forward<Args>(args)...);
    push_back(module);
    return module;
  }

  Tensor forward(const Tensor& x) override;
  std::string to_string() const override;

  std::size_t size() const { return modules_.size(); }
  const std::shared_ptr<Module>& operator[](std::size_t i) const { return modules_.at(i); }

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};

}  // namespace lucid::nn
