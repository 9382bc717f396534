#include "apps/caec/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace caec::app {

namespace {

constexpr std::size_t kMaxInput = std::size_t{64} << 20U;

std::string why(int err) { return std::generic_category().message(err); }

/// Closes a file descriptor when it goes out of scope.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string read_all(int fd, const std::string& path) {
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) return text;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError("cannot read " + path + ": " + why(errno));
    }
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxInput) throw InputError(path + ": larger than 64 MiB");
  }
}

}  // namespace

std::string read_input_file(const std::string& path) {
  if (path == "-") return read_all(STDIN_FILENO, "stdin");
  const Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) throw InputError("cannot read " + path + ": " + why(errno));
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) throw InputError("cannot read " + path + ": " + why(errno));
  if (S_ISDIR(st.st_mode)) throw InputError("cannot read " + path + ": it is a directory");
  // A device (/dev/zero) may never end; a pipe (process substitution) does.
  if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
    throw InputError("cannot read " + path + ": not a regular file or a pipe");
  }
  return read_all(f.fd, path);
}

void check_writable(const std::string& path, const std::string& what) {
  const auto fail = [&](const std::string& reason) {
    throw InputError(what + " " + path + ": cannot write there: " + reason);
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) fail("it is a directory");
    if (!S_ISREG(st.st_mode)) fail("not a regular file");
    const Fd f{::open(path.c_str(), O_WRONLY | O_CLOEXEC)};
    if (f.fd < 0) fail(why(errno));
    return;
  }
  const Fd f{::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)};
  if (f.fd < 0) fail(why(errno));
  ::unlink(path.c_str());
}

void check_writable_directory(const std::string& path, const std::string& what) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec || !std::filesystem::is_directory(path, ec)) {
    throw InputError(what + " " + path + ": cannot create the directory" + (ec ? ": " + ec.message() : ""));
  }
  check_writable((std::filesystem::path(path) / ".caec-write-check").string(), what);
}

}  // namespace caec::app
