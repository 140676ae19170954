// PrivilegePolicy: resolving who the daemon becomes (invoking process), and becoming it
// (the daemon, in the fork window: async-signal-safe system calls only).
#include <cerrno>
#include <charconv>
#include <optional>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#if !defined(_WIN32)
#include <grp.h>
#include <pwd.h>
#include <sys/resource.h>
#include <unistd.h>
#endif

#include "daemoniker/src/fixed_steps.hpp"
#include "daemoniker/basic_daemonizer.hpp"
#if !defined(_WIN32)
#include "daemoniker/src/sys.hpp"
#endif
#include "daemoniker/policy/privileges.hpp"
#include "signal_safe_text.hpp"

namespace daemoniker {

#if defined(_WIN32)

// drop_privileges is POSIX only (policy_checks.hpp refuses it at compile time).
namespace detail {
step_status apply_credentials(const plan&) noexcept { return {}; }
void finish_credentials(const plan&) {}
}  // namespace detail

#else

namespace {

bool numeric(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// A numeric user or group id: 0 to 4294967294 ((uid_t)-1 means "unchanged" to the kernel, and a
// larger number would wrap — 4294967296 to 0, root). Nothing for anything else.
std::optional<unsigned> id_of(const std::string& s) {
  unsigned long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v >= 0xffffffffULL) return std::nullopt;
  return static_cast<unsigned>(v);
}

constexpr std::size_t kMaxGroups = 256;  // what apply_credentials() can hand to setgroups()

step_status refuse(const std::string& message) {
  return step_status::failure(step::privileges, 0, message.c_str());
}

// The group, by name or id, into id.gid.
step_status resolve_group(const std::string& group, credentials& id) {
  if (numeric(group)) {
    const std::optional<unsigned> gid = id_of(group);
    if (!gid) {
      return refuse("drop_privileges::group '" + group +
                    "' is not a group id: ids go from 0 to 4294967294");
    }
    id.gid = *gid;
    return {};
  }
  std::vector<char> buf(16384);
  struct group gr{};
  struct group* found = nullptr;
  const int e = ::getgrnam_r(group.c_str(), &gr, buf.data(), buf.size(), &found);
  if (found == nullptr) {
    return step_status::failure(
        step::privileges, e, ("no such group '" + group + "': create it, or give a numeric id").c_str());
  }
  id.gid = gr.gr_gid;
  return {};
}

// The user's supplementary groups, as initgroups() would set them — resolved here, because
// initgroups() itself reads /etc/group through NSS and may not run after fork(). A user
// without a passwd entry (`name` null) gets its group alone.
step_status supplementary_groups(const char* name, const std::string& user, credentials& id) {
  id.groups.clear();
  if (name == nullptr) {
    id.groups.push_back(id.gid);
    return {};
  }
  int n = 64;
  std::vector<gid_t> groups(static_cast<std::size_t>(n));
  while (::getgrouplist(name, static_cast<gid_t>(id.gid), groups.data(), &n) == -1) {
    groups.resize(static_cast<std::size_t>(n));
  }
  groups.resize(static_cast<std::size_t>(n));
  if (groups.size() > kMaxGroups) {
    return refuse("user '" + user + "' is in " + std::to_string(groups.size()) +
                  " groups; the daemon can take at most " + std::to_string(kMaxGroups) +
                  ": drop some, or run it as a user in fewer");
  }
  for (const gid_t g : groups) id.groups.push_back(g);
  return {};
}

}  // namespace

step_status drop_privileges::prepare(plan& p) const {
  credentials& id = p.identity;
  id.prevent_core = prevent_core;
  if (nice) {
    id.set_nice = true;
    id.nice = *nice;
  }
  id.chroot = chroot;
  if (!chroot.empty() && !chroot.is_absolute()) {
    return refuse("drop_privileges::chroot '" + chroot.string() + "' must be an absolute path");
  }
  id.sanitize_environment = keep_environment.has_value();
  if (keep_environment) id.keep_environment = *keep_environment;
  if (user.empty()) {
    if (!group.empty()) return refuse("drop_privileges::group is set without a user: name the user too");
    return {};
  }

  // The user, by name or id.
  const std::optional<unsigned> uid = numeric(user) ? id_of(user) : std::nullopt;
  if (numeric(user) && !uid) {
    return refuse("drop_privileges::user '" + user + "' is not a user id: ids go from 0 to 4294967294");
  }
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  const int e = uid ? ::getpwuid_r(static_cast<uid_t>(*uid), &pw, buf.data(), buf.size(), &found)
                    : ::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
  if (found == nullptr) {
    if (!uid) {
      return step_status::failure(step::privileges, e,
                                  ("no such user '" + user + "': create it, or give a numeric id").c_str());
    }
    id.uid = *uid;  // an id without a passwd entry
    id.gid = id.uid;
  } else {
    id.uid = pw.pw_uid;
    id.gid = pw.pw_gid;
  }
  if (!group.empty()) {
    if (auto st = resolve_group(group, id); !st.ok()) return st;
  }
  if (auto st = supplementary_groups(found != nullptr ? pw.pw_name : nullptr, user, id); !st.ok()) {
    return st;
  }
  id.change_user = true;
  id.own_pid_file = own_pid_file;
  return {};
}

namespace detail {

step_status apply_credentials(const plan& p) noexcept {
  const credentials& id = p.identity;
  if (!id.chroot.empty()) {
    if (os::chroot(id.chroot.c_str()) == -1) {
      return step_status::failure(step::privileges, errno, id.chroot.c_str());
    }
    // options::chdir inside the new root ("/" when it was left to its default).
    const char* dir = p.chdir_defaulted ? "/" : p.chdir.c_str();
    if (os::chdir(dir) == -1) return step_status::failure(step::chdir, errno, dir);
  }
  if (id.prevent_core) {
    const rlimit none{0, 0};
    if (os::setrlimit(RLIMIT_CORE, &none) == -1) {
      return step_status::failure(step::privileges, errno, "setrlimit(RLIMIT_CORE, 0)");
    }
  }
  if (id.set_nice && os::setpriority(PRIO_PROCESS, 0, id.nice) == -1) {
    return step_status::failure(step::privileges, errno, "setpriority");
  }
  if (!id.change_user) return {};
  gid_t groups[kMaxGroups];
  const std::size_t n = id.groups.size() < kMaxGroups ? id.groups.size() : kMaxGroups;
  for (std::size_t i = 0; i < n; ++i) groups[i] = static_cast<gid_t>(id.groups[i]);
  const auto gid = static_cast<gid_t>(id.gid);
  const auto uid = static_cast<uid_t>(id.uid);
  // Groups first (only root may change them), then gid, then uid: real, effective and saved.
  if (os::setgroups(n, groups) == -1) return step_status::failure(step::privileges, errno, "setgroups");
  if (os::setresgid(gid, gid, gid) == -1) return step_status::failure(step::privileges, errno, "setgid");
  if (os::setresuid(uid, uid, uid) == -1) return step_status::failure(step::privileges, errno, "setuid");
  // Verify: no way back.
  if (uid != 0 && (os::setresuid(static_cast<uid_t>(-1), 0, static_cast<uid_t>(-1)) != -1 ||
                   os::setresuid(0, 0, 0) != -1)) {
    return step_status::failure(step::privileges, 0,
                                "root privileges could be regained after dropping them");
  }
  return {};
}

void finish_credentials(const plan& p) {
  if (!p.identity.sanitize_environment) return;
  std::vector<std::string> kept;
  for (const auto& name : p.identity.keep_environment) {
    if (const char* value = std::getenv(name.c_str())) kept.push_back(name + "=" + value);
  }
  ::clearenv();
  for (const auto& entry : kept) {
    const auto eq = entry.find('=');
    ::setenv(entry.substr(0, eq).c_str(), entry.substr(eq + 1).c_str(), 1);
  }
}

}  // namespace detail

#endif

}  // namespace daemoniker
