// GradMode: a per-thread flag, so a NoGradGuard on one thread leaves others recording.
#include "lucid/grad_mode.h"

namespace lucid {

namespace {
thread_local bool grad_enabled = true;
}

bool GradMode::is_enabled() { return grad_enabled; }
void GradMode::set_enabled(bool enabled) { grad_enabled = enabled; }

}  // namespace lucid
