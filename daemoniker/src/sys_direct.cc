// The seam's production definition: every os:: call is a direct call of the system
// (sys_posix.hpp, inlined here). Linked into //daemoniker; tests that inject faults link
// sys_faults.cc instead.
#if !defined(_WIN32)  // POSIX; Windows calls Win32 directly (src/windows/)
#include "daemoniker/src/sys_posix.hpp"

namespace daemoniker::detail::os {

#define DAEMONIKER_DEFINE_SYSCALL(R, name, params, args) \
  R name params noexcept { return posix::name args; }
DAEMONIKER_SYSCALLS(DAEMONIKER_DEFINE_SYSCALL)
#undef DAEMONIKER_DEFINE_SYSCALL

}  // namespace daemoniker::detail::os

#endif  // !defined(_WIN32)
