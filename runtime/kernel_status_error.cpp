// check_kernel_status: one message for every kernel status the runtime or Python meets.
#include "kernel_status_error.h"

#include <fmt/format.h>

#include "lucid/error.h"
#include "lucid/kernel_abi.h"
#include "lucid/kernel_scratch.h"

namespace lucid {

void check_kernel_status(int status, const char* pass, const ConvSpec& spec, int64_t batch, int64_t length) {
  if (status == LUCID_STATUS_OK) return;
  const char* name = lucid_status_name(status);
  const char* meaning = lucid_status_meaning(status);
  std::string what = fmt::format("{}: the {} kernel returned status {} ({}: {}) for batch {} and length {} [{}]",
                                 spec.to_string(), pass, status, name ? name : "unknown status",
                                 meaning ? meaning : "not in the status table", batch, length, spec.key());
  if (status == LUCID_STATUS_OUT_OF_MEMORY) {
    if (const std::size_t bytes = take_failed_kernel_scratch_bytes(); bytes > 0)
      what += fmt::format(": it asked for {} bytes of scratch", bytes);
    throw OutOfMemory(what);
  }
  if (status == LUCID_STATUS_BAD_BATCH || status == LUCID_STATUS_BAD_LENGTH || status == LUCID_STATUS_TOO_LARGE)
    throw Error(what);
  throw InternalError(what);
}

}  // namespace lucid
