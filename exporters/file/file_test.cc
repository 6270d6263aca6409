#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "exporters/file/config.h"
#include "exporters/file/factory.h"
#include "exporters/file/file_writer.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "pipeline/otlp/json.h"
#include "tests/testing/conformance.h"
#include "tests/testing/span_generator.h"
#include "tests/testing/weir_process.h"

namespace weir::exporters::file {
namespace {

namespace fs = std::filesystem;
using google::protobuf::util::MessageDifferencer;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

config::Diagnostics Decode(const std::string& yaml, std::unique_ptr<Config>* out = nullptr) {
  config::Diagnostics d;
  auto cfg = DecodeConfig(config::Node(YAML::Load(yaml), "exporters.file", &d));
  if (out) *out = std::move(cfg);
  return d;
}

TEST(FileConfig, DefaultsAndTestdata) {
  std::unique_ptr<Config> cfg;
  ASSERT_TRUE(Decode("path: /tmp/x.json", &cfg).ok());
  EXPECT_EQ(cfg->format, Format::kJson);
  EXPECT_EQ(cfg->flush_interval, absl::Seconds(1));
  EXPECT_FALSE(cfg->rotation.enabled);
  EXPECT_FALSE(cfg->append);

  YAML::Node doc = YAML::LoadFile(WEIR_SOURCE_DIR "/exporters/file/testdata/config.yaml");
  config::Diagnostics d;
  cfg = DecodeConfig(config::Node(doc["exporters"]["file/rotating"], "x", &d));
  ASSERT_TRUE(d.ok()) << d.ToString();
  EXPECT_EQ(cfg->path, "/var/lib/weir/traces.pb");
  EXPECT_EQ(cfg->format, Format::kProto);
  EXPECT_EQ(cfg->flush_interval, absl::Milliseconds(500));
  EXPECT_TRUE(cfg->rotation.enabled);
  EXPECT_EQ(cfg->rotation.max_megabytes, 10);
  EXPECT_EQ(cfg->rotation.max_days, 3);
  EXPECT_EQ(cfg->rotation.max_backups, 5);
  EXPECT_TRUE(cfg->rotation.localtime);
}

TEST(FileConfig, EachRuleFails) {
  struct Case {
    const char* yaml;
    const char* path;
  } cases[] = {
      {"format: json", "exporters.file.path"},
      {"path: a\nformat: xml", "exporters.file.format"},
      {"path: a\nflush_interval: 0s", "exporters.file.flush_interval"},
      {"path: a\nrotation: {max_megabytes: 0}", "exporters.file.rotation.max_megabytes"},
      {"path: a\nrotation: {max_backups: -1}", "exporters.file.rotation.max_backups"},
      {"path: a\nrotation: {max_days: -1}", "exporters.file.rotation.max_days"},
      {"path: a\nrotation: {max_megs: 1}", "exporters.file.rotation.max_megs"},
      {"path: a\nappend: true\nrotation: {max_megabytes: 1}", "exporters.file.append"},
      {"path: a\ncompression: zstd", "exporters.file.compression"},
      {"path: a\npaht: b", "exporters.file.paht"},
      {"path: /tmp", "exporters.file.path"},
      {"path: /etc/passwd/x.json", "exporters.file.path"},
      {"path: /etc/passwd/new/dirs/x.json", "exporters.file.path"},
  };
  for (const Case& c : cases) {
    config::Diagnostics d = Decode(c.yaml);
    ASSERT_EQ(d.problems().size(), 1u) << c.yaml << "\n" << d.ToString();
    EXPECT_EQ(d.problems()[0].path, c.path) << c.yaml;
  }
}

TEST(FileExporter, Conformance) {
  std::string dir = testing::MakeTempDir("file-conformance");
  testing::RunExporterConformance(Factory(), "path: " + dir + "/out.json");
}

class FileExporterTest : public ::testing::Test {
 protected:
  std::unique_ptr<pipeline::TracesExporter> Make(const std::string& yaml) {
    config::Diagnostics d;
    config_ = Factory().DecodeConfig(config::Node(YAML::Load(yaml), "exporters.file", &d));
    EXPECT_TRUE(d.ok()) << d.ToString();
    auto e = Factory().CreateTraces(env_.SettingsFor("file"), *config_);
    EXPECT_TRUE(e.ok());
    EXPECT_TRUE((*e)->Start(host_).ok());
    return std::move(*e);
  }
  testing::TestEnvironment env_;
  testing::RecordingHost host_;
  std::unique_ptr<pipeline::ComponentConfig> config_;
  std::string dir_ = testing::MakeTempDir("file");
};

TEST_F(FileExporterTest, WritesOneJsonLinePerBatch) {
  auto e = Make("path: " + dir_ + "/out.json");
  otlp::ExportRequest a = testing::MakeRequest(1, 1, 2, 1), b = testing::MakeRequest(2, 2, 1, 2);
  ASSERT_TRUE(e->ConsumeTraces(pipeline::TraceBatch::FromRequest(a)).ok());
  ASSERT_TRUE(e->ConsumeTraces(pipeline::TraceBatch::FromRequest(b)).ok());
  e->Shutdown(absl::Now() + absl::Seconds(2));
  std::istringstream lines(ReadAll(dir_ + "/out.json"));
  std::string line;
  std::vector<otlp::ExportRequest> got;
  while (std::getline(lines, line)) {
    otlp::ExportRequest r;
    ASSERT_TRUE(otlp::ParseRequestJson(line, &r).ok()) << line;
    got.push_back(r);
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(MessageDifferencer::Equals(got[0], a));
  EXPECT_TRUE(MessageDifferencer::Equals(got[1], b));
}

TEST_F(FileExporterTest, WritesLengthPrefixedProto) {
  auto e = Make("path: " + dir_ + "/out.pb\nformat: proto");
  otlp::ExportRequest a = testing::MakeRequest(1, 1, 3);
  ASSERT_TRUE(e->ConsumeTraces(pipeline::TraceBatch::FromRequest(a)).ok());
  ASSERT_TRUE(e->ConsumeTraces(pipeline::TraceBatch::FromRequest(a)).ok());
  e->Shutdown(absl::Now() + absl::Seconds(2));
  std::string data = ReadAll(dir_ + "/out.pb");
  size_t off = 0;
  int records = 0;
  while (off < data.size()) {
    ASSERT_LE(off + 4, data.size());
    uint32_t len = (uint8_t(data[off]) << 24) | (uint8_t(data[off + 1]) << 16) |
                   (uint8_t(data[off + 2]) << 8) | uint8_t(data[off + 3]);
    otlp::ExportRequest r;
    ASSERT_TRUE(r.ParseFromString(data.substr(off + 4, len)));
    EXPECT_TRUE(MessageDifferencer::Equals(r, a));
    off += 4 + len;
    ++records;
  }
  EXPECT_EQ(records, 2);
}

TEST_F(FileExporterTest, FlushesOnInterval) {
  auto e = Make("path: " + dir_ + "/out.json\nflush_interval: 50ms");
  ASSERT_TRUE(e->ConsumeTraces(testing::MakeBatch(1)).ok());
  env_.clock.Advance(std::chrono::milliseconds(49));
  EXPECT_TRUE(ReadAll(dir_ + "/out.json").empty());  // still in the write buffer
  env_.clock.Advance(std::chrono::milliseconds(1));
  EXPECT_FALSE(ReadAll(dir_ + "/out.json").empty());
  e->Shutdown(absl::Now() + absl::Seconds(2));
}

// A reload opens the same path again while the old writer may still be draining: the file is
// truncated only by the process's first open, and both writers append.
TEST(FileWriter, ASecondOpenInTheProcessKeepsTheFileAndBothAppend) {
  std::string dir = testing::MakeTempDir("reopen");
  {
    std::FILE* f = std::fopen((dir + "/t.json").c_str(), "wb");
    std::fputs("from an earlier run\n", f);
    std::fclose(f);
  }
  Config cfg;
  cfg.path = dir + "/t.json";
  FileWriter first(cfg);
  ASSERT_TRUE(first.Open().ok());  // the process's first open: truncates
  ASSERT_TRUE(first.Write("one\n").ok());
  ASSERT_TRUE(first.Flush().ok());
  FileWriter second(cfg);  // as a reload builds it
  ASSERT_TRUE(second.Open().ok());
  ASSERT_TRUE(second.Write("two\n").ok());
  ASSERT_TRUE(second.Flush().ok());
  ASSERT_TRUE(first.Write("three\n").ok());  // the old graph draining
  first.Close();
  second.Close();
  EXPECT_EQ(ReadAll(dir + "/t.json"), "one\ntwo\nthree\n");
}

TEST(FileWriter, RotatesAndKeepsMaxBackups) {
  std::string dir = testing::MakeTempDir("rotation");
  Config cfg;
  cfg.path = dir + "/traces.json";
  cfg.rotation.enabled = true;
  cfg.rotation.max_megabytes = 1;
  cfg.rotation.max_backups = 2;
  FileWriter writer(cfg);
  ASSERT_TRUE(writer.Open().ok());
  std::string record(400 * 1024, 'x');
  record.back() = '\n';
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(writer.Write(record).ok());
  writer.Close();
  int backups = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name == "traces.json") continue;
    EXPECT_THAT(
        name,
        ::testing::MatchesRegex(
            "traces-[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}-[0-9]{2}-[0-9]{2}\\.[0-9]{3}\\.json"));
    EXPECT_LE(fs::file_size(entry.path()), 1024u * 1024u);
    ++backups;
  }
  EXPECT_EQ(backups, 2);
  EXPECT_LE(fs::file_size(cfg.path), 1024u * 1024u);
  EXPECT_GT(fs::file_size(cfg.path), 0u);
}

// Names of the files in `dir` other than `except`, sorted.
std::vector<std::string> OtherFiles(const std::string& dir, const std::string& except) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name != except) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Config RotatingConfig(const std::string& dir) {
  Config cfg;
  cfg.path = dir + "/traces.json";
  cfg.rotation.enabled = true;
  cfg.rotation.max_megabytes = 1;
  cfg.rotation.max_backups = 0;  // keep all
  return cfg;
}

