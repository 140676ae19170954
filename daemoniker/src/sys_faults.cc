// The seam's testonly definition: every os:: call goes through the mutable table of
// sys_faults.hpp, which starts as the plain POSIX calls.
#if !defined(_WIN32)
#include "daemoniker/src/sys_faults.hpp"

#include "daemoniker/src/sys_posix.hpp"

namespace daemoniker::detail {
namespace {

constexpr syscalls kReal{
#define DAEMONIKER_REAL_ENTRY(R, name, params, args) &posix::name,
    DAEMONIKER_SYSCALLS(DAEMONIKER_REAL_ENTRY)
#undef DAEMONIKER_REAL_ENTRY
};

// Constant-initialized, so it is usable before main() and in any static initializer.
constinit syscalls current = kReal;

}  // namespace

syscalls& sys() noexcept { return current; }
const syscalls& real_syscalls() noexcept { return kReal; }

namespace os {
#define DAEMONIKER_FAULT_SYSCALL(R, name, params, args) \
  R name params noexcept { return current.name args; }
DAEMONIKER_SYSCALLS(DAEMONIKER_FAULT_SYSCALL)
#undef DAEMONIKER_FAULT_SYSCALL
}  // namespace os

}  // namespace daemoniker::detail

#endif  // !defined(_WIN32)
