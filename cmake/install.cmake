# Installation (included from the top-level CMakeLists.txt after every target exists):
#   cmake --install build --prefix P
# puts the public headers in P/include/lucid, the static libraries in P/lib, the tools in
# P/bin, the CMake package in P/lib/cmake/lucidjit (find_package(lucidjit CONFIG), targets
# lucidjit::runtime, lucidjit::jit, lucidjit::spec) and P/lib/pkgconfig/lucidjit.pc.
# examples/cpp/ is a consumer of that tree; scripts/check_install.sh builds it.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(LUCID_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/lucidjit)

# The names users write after lucidjit::. ir, tier0 and llvm are exported only because the
# static jit library links them; their headers stay private.
set_target_properties(lucid_spec PROPERTIES EXPORT_NAME spec)
set_target_properties(lucid_ir PROPERTIES EXPORT_NAME ir)
set_target_properties(lucid_tier0 PROPERTIES EXPORT_NAME tier0)
set_target_properties(lucid_jit PROPERTIES EXPORT_NAME jit)
set_target_properties(lucid_runtime PROPERTIES EXPORT_NAME runtime)
set_target_properties(lucid_llvm PROPERTIES EXPORT_NAME llvm)

install(TARGETS lucid_spec lucid_ir lucid_tier0 lucid_jit lucid_runtime lucid_llvm
  EXPORT lucidjitTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/lucid DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_BINARY_DIR}/include/lucid/version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/lucid)

# The user programs; libLLVM is found through the system's library path, not an RPATH.
foreach(tool lucid-run lucid-aot lucid-tune lucid-demo)
  if(TARGET ${tool})
    install(TARGETS ${tool} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endforeach()

install(EXPORT lucidjitTargets NAMESPACE lucidjit:: FILE lucidjitTargets.cmake
  DESTINATION ${LUCID_INSTALL_CMAKEDIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/lucidjitConfig.cmake.in
  ${PROJECT_BINARY_DIR}/lucidjitConfig.cmake INSTALL_DESTINATION ${LUCID_INSTALL_CMAKEDIR})
# 0.x: a minor release may change the API, so only the same major.minor is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/lucidjitConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/lucidjitConfig.cmake ${PROJECT_BINARY_DIR}/lucidjitConfigVersion.cmake
  DESTINATION ${LUCID_INSTALL_CMAKEDIR})

# pkg-config: the .pc file finds the prefix from its own folder (see cmake/lucidjit.pc.in).
file(RELATIVE_PATH LUCID_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(${CMAKE_CURRENT_LIST_DIR}/lucidjit.pc.in ${PROJECT_BINARY_DIR}/lucidjit.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/lucidjit.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
