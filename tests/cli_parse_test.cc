// The daemoniker command's value parsers, and its JSON output (status --json).
#include <signal.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemoniker/cli/json.hpp"
#include "daemoniker/cli/parse.hpp"

namespace daemoniker::cli {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

TEST(CliParse, Durations) {
  std::string e;
  EXPECT_EQ(parse_duration("30", e), 30s);
  EXPECT_EQ(parse_duration("30s", e), 30s);
  EXPECT_EQ(parse_duration("500ms", e), 500ms);
  EXPECT_EQ(parse_duration("2m", e), 120s);
  EXPECT_EQ(parse_duration("1h", e), 3600s);
  for (const char* bad : {"", "s", "-1s", "1.5s", "10x", "0", "99999999999s"}) {
    EXPECT_FALSE(parse_duration(bad, e)) << bad;
  }
  EXPECT_THAT(e, HasSubstr("such as 30s"));
}

TEST(CliParse, Umasks) {
  std::string e;
  EXPECT_EQ(parse_umask("027", e), 027u);
  EXPECT_EQ(parse_umask("0777", e), 0777u);
  EXPECT_EQ(parse_umask("0", e), 0u);
  for (const char* bad : {"", "8", "1000", "07777", "abc"}) EXPECT_FALSE(parse_umask(bad, e)) << bad;
}

TEST(CliParse, Signals) {
  std::string e;
  EXPECT_EQ(parse_signal("TERM", e), SIGTERM);
  EXPECT_EQ(parse_signal("SIGHUP", e), SIGHUP);
  EXPECT_EQ(parse_signal("kill", e), SIGKILL);
  EXPECT_EQ(parse_signal("10", e), 10);
  for (const char* bad : {"", "NOPE", "0", "9999", "SIG"}) EXPECT_FALSE(parse_signal(bad, e)) << bad;
  EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
}

TEST(CliParse, RetrySchedulesFollowStartStopDaemon) {
  std::string e;
  auto s = parse_schedule("TERM/30/KILL/5", SIGTERM, e);
  ASSERT_TRUE(s);
  EXPECT_EQ(schedule_text(*s), "TERM/30/KILL/5");
  s = parse_schedule("5", SIGINT, e);  // a lone timeout: <signal>/N/KILL/N
  ASSERT_TRUE(s);
  EXPECT_EQ(schedule_text(*s), "INT/5/KILL/5");
  s = parse_schedule("-15/2/forever", SIGTERM, e);
  ASSERT_TRUE(s);
  EXPECT_EQ(schedule_text(*s), "TERM/2/forever");
  EXPECT_FALSE(parse_schedule("30/TERM", SIGTERM, e));
  EXPECT_THAT(e, HasSubstr("starts with a signal"));
  EXPECT_FALSE(parse_schedule("TERM/x", SIGTERM, e));
  // A lone timeout too big for any integer is an error, not an exception out of stoll.
  EXPECT_FALSE(parse_schedule("99999999999999999999", SIGTERM, e));
  EXPECT_THAT(e, HasSubstr("is too large"));
}

TEST(CliJson, StringsAreEscapedAndAlwaysValidUtf8) {
  using namespace std::string_literals;
  EXPECT_EQ(json_string(""), "\"\"");
  EXPECT_EQ(json_string("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"");
  EXPECT_EQ(json_string("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"");
  EXPECT_EQ(json_string("\x01\x1f"s + '\0'), "\"\\u0001\\u001f\\u0000\"");
  // Valid UTF-8 passes through: 2, 3 and 4 bytes.
  EXPECT_EQ(json_string("\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  // Not UTF-8: a stray byte, a truncated sequence, an overlong '/', a surrogate, beyond U+10FFFF.
  EXPECT_EQ(json_string("a\xff"), "\"a\\ufffd\"");
  EXPECT_EQ(json_string("\xe2\x82"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(json_string("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(json_string("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
  EXPECT_EQ(json_string("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

TEST(CliJson, StatusObjectHasEveryMemberNullWhenUnknown) {
  pid_file_status st;  // absent
  EXPECT_EQ(status_json("/run/x.pid", st),
            "{\"pid_file\":\"/run/x.pid\",\"state\":\"absent\",\"pid\":null,\"verified\":false,"
            "\"uptime_seconds\":null,\"lock_holders\":[],\"session\":null,\"error\":null}\n");
  st.state = pid_file_state::running;
  st.pid = 42;
  st.verified = true;
  st.lock_holders = {42, 43};
  st.session = 41;
  st.uptime = std::chrono::seconds(7);
  EXPECT_EQ(status_json("/run/x.pid", st),
            "{\"pid_file\":\"/run/x.pid\",\"state\":\"running\",\"pid\":42,\"verified\":true,"
            "\"uptime_seconds\":7,\"lock_holders\":[42,43],\"session\":41,\"error\":null}\n");
  for (const auto state : {pid_file_state::stale, pid_file_state::unreadable, pid_file_state::unverified}) {
    st.state = state;
    EXPECT_THAT(status_json("p", st), HasSubstr(std::string("\"state\":\"") + state_name(state) + "\""));
  }
  EXPECT_STREQ(state_name(pid_file_state::unverified), "unverified");
  EXPECT_STREQ(state_name(pid_file_state::stale), "stale");
  EXPECT_STREQ(state_name(pid_file_state::unreadable), "unreadable");
}

}  // namespace
}  // namespace daemoniker::cli
