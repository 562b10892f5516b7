// nn::Module: the base of layers and models. It knows its parameters and child modules by
// name, so optimisers and users can walk them, and carries the train/eval flag.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lucid/tensor.h"

namespace lucid::nn {

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  // Parameters are registered by address, so a module never moves or copies.
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }

  // One line naming the module, e.g. "ConvTranspose1d(4, 2, 3, stride=2)".
  virtual std::string to_string() const = 0;

  // This module's and its children's defined parameters, depth first in registration order.
  std::vector<Tensor> parameters() const;
  // The same with dotted names: "deconv1.weight", "0.bias", ...
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  int64_t parameter_count() const;  // total number of parameter elements

  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Drops every parameter's gradient.
  void zero_grad();

 protected:
  // Registers a Tensor member as a parameter. The member is read at each call of
  // parameters(), so assigning a new tensor to it (module.weight = ...) is seen.
  void register_parameter(std::string name, Tensor& parameter);
  // Registers a child that is a member of this module...
  void register_module(std::string name, Module& child);
  // ...or one this module owns through a shared_ptr.
  void register_module(std::string name, std::shared_ptr<Module> child);

 private:
  void collect(const std::string& prefix,
               std::vector<std::pair<std::string, Tensor>>& out) const;

  std::vector<std::pair<std::string, Tensor*>> parameters_;
  std::vector<std::pair<std::string, Module*>> children_;
  std::vector<std::shared_ptr<Module>> owned_children_;
  bool training_ = true;
};

}  // namespace lucid::nn
