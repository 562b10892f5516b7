// nn::Module: parameter and child registration, the recursive walks over them, train/eval.
#include "lucid/nn/module.h"

namespace lucid::nn {

void Module::register_parameter(std::string name, Tensor& parameter) {
  parameters_.emplace_back(std::move(name), &parameter);
}

void Module::register_module(std::string name, Module& child) {
  children_.emplace_back(std::move(name), &child);
}

void Module::register_module(std::string name, std::shared_ptr<Module> child) {
  children_.emplace_back(std::move(name), child.get());
  owned_children_.push_back(std::move(child));
}

void Module::collect(const std::string& prefix,
                     std::vector<std::pair<std::string, Tensor>>& out) const {
  for (const auto& [name, tensor] : parameters_)
    if (tensor->defined()) out.emplace_back(prefix + name, *tensor);
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", out);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect("", out);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, tensor] : named_parameters()) out.push_back(tensor);
  return out;
}

int64_t Module::parameter_count() const {
  int64_t total = 0;
  for (const Tensor& p : parameters()) total += p.numel();
  return total;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

void Module::zero_grad() {
  for (Tensor& p : parameters()) p.zero_grad();
}

}  // namespace lucid::nn