// 2026-01-02T03:04:05.678 UTC, for every call.
absl::Time FixedNow() { return absl::FromUnixMillis(1767323045678); }

TEST(FileWriter, RotationsWithinOneMillisecondKeepEveryBackup) {
  std::string dir = testing::MakeTempDir("rotation-same-ms");
  Config cfg = RotatingConfig(dir);
  FileWriter writer(cfg, FixedNow);
  ASSERT_TRUE(writer.Open().ok());
  std::string record(400 * 1024, 'x');
  record.back() = '\n';
  // Two records fit in 1 MiB: the 3rd, 5th, 7th, 9th and 11th rotate.
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(writer.Write(record).ok());
  writer.Close();
  EXPECT_THAT(OtherFiles(dir, "traces.json"),
              ::testing::ElementsAre(
                  "traces-2026-01-02T03-04-05.678.json", "traces-2026-01-02T03-04-05.679.json",
                  "traces-2026-01-02T03-04-05.680.json", "traces-2026-01-02T03-04-05.681.json",
                  "traces-2026-01-02T03-04-05.682.json"));
  uintmax_t total = 0;
  for (const auto& entry : fs::directory_iterator(dir)) total += fs::file_size(entry.path());
  EXPECT_EQ(total, 12 * record.size());  // nothing overwritten
}

