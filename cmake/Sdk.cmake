# The plugin SDK: the headers a plugin compiles against, and <brisk/version.hpp>.
#
# A plugin runs the daemon's code through these headers' inline functions and
# class layouts, so it can be loaded only by a daemon built from the same
# headers, with the same compiler, nlohmann_json and libuv. BRISK_SDK_BUILD
# names that combination: the version and a fingerprint of the rest. The
# loader compares it (server/include/brisk/server/plugin.hpp); a header edited
# between two builds of one version is a different SDK. The SDK's CMake
# package (brisk-config.cmake.in) refuses a plugin build with another compiler,
# nlohmann_json or libuv: the fingerprint records the daemon's, not the plugin's.
set(BRISK_SDK_HEADER_DIRS
  runtime/include/brisk
  server/include/brisk/server/detail)
set(BRISK_SDK_HEADER_FILES
  server/include/brisk/server/headers.hpp
  server/include/brisk/server/http_error.hpp
  server/include/brisk/server/middleware.hpp
  server/include/brisk/server/per_worker.hpp
  server/include/brisk/server/plugin.hpp
  server/include/brisk/server/request.hpp
  server/include/brisk/server/response.hpp
  server/include/brisk/server/router.hpp
  server/include/brisk/server/url.hpp)

set(sdk_headers ${BRISK_SDK_HEADER_FILES})
foreach(dir ${BRISK_SDK_HEADER_DIRS})
  file(GLOB_RECURSE found RELATIVE ${PROJECT_SOURCE_DIR} CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${dir}/*.hpp)
  list(APPEND sdk_headers ${found})
endforeach()
list(SORT sdk_headers)
set(fingerprint "${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION} nlohmann_json ${nlohmann_json_VERSION} libuv ${LIBUV_VERSION}\n")
foreach(header ${sdk_headers})
  file(SHA256 ${PROJECT_SOURCE_DIR}/${header} digest)
  string(APPEND fingerprint "${header} ${digest}\n")
endforeach()
# Re-run CMake when a header changes, so the fingerprint follows it.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${sdk_headers})
string(SHA256 fingerprint "${fingerprint}")
string(SUBSTRING ${fingerprint} 0 12 BRISK_SDK_FINGERPRINT)

configure_file(cmake/version.hpp.in ${PROJECT_BINARY_DIR}/generated/include/brisk/version.hpp @ONLY)
add_library(brisk_version INTERFACE)
target_include_directories(brisk_version INTERFACE ${PROJECT_BINARY_DIR}/generated/include)
