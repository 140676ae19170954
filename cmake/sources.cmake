# The files CMakeLists.txt compiles, relative to the source root: the CMake side of the one list
# of sources. Bazel's side is daemoniker/BUILD.bazel and daemoniker/cli/BUILD.bazel;
# //tests/build_files:sources_test configures this project, asks CMake (its file API) what each
# target compiles, and fails naming every file that one build has and the other lacks.

# The API, installed as include/daemoniker/** (Bazel: //daemoniker:headers).
set(DAEMONIKER_PUBLIC_HEADERS
    daemoniker/include/daemoniker/activation.hpp
    daemoniker/include/daemoniker/basic_daemonizer.hpp
    daemoniker/include/daemoniker/compose.hpp
    daemoniker/include/daemoniker/daemoniker.hpp
    daemoniker/include/daemoniker/daemonize.hpp
    daemoniker/include/daemoniker/detail/config.hpp
    daemoniker/include/daemoniker/detail/function_ref.hpp
    daemoniker/include/daemoniker/detail/policy_checks.hpp
    daemoniker/include/daemoniker/fwd.hpp
    daemoniker/include/daemoniker/notify.hpp
    daemoniker/include/daemoniker/options.hpp
    daemoniker/include/daemoniker/pid_file.hpp
    daemoniker/include/daemoniker/plan.hpp
    daemoniker/include/daemoniker/policy/fd.hpp
    daemoniker/include/daemoniker/policy/handoff.hpp
    daemoniker/include/daemoniker/policy/pid.hpp
    daemoniker/include/daemoniker/policy/privileges.hpp
    daemoniker/include/daemoniker/policy/redirect.hpp
    daemoniker/include/daemoniker/policy/reexec.hpp
    daemoniker/include/daemoniker/result.hpp
    daemoniker/include/daemoniker/serialize.hpp
    daemoniker/include/daemoniker/signals.hpp
    daemoniker/include/daemoniker/version.hpp)

# The library's components over the system-call seam, whichever definition of the seam is linked
# (Bazel: :daemonization, :control, and the private headers they share as srcs). src/*.cc are POSIX and compile to nothing on
# Windows, except the portable ones; src/windows/*.cc are Windows only.
set(DAEMONIKER_SOURCES
    # :daemonization
    daemoniker/src/activation.cc
    daemoniker/src/channel_posix.cc
    daemoniker/src/fd.cc
    daemoniker/src/fixed_steps.cc
    daemoniker/src/fork_window.cc
    daemoniker/src/handoff.cc
    daemoniker/src/invoker.cc
    daemoniker/src/invoker_wait.cc
    daemoniker/src/launch.cc
    daemoniker/src/messages.cc
    daemoniker/src/notify.cc
    daemoniker/src/payload_frame.cc
    daemoniker/src/pid.cc
    daemoniker/src/plan.cc
    daemoniker/src/privileges.cc
    daemoniker/src/redirect.cc
    daemoniker/src/reexec.cc
    daemoniker/src/relaunched.cc
    daemoniker/src/report.cc
    daemoniker/src/verdict.cc
    daemoniker/src/windows/fixed_steps.cc
    daemoniker/src/windows/handoff.cc
    daemoniker/src/windows/channel.cc
    daemoniker/src/windows/pid.cc
    # :control
    daemoniker/src/identity.cc
    daemoniker/src/pid_file.cc
    daemoniker/src/send_refusal.cc
    daemoniker/src/signal_handler.cc
    daemoniker/src/signal_state.hpp
    daemoniker/src/signals.cc
    daemoniker/src/windows/signals.cc
    # the private headers (Bazel: _PRIVATE_HDRS)
    daemoniker/src/confirmation.hpp
    daemoniker/src/descriptors.hpp
    daemoniker/src/fixed_steps.hpp
    daemoniker/src/fork_window.hpp
    daemoniker/src/identity.hpp
    daemoniker/src/listen_pid.hpp
    daemoniker/src/messages.hpp
    daemoniker/src/relaunch.hpp
    daemoniker/src/report.hpp
    daemoniker/src/send_refusal.hpp
    daemoniker/src/signal_safe_text.hpp
    daemoniker/src/sys.hpp
    daemoniker/src/verdict.hpp
    daemoniker/src/windows/win32.hpp
    daemoniker/src/wire.hpp)

# The seam's production definition: direct system calls (Bazel: :sys_direct).
set(DAEMONIKER_SYS_DIRECT_SOURCES
    daemoniker/src/sys_direct.cc
    daemoniker/src/sys_posix.hpp)

# The seam over a table of injectable faults, for the tests only (Bazel: :with_fault_injection).
set(DAEMONIKER_SYS_FAULTS_SOURCES
    daemoniker/src/sys_faults.cc
    daemoniker/src/sys_faults.hpp
    daemoniker/src/sys_posix.hpp)

# The daemoniker command (Bazel: //daemoniker/cli:daemoniker and :parse), Linux only.
set(DAEMONIKER_CLI_SOURCES
    daemoniker/cli/commands.hpp
    daemoniker/cli/control.cc
    daemoniker/cli/main.cc
    daemoniker/cli/start.cc)
set(DAEMONIKER_CLI_PARSE_SOURCES
    daemoniker/cli/parse.cc
    daemoniker/cli/parse.hpp)
# status --json (Bazel: //daemoniker/cli:json).
set(DAEMONIKER_CLI_JSON_SOURCES
    daemoniker/cli/json.cc
    daemoniker/cli/json.hpp)
