# Wiring for lucid-aot's tests (included from tests/CMakeLists.txt): they run the built
# lucid-aot (LUCID_AOT_PATH), then build C programs from tests/aot_driver.c with the system C
# compiler (LUCID_C_COMPILER) against the files it wrote, in LUCID_AOT_WORK_DIR.
file(GLOB LUCID_AOT_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/test_aot*.cpp)
foreach(test_source ${LUCID_AOT_TESTS})
  get_filename_component(test_name ${test_source} NAME_WE)
  if(TARGET ${test_name} AND TARGET lucid-aot)
    target_compile_definitions(${test_name} PRIVATE
      LUCID_AOT_PATH="$<TARGET_FILE:lucid-aot>"
      LUCID_C_COMPILER="${CMAKE_C_COMPILER}"
      LUCID_CXX_COMPILER="${CMAKE_CXX_COMPILER}"
      LUCID_AOT_TEST_DIR="${CMAKE_CURRENT_SOURCE_DIR}"
      LUCID_AOT_WORK_DIR="${CMAKE_BINARY_DIR}/test-aot/${test_name}")
    target_link_libraries(${test_name} PRIVATE ${CMAKE_DL_LIBS})
    add_dependencies(${test_name} lucid-aot)
  endif()
endforeach()
