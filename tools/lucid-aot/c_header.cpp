// The header text. Everything the generated code fixes is spelled out so a reader needs
// neither this project nor LLVM to call the kernels correctly.
#include "c_header.h"

#include <cctype>

#include <fmt/format.h>

#include "lucid/kernel_abi.h"
#include "lucid/work_items.h"

namespace lucid_aot {

namespace {

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Every row of include/lucid/kernel_abi.h's status table as LUCID_AOT_STATUS_<NAME>, so the
// header documents each code a kernel, the entry points or the dispatcher can return.
std::string status_code_defines() {
  struct Row {
    const char* name;
    int value;
    const char* meaning;
  };
#define LUCID_STATUS_ROW(name, value, meaning) Row{#name, value, meaning},
  static constexpr Row rows[] = {LUCID_STATUS_TABLE(LUCID_STATUS_ROW)};
#undef LUCID_STATUS_ROW
  std::string text = "#ifndef LUCID_AOT_STATUS_CODES\n#define LUCID_AOT_STATUS_CODES\n";
  for (const Row& row : rows)
    text += fmt::format("{:<48} /* {} */\n", fmt::format("#define LUCID_AOT_STATUS_{} {}", row.name, row.value),
                        row.meaning);
  return text + "#endif\n";
}

}  // namespace

std::string c_header(const lucid::ConvSpec& spec, const std::string& prefix,
                     const lucid::Schedule& schedule, const std::vector<HeaderTarget>& targets,
                     bool dispatcher) {
  const std::string P = prefix, M = upper(prefix);
  const char* T = spec.dtype == lucid::DType::Float32 ? "float" : "double";
  const int64_t Cin = spec.in_channels, Cout = spec.out_channels, K = spec.kernel_size, G = spec.groups;
  const int64_t length_constant = spec.output_length_offset();
  const int64_t fwd_per_batch = lucid::forward_items(spec, schedule, 1);
  const int64_t bwd_data_per_batch = lucid::backward_data_items(spec, schedule, 1);
  const int64_t bwd_weight_items = lucid::backward_weight_items(spec, schedule);

  std::string targets_text;
  for (const HeaderTarget& t : targets)
    targets_text += fmt::format(" *   {} (cpu {}, schedule {}){}\n", t.name, t.cpu, t.schedule,
                                dispatcher ? fmt::format(": {}.{}.o", P, t.name) : fmt::format(": {}.o", P));
  if (dispatcher)
    targets_text += fmt::format(
        " *   {0}.dispatch.o defines the functions below and forwards each call to the first\n"
        " *   target above that the running CPU supports (chosen once, on the first call, thread\n"
        " *   safe); link it with every object above (or just use lib{0}.a).\n", P);

  std::string h;
  h += fmt::format(R"(/* {P}.h: ahead-of-time ConvTranspose1d kernels written by lucid-aot.
 *
 * Layer:  {spec}
 * Key:    {key}
 * Element type T = {T}; every array is NCL contiguous.
 * Targets:
{targets} *
 * Shapes:
 *   x, grad_x              (batch, {Cin}, length)
 *   y, grad_y              (batch, {Cout}, output_length)
 *   weight, grad_weight    ({Cin}, {Cout_g}, {K})   = (in_channels, out_channels/groups, kernel_size)
 *   bias, grad_bias        {bias_shape}
 * Output length (padding resolved to left {pl}, right {pr}):
 *   output_length = (length - 1)*stride - pad_left - pad_right + dilation*(kernel_size - 1)
 *                   + output_padding + 1
 *                 = (length - 1)*{s} + {c}
 *
 * Semantics: PyTorch's nn.ConvTranspose1d. grad_x, grad_weight and grad_bias are the
 * gradients of sum(y * grad_y); every output is overwritten, never accumulated.
 * NaN and Inf propagate as in PyTorch: each reaches exactly the outputs whose sums hold it.
 * The fast kernels multiply zero padding by the weight (forward, backward_data) and by x
 * (backward_weight), so the whole-call functions check that operand (one pass over it) and,
 * if it holds NaN or Inf, compute the call with exact plain loops (slow, correct). A forward
 * whose y is smaller than its weight checks y after the kernel instead, and the weight only
 * when y is not all finite (a finite y is exact whatever the weight).
 * The range functions skip that check: with NaN or Inf in that operand they may also turn
 * outputs next to the right ones into NaN.
 * Each function returns LUCID_AOT_STATUS_OK (0) or another LUCID_AOT_STATUS_* code below.
 * Calls are thread safe and run on the calling thread.
 */
#ifndef {M}_H
#define {M}_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {{
#endif

{status_codes}
/* The kernel ABI this header and its objects implement (lucid's LUCID_KERNEL_ABI_VERSION). */
#define {M}_ABI_VERSION {abi_version}

/* The layer's configuration. */
#define {M}_IN_CHANNELS INT64_C({Cin})
#define {M}_OUT_CHANNELS INT64_C({Cout})
#define {M}_KERNEL_SIZE INT64_C({K})
#define {M}_STRIDE INT64_C({s})
#define {M}_PAD_LEFT INT64_C({pl})
#define {M}_PAD_RIGHT INT64_C({pr})
#define {M}_OUTPUT_PADDING INT64_C({op})
#define {M}_DILATION INT64_C({d})
#define {M}_GROUPS INT64_C({G})
#define {M}_HAS_BIAS {has_bias}
#define {M}_WEIGHT_NUMEL INT64_C({weight_numel})   /* {Cin} * {Cout_g} * {K} */
typedef {T} {P}_element;

/* (length - 1)*{s} + {c}, or -1 when length < 1, that is < 1 or it overflows int64. */
int64_t {P}_output_length(int64_t length);

/* y = conv_transpose1d(x, weight) + bias. bias: {bias_rule} */
int {P}_forward(const {T} *x, const {T} *weight, const {T} *bias, {T} *y, int64_t batch, int64_t length);
/* grad_x = conv1d(grad_y, weight): a strided, dilated convolution. */
int {P}_backward_data(const {T} *grad_y, const {T} *weight, {T} *grad_x, int64_t batch, int64_t length);
/* grad_weight[ci, co, k] = sum over n, l of x[n, ci, l] * grad_y[n, g*{Cout_g} + co, l*{s} - {pl} + k*{d}]. */
int {P}_backward_weight(const {T} *x, const {T} *grad_y, {T} *grad_weight, int64_t batch, int64_t length);
/* grad_bias[c] = sum over n, t of grad_y[n, c, t]. */
int {P}_backward_bias(const {T} *grad_y, {T} *grad_bias, int64_t batch, int64_t length);

/* Range entry points, for running one call on several threads: each computes work items
 * [item_begin, item_end) of the call above of the same name, and any split of [0, items)
 * into disjoint ranges, run concurrently, gives exactly the whole call's result (items never
 * write the same element). Items per call:
 *   forward          batch * {M}_FORWARD_ITEMS_PER_BATCH        (n, group, block of {fco} out channels{tiles})
 *   backward_data    batch * {M}_BACKWARD_DATA_ITEMS_PER_BATCH  (n, group, block of {dci} in channels)
 *   backward_weight  {M}_BACKWARD_WEIGHT_ITEMS                  (group, block of {wci} in channels)
 *   backward_bias    {M}_BACKWARD_BIAS_ITEMS                    (one output channel) */
#define {M}_FORWARD_ITEMS_PER_BATCH INT64_C({fwd_items})
#define {M}_BACKWARD_DATA_ITEMS_PER_BATCH INT64_C({bwd_data_items})
#define {M}_BACKWARD_WEIGHT_ITEMS INT64_C({bwd_weight_items})
#define {M}_BACKWARD_BIAS_ITEMS INT64_C({Cout})
int {P}_range_forward(const {T} *x, const {T} *weight, const {T} *bias, {T} *y, int64_t batch, int64_t length,
                      int64_t item_begin, int64_t item_end);
int {P}_range_backward_data(const {T} *grad_y, const {T} *weight, {T} *grad_x, int64_t batch, int64_t length,
                            int64_t item_begin, int64_t item_end);
int {P}_range_backward_weight(const {T} *x, const {T} *grad_y, {T} *grad_weight, int64_t batch, int64_t length,
                              int64_t item_begin, int64_t item_end);
int {P}_range_backward_bias(const {T} *grad_y, {T} *grad_bias, int64_t batch, int64_t length,
                            int64_t item_begin, int64_t item_end);

/* Weights packed once, for callers whose weight stays the same over many calls (inference).
 * Each forward and backward_data call otherwise copies its blocks of the weight into the
 * order its loops read; pack it once instead and pass the copy to every call:
 *   int64_t bytes = {P}_forward_packed_bytes();    0: this layer packs nothing
 *   void *packed = malloc(bytes);                   aligned to T at least; 64 bytes is best
 *   {P}_forward_pack(weight, packed);
 *   {P}_forward_prepacked(x, weight, bias, packed, y, batch, length);   as often as needed
 * The _prepacked functions compute what the plain ones do, bit for bit, and return the same
 * statuses. They still take `weight`: a call with NaN or Inf in it runs the exact loops
 * (above), and layouts that pack nothing read it. NULL packed (or bytes 0) makes them the
 * plain calls. A copy holds the weight's values when it was packed: pack again after any
 * change. Its layout is the target's{dispatched}: keep it inside the process that packed it.
 * The _pack functions return LUCID_AOT_STATUS_BAD_ARGUMENT for a NULL weight or packed when
 * bytes > 0. Their range twins pack items [item_begin, item_end) of {M}_FORWARD_PACK_ITEMS
 * (resp. {M}_BACKWARD_DATA_PACK_ITEMS), one per (group, block of channels), and any split
 * into disjoint ranges, run concurrently, packs the whole copy. */
#define {M}_FORWARD_PACK_ITEMS INT64_C({fwd_pack_items})
#define {M}_BACKWARD_DATA_PACK_ITEMS INT64_C({bwd_data_pack_items})
int64_t {P}_forward_packed_bytes(void);
int {P}_forward_pack(const {T} *weight, void *packed);
int {P}_forward_prepacked(const {T} *x, const {T} *weight, const {T} *bias, const void *packed, {T} *y,
                          int64_t batch, int64_t length);
int {P}_range_forward_pack(const {T} *weight, void *packed, int64_t item_begin, int64_t item_end);
int {P}_range_forward_prepacked(const {T} *x, const {T} *weight, const {T} *bias, const void *packed, {T} *y,
                                int64_t batch, int64_t length, int64_t item_begin, int64_t item_end);
int64_t {P}_backward_data_packed_bytes(void);
int {P}_backward_data_pack(const {T} *weight, void *packed);
int {P}_backward_data_prepacked(const {T} *grad_y, const {T} *weight, const void *packed, {T} *grad_x,
                                int64_t batch, int64_t length);
int {P}_range_backward_data_pack(const {T} *weight, void *packed, int64_t item_begin, int64_t item_end);
int {P}_range_backward_data_prepacked(const {T} *grad_y, const {T} *weight, const void *packed, {T} *grad_x,
                                      int64_t batch, int64_t length, int64_t item_begin, int64_t item_end);
)",
                   fmt::arg("P", P), fmt::arg("M", M), fmt::arg("T", T), fmt::arg("spec", spec.to_string()),
                   fmt::arg("key", spec.key()), fmt::arg("targets", targets_text),
                   fmt::arg("status_codes", status_code_defines()), fmt::arg("Cin", Cin),
                   fmt::arg("Cout", Cout), fmt::arg("Cout_g", spec.out_per_group()), fmt::arg("K", K),
                   fmt::arg("G", G), fmt::arg("s", spec.stride), fmt::arg("d", spec.dilation),
                   fmt::arg("pl", spec.pad_left), fmt::arg("pr", spec.pad_right),
                   fmt::arg("op", spec.output_padding), fmt::arg("c", length_constant),
                   fmt::arg("bias_shape", spec.bias ? fmt::format("({})", Cout) : std::string("none (the layer has no bias)")),
                   fmt::arg("bias_rule", spec.bias ? fmt::format("({}) values, required", Cout)
                                                   : std::string("ignored (the layer has none); pass NULL")),
                   fmt::arg("has_bias", spec.bias ? 1 : 0), fmt::arg("weight_numel", spec.weight_numel()),
                   fmt::arg("fco", schedule.fwd_block_co), fmt::arg("dci", schedule.bwd_data_block_ci),
                   fmt::arg("wci", schedule.bwd_weight_block_ci), fmt::arg("fwd_items", fwd_per_batch),
                   fmt::arg("bwd_data_items", bwd_data_per_batch), fmt::arg("bwd_weight_items", bwd_weight_items),
                   fmt::arg("fwd_pack_items", lucid::forward_pack_items(spec, schedule)),
                   fmt::arg("bwd_data_pack_items", lucid::backward_data_pack_items(spec, schedule)),
                   fmt::arg("abi_version", LUCID_KERNEL_ABI_VERSION),
                   fmt::arg("tiles", lucid::forward_length_tiles(schedule) > 1
                                         ? fmt::format(", one of {} tiles of the output length", lucid::forward_length_tiles(schedule))
                                         : std::string()),
                   fmt::arg("dispatched", dispatcher ? " the dispatcher chose for this CPU" : ""));
  if (dispatcher)
    h += fmt::format("\n/* The --target name the dispatcher chose for this CPU, or \"none\". */\n"
                     "const char *{}_selected_target(void);\n", P);
  h += fmt::format(R"(
#ifdef __cplusplus
}}  /* extern "C" */
#endif

#endif /* {}_H */
)", M);
  return h;
}

}  // namespace lucid_aot
