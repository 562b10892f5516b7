# Wiring for the runtime's tool tests (included from tests/CMakeLists.txt): the lucid-run tests
# run the built binary, whose path they get as LUCID_RUN_PATH, and write .npy files with its
# library.
foreach(test_name test_lucid_run test_lucid_run_npy)
  if(TARGET ${test_name} AND TARGET lucid-run)
    target_link_libraries(${test_name} PRIVATE lucid_npy)
    target_compile_definitions(${test_name} PRIVATE LUCID_RUN_PATH="$<TARGET_FILE:lucid-run>")
    add_dependencies(${test_name} lucid-run)
  endif()
endforeach()
