# Everything comes from Debian's packages (scripts/install-deps.sh); nothing
# is downloaded at configure or build time.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBUV REQUIRED IMPORTED_TARGET libuv>=1.44)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(tomlplusplus 3 QUIET)
find_package(CLI11 QUIET)
if(BRISK_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
  include(Catch)
endif()

set(BRISK_LLHTTP_SOURCE_DIR /usr/share/llhttp CACHE PATH "llhttp C sources (Debian node-llhttp)")
set(BRISK_LLHTTP_INCLUDE_DIR /usr/share/include/llhttp CACHE PATH "llhttp header (Debian node-llhttp)")
