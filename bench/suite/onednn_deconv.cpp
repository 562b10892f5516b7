// OnednnDeconv: maps a ConvSpec onto oneDNN's deconvolution descriptors.
//
// oneDNN's conventions differ from PyTorch's in three places:
//  - weights are logically {Cout, Cin, K} ({G, Cout/G, Cin/G, K} with groups); PyTorch's
//    (Cin, Cout/G, K) memory is that tensor with explicit strides, no copy;
//  - dilation counts the holes: oneDNN's d is PyTorch's d - 1;
//  - there is no output_padding: it is a smaller right crop, padding_r = pr - output_padding
//    (oneDNN accepts a negative padding_r as long as it is > -stride).
#include "onednn_deconv.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <stdexcept>
#include <unordered_map>
#include <vector>

#ifdef LUCID_BENCH_HAVE_OPENMP
#include <omp.h>
#endif

namespace lucid::bench {

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// One tensor argument of a primitive: the caller's plain memory, the primitive's own, and
// the reorder between them when a Plain call must carry it.
struct Binding {
  int arg;
  memory user;
  memory prim;
  bool input;
  dnnl::reorder reorder;  // empty unless made part of the call
};

// A {1, C, 1} tensor laid out with md's channel blocking (nCw16c, nCw8c, nCw4c or plain).
// With one batch and one position every outer order gives the same offsets, so the block
// size alone decides the layout.
memory::desc channel_vector_like(const memory::desc& md, memory::dim channels) {
  const auto& blocking = md.data.format_desc.blocking;
  tag t = tag::abc;
  if (md.data.format_kind == dnnl_blocked && blocking.inner_nblks == 1 &&
      blocking.inner_idxs[0] == 1) {
    switch (blocking.inner_blks[0]) {
      case 16: t = tag::aBc16b; break;
      case 8: t = tag::aBc8b; break;
      case 4: t = tag::aBc4b; break;
      default: break;
    }
  }
  return memory::desc({1, channels, 1}, md.data_type(), t);
}

}  // namespace

struct OnednnDeconv::Impl {
  dnnl::stream stream{cpu_engine()};
  dnnl::primitive primitive;
  std::vector<Binding> bindings;
  bool reorders_in_call = false;  // Plain fallback: reorders are part of the timed call
  std::string impl_name;

  void bind(int arg, memory user, const memory::desc& prim_desc, bool input, OnednnLayout layout) {
    Binding b{arg, user, user, input, {}};
    if (prim_desc != user.get_desc()) {
      b.prim = memory(prim_desc, cpu_engine());
      if (layout == OnednnLayout::Plain) {
        reorders_in_call = true;
        b.reorder = input ? dnnl::reorder(b.user, b.prim) : dnnl::reorder(b.prim, b.user);
      } else if (input) {
        dnnl::reorder(user, b.prim).execute(stream, user, b.prim);  // once, untimed
      }
    }
    bindings.push_back(b);
    args[arg] = b.prim;
  }

  void run() {
    for (auto& b : bindings)
      if (b.input && b.reorder) b.reorder.execute(stream, b.user, b.prim);
    primitive.execute(stream, args);
    if (bias_add) bias_add.execute(stream, bias_add_args);  // on dst in oneDNN's layout
    for (auto& b : bindings)
      if (!b.input && b.reorder) b.reorder.execute(stream, b.prim, b.user);
    stream.wait();
  }

  std::unordered_map<int, memory> args;
  dnnl::primitive bias_add;  // separate_bias: dst += bias, broadcast over batch and length
  std::unordered_map<int, memory> bias_add_args;
};

