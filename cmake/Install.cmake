# `cmake --install` puts the daemon and the plugin SDK in place, as two
# components: `daemon` (bin/brisk, what the Docker image takes) and `sdk` (the
# headers of cmake/Sdk.cmake and the CMake package a plugin finds with
# find_package(brisk)).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS brisk RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT daemon)
# The systemd unit, naming the brisk of the prefix it is installed to (known
# only at install time: `cmake --install --prefix`) and /etc/brisk/brisk.toml.
install(CODE "
  set(CMAKE_INSTALL_FULL_BINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  configure_file(\"${PROJECT_SOURCE_DIR}/config/brisk.service\" \"${PROJECT_BINARY_DIR}/brisk.service\" @ONLY)"
  COMPONENT daemon)
install(FILES ${PROJECT_BINARY_DIR}/brisk.service DESTINATION lib/systemd/system COMPONENT daemon)

# Each header under include/ where it sits under its layer's include/.
foreach(path ${BRISK_SDK_HEADER_FILES} ${BRISK_SDK_HEADER_DIRS})
  cmake_path(GET path PARENT_PATH parent)
  string(REGEX REPLACE "^[a-z]+/include/?" "" destination ${parent})
  if(IS_DIRECTORY ${PROJECT_SOURCE_DIR}/${path})
    install(DIRECTORY ${path} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/${destination} COMPONENT sdk)
  else()
    install(FILES ${path} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/${destination} COMPONENT sdk)
  endif()
endforeach()
install(FILES ${PROJECT_BINARY_DIR}/generated/include/brisk/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/brisk COMPONENT sdk)

set(brisk_package_dir ${CMAKE_INSTALL_LIBDIR}/cmake/brisk)
configure_package_config_file(cmake/brisk-config.cmake.in ${PROJECT_BINARY_DIR}/brisk-config.cmake
  INSTALL_DESTINATION ${brisk_package_dir}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
# A plugin runs the daemon's code, so only the exact version will do (and the
# loader checks the exact SDK build).
write_basic_package_version_file(${PROJECT_BINARY_DIR}/brisk-config-version.cmake COMPATIBILITY ExactVersion)
install(FILES ${PROJECT_BINARY_DIR}/brisk-config.cmake ${PROJECT_BINARY_DIR}/brisk-config-version.cmake
        DESTINATION ${brisk_package_dir} COMPONENT sdk)