TEST(FileWriter, RotationKeepsABackupLeftByAnEarlierRun) {
  std::string dir = testing::MakeTempDir("rotation-taken");
  Config cfg = RotatingConfig(dir);
  std::ofstream(dir + "/traces-2026-01-02T03-04-05.678.json") << "earlier run\n";
  FileWriter writer(cfg, FixedNow);
  ASSERT_TRUE(writer.Open().ok());
  std::string record(600 * 1024, 'y');
  ASSERT_TRUE(writer.Write(record).ok());
  ASSERT_TRUE(writer.Write(record).ok());  // rotates
  writer.Close();
  EXPECT_EQ(ReadAll(dir + "/traces-2026-01-02T03-04-05.678.json"), "earlier run\n");
  EXPECT_EQ(ReadAll(dir + "/traces-2026-01-02T03-04-05.679.json"), record);
  EXPECT_EQ(ReadAll(cfg.path), record);
}

TEST(FileWriter, AFailedRotationKeepsWriting) {
  std::string dir = testing::MakeTempDir("rotation-failed");
  Config cfg = RotatingConfig(dir);
  FileWriter writer(cfg, FixedNow);
  ASSERT_TRUE(writer.Open().ok());
  std::string first(600 * 1024, 'a'), second(600 * 1024, 'b'), third(10, 'c');
  ASSERT_TRUE(writer.Write(first).ok());
  ASSERT_TRUE(writer.Flush().ok());
  // Someone removes the file: the rotation's rename fails (no such file).
  fs::remove(cfg.path);
  absl::Status s = writer.Write(second);
  EXPECT_TRUE(s.ok()) << s;
  s = writer.Write(third);
  EXPECT_TRUE(s.ok()) << s;
  writer.Close();
  EXPECT_EQ(ReadAll(cfg.path), second + third);
  EXPECT_THAT(OtherFiles(dir, "traces.json"), ::testing::IsEmpty());
}

TEST(FileWriter, WritesAfterCloseFail) {
  std::string dir = testing::MakeTempDir("closed");
  Config cfg;
  cfg.path = dir + "/traces.json";
  FileWriter writer(cfg);
  EXPECT_TRUE(absl::IsUnavailable(writer.Write("x")));  // before Open
  ASSERT_TRUE(writer.Open().ok());
  ASSERT_TRUE(writer.Write("x").ok());
  writer.Close();
  EXPECT_TRUE(absl::IsUnavailable(writer.Write("y")));
  EXPECT_EQ(ReadAll(cfg.path), "x");
}

}  // namespace
}  // namespace weir::exporters::file