OnednnDeconv::OnednnDeconv(Pass pass, OnednnLayout layout, ProblemData& d, OnednnVariant variant)
    : impl_(std::make_unique<Impl>()) {
  const ConvSpec& s = d.spec;
  const memory::dim N = d.batch, Cin = s.in_channels, Cout = s.out_channels, K = s.kernel_size;
  const memory::dim G = s.groups, L = d.length, Lout = d.out_length;
  if (s.dtype != DType::Float32) throw std::runtime_error("oneDNN 2.x has no float64 deconvolution");
  const dt type = dt::f32;

  // The caller's memory: NCL activations, PyTorch-ordered weights.
  const memory::desc src_user({N, Cin, L}, type, tag::ncw);
  const memory::desc dst_user({N, Cout, Lout}, type, tag::ncw);
  const memory::desc bias_user({Cout}, type, tag::x);
  const memory::desc weights_user =
      G == 1 ? memory::desc({Cout, Cin, K}, type, memory::dims{K, Cout * K, 1})
             : memory::desc({G, Cout / G, Cin / G, K}, type,
                            memory::dims{(Cin / G) * (Cout / G) * K, K, (Cout / G) * K, 1});
  auto with_layout = [&](const memory::desc& user) {
    return layout == OnednnLayout::Plain ? user : memory::desc(user.dims(), type, tag::any);
  };
  const memory::desc src_md = with_layout(src_user), dst_md = with_layout(dst_user);
  const memory::desc weights_md = with_layout(weights_user);
  const memory::dims strides{s.stride}, dilates{s.dilation - 1};
  const memory::dims pad_l{s.pad_left}, pad_r{s.pad_right - s.output_padding};
  const auto alg = dnnl::algorithm::deconvolution_direct;
  auto& engine = cpu_engine();

  auto make_memory = [&](const memory::desc& md, AlignedBuffer& buffer) {
    return memory(md, engine, buffer.data());
  };

  // Plain first tries the caller's layouts; if oneDNN has no implementation for them it falls
  // back to its own layouts with the reorders inside the timed call.
  const bool separate_bias = s.bias && variant.separate_bias;
  auto forward_pd = [&](dnnl::prop_kind kind, const memory::desc& src, const memory::desc& w,
                        const memory::desc& dst) {
    const memory::desc bias = s.bias && !separate_bias ? bias_user : memory::desc();
    return dnnl::deconvolution_forward::primitive_desc(
        {kind, alg, src, w, bias, dst, strides, dilates, pad_l, pad_r}, engine);
  };
  auto any = [&](const memory::desc& md) { return memory::desc(md.dims(), type, tag::any); };
  auto try_plain = [&](auto make) {
    try {
      return make(src_md, weights_md, dst_md);
    } catch (const dnnl::error&) {
      if (layout != OnednnLayout::Plain) throw;
      return make(any(src_md), any(weights_md), any(dst_md));
    }
  };

  switch (pass) {
    case Pass::Forward: {
      const auto kind = variant.forward_training ? dnnl::prop_kind::forward_training
                                                 : dnnl::prop_kind::forward_inference;
      auto pd = try_plain([&](auto src, auto w, auto dst) { return forward_pd(kind, src, w, dst); });
      impl_->primitive = dnnl::deconvolution_forward(pd);
      impl_->impl_name = pd.impl_info_str();
      impl_->bind(DNNL_ARG_SRC, make_memory(src_user, d.x), pd.src_desc(), true, layout);
      impl_->bind(DNNL_ARG_WEIGHTS, make_memory(weights_user, d.weight), pd.weights_desc(), true, layout);
      if (s.bias && !separate_bias)
        impl_->bind(DNNL_ARG_BIAS, make_memory(bias_user, d.bias), bias_user, true, layout);
      impl_->bind(DNNL_ARG_DST, make_memory(dst_user, d.y), pd.dst_desc(), false, layout);
      if (separate_bias) {
        // In place on the primitive's dst, whatever its layout. The bias is a {1, Cout, 1}
        // tensor that the binary primitive broadcasts, in dst's channel blocking, which its
        // jit kernel needs (a plain bias beside a blocked dst ran about 10x slower); it is
        // reordered into that layout once here, like the weights.
        const memory dst = impl_->args.at(DNNL_ARG_DST);
        const memory::desc bias_md = channel_vector_like(dst.get_desc(), Cout);
        dnnl::binary::primitive_desc add_pd(
            {dnnl::algorithm::binary_add, dst.get_desc(), bias_md, dst.get_desc()}, engine);
        memory bias_user_md(memory::desc({1, Cout, 1}, type, tag::abc), engine, d.bias.data());
        memory bias = bias_user_md;
        if (add_pd.src1_desc() != bias_user_md.get_desc()) {
          bias = memory(add_pd.src1_desc(), engine);
          dnnl::reorder(bias_user_md, bias).execute(impl_->stream, bias_user_md, bias);
        }
        impl_->bias_add = dnnl::binary(add_pd);
        impl_->bias_add_args = {{DNNL_ARG_SRC_0, dst}, {DNNL_ARG_SRC_1, bias}, {DNNL_ARG_DST, dst}};
        impl_->impl_name += "+binary_add(" + std::string(add_pd.impl_info_str()) + ")";
      }
      break;
    }
    case Pass::BackwardData: {
      auto pd = try_plain([&](auto src, auto w, auto dst) {
        auto hint = forward_pd(dnnl::prop_kind::forward_training, src, w, dst);
        return dnnl::deconvolution_backward_data::primitive_desc(
            {alg, src, w, dst, strides, dilates, pad_l, pad_r}, engine, hint);
      });
      impl_->primitive = dnnl::deconvolution_backward_data(pd);
      impl_->impl_name = pd.impl_info_str();
      impl_->bind(DNNL_ARG_DIFF_DST, make_memory(dst_user, d.grad_y), pd.diff_dst_desc(), true, layout);
      impl_->bind(DNNL_ARG_WEIGHTS, make_memory(weights_user, d.weight), pd.weights_desc(), true, layout);
      impl_->bind(DNNL_ARG_DIFF_SRC, make_memory(src_user, d.grad_x), pd.diff_src_desc(), false, layout);
      break;
    }
    case Pass::BackwardWeight: {
      // Weights only, as lucid's backward_weight kernel: the bias gradient is its own pass.
      auto pd = try_plain([&](auto src, auto w, auto dst) {
        auto hint = forward_pd(dnnl::prop_kind::forward_training, src, w, dst);
        return dnnl::deconvolution_backward_weights::primitive_desc(
            {alg, src, w, dst, strides, dilates, pad_l, pad_r}, engine, hint);
      });
      impl_->primitive = dnnl::deconvolution_backward_weights(pd);
      impl_->impl_name = pd.impl_info_str();
      impl_->bind(DNNL_ARG_SRC, make_memory(src_user, d.x), pd.src_desc(), true, layout);
      impl_->bind(DNNL_ARG_DIFF_DST, make_memory(dst_user, d.grad_y), pd.diff_dst_desc(), true, layout);
      impl_->bind(DNNL_ARG_DIFF_WEIGHTS, make_memory(weights_user, d.grad_weight),
                  pd.diff_weights_desc(), false, layout);
      break;
    }
  }
  impl_->stream.wait();
}

OnednnDeconv::~OnednnDeconv() = default;

void OnednnDeconv::run() { impl_->run(); }

void OnednnDeconv::output_to_user() {
  for (auto& b : impl_->bindings)
    if (!b.input && b.prim != b.user && !b.reorder)
      dnnl::reorder(b.prim, b.user).execute(impl_->stream, b.prim, b.user);
  impl_->stream.wait();
}

std::string OnednnDeconv::implementation() const {
  return impl_->impl_name + (impl_->reorders_in_call ? "+reorders" : "");
}

void onednn_set_threads(int threads) {
#ifdef LUCID_BENCH_HAVE_OPENMP
  omp_set_num_threads(threads);
#else
  (void)threads;  // without OpenMP headers oneDNN uses OMP_NUM_THREADS from the environment
#endif
}

std::string onednn_version() {
  const dnnl_version_t* v = dnnl::version();
  std::string threading = v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP"
                          : v->cpu_runtime == DNNL_RUNTIME_TBB ? "TBB"
                          : v->cpu_runtime == DNNL_RUNTIME_SEQ ? "sequential"
                                                               : "other";
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
         std::to_string(v->patch) + " (" + threading + ")";
}

}  // namespace lucid::bench
