#include "extensions/bearertokenauth/file_watch.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace weir::extensions::bearertokenauth {

FileWatch::FileWatch(std::string path, std::function<void()> on_change)
    : path_(std::move(path)), on_change_(std::move(on_change)) {}

FileWatch::~FileWatch() { Stop(); }

absl::Status FileWatch::Start() {
  inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) {
    return absl::InternalError(absl::StrCat("inotify: ", std::strerror(errno)));
  }
  size_t slash = path_.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path_.substr(0, slash);
  // Close-after-write rather than every write: a file being rewritten is read once it is whole.
  constexpr uint32_t kEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE |
                               IN_MOVED_FROM | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
  if (inotify_add_watch(inotify_fd_, dir.c_str(), kEvents) < 0) {
    int err = errno;
    close(inotify_fd_);
    inotify_fd_ = -1;
    return absl::NotFoundError(absl::StrCat("cannot watch ", dir, ": ", std::strerror(err)));
  }
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    int err = errno;
    close(inotify_fd_);
    inotify_fd_ = -1;
    return absl::InternalError(absl::StrCat("eventfd: ", std::strerror(err)));
  }
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void FileWatch::Stop() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    // The eventfd counter cannot overflow from one write; the result needs no check.
    [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof(one));
    thread_.join();
  }
  if (wake_fd_ >= 0) close(wake_fd_);
  if (inotify_fd_ >= 0) close(inotify_fd_);
  wake_fd_ = inotify_fd_ = -1;
}

void FileWatch::Run() {
  alignas(struct inotify_event) char buffer[4096];
  for (;;) {
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents == 0) continue;
    bool changed = false;
    // Drain what is queued: a burst of events (a rename, a symlink swap) is one change.
    while (read(inotify_fd_, buffer, sizeof(buffer)) > 0) changed = true;
    if (changed) on_change_();
  }
}

}  // namespace weir::extensions::bearertokenauth
