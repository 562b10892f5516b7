// The backward pass: visits the graph from the root in topological order, sums the gradients
// arriving at each node, applies it once all its consumers are done, and frees it after.
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "autograd_support.h"
#include "lucid/error.h"
#include "lucid/grad_mode.h"

namespace lucid {

namespace {

void check_released(const Node& node) {
  if (node.released())
    throw Error(fmt::format(
        "backward: the graph through {} was already freed by an earlier backward(); pass "
        "retain_graph=true to the first backward() to run backward twice",
        node.name()));
}

// Number of edges into each node reachable from root, so a node runs only after every
// consumer has sent its gradient.
std::unordered_map<Node*, int> count_dependencies(Node* root) {
  std::unordered_map<Node*, int> dependencies;
  std::unordered_set<Node*> seen{root};
  std::vector<Node*> stack{root};
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    for (const auto& edge : node->next_edges()) {
      if (!edge) continue;
      ++dependencies[edge.get()];
      if (seen.insert(edge.get()).second) stack.push_back(edge.get());
    }
  }
  return dependencies;
}

void accumulate(Tensor& slot, Tensor incoming) {
  if (!slot.defined()) slot = std::move(incoming);
  else if (exclusively_owned(slot)) add_in_place(slot, incoming);
  else {
    Tensor sum = slot.clone();
    add_in_place(sum, incoming);
    slot = std::move(sum);
  }
}

}  // namespace

void run_backward(const Tensor& root, const Tensor& seed, bool retain_graph) {
  if (!root.requires_grad())
    throw Error(fmt::format(
        "backward: the tensor of shape {} does not require grad and has no grad_fn; create the "
        "inputs with requires_grad=true and run the forward pass with gradients enabled",
        shape_to_string(root.shape())));
  if (seed.shape() != root.shape() || seed.dtype() != root.dtype())
    throw Error(fmt::format("backward: gradient {} {} does not match the tensor {} {}",
                            dtype_name(seed.dtype()), shape_to_string(seed.shape()),
                            dtype_name(root.dtype()), shape_to_string(root.shape())));

  std::shared_ptr<Node> root_node = gradient_edge(root);
  check_released(*root_node);
  auto dependencies = count_dependencies(root_node.get());

  NoGradGuard no_grad;
  std::unordered_map<Node*, Tensor> gradients;
  gradients[root_node.get()] = seed;
  std::vector<Node*> ready{root_node.get()};
  while (!ready.empty()) {
    Node* node = ready.back();
    ready.pop_back();
    check_released(*node);
    Tensor grad;
    if (auto it = gradients.find(node); it != gradients.end()) {
      grad = std::move(it->second);
      gradients.erase(it);
    }
    std::vector<Tensor> input_grads;
    if (grad.defined()) input_grads = node->apply(grad);
    grad = Tensor();
    const auto& edges = node->next_edges();
    for (std::size_t i = 0; i < edges.size(); ++i) {
      Node* next = edges[i].get();
      if (!next) continue;
      if (i < input_grads.size() && input_grads[i].defined())
        accumulate(gradients[next], std::move(input_grads[i]));
      if (--dependencies[next] == 0) ready.push_back(next);
    }
    if (!retain_graph && node->frees_after_backward()) node->release();
  }
}

void Tensor::backward(bool retain_graph) const {
  backward(Tensor::ones(shape(), dtype()), retain_graph);
}

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  if (!gradient.defined()) throw Error("backward: the gradient tensor is undefined");
  run_backward(*this, gradient, retain_graph);
}

}  // namespace lucid
