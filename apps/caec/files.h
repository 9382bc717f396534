// The files a user names on the command line or in a scenario: inputs read whole, with every
// way they can fail (a directory, an unreadable special file, a read error) an input error,
// and outputs checked before any work is done, so a long run never ends in "cannot write".
#pragma once

#include <stdexcept>
#include <string>

namespace caec::app {

/// Something the user named cannot be used: `caec` exits 2 with the message (main.cc).
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The contents of `path` ("-": stdin). Throws InputError naming `path` and why unless it is a
/// regular file or a pipe that reads to its end (at most 64 MiB).
[[nodiscard]] std::string read_input_file(const std::string& path);

/// Throws InputError naming `path` and `what` ("--save-platform-key") unless a file can be
/// written there. Leaves no trace: an existing file is opened without truncating it, a new one
/// is created and removed again.
void check_writable(const std::string& path, const std::string& what);

/// Creates directory `path` if needed; throws InputError unless files can be written in it.
void check_writable_directory(const std::string& path, const std::string& what);

}  // namespace caec::app
