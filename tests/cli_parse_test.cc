// The daemoniker command's value parsers.
#include <signal.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
}

}  // namespace
}  // namespace daemoniker::cli
