# The random-layer tests: one source per tier, several CTest entries per source. Each entry
# names its shard in LUCID_RANDOM_SHARD (the sources list the shards and their seeds), so
# `ctest -j2` balances the long JIT shards over the cores. LUCID_RANDOM_LAYERS, if set in the
# caller's environment, still sets the layers per shard (e.g. fewer under a sanitizer).
function(lucid_random_layer_test executable source)
  add_executable(${executable} ${source})
  target_link_libraries(${executable} PRIVATE lucid_doctest_main lucid_jit)
  foreach(shard ${ARGN})
    set(test_name ${executable}_${shard})
    add_test(NAME ${test_name} COMMAND ${executable})
    set_tests_properties(${test_name} PROPERTIES
      ENVIRONMENT "LUCID_RANDOM_SHARD=${shard};LUCID_JIT_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/${test_name};LUCID_TUNING_DB=${CMAKE_BINARY_DIR}/test-cache/no-tuning.json")
  endforeach()
endfunction()

lucid_random_layer_test(test_jit_random ${CMAKE_CURRENT_SOURCE_DIR}/jit_random_layers.cpp f32_a f32_b f64_a f64_b)
# The JIT shards take minutes: start them first so the short tests fill the gaps.
foreach(shard f32_a f32_b f64_a f64_b)
  set_tests_properties(test_jit_random_${shard} PROPERTIES COST 1000)
endforeach()
lucid_random_layer_test(test_tier0_random ${CMAKE_CURRENT_SOURCE_DIR}/tier0_random_layers.cpp f32 f64)
